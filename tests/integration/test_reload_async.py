"""Reloads never block a request (issue 19: "loading a model never blocks a
request"; docs/architecture.md "Reloading"). A rule set whose model takes
a good part of a second to load (bigmodel.py: 600,000 weights, 12 MB) is
reloaded by POST /v1/rules/reload or SIGHUP while GET /healthz is sent on
another connection, one after the other. Asserted by order, not by time:
/healthz requests sent after the reload began are answered before its
answer (or its log line) arrives, and then the new set is in force. One
load at a time: reloads asked together all answer, each with a load begun
after it asked. A stop during a load waits for it and exits cleanly."""
import json
import os
import select
import signal
import subprocess
import time

import pytest

import bigmodel
from conftest import (MOD_TOKEN, MODCTL, SITE_TOKEN, problem, read_responses,
                      request_bytes, split_responses, wait_until)

HEALTHZ = request_bytes("GET", "/healthz")
RELOAD = request_bytes("POST", "/v1/rules/reload",
                       headers={"Authorization": "Bearer " + MOD_TOKEN})
# /healthz answered during one reload: a load on the loop lets one or two
# through (those read before it began, and while the audit entry is
# written); on the pool, hundreds.
SEVERAL = 20


@pytest.fixture
def big_server(redis, start_modgate, workdir):
    """A modgate whose rules are bigmodel's set with a small model (a quick
    start); a test puts the big one in place."""
    rules = bigmodel.write(os.path.join(workdir, "rules"), lines=1000)
    m = start_modgate(redis.url, args=("--rules", rules))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    m.rules_dir = rules
    return m


def version_in_force(m):
    r = m.post("/v1/check", token=SITE_TOKEN,
               headers={"Content-Type": "application/json"},
               data=json.dumps({"article_id": "a-1", "author_id": "u-1",
                                "body": "a fine day"}).encode())
    assert r.status_code == 200, r.text
    return r.json()["rules_version"]


