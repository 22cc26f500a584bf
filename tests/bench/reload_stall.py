#!/usr/bin/env python3
"""Benchmark: how long GET /healthz waits while a rule set with a big model
is reloaded (issue 19: "loading a model never blocks a request").

    /usr/bin/python3 tests/bench/reload_stall.py [--build build] [--rounds 5]

Starts its own redis-server and modgate on free loopback ports, with a
rules directory holding tests/integration/bigmodel.py's model (2^24
buckets, 600,000 weights, 12 MB). Each round: one thread sends GET /healthz
on a keep-alive connection, one after the other, timing each on the client;
meanwhile POST /v1/rules/reload (and, in the SIGHUP rounds, a SIGHUP, its
end seen in the log) reloads the set. Prints, per kind of reload, the
reload's duration, how many /healthz were answered while it ran, and the
/healthz latencies (p50, max) during the reloads against a baseline with
none. With the load on the event loop the max is the load's time; on the
thread pool, a small fraction of it."""
import argparse
import os
import shutil
import signal
import socket
import statistics
import sys
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import bigmodel  # noqa: E402  (the big model's rules directory)
import conftest  # noqa: E402  (the test harness: Redis, Modgate)
import idle_connections  # noqa: E402  (start: Redis and modgate for a bench)
from events_wait import read_response  # noqa: E402

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


class Prober(threading.Thread):
    """GET /healthz one after the other until stopped: (sent, answered)
    perf_counter pairs."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.conn.sendall(HEALTHZ)
            resp = read_response(self.conn)
            self.samples.append((t0, time.perf_counter()))
            assert resp.startswith(b"HTTP/1.1 200"), resp[:100]

    def finish(self):
        self.stop.set()
        self.join()
        self.conn.close()
        return self.samples


def reload_post(mg):
    r = requests.post(mg.base + "/v1/rules/reload", timeout=60,
                               headers={"Authorization": "Bearer " + conftest.MOD_TOKEN})
    assert r.status_code == 200, r.text


def reload_sighup(mg):
    """SIGHUP, then waits for the log's `reloaded` line (read from where
    the log ended: the access log grows with every probe)."""
    with open(mg.log_path, "rb") as log:
        log.seek(0, os.SEEK_END)
        mg.signal(signal.SIGHUP)
        seen = b""
        while b'"event":"reloaded"' not in seen.replace(b" ", b""):
            seen = seen[-200:] + log.read()
            time.sleep(0.001)


def round_(mg, reload):
    """One reload with the prober running; (reload seconds, latencies of
    the probes sent while it ran)."""
    p = Prober(mg.port)
    p.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    reload(mg)
    t1 = time.perf_counter()
    time.sleep(0.05)
    samples = p.finish()
    during = [b - a for a, b in samples if a < t1 and b > t0]
    return t1 - t0, during


def baseline(mg, seconds=1.0):
    p = Prober(mg.port)
    p.start()
    time.sleep(seconds)
    return [b - a for a, b in p.finish()]


def figures(latencies):
    """p50, p99 and max, in ms."""
    lat = sorted(latencies)
    return (statistics.median(lat) * 1000, lat[max(0, int(len(lat) * 0.99) - 1)] * 1000,
            lat[-1] * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(conftest.ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    redis, mg = idle_connections.start(args.build)
    mg.stop()  # again, with the big model
    rules = bigmodel.write(os.path.join(mg.workdir, "rules"))
    mg = conftest.Modgate(mg.workdir, redis.url, config="log:\n  level: info\n",
                          args=("--rules", rules)).start()
    rows = []
    try:
        conftest.wait_until(lambda: requests.get(mg.base + "/readyz").ok, 15)
        base = baseline(mg)
        for name, fn in (("POST /v1/rules/reload", reload_post), ("SIGHUP", reload_sighup)):
            secs, lat = [], []
            for _ in range(args.rounds):
                s, d = round_(mg, fn)
                secs.append(s)
                lat += d
            rows.append((name, secs, lat))
    finally:
        mg.stop()
        redis.stop()
        shutil.rmtree(mg.workdir, ignore_errors=True)
    print("GET /healthz latency while a rule set with a %d-weight model (%d buckets) reloads"
          % (bigmodel.LINES, bigmodel.BUCKETS))
    print("%-24s %10s %8s %8s %8s %8s" % ("reload", "reload ms", "probes", "p50 ms",
                                          "p99 ms", "max ms"))
    print("%-24s %10s %8d %8.3f %8.3f %8.3f" % ("none (baseline, 1 s)", "-", len(base),
                                                *figures(base)))
    for name, secs, lat in rows:
        print("%-24s %10.1f %8d %8.3f %8.3f %8.3f" % (
            name, statistics.median(secs) * 1000, len(lat) // args.rounds, *figures(lat)))
    print("(reload ms: median of %d; probes: answered while one reload ran, per reload;"
          " latencies over all of them)" % args.rounds)


if __name__ == "__main__":
    main()
