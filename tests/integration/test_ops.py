"""Operations endpoints and Redis resilience: /healthz, /readyz, /metrics,
Redis going away and coming back, passwords, script cache loss, a hung Redis."""
import threading
import time

import pytest
import requests

from conftest import Redis, metric, parse_metrics, read_responses, request_bytes, wait_until


def metrics_of(m):
    r = m.get("/metrics", timeout=5)
    assert r.status_code == 200
    return parse_metrics(r.text)


def ready_status(m):
    try:
        return m.get("/readyz", timeout=2).status_code
    except requests.RequestException:
        return None


def time_until_ready_is(m, status, timeout=5.0):
    """Seconds until /readyz answers status (raises after timeout)."""
    t0 = time.monotonic()
    wait_until(lambda: ready_status(m) == status, timeout=timeout, interval=0.02)
    return time.monotonic() - t0


def assert_unavailable(r):
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "unavailable"
    assert r.json()["status"] == 503
    assert int(r.headers["Retry-After"]) >= 0


# ---------------------------------------------------------------- healthz

def test_healthz(server):
    r = server.get("/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"status": "ok"}


def test_readyz_with_redis_up(server):
    r = server.get("/readyz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")


# ------------------------------------------------------- Redis goes away

def test_readyz_follows_redis_down_and_up(redis, server):
    before = metrics_of(server)
    assert metric(before, "modgate_redis_up") == 1

    redis.stop()
    took = time_until_ready_is(server, 503)
    assert took < 2.0, "readyz took %.2fs to notice Redis went away" % took
    assert_unavailable(server.get("/readyz"))
    assert metric(metrics_of(server), "modgate_redis_up") == 0
    assert server.get("/healthz").status_code == 200  # still serving

    redis.start()  # same port
    took = time_until_ready_is(server, 200)
    assert took < 2.0, "readyz took %.2fs to notice Redis came back" % took
    after = metrics_of(server)
    assert metric(after, "modgate_redis_up") == 1
    assert metric(after, "modgate_redis_reconnects_total") > \
        metric(before, "modgate_redis_reconnects_total")
    assert metric(after, "modgate_redis_connects_total") > \
        metric(before, "modgate_redis_connects_total")
    assert server.proc.poll() is None


def test_redis_down_twice(redis, server):
    """Reconnection works more than once (backoff state is reset)."""
    for _ in range(2):
        redis.stop()
        assert time_until_ready_is(server, 503) < 2.0
        redis.start()
        assert time_until_ready_is(server, 200) < 2.0
    assert server.proc.poll() is None


def test_server_starts_while_redis_is_down(workdir, start_modgate):
    r = Redis(workdir)  # not started yet
    try:
        m = start_modgate(r.url)  # waits for /healthz
        assert m.get("/healthz").status_code == 200
        assert_unavailable(m.get("/readyz"))
        assert metric(metrics_of(m), "modgate_redis_up") == 0
        time.sleep(0.3)
        assert_unavailable(m.get("/readyz"))
        r.start()
        took = time_until_ready_is(m, 200)
        assert took < 2.0, "readyz took %.2fs after Redis started" % took
        assert metric(metrics_of(m), "modgate_redis_up") == 1
    finally:
        r.stop()


def test_redis_killed_hard(redis, server):
    """SIGKILL instead of a clean shutdown: no FIN handshake from Redis' side
    beyond what the kernel sends."""
    redis.proc.kill()
    redis.proc.wait()
    redis.proc = None
    assert time_until_ready_is(server, 503) < 2.0
    redis.start()
    assert time_until_ready_is(server, 200) < 2.0


def test_redis_client_kill(redis, server):
    """Redis drops modgate's connection while staying up."""
    before = metric(metrics_of(server), "modgate_redis_reconnects_total")
    redis.cli("CLIENT", "KILL", "TYPE", "normal")
    wait_until(lambda: metric(metrics_of(server), "modgate_redis_reconnects_total") > before,
               timeout=3)
    assert time_until_ready_is(server, 200) < 2.0


# --------------------------------------------------------------- passwords

def test_redis_with_password(workdir, start_modgate):
    r = Redis(workdir, password="s3cret-pw").start()
    try:
        m = start_modgate(r.url)  # redis://:s3cret-pw@127.0.0.1:PORT/0
        assert time_until_ready_is(m, 200) < 3.0
        assert metric(metrics_of(m), "modgate_redis_up") == 1
    finally:
        r.stop()


@pytest.mark.parametrize("url_auth", [":wrong-pw@", "", "default:wrong-pw@"],
                         ids=["wrong-password", "no-password", "wrong-user-password"])
def test_redis_with_wrong_password_is_not_ready(workdir, start_modgate, url_auth):
    r = Redis(workdir, password="s3cret-pw").start()
    try:
        m = start_modgate("redis://%s127.0.0.1:%d/0" % (url_auth, r.port))
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            assert_unavailable(m.get("/readyz"))
            assert m.get("/healthz").status_code == 200
            time.sleep(0.1)
        assert metric(metrics_of(m), "modgate_redis_up") == 0
        assert m.proc.poll() is None
    finally:
        r.stop()


def test_redis_db_number_is_used(workdir, start_modgate):
    """redis://host:port/3 selects database 3; database 99 does not exist."""
    r = Redis(workdir).start()
    try:
        m = start_modgate("redis://127.0.0.1:%d/3" % r.port)
        assert time_until_ready_is(m, 200) < 3.0
        bad = start_modgate("redis://127.0.0.1:%d/99" % r.port)
        time.sleep(1.0)
        assert_unavailable(bad.get("/readyz"))
    finally:
        r.stop()


# ---------------------------------------------------------- script cache

def test_script_flush_is_survived(redis, server):
    def loads():
        ms = metrics_of(server)
        return (metric(ms, "modgate_redis_noscript_total"),
                metric(ms, "modgate_redis_script_loads_total"))
    noscript0, loads0 = loads()
    assert loads0 >= 1, "scripts should be loaded at connect"
    redis.cli("SCRIPT", "FLUSH")

    def recovered():
        server.get("/readyz")  # give the server a reason to use its scripts
        n, l = loads()
        return n > noscript0 or l > loads0
    wait_until(recovered, timeout=3.0, interval=0.1)
    assert time_until_ready_is(server, 200) < 2.0
    # Redis' script cache holds modgate's scripts again.
    info = redis.cli("INFO", "memory")
    assert "number_of_cached_scripts:0" not in info, info


# ------------------------------------------------------------- hung Redis

def test_hung_redis_does_not_block_http(workdir, start_modgate):
    r = Redis(workdir, extra_args=["--enable-debug-command", "yes"]).start()
    try:
        m = start_modgate(r.url, config="redis:\n  timeout_ms: 300\n")
        assert time_until_ready_is(m, 200) < 3.0
        hang = threading.Thread(target=lambda: r.cli("DEBUG", "SLEEP", "3"))
        t_hang = time.monotonic()
        hang.start()
        time.sleep(0.1)
        worst_health = 0.0
        worst_ready = 0.0
        with m.connect() as s:
            while hang.is_alive() and time.monotonic() - t_hang < 2.8:
                t0 = time.monotonic()
                s.sendall(request_bytes("GET", "/healthz"))
                (resp,) = read_responses(s, 1, timeout=2.0)
                worst_health = max(worst_health, time.monotonic() - t0)
                assert resp[0] == 200
                t0 = time.monotonic()
                s.sendall(request_bytes("GET", "/readyz"))
                (resp,) = read_responses(s, 1, timeout=3.0)
                worst_ready = max(worst_ready, time.monotonic() - t0)
                assert resp[0] in (200, 503)
                time.sleep(0.05)
        hang.join(timeout=10)
        assert worst_health < 0.1, "/healthz took %.3fs during the hang" % worst_health
        assert worst_ready < 1.0, "/readyz took %.3fs during the hang" % worst_ready
        assert time_until_ready_is(m, 200) < 2.0
        assert m.proc.poll() is None
    finally:
        r.stop()


# ----------------------------------------------------------------- metrics

def test_metrics_format_and_request_counts(server):
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE modgate_http_requests_total counter" in r.text
    before = parse_metrics(r.text)

    n = 7
    for _ in range(n):
        assert server.get("/healthz").status_code == 200
    assert server.get("/no-such-path").status_code == 404
    assert server.post("/v1/comments", json={}).status_code == 401
    after = metrics_of(server)

    def delta(**labels):
        return (metric(after, "modgate_http_requests_total", **labels)
                - metric(before, "modgate_http_requests_total", **labels))
    assert delta(route="/healthz", status="200") >= n
    assert delta(route="/healthz", method="GET", status="200") >= n
    assert delta(status="404") >= 1
    assert delta(route="/v1/comments", status="401") >= 1

    inf = metric(after, "modgate_http_request_duration_seconds_bucket",
                 route="/healthz", le="+Inf")
    count = metric(after, "modgate_http_request_duration_seconds_count", route="/healthz")
    assert inf >= n and count == inf
    assert ("modgate_http_request_duration_seconds_sum",
            frozenset({("route", "/healthz")})) in after


def test_metrics_histogram_buckets_are_cumulative(server):
    for _ in range(3):
        server.get("/healthz")
    ms = metrics_of(server)
    buckets = sorted(
        ((float(dict(ls)["le"]), v) for (n, ls), v in ms.items()
         if n == "modgate_http_request_duration_seconds_bucket"
         and dict(ls).get("route") == "/healthz"),
        key=lambda b: b[0])
    assert buckets and buckets[-1][0] == float("inf")
    values = [v for _, v in buckets]
    assert values == sorted(values)


def test_metrics_open_connections(server):
    def open_now():
        return metric(metrics_of(server), "modgate_http_connections_open")
    base = open_now()
    socks = [server.connect() for _ in range(5)]
    try:
        for s in socks:  # make each a real keep-alive connection
            s.sendall(request_bytes("GET", "/healthz"))
            read_responses(s, 1)
        value = wait_until(lambda: (lambda v: v if v >= base + 5 else None)(open_now()),
                           timeout=2.0)
        assert value >= base + 5
    finally:
        for s in socks:
            s.close()
    wait_until(lambda: open_now() <= base, timeout=3.0)
