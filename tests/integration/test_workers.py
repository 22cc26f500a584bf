"""Several worker processes serving one port (`workers: N`, issue 20 item 4;
docs/operations.md "Workers"): every worker serves, /metrics sums them, a
rules reload reaches every one before it is answered, SIGTERM drains them
all, SIGHUP reloads them all, a worker that dies is replaced, and a port in
use is refused as a single server refuses it."""
import os
import signal
import socket
import time

import pytest
import requests

from conftest import (SITE_TOKEN, MOD_TOKEN, auth, created, metric, parse_metrics,
                      post_comment, wait_until)
from test_webhooks import Receiver, hooks_config


def workers_of(m):
    """The worker pids the supervisor logged as started and not yet gone."""
    alive = {}
    for line in m.log_lines():
        if line.get("event") == "worker_started":
            alive[line["worker"]] = line["pid"]
        elif line.get("event") in ("worker_died", "worker_stopped"):
            if alive.get(line["worker"]) == line["pid"]:
                del alive[line["worker"]]
    return alive


def pids_answering(m, n_requests=200):
    """The set of worker numbers that answered n_requests on new
    connections: each access log line says its worker."""
    before = len(m.log_lines())
    for _ in range(n_requests):
        with requests.Session() as s:
            s.get(m.base + "/healthz", timeout=5)
    lines = m.log_lines()[before:]
    return {l["worker"] for l in lines if l.get("event") == "access" and "worker" in l}


@pytest.fixture
def two(redis, start_modgate):
    m = start_modgate(redis.url, args=["--workers", "2"])
    wait_until(lambda: len(workers_of(m)) == 2, timeout=10)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def test_two_workers_both_serve_one_port(two):
    assert sorted(workers_of(two)) == [0, 1]
    assert pids_answering(two) == {0, 1}
    # the supervisor serves nothing: its own lines say no worker
    sup = [l for l in two.log_lines() if l.get("module") == "workers"]
    assert sup and all("worker" not in l or l["event"].startswith("worker_") for l in sup)


def test_metrics_are_summed_over_the_workers(two):
    for i in range(40):
        r = post_comment(two, {"article_id": "a-sum", "author_id": "u%d" % i,
                               "body": "Thanks for the report number %d." % i})
        assert r.status_code in (201, 202), r.text
    # both workers took some (new connection each), and any worker's /metrics
    # counts all 40, whichever answers
    for _ in range(6):
        with requests.Session() as s:
            m = parse_metrics(s.get(two.base + "/metrics", timeout=5).text)
        assert metric(m, "modgate_submissions_total", outcome="published") == 40
        assert metric(m, "modgate_http_requests_total", route="/v1/comments",
                      method="POST", status="201") == 40


def test_rule_hits_are_summed(redis, start_modgate, workdir):
    rules = os.path.join(workdir, "rules")
    os.mkdir(rules)
    with open(os.path.join(rules, "r.yaml"), "w") as f:
        f.write("rules:\n  - {id: t.word, reason: r, when: {regex: 'zebra'}, score: 0.1}\n")
    m = start_modgate(redis.url, args=["--workers", "2", "--rules", rules])
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    for i in range(20):
        r = post_comment(m, {"article_id": "a", "author_id": "z%d" % i,
                             "body": "A zebra, seen from afar %d." % i})
        assert r.status_code in (201, 202), r.text
    assert pids_answering(m, 50) == {0, 1}
    for _ in range(4):
        with requests.Session() as s:
            got = parse_metrics(s.get(m.base + "/metrics", timeout=5).text)
        assert metric(got, "modgate_rule_hits_total", rule="t.word") == 20


