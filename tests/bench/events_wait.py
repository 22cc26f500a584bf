#!/usr/bin/env python3
"""Benchmark: what 1,000 waiting feed requests (GET /v1/events?wait=30) cost
the other requests and the CPU, and how fast one event wakes them all.

    /usr/bin/python3 tests/bench/events_wait.py [--build build] [--waiters 1000]

Starts its own redis-server and modgate on free loopback ports. Latency:
GET /v1/comments/{id} on one keep-alive connection, timed on the client,
in interleaved rounds with 0 and with N waiting feed requests open (each
round opens its waiters afresh and closes them after: a client leaving
while it waits). CPU: utime+stime of modgate and of redis-server
(/proc/PID/stat) per second of wall time, over --idle-s seconds with no
waiter and with N idle waiters (the one 100 ms timer asking Redis for the
stream's newest id is all they cost). Fan-out: the time from one POST
/v1/comments until all N waiters have their answer."""
import argparse
import json
import os
import selectors
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import conftest  # noqa: E402  (the test harness: Redis, Modgate)
import idle_connections  # noqa: E402  (start: Redis and modgate for a bench)

AUTH = "Authorization: Bearer %s\r\n" % conftest.SITE_TOKEN


def read_response(s):
    """One response (Content-Length framed) from s; its bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


def sample(conn, path, n):
    req = ("GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n" % (path, AUTH)).encode()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.sendall(req)
        resp = read_response(conn)
        times.append(time.perf_counter() - t0)
        assert resp.startswith(b"HTTP/1.1 200"), resp[:200]
    return times


def cpu_s(pid):
    """utime + stime of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_waiters(port, n, cursor):
    req = ("GET /v1/events?wait=30&after=%s HTTP/1.1\r\nHost: bench\r\n%s\r\n"
           % (cursor, AUTH)).encode()
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(req)
        socks.append(s)
    return socks


def none_answered(socks):
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    ready = sel.select(timeout=0)
    sel.close()
    return not ready


def pct(times, p):
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * p))] * 1000


def post(port, n):
    body = json.dumps({"article_id": "bench", "author_id": "b-%d" % n,
                       "body": "A benchmark comment, number %d." % n}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("POST /v1/comments HTTP/1.1\r\nHost: bench\r\n%sContent-Type: "
                   "application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                   % (AUTH, len(body))).encode() + body)
        resp = read_response(s)
    assert resp.startswith(b"HTTP/1.1 201"), resp[:200]
    return json.loads(resp.split(b"\r\n\r\n", 1)[1])


def fan_out(port, socks):
    """Seconds from one POST until every waiter in socks has its answer."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, b"")
    t0 = time.perf_counter()
    post(port, 10 ** 6)
    left, data = len(socks), {}
    while left:
        for key, _ in sel.select(timeout=10):
            chunk = key.fileobj.recv(65536)
            buf = data.get(key.fileobj, b"") + chunk
            data[key.fileobj] = buf
            if not chunk or (b"\r\n\r\n" in buf and buf.endswith(b"}")):
                assert buf.startswith(b"HTTP/1.1 200") and b'"published"' in buf, buf[:300]
                sel.unregister(key.fileobj)
                left -= 1
    took = time.perf_counter() - t0
    sel.close()
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(conftest.ROOT, "build"))
    ap.add_argument("--waiters", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--idle-s", type=float, default=5.0)
    args = ap.parse_args()
    redis, mg = idle_connections.start(args.build)
    conftest.wait_until(lambda: mg.get("/readyz").status_code == 200)
    base, loaded, cpu = [], [], {}
    try:
        cid = post(mg.port, 0)["id"]
        path = "/v1/comments/" + cid
        conn = socket.create_connection(("127.0.0.1", mg.port), timeout=10)
        sample(conn, path, 200)  # warm up
        cursor = json.loads(read_get(conn, "/v1/events"))["next_cursor"]
        for r in range(args.rounds):
            base += sample(conn, path, args.samples)
            socks = open_waiters(mg.port, args.waiters, cursor)
            time.sleep(0.5)
            loaded += sample(conn, path, args.samples)
            assert none_answered(socks), "a waiter was answered early"
            for s in socks:
                s.close()
            time.sleep(0.3)
        for phase, n in (("0 waiters", 0), ("%d waiters" % args.waiters, args.waiters)):
            socks = open_waiters(mg.port, n, cursor)
            time.sleep(0.5)
            c0 = (cpu_s(mg.proc.pid), cpu_s(redis.proc.pid), time.monotonic())
            time.sleep(args.idle_s)
            c1 = (cpu_s(mg.proc.pid), cpu_s(redis.proc.pid), time.monotonic())
            wall = c1[2] - c0[2]
            cpu[phase] = ((c1[0] - c0[0]) / wall, (c1[1] - c0[1]) / wall)
            if n:
                assert none_answered(socks), "a waiter was answered early"
                woke = fan_out(mg.port, socks)
            for s in socks:
                s.close()
        conn.close()
    finally:
        mg.stop()
        redis.stop()

    print("GET /v1/comments/{id} latency, one keep-alive connection, %d rounds x %d "
          "samples per phase, interleaved" % (args.rounds, args.samples))
    print("%-28s %8s %8s %8s" % ("phase", "p50 ms", "p99 ms", "max ms"))
    for name, t in (("0 waiting feed requests", base),
                    ("%d waiting (wait=30)" % args.waiters, loaded)):
        print("%-28s %8.3f %8.3f %8.3f" % (name, statistics.median(t) * 1000,
                                           pct(t, 0.99), max(t) * 1000))
    print("ratio p50 %.2f, p99 %.2f (with waiters / without)" % (
        statistics.median(loaded) / statistics.median(base), pct(loaded, 0.99) / pct(base, 0.99)))
    print("CPU time per second of wall time, idle, over %.0f s:" % args.idle_s)
    for phase, (m, r) in cpu.items():
        print("  %-20s modgate %6.2f ms/s   redis-server %6.2f ms/s" % (phase, m * 1000, r * 1000))
    print("fan-out: one POST woke and answered %d waiters in %.1f ms" % (args.waiters, woke * 1000))


def read_get(conn, path):
    conn.sendall(("GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n" % (path, AUTH)).encode())
    return read_response(conn).split(b"\r\n\r\n", 1)[1]


if __name__ == "__main__":
    main()
