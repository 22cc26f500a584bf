#!/usr/bin/env python3
"""Benchmark: /healthz latency with 1,000 idle keep-alive connections open,
against a baseline with none, in the same run; and the server's RSS.

    /usr/bin/python3 tests/bench/idle_connections.py [--build build] [--idle 1000]
                                                     [--workers N]

Starts its own redis-server and modgate on free loopback ports. Each sample
is one GET /healthz on a fresh connection (connect + request + response),
timed on the client. Prints p50/p99/max for both phases, their ratio, and
the server's VmRSS before and after opening the idle connections.

--workers N (issue 20: RSS <= 64 MiB with 10,000 idle connections per
worker): modgate runs N workers (limits.max_connections 20000 each, as the
kernel's spread over their sockets is not even), --idle is then per worker
(N x --idle connections in all), and each worker's VmRSS and connections
(its open sockets, /proc/PID/fd) are printed, before and after."""
import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import conftest  # noqa: E402  (the test harness: Redis, Modgate)

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


def one_request(port):
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(REQUEST)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    dt = time.perf_counter() - t0
    assert data.startswith(b"HTTP/1.1 200"), data[:100]
    return dt


def sample(port, n):
    times = sorted(one_request(port) for _ in range(n))
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
        "max_ms": times[-1] * 1000,
    }


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def start(build, workers=1):
    """Raises this process's descriptor limit, then starts a redis-server
    and a modgate of build (logging warnings only; workers processes);
    returns both. (Also tests/bench/events_wait.py's.)"""
    conftest.MODGATE = os.path.join(os.path.abspath(build), "modgate")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:  # root may raise the hard limit: 10,000 connections per worker need it
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="mgbench-")
    redis = conftest.Redis(work).start()
    config = "log:\n  level: warn\nworkers: %d\n" % workers
    if workers > 1:
        config += "limits:\n  max_connections: 20000\n"
    m = conftest.Modgate(work, redis.url, config=config).start()
    conftest.wait_until(lambda: len(serving_pids(m)) == workers, timeout=10)
    return redis, m


def serving_pids(mg):
    """The processes serving: the workers (the supervisor's children), or
    modgate itself when it runs as one process."""
    try:
        with open("/proc/%d/task/%d/children" % (mg.proc.pid, mg.proc.pid)) as f:
            kids = [int(p) for p in f.read().split()]
    except OSError:
        kids = []
    return kids or [mg.proc.pid]


def sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


HOLDER = """
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
req = %r
idle = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)  # a real keep-alive connection, then idle
    idle.append(s)
for s in idle:
    got = b""
    while not got.endswith(b"}"):
        got += s.recv(4096)
print(len(idle), flush=True)
sys.stdin.read()  # until told to go
""" % REQUEST


def hold_idle(port, n):
    """A process that opens n keep-alive connections, has each answered
    once, prints n and holds them until its stdin closes."""
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(port), str(n)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(conftest.ROOT, "build"))
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    redis, mg = start(args.build, args.workers)
    pids = serving_pids(mg)
    try:
        for _ in range(50):  # warm up
            one_request(mg.port)
        rss_before = rss_kib(pids[0])
        each_before = [(rss_kib(p), sockets(p)) for p in pids]
        base = sample(mg.port, args.samples)

        # one client process per worker, each holding --idle connections:
        # a process' descriptors are bounded by its hard limit
        holders = [hold_idle(mg.port, args.idle) for _ in range(args.workers)]
        alive = sum(int(h.stdout.readline()) for h in holders)
        time.sleep(0.5)
        rss_after = rss_kib(pids[0])
        each_after = [(rss_kib(p), sockets(p)) for p in pids]
        loaded = sample(mg.port, args.samples)
        for h in holders:
            h.stdin.close()
            h.wait()
    finally:
        mg.stop()
        redis.stop()

    print("healthz latency, fresh connection each, %d samples per phase" % args.samples)
    print("%-28s %8s %8s %8s" % ("phase", "p50 ms", "p99 ms", "max ms"))
    print("%-28s %8.3f %8.3f %8.3f" % ("baseline (0 idle)", base["p50_ms"], base["p99_ms"], base["max_ms"]))
    print("%-28s %8.3f %8.3f %8.3f" % ("with %d idle keep-alive" % alive, loaded["p50_ms"], loaded["p99_ms"], loaded["max_ms"]))
    print("ratio p50 %.2f, p99 %.2f (with idle / baseline)" % (
        loaded["p50_ms"] / base["p50_ms"], loaded["p99_ms"] / base["p99_ms"]))
    if args.workers == 1:
        print("server RSS: %d KiB before, %d KiB with %d idle connections (%.1f KiB per connection)" % (
            rss_before, rss_after, alive, (rss_after - rss_before) / max(alive, 1)))
    print("goal: p99 with idle < 10 ms: %s" % ("met" if loaded["p99_ms"] < 10 else "NOT met"))
    if args.workers > 1:
        print("per worker (%d workers, %d idle connections in all):" % (args.workers, alive))
        for i, (pid, (rb, sb), (ra, sa)) in enumerate(zip(pids, each_before, each_after)):
            print("  worker pid %d: RSS %d KiB -> %d KiB (%.1f MiB) with %d sockets open (%d before)"
                  % (pid, rb, ra, ra / 1024.0, sa, sb))
        worst = max(ra for ra, _ in each_after) / 1024.0
        print("goal (issue 20): RSS <= 64 MiB per worker with %d idle connections each: %s "
              "(largest %.1f MiB)" % (args.idle, "met" if worst <= 64 else "NOT met", worst))


if __name__ == "__main__":
    main()