def version_on_disk(rules_dir):
    """What `modctl rules lint` says the set on disk is."""
    out = subprocess.run([MODCTL, "rules", "lint", rules_dir], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.split("version ")[1].split()[0]


class Answer:
    """A response awaited on sock without blocking: done() reads what has
    come and says whether the whole response is there."""

    def __init__(self, sock):
        self.sock, self.data, self.got = sock, b"", []

    def done(self):
        while select.select([self.sock], [], [], 0)[0]:
            b = self.sock.recv(65536)
            if not b:
                break
            self.data += b
            self.got, _ = split_responses(self.data)
        return bool(self.got)

    def response(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not self.done():
            assert time.monotonic() < deadline, "no answer within %ds" % timeout
            select.select([self.sock], [], [], 0.05)
        return self.got[0]


class LogEnd:
    """The log's lines written after now: seen(event) says whether one with
    that event has come."""

    def __init__(self, m):
        self.f = open(m.log_path, "rb")
        self.f.seek(0, os.SEEK_END)
        self.lines = []

    def seen(self, event):
        for line in self.f.read().splitlines():
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                pass
        return [l for l in self.lines if l.get("event") == event]


def healthz_until(m, ended):
    """GET /healthz on one keep-alive connection, one after the other, each
    sent after the reload began, until ended() (checked after each answer)
    is true; how many were answered before it was."""
    answered = 0
    with m.connect() as s:
        while not ended():
            s.sendall(HEALTHZ)
            (status, _, _), = read_responses(s, 1, timeout=30)
            assert status == 200
            if not ended():
                answered += 1
    return answered


def test_a_post_reload_of_a_big_model_blocks_no_request(big_server):
    m = big_server
    old = version_in_force(m)
    bigmodel.write(m.rules_dir)
    with m.connect(timeout=30) as s:
        s.sendall(RELOAD)
        reload = Answer(s)
        answered = healthz_until(m, reload.done)
        status, headers, body = reload.response()
    assert status == 200, body
    assert answered >= SEVERAL, answered
    new = json.loads(body)["rules_version"]
    assert new != old and new == version_on_disk(m.rules_dir)
    assert version_in_force(m) == new


def sighup_big(m):
    """Puts the big model on disk and sends SIGHUP; the version in force
    before, and the log from then on."""
    old = version_in_force(m)
    bigmodel.write(m.rules_dir)
    log = LogEnd(m)
    m.signal(signal.SIGHUP)
    return old, log


def test_a_sighup_of_a_big_model_blocks_no_request(big_server):
    m = big_server
    old, log = sighup_big(m)
    answered = healthz_until(m, lambda: log.seen("reloaded") or log.seen("reload_failed"))
    line, = log.seen("reloaded")
    assert answered >= SEVERAL, answered
    assert line["rules_version"] != old
    assert version_in_force(m) == line["rules_version"] == version_on_disk(m.rules_dir)


def test_reloads_asked_together_each_load_what_was_on_disk_when_asked(big_server):
    """A's load is under way when the set changes and B and C ask: they
    wait for it and share one load begun after they asked (the new files):
    three answers, two loads; each is a moderator's action in the audit
    log."""
    m = big_server
    bigmodel.write(m.rules_dir, salt=1)
    second = bigmodel.prepare(m.rules_dir, salt=2)
    log = LogEnd(m)
    with m.connect(timeout=30) as a, m.connect(timeout=30) as b, \
            m.connect(timeout=30) as c:
        a.sendall(RELOAD)
        first = Answer(a)
        time.sleep(0.05)
        second()
        b.sendall(RELOAD)
        c.sendall(RELOAD)
        time.sleep(0.02)  # B's and C's requests are read, not answered
        assert not first.done()  # they came while A's load ran
        ra, rb, rc = first.response(), Answer(b).response(), Answer(c).response()
    assert ra[0] == rb[0] == rc[0] == 200, (ra, rb, rc)
    v2 = version_on_disk(m.rules_dir)
    assert json.loads(rb[2])["rules_version"] == json.loads(rc[2])["rules_version"] == v2
    assert version_in_force(m) == v2
    assert len(log.seen("rules_loaded")) == 2
    entries = m.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    assert [e["action"] for e in entries[:3]] == ["rules_reload"] * 3


def test_a_post_during_a_sighup_waits_for_it_and_a_broken_set_says_why(big_server):
    m = big_server
    old, log = sighup_big(m)
    wait_until(lambda: log.seen("sighup"))  # its load has begun
    with open(os.path.join(m.rules_dir, "60-broken.yaml"), "w") as f:
        f.write("rules: [{id: x}]\n")
    r = m.post("/v1/rules/reload", token=MOD_TOKEN, timeout=60)
    # the SIGHUP's load began first: it may or may not have read the broken
    # file; the POST's began after, so it did, and refuses the whole set
    err = problem(r, 422, "invalid_rules")["errors"][0]
    assert err["file"] == "60-broken.yaml", err
    assert log.seen("reloaded") or log.seen("reload_failed")
    assert log.seen("rules_reload_failed")
    assert version_in_force(m) != old or log.seen("reload_failed")


def test_a_client_leaving_during_a_load_leaves_it_to_finish(big_server):
    m = big_server
    old = version_in_force(m)
    bigmodel.write(m.rules_dir)
    log = LogEnd(m)
    with m.connect() as s:
        s.sendall(RELOAD)
    wait_until(lambda: log.seen("rules_loaded"), timeout=60)
    assert version_in_force(m) != old
    assert m.get("/healthz").status_code == 200


def test_sigterm_during_a_post_reload_answers_it_and_exits_cleanly(big_server):
    m = big_server
    bigmodel.write(m.rules_dir)
    with m.connect(timeout=60) as s:
        s.sendall(RELOAD)
        time.sleep(0.05)
        m.signal(signal.SIGTERM)
        (status, headers, body), = read_responses(s, 1, timeout=60)
    assert status == 200, body
    assert headers["connection"] == "close"
    assert m.proc.wait(timeout=60) == 0  # a second SIGTERM would race the exit
    m.assert_clean()


def test_sigterm_during_a_sighup_drops_its_result_and_exits_cleanly(big_server):
    m = big_server
    bigmodel.write(m.rules_dir)
    m.signal(signal.SIGHUP)
    time.sleep(0.05)
    assert m.stop() == 0
    events = [l.get("event") for l in m.log_lines()]
    assert "reloaded" not in events
    assert events.index("draining") < events.index("reload_dropped") < events.index("stopped")
    m.assert_clean()
