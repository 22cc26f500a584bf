"""Losing the primary Redis (issue 16, item 4; docs/operations.md "Redis
Sentinel"): a primary, two replicas and three sentinels, real processes
(sentinel_cluster.py). Site clients post with Idempotency-Keys and retry a
503 with the same key, as docs/site-integration.md tells them; the primary
is killed with SIGKILL under that load. With redis.min_replicas_ack: 1 no
acknowledged comment is lost; with 0, the comments acknowledged while the
replicas lagged are lost, and the figure is printed (operations.md states
it). Either way modgate goes on, the first success
comes within 10 s of the kill, and every answer is the answer to its own
request."""
import subprocess
import threading
import time
import uuid

import pytest
import requests

from conftest import SITE_TOKEN, post_comment, wait_until
from sentinel_cluster import SentinelCluster, have_sentinel

pytestmark = pytest.mark.skipif(
    not have_sentinel(),
    reason="redis-sentinel is not installed (Debian package redis-sentinel; "
           "deploy/bootstrap test installs it)")

FIRST_SUCCESS_BOUND_S = 10.0
CLIENTS = 3
LOAD_BEFORE_KILL_S = 1.5
LOAD_AFTER_KILL_S = 12.0
REPLICA_LAG_S = 0.5
NO_RATE_LIMITS = "\n".join(["rate_limits:"] + ["  %s: []" % d for d in
                                               ("author", "ip", "subnet", "article",
                                                "global")])


class Client(threading.Thread):
    """One site backend: posts comments one after another, each with its
    own Idempotency-Key, retrying 503s and connection errors with the same
    key until an outcome (or the run ends)."""

    def __init__(self, m, n, stop):
        super().__init__(daemon=True)
        self.m, self.n, self.stop_at = m, n, stop
        self.acked = []      # (comment id, time sent, time answered)
        self.statuses = []
        self.mismatched = []  # answers that are not their request's
        self.unfinished = 0   # comments still without an outcome at the end

    def one(self, i):
        body = "Client %d, comment %d: the council vote was closer than reported." % (
            self.n, i)
        payload = {"article_id": "failover-%d" % (i % 7), "author_id": "u-%d-%d" % (
            self.n, i), "body": body}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        sent = time.time()
        while time.time() < self.stop_at + 15:
            try:
                r = post_comment(self.m, payload, headers=key)
            except requests.RequestException:
                self.statuses.append("error")
                time.sleep(0.1)
                continue
            self.statuses.append(r.status_code)
            if r.status_code in (201, 202):
                got = r.json()
                if (got.get("body"), got.get("author_id")) != (body, payload["author_id"]):
                    self.mismatched.append((payload, got))
                self.acked.append((got["id"], sent, time.time()))
                return
            if r.status_code != 503:
                self.mismatched.append((payload, r.status_code, r.text))
                return
            time.sleep(0.1)
        self.unfinished += 1

    def run(self):
        i = 0
        while time.time() < self.stop_at:
            self.one(i)
            i += 1
            time.sleep(0.02)  # a site's pace, not a benchmark's


def cut_off(primary):
    """The primary drops its replicas and lets none back in."""
    primary.cli("CONFIG", "SET", "requirepass", "replicas-cut-off")
    subprocess.run(["redis-cli", "-p", str(primary.port), "--no-auth-warning", "-a",
                    "replicas-cut-off", "CLIENT", "KILL", "TYPE", "replica"],
                   capture_output=True, check=True, timeout=5)


def run_kill(workdir, start_modgate, min_replicas_ack):
    """The run: returns (figures, acknowledged ids, the new primary, modgate)."""
    cluster = SentinelCluster(workdir, replicas=2, sentinels=3, down_after_ms=1000,
                              failover_timeout_ms=3000).start()
    try:
        config = ("redis:\n  timeout_ms: 1000\n  min_replicas_ack: %d\n"
                  "  replica_ack_timeout_ms: 1000\n" % min_replicas_ack) + NO_RATE_LIMITS
        m = start_modgate(cluster.url(), config=config)
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
        old = cluster.primary()
        t_kill = time.time() + LOAD_BEFORE_KILL_S
        clients = [Client(m, n, t_kill + LOAD_AFTER_KILL_S) for n in range(CLIENTS)]
        for c in clients:
            c.start()
        time.sleep(max(0.0, t_kill - time.time()))
        # The replicas fall half a second behind, and the primary dies
        # then: what it acknowledged in that half second is on no replica.
        # The primary cuts its replicas off (they cannot come back: the
        # password they would need changes; modgate's link, already
        # authenticated, stays). Without it the window is a loopback round
        # trip, and the loss too rare to measure; SIGSTOP on the replicas
        # is no lag, as the stream waits in their sockets.
        cut_off(old)
        time.sleep(REPLICA_LAG_S)
        t_kill = time.time()
        cluster.kill(old)
        for c in clients:
            c.join(timeout=LOAD_AFTER_KILL_S + 30)
        assert not any(c.is_alive() for c in clients)
        new = cluster.wait_new_primary(old, timeout=15)
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)

        acked = [a for c in clients for a in c.acked]
        after = [answered - t_kill for _, sent, answered in acked if sent >= t_kill]
        # read through modgate, now on the new primary
        lost = [cid for cid, _, _ in acked
                if m.get("/v1/comments/" + cid, token=SITE_TOKEN).status_code != 200]
        statuses = [s for c in clients for s in c.statuses]
        figures = {
            "acknowledged": len(acked),
            "lost": len(lost),
            "first_success_s": min(after) if after else None,
            "answered_503": statuses.count(503),
            "errors": statuses.count("error"),
            "mismatched": [x for c in clients for x in c.mismatched],
            "unfinished": sum(c.unfinished for c in clients),
        }
        print("\nmin_replicas_ack %d: %d acknowledged, %d lost after the kill -9 of the "
              "primary; first success %.2f s after the kill; %d answers 503, %d "
              "connection errors, %d without an outcome"
              % (min_replicas_ack, figures["acknowledged"], figures["lost"],
                 figures["first_success_s"] or -1, figures["answered_503"],
                 figures["errors"], figures["unfinished"]))
        assert m.proc.poll() is None, "modgate died:\n" + m.logs()[-3000:]
        return figures, new
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()


def test_kill_primary_with_replica_ack_loses_nothing(workdir, start_modgate):
    f, _ = run_kill(workdir, start_modgate, min_replicas_ack=1)
    assert f["acknowledged"] > 50, f
    assert f["mismatched"] == [], f["mismatched"][:3]
    assert f["lost"] == 0, f
    assert f["unfinished"] == 0, f
    assert f["first_success_s"] is not None and \
        f["first_success_s"] <= FIRST_SUCCESS_BOUND_S, f


def test_kill_primary_without_replica_ack_loses_what_replicas_lacked(
        workdir, start_modgate):
    # the same run without acknowledgement loses comments it answered 201
    # (how many: operations.md), so the test above can fail
    f, _ = run_kill(workdir, start_modgate, min_replicas_ack=0)
    assert f["acknowledged"] > 50, f
    assert f["lost"] > 0, f
    assert f["mismatched"] == [], f["mismatched"][:3]
    assert f["unfinished"] == 0, f
    assert f["first_success_s"] is not None and \
        f["first_success_s"] <= FIRST_SUCCESS_BOUND_S, f
