#!/usr/bin/env python3
"""Benchmark: webhook deliveries (docs/api.md "Webhooks").

    /usr/bin/python3 tests/bench/webhooks.py [--build build] [--events 20000]

Starts its own redis-server, modgate instances and a webhook receiver (the
one tests/integration/test_webhooks.py uses: Python's threading HTTP
server, answering 204) on free loopback ports, and prints:

1. A slow receiver: submissions' latency (POST /v1/comments, 50 of them,
   one at a time) while the only webhook's receiver sleeps 1.5 s past its
   timeout_ms of 300, against the same with no webhook configured; then
   how long the receiver, answering at once again, takes to get every
   event.
2. Throughput and CPU: --events events written to the stream at once
   (XADD, 700 comments), delivered by two instances: the wall time until
   the receiver has every one, the POSTs, duplicates, each instance's share,
   and the CPU (utime + stime from /proc) per event delivered of each
   modgate and of redis-server (whose figure includes the XADDs that wrote
   the events; /proc counts in 10 ms ticks, hence 20,000 events by
   default). The receiver shares the 2 cores; its
   Python costs far more than modgate's side, so the wall time is the
   receiver's, the CPU per event is modgate's.
3. Balance: the same with the events of only 40 comments. Each comment's
   events go through one instance at a time (their order), so few busy
   comments spread unevenly (docs/architecture.md "Webhooks")."""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))


def cpu_s(pid):
    """utime + stime of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--events", type=int, default=20000)
    opts = ap.parse_args()
    os.environ["MODGATE_BUILD"] = os.path.abspath(opts.build)

    import conftest  # the test harness: Redis, Modgate (reads MODGATE_BUILD)
    import redis as redislib
    import test_webhooks as tw

    wd = tempfile.mkdtemp(prefix="bench-webhooks-")
    servers = []

    def start_modgate(url, **kw):
        m = conftest.Modgate(wd, url, **kw)
        servers.append(m)
        return m.start()

    r = conftest.Redis(wd).start()
    rcv = tw.Receiver()
    try:
        slow_receiver(r, rcv, start_modgate, wd, conftest, tw)
        for label, comments in (("throughput", 700), ("balance", 40)):
            c = redislib.Redis(port=r.port)
            c.flushall()
            for m in servers:
                m.stop()
            servers.clear()
            with rcv.lock:
                rcv.requests.clear()
            spread(label, r, rcv, start_modgate, wd, tw, c, opts.events, comments)
    finally:
        for m in servers:
            if m.proc and m.proc.poll() is None:
                m.stop()
        rcv.close()
        r.stop()


def timed_submissions(server, tw, label, n=50):
    lat = []
    for i in range(n):
        t0 = time.monotonic()
        tw.submit(server, "%s %d" % (label, i))
        lat.append((time.monotonic() - t0) * 1000)
    return statistics.median(lat), max(lat)


def slow_receiver(r, rcv, start_modgate, wd, conftest, tw):
    rcv.sleep = 1.5
    m = tw.start(r, start_modgate, wd, tw.hooks_config({"url": rcv.url, "timeout_ms": 300}))
    tw.submit(m, "first")
    conftest.wait_until(lambda: rcv.arrived > 0, timeout=10)
    slow = timed_submissions(m, tw, "slow receiver")
    bare = start_modgate(r.url, args=("--rules", tw.write_rules(wd)))
    conftest.wait_until(lambda: bare.get("/readyz").status_code == 200, timeout=10)
    none = timed_submissions(bare, tw, "no webhook")
    print("1. slow receiver (sleeps 1.5 s, timeout_ms 300): 50 submissions, median "
          "%.1f ms, max %.1f ms; with no webhook: median %.1f ms, max %.1f ms"
          % (slow[0], slow[1], none[0], none[1]))
    rcv.sleep = 0
    want = {i for i, _, _ in tw.stream_events(r)}
    t0 = time.monotonic()
    conftest.wait_until(lambda: {e["id"] for e in rcv.delivered()} >= want, timeout=120)
    print("   receiver answering again: all %d events delivered %.2f s later"
          % (len(want), time.monotonic() - t0))


def spread(label, r, rcv, start_modgate, wd, tw, c, n, comments):
    import conftest
    cfg = tw.hooks_config({"url": rcv.url})
    a = tw.start(r, start_modgate, wd, cfg)
    b = tw.start(r, start_modgate, wd, cfg)
    pids = {"modgate a": a.proc.pid, "modgate b": b.proc.pid, "redis-server": r.proc.pid}
    before = {k: cpu_s(p) for k, p in pids.items()}
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.xadd("mg:events", {"type": "published", "comment": "c%d" % (i % comments),
                             "article": "a", "author": "u", "status": "published"})
    t0 = time.monotonic()
    p.execute()
    conftest.wait_until(lambda: len(rcv.delivered()) >= n, timeout=300, interval=0.05)
    wall = time.monotonic() - t0
    used = {k: cpu_s(p) - before[k] for k, p in pids.items()}
    ids = [e["id"] for e in rcv.delivered()]
    share = [conftest.metric(tw.metrics(m), "modgate_webhook_events_total") for m in (a, b)]
    print("%d. %s: %d events of %d comments, two instances: all delivered in %.2f s, "
          "%d POSTs, %d duplicates; instance a %d, b %d"
          % (2 if label == "throughput" else 3, label, n, comments, wall,
             len(rcv.all_requests()), len(ids) - len(set(ids)), share[0], share[1]))
    print("   CPU per event delivered (us, utime + stime over the run): "
          "modgate a %.1f, modgate b %.1f, both %.1f; redis-server %.1f"
          % (used["modgate a"] * 1e6 / max(share[0], 1),
             used["modgate b"] * 1e6 / max(share[1], 1),
             (used["modgate a"] + used["modgate b"]) * 1e6 / n,
             used["redis-server"] * 1e6 / n))


if __name__ == "__main__":
    main()
