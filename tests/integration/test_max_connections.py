"""limits.max_connections: connections past it are closed at once and
counted, and modgate warns at start when its open-file limit is below what
the setting needs (docs/operations.md, "Connections and file descriptors")."""
import os

import requests

from conftest import (metric, parse_metrics, peer_closed, read_responses,
                      request_bytes, wait_until)


def events(m, name):
    return [line for line in m.log_lines() if line.get("event") == name]


def answers(m):
    try:
        return m.get("/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def metrics_on(sock):
    sock.sendall(request_bytes("GET", "/metrics"))
    (resp,) = read_responses(sock, 1, timeout=5)
    assert resp[0] == 200
    return parse_metrics(resp[2].decode())


def test_warns_when_the_fd_limit_is_below_max_connections(redis, start_modgate):
    m = start_modgate(redis.url, prefix=["prlimit", "--nofile=200:200"],
                      args=["--max-connections", "500"])
    (warn,) = events(m, "fd_limit_low")
    assert warn["level"] == "warn"
    assert warn["limit"] == 200 and warn["max_connections"] == 500
    # What it needs besides connections must cover at least what it holds
    # at rest, counted here from outside.
    at_rest = len(os.listdir("/proc/%d/fd" % m.proc.pid))
    assert warn["needed"] >= 500 + at_rest, (warn, at_rest)
    assert warn["needed"] < 500 + 200, "the headroom is more than a guess can justify"
    for hint in ("LimitNOFILE", "ulimit -n", "max_connections"):
        assert hint in warn["note"], warn["note"]
    assert m.get("/healthz").status_code == 200


def test_no_warning_when_the_limit_is_enough(redis, start_modgate):
    m = start_modgate(redis.url, prefix=["prlimit", "--nofile=4096:4096"],
                      args=["--max-connections", "100"])
    assert events(m, "fd_limit_low") == []
    (info,) = events(m, "fd_limit")
    assert info["soft"] == 4096


def test_connections_past_the_maximum_are_closed_and_counted(redis, start_modgate):
    m = start_modgate(redis.url, env={"MODGATE_MAX_CONNECTIONS": "3"})
    held = [m.connect()]
    # The harness' own readiness probe may not be closed on the server's
    # side yet: wait until this is the only connection open.
    wait_until(lambda: metric(metrics_on(held[0]), "modgate_http_connections_open") == 1,
               timeout=5)
    held += [m.connect(), m.connect()]
    for s in held[1:]:
        s.sendall(request_bytes("GET", "/healthz"))
        assert read_responses(s, 1)[0][0] == 200

    extra = [m.connect(), m.connect()]
    try:
        for s in extra:
            assert peer_closed(s, timeout=3), "a fourth connection was kept open"
        got = metrics_on(held[0])
        assert metric(got, "modgate_http_connections_refused_total") == 2
        assert metric(got, "modgate_http_connections_open") == 3
        # the held ones are still served
        for s in held:
            s.sendall(request_bytes("GET", "/healthz"))
            assert read_responses(s, 1)[0][0] == 200
        (line,) = events(m, "max_connections")
        assert line["level"] == "warn" and line["max_connections"] == 3
        assert line["refused"] >= 1
    finally:
        for s in extra + held:
            s.close()

    # Once they are gone, new connections are served again (a probe made
    # before the server has seen the closes may be refused, and counted).
    wait_until(lambda: answers(m), timeout=5)
    r = m.get("/metrics")
    assert metric(parse_metrics(r.text), "modgate_http_connections_open") == 1
