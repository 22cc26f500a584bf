"""redis+sentinel:// URLs (docs/configuration.md, docs/operations.md "Redis
Sentinel"): modgate asks the sentinels for the primary, checks it with
ROLE, follows a planned failover within 5 s, skips a sentinel that is down
or names a replica, and looks again after a READONLY reply. Real
redis-server and redis-sentinel processes (sentinel_cluster.py)."""
import datetime
import os
import time

import pytest

from conftest import SITE_TOKEN, free_port, wait_until
from conftest import post_comment
from sentinel_cluster import (MASTER_NAME, Sentinel, SentinelCluster, Server,
                              have_sentinel)

pytestmark = pytest.mark.skipif(
    not have_sentinel(),
    reason="redis-sentinel is not installed (Debian package redis-sentinel; "
           "deploy/bootstrap test installs it)")

FAILOVER_BOUND_S = 5.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A primary, one replica, three sentinels: shared by the tests that
    do not break it (the failover test runs last in this file)."""
    c = SentinelCluster(str(tmp_path_factory.mktemp("sentinel")), replicas=1,
                        sentinels=3).start()
    yield c
    c.stop()


def ready(m, timeout=10):
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=timeout)


def post(m, i, token=SITE_TOKEN):
    return post_comment(m, {"article_id": "sentinel-test", "author_id": "u-%d" % i,
                            "body": "comment number %d about the failover" % i},
                        token=token)


def stored_on(server, cid):
    return server.cli("EXISTS", "mg:c:" + cid).strip() == "1"


def events(m, name):
    return [e for e in m.log_lines() if e.get("event") == name]


def log_time(entry):
    """A log line's "time" as seconds since the epoch."""
    t = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def test_sentinels_that_are_down_are_skipped(cluster, start_modgate):
    """The first two hosts of the URL have nothing listening: modgate asks
    the next (named "localhost": looked up on libuv's thread pool), links
    to the primary it names, and comments land there."""
    url = cluster.url(sentinels=[free_port(), free_port()] + cluster.sentinels)
    url = url.replace("127.0.0.1:%d" % cluster.sentinels[0].port,
                      "localhost:%d" % cluster.sentinels[0].port)
    m = start_modgate(url)
    ready(m)
    r = post(m, 1)
    assert r.status_code == 201, r.text
    primary = cluster.primary()
    assert stored_on(primary, r.json()["id"])
    linked = events(m, "redis_connected")
    assert linked and linked[-1]["port"] == primary.port


