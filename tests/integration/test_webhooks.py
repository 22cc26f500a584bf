"""Signed webhooks (issue 18, item 3; docs/api.md "Webhooks"): every event of
mg:events POSTed to each configured webhook as {"events": [...]}, signed with
the active key over "<Modgate-Timestamp>.<body>" and verified here with the
public key from GET /v1/keys (python3-cryptography, not libsodium); at least
once, in order per comment, retried with backoff while the receiver fails,
each event once across instances (a consumer group), a killed instance's
pending deliveries delivered by another. The receiver is a Python
http.server in a thread that can fail (500) or be slow."""
import base64
import http.server
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest
import redis as redislib

from conftest import (MOD_TOKEN, MODCTL, SITE_TOKEN, metric, parse_metrics,
                      post_comment, wait_until)
from signing import public_keys
from test_moderation import approve, reject, write_rules

_seq = itertools.count(1)
JSON = {"Content-Type": "application/json"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SIG = re.compile(r"^keyid=([0-9a-f]+), sig=([A-Za-z0-9+/]+={0,2})$")


class Receiver:
    """A webhook receiver on a free loopback port. It answers 500 to its
    first fail_first requests and to every request while failing is set,
    and sleeps `sleep` seconds before answering; it records every request
    (headers, raw body, status it answered, time)."""

    def __init__(self, fail_first=0, sleep=0.0):
        self.fail_first = fail_first
        self.failing = False
        self.sleep = sleep
        self.lock = threading.Lock()
        self.requests = []
        self.arrived = 0  # requests received, answered or not yet
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.time()
                with receiver.lock:
                    receiver.arrived += 1
                    n = len(receiver.requests) + 1
                    fail = n <= receiver.fail_first or receiver.failing
                    sleep = receiver.sleep
                if sleep:
                    time.sleep(sleep)
                status = 500 if fail else 204
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body,
                                              "status": status, "at": arrived,
                                              "path": self.path, "slept": sleep})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def delivered(self):
        """The events of the requests answered 2xx, in arrival order."""
        with self.lock:
            reqs = [r for r in self.requests if r["status"] < 300]
        return [e for r in reqs for e in json.loads(r["body"])["events"]]

    def all_requests(self):
        with self.lock:
            return list(self.requests)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def hooks_config(*hooks, extra=""):
    lines = ["webhooks:"]
    for h in hooks:
        lines.append("  - " + json.dumps(h))
    return "\n".join(lines) + "\n" + extra


def start(redis, start_modgate, workdir, config, **kw):
    """A modgate with the webhooks of config, once their consumer groups
    exist (made at the stream's end: the events before are not sent)."""
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)), config=config, **kw)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    c = redislib.Redis(port=redis.port, decode_responses=True)
    n = config.count("url")
    wait_until(lambda: c.exists("mg:events") and len(c.xinfo_groups("mg:events")) >= n,
               timeout=10)
    return m


def submit(server, body, comment_no=None, article="art-w"):
    n = comment_no or next(_seq)
    r = post_comment(server, {"article_id": article, "author_id": "u-%d" % n,
                              "body": "%s (%d)" % (body, n)})
    assert r.status_code in (201, 202, 422), r.text
    return r.json()


def stream_events(redis):
    """The events in Redis: [(id, type, comment)], in stream order."""
    c = redislib.Redis(port=redis.port, decode_responses=True)
    return [(i, f["type"], f["comment"]) for i, f in c.xrange("mg:events")]


def verify(server, req, keys=None):
    """Asserts req's signature verifies with the server's public key and its
    timestamp is within seconds of its arrival; returns its events."""
    keys = keys or public_keys(server.get("/v1/keys").json())
    h = req["headers"]
    assert h["Content-Type"] == "application/json"
    ts = h["Modgate-Timestamp"]
    assert re.fullmatch(r"\d+", ts), ts
    assert abs(int(ts) - req["at"]) <= 5, (ts, req["at"])
    m = SIG.match(h["Modgate-Signature"])
    assert m, h["Modgate-Signature"]
    keys[m.group(1)].verify(base64.b64decode(m.group(2), validate=True),
                            ts.encode() + b"." + req["body"])
    return json.loads(req["body"])["events"]


