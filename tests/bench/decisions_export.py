#!/usr/bin/env python3
"""Benchmark: `modctl decisions export` over N moderators' decisions.

    /usr/bin/python3 tests/bench/decisions_export.py [--build build] [--decisions 2000]

Starts its own redis-server and modgate (the shipped rules, no rate limits)
on free loopback ports, holds N comments on a pre-moderated article and
decides each (approve, reject with a reason, reject without), then times
the export to a file: wall time, decisions a second, modctl's peak RSS (GNU time),
and checks the CSV has N rows."""
import argparse
import concurrent.futures
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import conftest  # noqa: E402  (the test harness: Redis, Modgate)

NO_LIMITS = "log:\n  level: warn\nrate_limits:\n" + "".join(
    "  %s: []\n" % d for d in ("author", "ip", "subnet", "article", "global"))


def seed(mg, n):
    """n held comments, each decided; returns how long that took."""
    local = threading.local()

    def one(i):
        if not hasattr(local, "s"):
            local.s = requests.Session()
        r = local.s.post(mg.base + "/v1/comments",
                         headers={"Authorization": "Bearer " + conftest.SITE_TOKEN},
                         json={"article_id": "bench-pre", "author_id": "u-%d" % i,
                               "body": "A comment, \"quoted\", number %d." % i})
        assert r.status_code == 202, r.text
        verb, body = (("approve", None), ("reject", {"reason": "spam"}),
                      ("reject", None))[i % 3]
        r = local.s.post(mg.base + "/v1/comments/%s/%s" % (r.json()["id"], verb),
                         headers={"Authorization": "Bearer " + conftest.MOD_TOKEN},
                         json=body)
        assert r.status_code == 200, r.text

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(n)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(conftest.ROOT, "build"))
    ap.add_argument("--decisions", type=int, default=2000)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    conftest.MODGATE = os.path.join(build, "modgate")

    work = tempfile.mkdtemp(prefix="mgbench-")
    redis = conftest.Redis(work).start()
    mg = conftest.Modgate(work, redis.url, config=NO_LIMITS,
                          args=("--rules", os.path.join(conftest.ROOT, "rules"))).start()
    try:
        conftest.wait_until(lambda: mg.get("/readyz").status_code == 200, timeout=10)
        r = requests.put(mg.base + "/v1/articles/bench-pre/settings",
                         headers={"Authorization": "Bearer " + conftest.MOD_TOKEN},
                         json={"mode": "premoderated"})
        assert r.status_code == 200, r.text
        seed(mg, args.decisions)
        out = os.path.join(work, "site.csv")
        t0 = time.perf_counter()
        rss = os.path.join(work, "rss")
        p = subprocess.run(["/usr/bin/time", "-o", rss, "-f", "%M",
                            os.path.join(build, "modctl"), "--url", mg.base, "--token",
                            conftest.MOD_TOKEN, "decisions", "export", "--out", out],
                           capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        assert p.returncode == 0, p.stderr
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == args.decisions, (len(rows), p.stderr)
        with open(rss) as f:
            rss_kib = int(f.read().split()[-1])
        print("decisions exported: %d (%s)" % (len(rows), p.stderr.strip()))
        print("export wall time:   %.2f s, %.0f decisions/s" % (wall, len(rows) / wall))
        print("modctl peak RSS:    %.1f MiB" % (rss_kib / 1024))
    finally:
        mg.stop()
        redis.stop()


if __name__ == "__main__":
    main()