def test_rules_reload_reaches_every_worker_before_the_answer(redis, start_modgate,
                                                            workdir):
    rules = os.path.join(workdir, "rules")
    os.mkdir(rules)
    path = os.path.join(rules, "r.yaml")
    with open(path, "w") as f:
        f.write("rules:\n  - {id: t.old, reason: r, when: {regex: 'qqqq'}, score: 0.1}\n")
    m = start_modgate(redis.url, args=["--workers", "2", "--rules", rules])
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    with open(path, "w") as f:
        f.write("rules:\n  - {id: t.new, reason: r, when: {regex: 'kangaroo'}, "
                "action: reject}\n")
    r = m.post("/v1/rules/reload", token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    # at once, on new connections (spread over both workers): every one rejects
    for i in range(30):
        with requests.Session() as s:
            r = s.post(m.base + "/v1/comments", headers=auth(SITE_TOKEN),
                       json={"article_id": "a", "author_id": "k%d" % i,
                             "body": "A kangaroo in the park %d." % i}, timeout=5)
        assert r.status_code == 422, (i, r.text)
    loaded = {l["worker"] for l in m.log_lines() if l.get("event") == "rules_loaded"
              and "worker" in l}
    assert loaded == {0, 1}


def test_sigterm_drains_every_worker_and_exits_zero(two):
    pids = set(workers_of(two).values())
    assert len(pids) == 2
    assert two.stop() == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    stopped = [l for l in two.log_lines() if l.get("event") == "worker_stopped"]
    assert len(stopped) == 2
    assert {l["worker"] for l in two.log_lines() if l.get("event") == "stopped"
            and "worker" in l} == {0, 1}


def test_sighup_reloads_every_worker(two):
    two.signal(signal.SIGHUP)
    wait_until(lambda: {l.get("worker") for l in two.log_lines()
                        if l.get("event") == "reloaded"} == {0, 1}, timeout=10)


def test_a_worker_that_dies_is_replaced(two):
    before = workers_of(two)
    os.kill(before[1], signal.SIGKILL)
    wait_until(lambda: workers_of(two).get(1) not in (None, before[1]), timeout=10)

    died = [l for l in two.log_lines() if l.get("event") == "worker_died"]
    assert died and died[0]["worker"] == 1 and died[0]["signal"] == signal.SIGKILL
    assert workers_of(two)[0] == before[0]
    # the replacement serves
    wait_until(lambda: pids_answering(two, 60) == {0, 1}, timeout=10)


def test_a_replacement_goes_on_from_the_counters_of_the_worker_that_died(
        redis, start_modgate, workdir):
    """/metrics' totals do not go down when a worker dies: its replacement
    goes on from the rule hits, webhook deliveries and Redis connections it
    had published (a total going down reads as a reset to Prometheus). Both
    workers are killed in turn, so whichever did the counting is at stake."""
    rules = os.path.join(workdir, "rules")
    os.mkdir(rules)
    with open(os.path.join(rules, "r.yaml"), "w") as f:
        f.write("rules:\n  - {id: t.word, reason: r, when: {regex: 'zebra'}, score: 0.1}\n")
    receiver = Receiver()
    try:
        m = start_modgate(redis.url, args=["--workers", "2", "--rules", rules],
                          config=hooks_config({"url": receiver.url}))
        wait_until(lambda: len(workers_of(m)) == 2, timeout=10)
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
        for i in range(20):
            r = post_comment(m, {"article_id": "a", "author_id": "z%d" % i,
                                 "body": "A zebra, seen from afar %d." % i})
            assert r.status_code == 201, r.text
        wait_until(lambda: len(receiver.delivered()) >= 20, timeout=10)

        def totals():
            with requests.Session() as s:
                got = parse_metrics(s.get(m.base + "/metrics", timeout=5).text)
            return (metric(got, "modgate_rule_hits_total", rule="t.word"),
                    metric(got, "modgate_webhook_events_total"),
                    metric(got, "modgate_redis_connects_total"))

        # the webhooks' counts are published every 100 ms
        wait_until(lambda: totals()[1] >= 20, timeout=5)
        hits, events, connects = totals()
        assert hits == 20 and connects >= 2
        for worker in (1, 0):
            before = workers_of(m)
            os.kill(before[worker], signal.SIGKILL)
            wait_until(lambda: workers_of(m).get(worker) not in (None, before[worker]),
                       timeout=10)
            wait_until(lambda: pids_answering(m, 60) == {0, 1}, timeout=10)
        # each replacement made a connection of its own: two more than before
        wait_until(lambda: totals()[2] >= connects + 2, timeout=5)
        for _ in range(6):
            now = totals()
            assert now[0] == hits and now[1] >= events and now[2] >= connects + 2, now
    finally:
        receiver.close()


def test_killing_the_supervisor_stops_its_workers(redis, start_modgate):
    m = start_modgate(redis.url, args=["--workers", "2"])
    wait_until(lambda: len(workers_of(m)) == 2, timeout=10)
    pids = list(workers_of(m).values())
    m.proc.kill()
    m.proc.wait()
    m.log.close()

    def gone():
        for pid in pids:
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                pass
        return True
    wait_until(gone, timeout=15)


def test_a_port_in_use_is_refused(redis, start_modgate):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        m = start_modgate(redis.url, wait=False, port=port, args=["--workers", "2"])
        assert m.proc.wait(timeout=10) == 1
        assert any(l.get("event") == "listen_failed" for l in m.log_lines())
    finally:
        s.close()


def test_a_second_modgate_cannot_join_the_port(two, redis, start_modgate):
    """SO_REUSEPORT would let it; the probe bind without it refuses."""
    other = start_modgate(redis.url, wait=False, port=two.port, args=["--workers", "2"])
    assert other.proc.wait(timeout=10) == 1
    assert any(l.get("event") == "listen_failed" for l in other.log_lines())


def test_workers_setting_in_the_config_file(redis, start_modgate):
    m = start_modgate(redis.url, config="workers: 2\n")
    wait_until(lambda: len(workers_of(m)) == 2, timeout=10)
    assert pids_answering(m) == {0, 1}


def test_one_worker_is_one_process(redis, start_modgate):
    m = start_modgate(redis.url, args=["--workers", "1"])
    assert not workers_of(m)
    assert not any(l.get("module") == "workers" for l in m.log_lines())
    assert all("worker" not in l for l in m.log_lines())


def test_the_built_in_default_is_one_process(redis, start_modgate):
    m = start_modgate(redis.url)
    assert not any(l.get("module") == "workers" for l in m.log_lines())


def test_zero_is_one_worker_per_cpu(redis, start_modgate):
    m = start_modgate(redis.url, args=["--workers", "0"])
    n = len(os.sched_getaffinity(0))
    if n == 1:
        assert not workers_of(m)
    else:
        wait_until(lambda: len(workers_of(m)) == n, timeout=10)


def test_a_stop_while_workers_start_is_a_clean_stop(redis, start_modgate):
    """SIGTERM as soon as the workers are forked, before their servers
    handle signals: it waits for them (blocked, then delivered) and every
    worker drains, rather than dying of the signal's default action."""
    for _ in range(5):
        m = start_modgate(redis.url, wait=False, args=["--workers", "2"])
        wait_until(lambda: len(workers_of(m)) == 2, timeout=10, interval=0.001)
        code = m.stop()
        assert code == 0, m.logs()[-3000:]
        stopped = [l for l in m.log_lines() if l.get("event") == "worker_stopped"]
        assert [l["signal"] for l in stopped] == [0, 0], stopped


@pytest.mark.parametrize("value", ["257", "-1", "two"])
def test_a_workers_value_out_of_range_is_a_configuration_error(redis, start_modgate,
                                                               value):
    m = start_modgate(redis.url, wait=False, args=["--workers", value])
    assert m.proc.wait(timeout=10) == 2
    assert "workers" in m.logs() and "0 to 256" in m.logs(), m.logs()