def check_event(e):
    assert set(e) == {"id", "type", "comment_id", "article_id", "author_id", "status",
                      "at"}, e
    assert re.fullmatch(r"\d+-\d+", e["id"]) and TIME.match(e["at"]), e


def assert_once_in_order(received, expected):
    """Every event of expected (stream_events) received exactly once, and
    each comment's events in stream order."""
    ids = [e["id"] for e in received]
    assert len(ids) == len(set(ids)), "duplicates: %s" % sorted(
        i for i in set(ids) if ids.count(i) > 1)
    assert sorted(ids, key=stream_key) == [i for i, _, _ in expected]
    by_comment = {}
    for e in received:
        by_comment.setdefault(e["comment_id"], []).append(stream_key(e["id"]))
    for comment, seq in by_comment.items():
        assert seq == sorted(seq), (comment, seq)


def stream_key(i):
    ms, n = i.split("-")
    return (int(ms), int(n))


def metrics(server):
    return parse_metrics(server.get("/metrics").text)


def every_kind_of_event(server):
    """published, held, rejected, approved, removed, reported: returns the
    comments' ids."""
    pub = submit(server, "A fine comment")
    held = submit(server, "Please look HOLDME")
    assert held["status"] == "pending"
    rej = submit(server, "Buy now REJECTME")
    assert rej["code"] == "rejected", rej
    assert approve(server, held["id"]).status_code == 200
    pub2 = submit(server, "Another fine comment")
    r = server.post("/v1/comments/%s/reports" % pub2["id"], token=SITE_TOKEN, headers=JSON,
                    data=json.dumps({"reporter_id": "reader-1", "reason": "spam"}))
    assert r.status_code in (201, 202), r.text
    time.sleep(0.01)
    assert reject(server, pub["id"]).status_code == 200
    return [pub["id"], held["id"], rej["id"], pub2["id"]]


def test_every_event_once_in_order_signed(redis, start_modgate, workdir, receiver):
    m = start(redis, start_modgate, workdir, hooks_config({"url": receiver.url}))
    every_kind_of_event(m)
    expected = stream_events(redis)
    assert {t for _, t, _ in expected} == {"published", "held", "rejected", "approved",
                                           "removed", "reported"}
    wait_until(lambda: len(receiver.delivered()) >= len(expected), timeout=10)
    time.sleep(0.6)  # nothing more comes
    keys = public_keys(m.get("/v1/keys").json())
    received = []
    for req in receiver.all_requests():
        assert req["path"] == "/hook"
        received += verify(m, req, keys)
    for e in received:
        check_event(e)
    assert_once_in_order(received, expected)
    by_id = {e["id"]: e for e in received}
    for i, t, c in expected:
        assert by_id[i]["type"] == t and by_id[i]["comment_id"] == c
        assert by_id[i]["article_id"] == "art-w"
    mt = metrics(m)
    assert metric(mt, "modgate_webhook_events_total") == len(expected)
    assert metric(mt, "modgate_webhook_deliveries_total", outcome="delivered") >= 1
    assert metric(mt, "modgate_webhook_delivery_seconds_count") >= 1