def test_check_config_accepts_sentinel_url_and_refuses_bad_ones(workdir):
    import subprocess
    from conftest import MODGATE
    ok = subprocess.run([MODGATE, "--check-config", "--redis",
                         "redis+sentinel://:pw@127.0.0.1:1,[::1]/mymaster/2"],
                        capture_output=True, text=True, timeout=10)
    assert ok.returncode == 0, ok.stderr
    assert "sentinel mymaster via 127.0.0.1:1,::1:26379/2" in ok.stdout
    assert "pw" not in ok.stdout
    bad = subprocess.run([MODGATE, "--check-config", "--redis",
                          "redis+sentinel://:secret@a:1,b:99999/mymaster"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2
    assert "--redis: redis URL: sentinel 2: port must be 1..65535" in bad.stderr
    assert "secret" not in bad.stderr


@pytest.fixture
def pair(workdir):
    """A primary and its replica, unknown to the shared cluster's
    sentinels, for the tests that need a sentinel naming the wrong one."""
    primary = Server(workdir).start()
    replica = Server(workdir, replica_of=primary).start()
    wait_until(lambda: "master_link_status:up" in replica.cli("INFO", "replication"))
    nodes = [replica, primary]
    yield primary, replica, nodes
    for n in reversed(nodes):
        n.stop()


def sentinel_for(workdir, server, nodes):
    """A sentinel monitoring server as MASTER_NAME: when server is a replica,
    a sentinel whose answer is wrong. It would call the "primary" down only
    after a minute, so it keeps naming it through the test."""
    s = Sentinel(workdir, server, 1, down_after_ms=60000).start()
    nodes.append(s)
    return s


def test_role_check_refuses_a_replica(workdir, pair, start_modgate):
    """The first sentinel names a replica: ROLE says so, modgate drops that
    link, asks the next sentinel first, and writes go to the primary."""
    primary, replica, nodes = pair
    wrong = sentinel_for(workdir, replica, nodes)
    right = sentinel_for(workdir, primary, nodes)
    url = "redis+sentinel://127.0.0.1:%d,127.0.0.1:%d/%s" % (wrong.port, right.port,
                                                             MASTER_NAME)
    m = start_modgate(url)
    ready(m)
    refused = events(m, "redis_not_primary")
    assert refused and refused[0]["port"] == replica.port
    assert "ROLE" in refused[0]["error"]
    r = post(m, 1)
    assert r.status_code == 201, r.text
    assert stored_on(primary, r.json()["id"])
    assert events(m, "redis_connected")[-1]["port"] == primary.port


def test_readonly_reply_sends_the_link_to_find_the_primary(workdir, pair, start_modgate):
    """The primary is turned into a replica under modgate (the operator
    moves the sentinel to the other server by hand: no +switch-master):
    the next write meets READONLY, is answered 503, and modgate asks the
    sentinel again and writes to the new primary."""
    primary, replica, nodes = pair
    sentinel = sentinel_for(workdir, primary, nodes)
    m = start_modgate("redis+sentinel://127.0.0.1:%d/%s" % (sentinel.port, MASTER_NAME))
    ready(m)
    assert post(m, 1).status_code == 201

    sentinel.cli("SENTINEL", "REMOVE", MASTER_NAME)
    sentinel.cli("SENTINEL", "MONITOR", MASTER_NAME, "127.0.0.1", replica.port, 1)
    sentinel.cli("SENTINEL", "SET", MASTER_NAME, "down-after-milliseconds", 60000)
    replica.cli("REPLICAOF", "NO", "ONE")
    primary.cli("REPLICAOF", "127.0.0.1", replica.port)
    assert primary.role() == "slave"

    r = post(m, 2)
    assert r.status_code == 503, r.text
    seen = events(m, "redis_not_primary")
    assert seen and seen[0]["error"].startswith("READONLY"), seen
    assert seen[0]["port"] == primary.port

    def stored():
        r = post(m, 3)
        return r if r.status_code == 201 else None
    r = wait_until(stored, timeout=5, interval=0.1)
    assert stored_on(replica, r.json()["id"])
    assert events(m, "redis_reconnected")[-1]["port"] == replica.port


def test_sentinel_password_and_server_password(workdir, start_modgate):
    """Sentinels with a password of their own (redis.sentinel_password, here
    from its variable) and a server password from the URL."""
    primary = Server(workdir, password="server-pw").start()
    nodes = [primary]
    try:
        s = Sentinel(workdir, primary, 1, password="sentinel-pw",
                     server_password="server-pw", down_after_ms=60000).start()
        nodes.append(s)
        url = "redis+sentinel://:server-pw@127.0.0.1:%d/%s" % (s.port, MASTER_NAME)
        m = start_modgate(url, env={"MODGATE_REDIS_SENTINEL_PASSWORD": "sentinel-pw"})
        ready(m)
        r = post(m, 1)
        assert r.status_code == 201, r.text
        assert stored_on(primary, r.json()["id"])

        # without the sentinels' password no sentinel answers
        wrong = start_modgate(url, wait=True)
        time.sleep(1.0)
        assert wrong.get("/readyz").status_code == 503
        failed = events(wrong, "redis_sentinel_failed")
        assert failed and "NOAUTH" in failed[0]["error"], failed
        assert "server-pw" not in wrong.logs() and "sentinel-pw" not in wrong.logs()
    finally:
        for n in reversed(nodes):
            n.stop()


def test_planned_failover_moves_writes_within_5s(cluster, start_modgate):
    """SENTINEL FAILOVER, sent to the last sentinel (not the one modgate
    asked), while comments are posted: modgate lets go of the old primary
    when the leading sentinel begins, links to the new primary within 5 s
    of the command, and no accepted comment is lost."""
    url = cluster.url(sentinels=[free_port()] + cluster.sentinels)
    m = start_modgate(url)
    ready(m)
    old = cluster.primary()
    # every watch is up (the dead host's is not), so no message is missed
    wait_until(lambda: len(events(m, "sentinel_watch_lost")) >= 1, timeout=5)
    time.sleep(0.3)
    assert post(m, 0).status_code == 201

    t_failover = time.time()
    cluster.sentinels[-1].cli("SENTINEL", "FAILOVER", MASTER_NAME)
    accepted = []  # (time sent, id)
    statuses = []
    i = 1
    while time.time() - t_failover < FAILOVER_BOUND_S + 1:
        t = time.time()
        r = post(m, i)
        i += 1
        statuses.append(r.status_code)
        if r.status_code == 201:
            accepted.append((t, r.json()["id"]))
        time.sleep(0.02)
    new = cluster.wait_new_primary(old)

    moved = [e for e in events(m, "redis_reconnected") if e["port"] == new.port]
    assert moved, m.logs()[-3000:]
    took = log_time(moved[0]) - t_failover
    began = events(m, "redis_failover_begins")
    assert began, "the leading sentinel's first message was not heard"
    lost = [cid for _, cid in accepted if not stored_on(new, cid)]
    print("\nfailover: writes held %.3f s after SENTINEL FAILOVER, modgate linked to "
          "the new primary after %.3f s; %d posts: %d accepted, %d answered 503, "
          "%d accepted but not on the new primary"
          % (log_time(began[0]) - t_failover, took, len(statuses), len(accepted),
             statuses.count(503), len(lost)))
    assert took < FAILOVER_BOUND_S, "took %.3f s" % took
    assert events(m, "redis_primary_moved"), "no +switch-master heard"
    assert set(statuses) <= {201, 503}, statuses
    after = [cid for t, cid in accepted if t > log_time(moved[0])]
    assert after, "no comment accepted after the move"
    # accepted by the old primary after the replica's promotion would be
    # lost with it: the hold keeps the link off it from the first message
    assert not lost, "%d accepted comments are not on the new primary" % len(lost)
