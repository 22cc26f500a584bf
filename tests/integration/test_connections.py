"""Many connections: running out of file descriptors, a thousand idle
keep-alive connections, and responses bigger than a socket takes at once."""
import json
import os
import resource
import socket
import time

import pytest

from conftest import (SITE_TOKEN, auth, metric, parse_metrics, post_comment, read_responses,
                      request_bytes, wait_until)


def cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def healthz_on(sock, timeout=5.0):
    sock.sendall(request_bytes("GET", "/healthz"))
    (resp,) = read_responses(sock, 1, timeout=timeout)
    return resp[0]


def fresh_healthz(m, timeout=2.0):
    try:
        with m.connect(timeout=timeout) as s:
            return healthz_on(s, timeout)
    except (OSError, AssertionError):
        return None


@pytest.fixture
def more_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_out_of_descriptors_keeps_serving_existing_connections(redis, start_modgate):
    m = start_modgate(redis.url, prefix=["prlimit", "--nofile=64:64"])
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=5)
    with open("/proc/%d/limits" % m.proc.pid) as f:
        assert any(l.startswith("Max open files") and l.split()[3] == "64"
                   for l in f), "prlimit did not apply"

    keep = m.connect()
    assert healthz_on(keep) == 200

    flood = []
    try:
        for _ in range(100):
            try:
                flood.append(socket.create_connection(("127.0.0.1", m.port), timeout=2))
            except OSError:
                pass  # a full backlog may refuse or time out: fine
        # Give the server time to accept what it can and hit EMFILE.
        wait_until(lambda: open_fds(m.proc.pid) >= 60, timeout=5)
        time.sleep(0.3)
        assert m.proc.poll() is None, "modgate died:\n" + m.logs()[-3000:]

        # The connection made before the flood is still served, repeatedly.
        for _ in range(5):
            t0 = time.monotonic()
            assert healthz_on(keep, timeout=3) == 200
            assert time.monotonic() - t0 < 1.0

        # The connections dropped for want of descriptors are counted and
        # logged (libuv's own accept path drops them silently).
        keep.sendall(request_bytes("GET", "/metrics"))
        (resp,) = read_responses(keep, 1, timeout=3)
        dropped = metric(parse_metrics(resp[2].decode()), "modgate_http_accept_errors_total")
        assert dropped >= 1, "no accept error counted"
        logged = [json.loads(l) for l in m.logs().splitlines()
                  if '"accept_failed"' in l]
        assert logged and logged[0]["dropped"] >= 1, m.logs()[-2000:]
        assert "open files" in logged[0]["error"].lower(), logged[0]

        # No busy loop on accept while out of descriptors.
        cpu0, t0 = cpu_seconds(m.proc.pid), time.monotonic()
        time.sleep(1.0)
        used = cpu_seconds(m.proc.pid) - cpu0
        assert used < 0.5 * (time.monotonic() - t0), \
            "modgate burned %.2fs CPU in 1s while out of descriptors" % used
    finally:
        for s in flood:
            s.close()

    # Once descriptors are free again, new connections are served.
    assert wait_until(lambda: fresh_healthz(m) == 200, timeout=10)
    assert healthz_on(keep) == 200
    keep.close()
    assert m.proc.poll() is None


def test_thousand_idle_keep_alive_connections(redis, start_modgate, more_fds):
    n = 1000
    assert more_fds >= n + 100, "hard RLIMIT_NOFILE too low: %d" % more_fds
    m = start_modgate(redis.url)
    socks = []
    try:
        for i in range(0, n, 100):
            batch = [m.connect(timeout=10) for _ in range(100)]
            for s in batch:
                s.sendall(request_bytes("GET", "/healthz"))
            for s in batch:
                assert read_responses(s, 1, timeout=10)[0][0] == 200
            socks += batch
        assert len(socks) == n

        latencies = []
        for _ in range(5):
            t0 = time.monotonic()
            assert fresh_healthz(m, timeout=5) == 200
            latencies.append(time.monotonic() - t0)
        latencies.sort()
        print("fresh /healthz latency with %d idle connections: median %.1f ms, max %.1f ms"
              % (n, latencies[2] * 1000, latencies[-1] * 1000))
        assert latencies[2] < 0.5, latencies

        ms = parse_metrics(m.get("/metrics").text)
        assert metric(ms, "modgate_http_connections_open") >= n

        # The idle connections are still usable.
        for s in socks[::100]:
            assert healthz_on(s) == 200
    finally:
        for s in socks:
            s.close()

    def drained():
        ms = parse_metrics(m.get("/metrics").text)
        return metric(ms, "modgate_http_connections_open") < 10
    wait_until(drained, timeout=10)


def test_response_larger_than_the_socket_takes_arrives_whole_behind_a_late_reader(server):
    """A response is written at once when the socket takes it all, and the
    rest waits for the client when it does not: a client with a small
    receive window that reads only after a while still gets forty pipelined
    pages of ~150 KB whole and in order, then the /healthz sent behind them,
    on the same connection. Forty of them: more than the most a socket
    buffers on Linux (net.ipv4.tcp_wmem's 4 MiB), so some write is cut
    short whatever the kernel's autotuning did."""
    body = ("A long and perfectly ordinary remark about the council budget, "
            "the bus lanes and the library opening hours. ") * 2
    for i in range(160):
        r = post_comment(server, {"article_id": "long-page", "author_id": "big-%d" % i,
                                  "author_name": "Reader", "body": body[:290],
                                  "client_ip": "10.%d.%d.7" % (i // 200, i % 200)})
        assert r.status_code == 201, r.text
    path = "/v1/articles/long-page/comments?limit=200"
    expected = server.get(path, token=SITE_TOKEN).content
    assert len(expected) > 100000, len(expected)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        page = request_bytes("GET", path, headers=auth(SITE_TOKEN))
        s.sendall(page * 40 + request_bytes("GET", "/healthz"))
        time.sleep(1.5)  # the server fills its socket buffer and waits
        got = read_responses(s, 41, timeout=30.0)
    assert [g[0] for g in got] == [200] * 41
    assert all(g[2] == expected for g in got[:40])
    assert json.loads(got[40][2]) == json.loads(server.get("/healthz").content)