def test_a_failing_receiver_gets_every_event_once_when_it_recovers(
        redis, start_modgate, workdir):
    rcv = Receiver(fail_first=4)
    try:
        m = start(redis, start_modgate, workdir,
                  hooks_config({"url": rcv.url + "?secret=x", "timeout_ms": 2000}))
        for _ in range(3):
            submit(m, "Comment while the receiver fails")
        wait_until(lambda: len(rcv.all_requests()) >= 2, timeout=10)
        # the state while it fails: the error, nothing delivered yet
        hooks = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"]
        assert hooks[0]["last_error"] == "HTTP 500" and hooks[0]["delivered"] == 0
        assert hooks[0]["url"].endswith("/hook?REDACTED"), hooks[0]["url"]
        assert hooks[0]["pending"] >= 1
        for _ in range(3):
            submit(m, "Comment later")
        expected = stream_events(redis)
        wait_until(lambda: len(rcv.delivered()) >= len(expected), timeout=30)
        time.sleep(0.6)
        received = [e for r in rcv.all_requests() if r["status"] < 300
                    for e in verify(m, r)]
        assert_once_in_order(received, expected)
        failed = [r for r in rcv.all_requests() if r["status"] == 500]
        assert len(failed) == 4
        for r in failed:  # each retry is signed afresh
            verify(m, r)
        mt = metrics(m)
        assert metric(mt, "modgate_webhook_deliveries_total", outcome="retried") == 4
        assert metric(mt, "modgate_webhook_deliveries_total", outcome="failed") == 0
        wait_until(lambda: m.get("/v1/webhooks", token=MOD_TOKEN).json()
                   ["webhooks"][0]["pending"] == 0, timeout=5)
        hooks = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"]
        h = hooks[0]
        assert h["delivered"] == len(expected) and h["failed"] == 0 and h["lag"] == 0
        assert TIME.match(h["last_success_at"]) and TIME.match(h["last_error_at"])
        assert h["events"] == ["published", "held", "rejected", "approved", "removed",
                               "reported", "edited", "deleted", "erased"]
        # modctl webhooks shows the same
        out = subprocess.run([MODCTL, "--url", m.base, "--token", MOD_TOKEN, "webhooks"],
                             capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        assert "/hook?REDACTED" in out.stdout and "HTTP 500" in out.stdout, out.stdout
        assert h["last_success_at"] in out.stdout, out.stdout
        assert "secret" not in out.stdout
        # nor does Redis keep it, or the log show it
        c = redislib.Redis(port=redis.port, decode_responses=True)
        state = [k for k in c.keys("mg:wh:*") if k.count(":") == 2 and "alive" not in k]
        assert len(state) == 1 and c.hget(state[0], "url").endswith("/hook?REDACTED")
        assert "secret" not in m.logs()
    finally:
        rcv.close()


def test_events_filter(redis, start_modgate, workdir, receiver):
    m = start(redis, start_modgate, workdir,
              hooks_config({"url": receiver.url, "events": ["held", "approved"]}))
    every_kind_of_event(m)
    expected = [e for e in stream_events(redis) if e[1] in ("held", "approved")]
    assert len(expected) == 2
    wait_until(lambda: len(receiver.delivered()) >= 2, timeout=10)
    time.sleep(0.8)
    assert_once_in_order(receiver.delivered(), expected)
    # the others were acknowledged without a delivery: nothing lags
    h = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"][0]
    assert h["events"] == ["held", "approved"] and h["pending"] == 0 and h["lag"] == 0


def test_two_instances_share_the_deliveries(redis, start_modgate, workdir):
    rcv = Receiver(sleep=0.05)
    try:
        config = hooks_config({"url": rcv.url})
        a = start(redis, start_modgate, workdir, config)
        b = start(redis, start_modgate, workdir, config)
        comments = []
        for i in range(40):
            server = a if i % 2 else b
            rec = submit(server, "Shared comment")
            comments.append(rec["id"])
            if i % 4 == 0 and rec["status"] == "published":
                assert reject(server, rec["id"]).status_code == 200
            time.sleep(0.03)
        expected = stream_events(redis)
        wait_until(lambda: len(rcv.delivered()) >= len(expected), timeout=20)
        time.sleep(0.8)
        assert_once_in_order(rcv.delivered(), expected)
        ea = metric(metrics(a), "modgate_webhook_events_total")
        eb = metric(metrics(b), "modgate_webhook_events_total")
        assert ea > 0 and eb > 0 and ea + eb == len(expected), (ea, eb)
    finally:
        rcv.close()


def test_a_killed_instance_deliveries_are_delivered_by_another(
        redis, start_modgate, workdir):
    rcv = Receiver()
    rcv.failing = True
    try:
        config = hooks_config({"url": rcv.url},
                              extra="events:\n  webhook_claim_after_ms: 2000\n")
        a = start(redis, start_modgate, workdir, config)
        for _ in range(5):
            submit(a, "Comment before the kill")
        expected = stream_events(redis)
        wait_until(lambda: metric(metrics(a), "modgate_webhook_deliveries_total",
                                  outcome="retried") >= 1, timeout=10)
        b = start(redis, start_modgate, workdir, config)
        a.stop(signal.SIGKILL)
        killed_at = time.time()
        rcv.failing = False
        wait_until(lambda: len(rcv.delivered()) >= len(expected), timeout=20)
        took = time.time() - killed_at
        time.sleep(0.6)
        assert_once_in_order(rcv.delivered(), expected)
        assert metric(metrics(b), "modgate_webhook_events_total") == len(expected)
        assert took >= 1.0, took  # not before a's liveness ran out
        h = b.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"][0]
        assert h["pending"] == 0
    finally:
        rcv.close()


def test_a_slow_receiver_delays_no_submission(redis, start_modgate, workdir):
    rcv = Receiver(sleep=1.5)
    try:
        m = start(redis, start_modgate, workdir,
                  hooks_config({"url": rcv.url, "timeout_ms": 300}))
        submit(m, "First, its delivery times out")
        wait_until(lambda: len(rcv.all_requests()) >= 1, timeout=10)
        worst = 0.0
        for _ in range(10):
            t0 = time.monotonic()
            submit(m, "Submitted while the receiver is slow")
            worst = max(worst, time.monotonic() - t0)
        assert worst < 0.25, worst
        wait_until(lambda: metric(metrics(m), "modgate_webhook_deliveries_total",
                                  outcome="retried") >= 2, timeout=10)
        h = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"][0]
        assert "timed out" in h["last_error"].lower() or "timeout" in h["last_error"].lower(), h
        rcv.sleep = 0
        expected = {i for i, _, _ in stream_events(redis)}
        wait_until(lambda: {e["id"] for e in rcv.delivered()} >= expected, timeout=20)
    finally:
        rcv.close()


def test_a_delivery_failing_past_the_max_age_is_dropped_and_counted(
        redis, start_modgate, workdir):
    rcv = Receiver()
    rcv.failing = True
    try:
        m = start(redis, start_modgate, workdir, hooks_config(
            {"url": rcv.url}, extra="events:\n  webhook_max_age_s: 2\n"))
        submit(m, "Never delivered")
        submit(m, "Never delivered either")
        n = len(stream_events(redis))
        wait_until(lambda: m.get("/v1/webhooks", token=MOD_TOKEN).json()
                   ["webhooks"][0]["failed"] == n, timeout=15)
        h = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"][0]
        assert h["pending"] == 0 and h["delivered"] == 0 and h["last_error"] == "HTTP 500"
        assert metric(metrics(m), "modgate_webhook_deliveries_total", outcome="failed") == 1
        c = redislib.Redis(port=redis.port, decode_responses=True)
        gid = [k for k in c.keys("mg:wh:*:failed")]
        assert len(gid) == 1
        ids = c.xrange(gid[0])[0][1]["ids"].split(",")
        assert ids == [i for i, _, _ in stream_events(redis)]
    finally:
        rcv.close()


@pytest.mark.parametrize("config, message", [
    ({"url": "http://127.0.0.1:1/x", "events": ["published", "bogus"]},
     'webhooks[0].events[1]: unknown event type "bogus"'),
    ({"url": "ftp://example.org/x"}, "webhooks[0].url: must begin with http:// or https://"),
    ({"url": "https:///x"}, "webhooks[0].url: has no host"),
    ({"events": ["held"]}, "webhooks[0]: needs a url"),
    ({"url": "http://h/x", "events": []}, "webhooks[0].events: names no type"),
    ({"url": "http://h/x", "timeout_ms": 5}, "webhooks[0].timeout_ms: must be"),
])
def test_bad_webhook_config_is_a_clear_start_error(redis, workdir, config, message):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write(hooks_config(config))
    from conftest import MODGATE
    out = subprocess.run([MODGATE, "-c", path, "--redis", redis.url, "--check-config"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 2, out
    assert (path + ":2:") in out.stderr and message in out.stderr, out.stderr


@pytest.mark.parametrize("n, ok", [(16, True), (17, False)])
def test_at_most_sixteen_webhooks(redis, workdir, n, ok):
    """Each webhook is a delivery loop and a consumer group: the list is
    bounded, and the 17th is named where it stands."""
    path = os.path.join(workdir, "hooks.yaml")
    with open(path, "w") as f:
        f.write(hooks_config(*({"url": "http://127.0.0.1:1/h%d" % i} for i in range(n))))
    from conftest import MODGATE
    out = subprocess.run([MODGATE, "-c", path, "--redis", redis.url, "--check-config"],
                         capture_output=True, text=True, timeout=10)
    if ok:
        assert out.returncode == 0, out.stderr
    else:
        assert out.returncode == 2, out
        assert (path + ":18:") in out.stderr and "at most 16 webhooks" in out.stderr, out.stderr


def test_no_webhooks_configured(server):
    r = server.get("/v1/webhooks", token=MOD_TOKEN)
    assert r.status_code == 200 and r.json() == {"webhooks": []}
    assert server.get("/v1/webhooks", token=SITE_TOKEN).status_code == 403
    assert "modgate_webhook" not in server.get("/metrics").text


def doc_snippet(lang):
    """The ```lang block of site-integration.md's "Receiving webhooks"."""
    from conftest import ROOT
    with open(os.path.join(ROOT, "docs", "site-integration.md"), encoding="utf-8") as f:
        section = f.read().split("## Receiving webhooks", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```%s\n(.*?)```" % lang, section, re.S)
    assert len(blocks) == 1, lang
    return blocks[0]


PY_HARNESS = """
import json, sys, time
_h = json.load(open(sys.argv[1]))
_real = time.time
time.time = lambda: _real() + float(sys.argv[4])
ok = verify_webhook(_h["Modgate-Timestamp"], _h["Modgate-Signature"],
                    open(sys.argv[2], "rb").read(), json.load(open(sys.argv[3])))
sys.exit(0 if ok else 1)
"""

JS_HARNESS = """
import { readFileSync } from "node:fs";
const [h, body, keys, skew] = process.argv.slice(2);
const headers = JSON.parse(readFileSync(h, "utf8"));
const realNow = Date.now;
Date.now = () => realNow() + Number(skew) * 1000;
const ok = verifyWebhook(headers["Modgate-Timestamp"], headers["Modgate-Signature"],
                         readFileSync(body), JSON.parse(readFileSync(keys, "utf8")));
process.exit(ok ? 0 : 1);
"""


def test_the_docs_verifiers_accept_a_real_delivery_and_refuse_others(
        redis, start_modgate, workdir, receiver):
    m = start(redis, start_modgate, workdir, hooks_config({"url": receiver.url}))
    submit(m, 'Quotes " \\ / and 한국어 🇰🇷')
    wait_until(lambda: receiver.delivered(), timeout=10)
    req = receiver.all_requests()[0]
    paths = {name: os.path.join(workdir, name) for name in
             ("headers.json", "body", "keys.json", "verify.py", "verify.mjs")}
    with open(paths["headers.json"], "w") as f:
        json.dump(req["headers"], f)
    with open(paths["keys.json"], "w") as f:
        f.write(m.get("/v1/keys").text)
    with open(paths["verify.py"], "w") as f:
        f.write(doc_snippet("python") + PY_HARNESS)
    with open(paths["verify.mjs"], "w") as f:
        f.write(doc_snippet("js") + JS_HARNESS)
    node = subprocess.run(["sh", "-c", "command -v node || command -v nodejs"],
                          capture_output=True, text=True).stdout.strip()
    assert node, "Node.js is needed for the docs' example"
    runners = [["/usr/bin/python3", paths["verify.py"]], [node, paths["verify.mjs"]]]

    def run(body, skew_s):
        with open(paths["body"], "wb") as f:
            f.write(body)
        return [subprocess.run(cmd + [paths["headers.json"], paths["body"],
                                      paths["keys.json"], str(skew_s)],
                               capture_output=True, text=True, timeout=20)
                for cmd in runners]

    for r in run(req["body"], 0):
        assert r.returncode == 0, (r.args, r.stdout, r.stderr)
    for r in run(req["body"] + b" ", 0):  # a byte more
        assert r.returncode == 1, (r.args, r.stdout, r.stderr)
    for r in run(req["body"], 360):  # six minutes later: a replay
        assert r.returncode == 1, (r.args, r.stdout, r.stderr)
    for r in run(req["body"], 240):  # four minutes later: still fine
        assert r.returncode == 0, (r.args, r.stdout, r.stderr)


def test_webhooks_as_the_restricted_redis_user(workdir, start_modgate):
    """The webhook scripts (take with its claims, ack, heartbeat, info) need
    no command deploy/redis.conf's modgate user lacks."""
    from test_redis_acl import ConfRedis, PASSWORD
    r = ConfRedis(workdir)
    rcv = Receiver(fail_first=1)
    try:
        out = r.sh("printf '>%s' " + PASSWORD + " | redis-cli -x ACL SETUSER modgate resetpass")
        assert out.returncode == 0, out
        url = "redis://modgate:%s@127.0.0.1:%d/0" % (PASSWORD, r.port)
        m = start_modgate(url, args=("--rules", write_rules(workdir)),
                          config=hooks_config({"url": rcv.url}))
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
        wait_until(lambda: "wh:" in r.admin(["XINFO", "GROUPS", "mg:events"],
                                           check=False).stdout, timeout=10)
        held = submit(m, "Look HOLDME")
        assert approve(m, held["id"]).status_code == 200
        wait_until(lambda: len(rcv.delivered()) >= 2, timeout=15)
        assert [e["type"] for e in rcv.delivered()] == ["held", "approved"]
        h = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"][0]
        assert h["delivered"] == 2 and h["last_error"] == "HTTP 500"
        assert "NOPERM" not in m.logs() and "take_failed" not in m.logs()
    finally:
        rcv.close()
        r.stop()


def test_a_reload_keeps_the_webhooks_and_says_they_need_a_restart(
        redis, start_modgate, workdir, receiver):
    from test_reload import config_path, events, reload
    m = start(redis, start_modgate, workdir, hooks_config({"url": receiver.url}))
    with open(config_path(m), "w") as f:
        f.write(hooks_config({"url": receiver.url + "/other"},
                             extra="events:\n  webhook_max_age_s: 60\n"))
    needs = reload(m, "reload_needs_restart")
    assert needs["keys"] == ["webhooks"], needs
    wait_until(lambda: events(m, "reloaded"), timeout=5)
    assert events(m, "reloaded")[-1]["changed"] == ["events.webhook_max_age_s"]
    submit(m, "After the reload")
    wait_until(lambda: receiver.delivered(), timeout=10)
    assert [r["path"] for r in receiver.all_requests()] == ["/hook"]
    hooks = m.get("/v1/webhooks", token=MOD_TOKEN).json()["webhooks"]
    assert [h["url"] for h in hooks] == [receiver.url]


def test_a_kill_while_events_flow_to_a_flaky_receiver_loses_and_reorders_nothing(
        redis, start_modgate, workdir):
    """Three instances, a receiver failing one request in five at random,
    events of 200 comments written straight into the stream while one
    instance is SIGKILLed: every event arrives (duplicates allowed: at least
    once), and each comment's events first arrive in order."""
    import random
    rng = random.Random(7)
    rcv = Receiver()
    handler = rcv.httpd.RequestHandlerClass
    plain = handler.do_POST

    def flaky(self):
        with rcv.lock:
            rcv.failing = rng.random() < 0.2
        plain(self)

    handler.do_POST = flaky
    try:
        config = hooks_config({"url": rcv.url},
                              extra="events:\n  webhook_claim_after_ms: 2000\n")
        servers = [start(redis, start_modgate, workdir, config) for _ in range(3)]
        c = redislib.Redis(port=redis.port)

        def write(n0, n1):
            for i in range(n0, n1):
                c.xadd("mg:events", {"type": "published", "comment": "c%d" % (i % 200),
                                     "article": "a", "author": "u", "status": "published"})
                if i % 50 == 0:
                    time.sleep(0.02)

        write(0, 300)
        servers[0].stop(signal.SIGKILL)
        write(300, 600)
        expected = stream_events(redis)
        wait_until(lambda: {e["id"] for e in rcv.delivered()} >= {i for i, _, _ in expected},
                   timeout=40)
        first, seen = {}, set()
        for e in rcv.delivered():
            if e["id"] not in seen:
                seen.add(e["id"])
                first.setdefault(e["comment_id"], []).append(stream_key(e["id"]))
        assert all(seq == sorted(seq) for seq in first.values())
        assert sum(len(s) for s in first.values()) == 600
        assert any(r["status"] == 500 for r in rcv.all_requests())
    finally:
        rcv.close()


def test_a_graceful_stop_abandons_a_delivery_in_flight_and_hands_it_over(
        redis, start_modgate, workdir):
    rcv = Receiver(sleep=5)
    try:
        config = hooks_config({"url": rcv.url, "timeout_ms": 20000})
        a = start(redis, start_modgate, workdir, config)
        submit(a, "In flight at the stop")
        expected = stream_events(redis)
        assert len(expected) == 1
        wait_until(lambda: rcv.arrived == 1, timeout=5)  # the POST waits on it
        t0 = time.monotonic()
        assert a.stop() == 0
        assert time.monotonic() - t0 < 3.0  # not held by the POST
        rcv.sleep = 0
        t1 = time.monotonic()
        start(redis, start_modgate, workdir, config)  # its own consumer
        wait_until(lambda: rcv.delivered(), timeout=5)
        # at once, not after events.webhook_claim_after_ms (10 s)
        assert time.monotonic() - t1 < 3.0
        assert [e["id"] for e in rcv.delivered()] == [i for i, _, _ in expected]
    finally:
        rcv.close()


def test_ready_means_the_first_comment_is_delivered(redis, start_modgate, workdir, receiver):
    """/readyz says ready only once the webhook's consumer group exists: a
    comment sent the moment it does is delivered (its group, made at the
    stream's end, would otherwise start after it). The link to Redis comes
    up while the first take is still failing, so without the check readyz
    answered 200 up to a second before the group existed."""
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config=hooks_config({"url": receiver.url}))
    seen = []

    def ready():
        r = m.get("/readyz")
        seen.append(r.json()["checks"].get("webhooks"))
        return r.status_code == 200
    wait_until(ready, timeout=10, interval=0.005)
    assert seen[-1] == "ready"
    rec = submit(m, "the very first comment")
    wait_until(lambda: any(e["comment_id"] == rec["id"] for e in receiver.delivered()),
               timeout=10)
