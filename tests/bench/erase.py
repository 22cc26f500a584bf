#!/usr/bin/env python3
"""Benchmark: erasing an author with many comments (DELETE
/v1/authors/{author_id}, docs/operations.md "Erasure"): the total time, the
longest single Redis call while it runs, and how long other readers wait
meanwhile.

    /usr/bin/python3 tests/bench/erase.py [--build build] [--comments 10000]

Starts its own redis-server (SLOWLOG on every command:
slowlog-log-slower-than 0) and modgate (rate limits off, the tests' tiny
rule set: HOLDME holds, REJECTME rejects) on free loopback ports; posts
--comments comments of one author (80% published, 10% held, 10% rejected,
each with an address and user agent) over 4 keep-alive connections; then
erases the author while another connection reads a comment in a loop.
Prints the Redis time of the longest call during the seeding (submit.lua)
and during the erasure (an erase_step.lua of ERASE_STEP comments, handle_erase.c), the number of
steps, the reader's worst latency, and the memory of the author's index
(u:AUTHOR:c) per comment."""
import argparse
import concurrent.futures
import os
import sys
import tempfile
import threading
import time

import redis as redis_py
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import conftest  # noqa: E402  (the test harness: Redis, Modgate)
from test_moderation import write_rules  # noqa: E402

AUTHOR = "bench-author"
NO_LIMITS = "log:\n  level: warn\nrate_limits:\n" + "".join(
    "  %s: []\n" % d for d in ("author", "ip", "subnet", "article", "global"))


def seed(mg, n):
    local = threading.local()
    headers = {"Authorization": "Bearer " + conftest.SITE_TOKEN}

    def one(i):
        if not hasattr(local, "s"):
            local.s = requests.Session()
        body = ("Look HOLDME" if i % 10 == 1 else
                "Buy now REJECTME" if i % 10 == 2 else "A fair point")
        r = local.s.post(mg.base + "/v1/comments", headers=headers, json={
            "article_id": "art-%d" % (i % 20), "author_id": AUTHOR,
            "author_name": "Ann Example", "body": "%s (%d)" % (body, i),
            "client_ip": "203.0.113.%d" % (i % 250), "user_agent": "bench/1.0"})
        assert r.status_code in (201, 202, 422), r.text
        return r.json()["id"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(n)))


def slowest(r):
    """The slowlog's entries, longest first: (microseconds, command words)."""
    entries = [e for e in r.slowlog_get(1000000)
               if not str(e["command"]).lstrip("b'").upper().startswith("SLOWLOG")]
    return sorted(((e["duration"], e["command"].decode("utf-8", "replace")
                    if isinstance(e["command"], bytes) else e["command"])
                   for e in entries), reverse=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(conftest.ROOT, "build"))
    ap.add_argument("--comments", type=int, default=10000)
    args = ap.parse_args()
    conftest.MODGATE = os.path.join(os.path.abspath(args.build), "modgate")

    work = tempfile.mkdtemp(prefix="mgbench-")
    redis = conftest.Redis(work, extra_args=("--slowlog-log-slower-than", "0",
                                             "--slowlog-max-len", "1000000")).start()
    mg = conftest.Modgate(work, redis.url, config=NO_LIMITS,
                          args=("--rules", write_rules(work))).start()
    r = redis_py.Redis(port=redis.port, decode_responses=True)
    try:
        conftest.wait_until(lambda: mg.get("/readyz").status_code == 200, timeout=10)
        t0 = time.perf_counter()
        ids = seed(mg, args.comments)
        seed_s = time.perf_counter() - t0
        submit_us, submit_cmd = slowest(r)[0]
        index_bytes = r.memory_usage("mg:u:%s:c" % AUTHOR)
        r.slowlog_reset()

        stop, waits = threading.Event(), []

        def reader():
            s = requests.Session()
            headers = {"Authorization": "Bearer " + conftest.SITE_TOKEN}
            while not stop.is_set():
                t = time.perf_counter()
                s.get(mg.base + "/v1/comments/%s" % ids[len(waits) % len(ids)],
                      headers=headers)
                waits.append(time.perf_counter() - t)

        th = threading.Thread(target=reader)
        th.start()
        t0 = time.perf_counter()
        res = requests.delete(mg.base + "/v1/authors/%s" % AUTHOR,
                              headers={"Authorization": "Bearer " + conftest.MOD_TOKEN},
                              timeout=600)
        erase_s = time.perf_counter() - t0
        stop.set()
        th.join()
        assert res.status_code == 200, res.text
        erased = res.json()["comments_erased"]
        log = slowest(r)
        # erase_step.lua's calls name the author; the audit entry's says erase
        steps = [e for e in log if e[1].startswith("EVALSHA") and
                 " %s " % AUTHOR in e[1] and " erase " not in e[1]]
        longest_us, longest_cmd = log[0]
        again = requests.delete(mg.base + "/v1/authors/%s" % AUTHOR,
                                headers={"Authorization": "Bearer " + conftest.MOD_TOKEN})
    finally:
        mg.stop()
        redis.stop()

    waits.sort()
    print("erasure of one author's %d comments (%d erased)" % (len(ids), erased))
    print("seeding: %.1f s (%.0f submissions/s); longest Redis call then %.2f ms (%s...)"
          % (seed_s, len(ids) / seed_s, submit_us / 1000, submit_cmd[:40]))
    print("erasure: %.2f s in all; longest single Redis call %.2f ms (%s...)"
          % (erase_s, longest_us / 1000, longest_cmd[:40]))
    times = sorted(s[0] for s in steps)
    print("erase steps seen in the slowlog: %d; their Redis time: median %.2f ms, "
          "longest %.2f ms, sum %.0f ms" % (len(steps), times[len(times) // 2] / 1000,
                                            times[-1] / 1000, sum(times) / 1000))
    print("a reader meanwhile: %d GETs, p50 %.2f ms, max %.2f ms"
          % (len(waits), waits[len(waits) // 2] * 1000 if waits else 0,
             waits[-1] * 1000 if waits else 0))
    print("the author's index u:AUTHOR:c: %d bytes, %.0f bytes a comment"
          % (index_bytes, index_bytes / len(ids)))
    print("repeat: %s" % again.json())


if __name__ == "__main__":
    main()
