"""Backups and restores (issue 16, item 5; docs/operations.md, "Backups and
restores"): deploy/redis-backup copies a live Redis' append-only files while
modgate writes to it; a new Redis started from the copy with
deploy/redis.conf serves the same comments: the counts by status, the queue,
every record and the audit log are those of the moment of the copy, and
`modctl verify --all` finds every signature intact."""
import itertools
import os
import shutil
import subprocess
import threading

import pytest
import requests

from conftest import MOD_TOKEN, MODCTL, ROOT, SITE_TOKEN, post_comment, wait_until
from test_moderation import write_rules
from test_redis_acl import ConfRedis

BACKUP = os.path.join(ROOT, "deploy", "redis-backup")
NO_LIMITS = ("rate_limits:\n  author: []\n  ip: []\n  subnet: []\n  article: []\n"
             "  global: []\nmoderation:\n  decision_guard_ms: 0\n")
_seq = itertools.count(1)


def submit(m, body, article):
    n = next(_seq)
    r = post_comment(m, {"article_id": article, "author_id": "u-%d" % n,
                         "body": "%s (%d)" % (body, n)})
    assert r.status_code in (201, 202, 422), r.text
    return r.json()["id"]


def decide(m, cid, action):
    r = m.post("/v1/comments/%s/%s" % (cid, action), token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    return r.json()["status"]


def fill(m):
    """Comments in every status over three articles; returns how many
    published, and the ids."""
    ids = []
    for k in range(9):
        ids.append(submit(m, "A plain comment", "bk-%d" % (k % 3)))
    held = [submit(m, "Look at this HOLDME", "bk-%d" % k) for k in range(4)]
    ids += held
    ids += [submit(m, "Buy now REJECTME", "bk-0") for _ in range(2)]  # the rules
    assert decide(m, held[0], "approve") == "published"
    assert decide(m, held[1], "reject") == "rejected"          # a moderator
    assert decide(m, ids[0], "reject") == "removed"             # once published
    r = m.post("/v1/bans", token=MOD_TOKEN, json={"author_id": "u-troll"})
    assert r.status_code == 201, r.text
    return 9 - 1 + 1, ids


def snapshot(m, ids):
    """What a restore must give back: counts, queue, records, audit, bans."""
    stats = m.get("/v1/stats", token=MOD_TOKEN).json()
    records = {}
    for cid in ids:
        r = m.get("/v1/comments/" + cid, token=MOD_TOKEN)
        assert r.status_code == 200, r.text
        records[cid] = r.json()
    return {"counts": stats["counts"], "queue_depth": stats["queue_depth"],
            "queue": m.get("/v1/queue", token=MOD_TOKEN).json(),
            "audit": m.get("/v1/audit", token=MOD_TOKEN).json(),
            "bans": m.get("/v1/bans", token=MOD_TOKEN).json(),
            "articles": m.get("/v1/articles", token=MOD_TOKEN).json(),
            "records": records}


def verify(m):
    return subprocess.run([MODCTL, "--url", m.base, "--token", MOD_TOKEN, "verify", "--all"],
                          capture_output=True, text=True, timeout=60)


def published_count(m):
    return m.get("/v1/stats", token=MOD_TOKEN).json()["counts"]["published"]


@pytest.fixture
def live(workdir, start_modgate):
    """A Redis from deploy/redis.conf (AOF on), modgate on it (prefix mg:),
    and a second modgate (prefix bg:) that a test can keep writing through."""
    r = ConfRedis(workdir)
    rules = write_rules(workdir)
    m = start_modgate("redis://127.0.0.1:%d/0" % r.port, args=("--rules", rules),
                      config=NO_LIMITS)
    other = start_modgate("redis://127.0.0.1:%d/0" % r.port,
                          config=NO_LIMITS + "redis:\n  prefix: \"bg:\"\n")
    for s in (m, other):
        wait_until(lambda s=s: s.get("/readyz").status_code == 200, timeout=10)
    yield r, m, other
    r.stop()


def test_a_backup_taken_under_writes_restores_every_comment_and_signature(
        live, workdir, start_modgate):
    redis, m, other = live
    published, ids = fill(m)
    before = snapshot(m, ids)
    assert before["counts"] == {"published": published, "pending": 2, "rejected": 3,
                                "removed": 1, "deleted": 0}, before["counts"]
    v = verify(m)
    assert v.returncode == 0, (v.stdout, v.stderr)

    # the copy, taken while another deployment keeps writing to the same Redis
    stop = threading.Event()
    written = []

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            r = requests.post(other.base + "/v1/comments", timeout=10, headers={
                "Authorization": "Bearer " + SITE_TOKEN},
                json={"article_id": "bg", "author_id": "w-%d" % n, "body": "Writing %d" % n})
            assert r.status_code == 201, r.text
            written.append(n)

    t = threading.Thread(target=writer)
    t.start()
    wait_until(lambda: len(written) >= 20, timeout=20)
    at_start = len(written)
    dest = os.path.join(workdir, "backup")
    out = subprocess.run([BACKUP, dest, "-p", str(redis.port)], capture_output=True,
                         text=True, timeout=120)
    at_end = len(written)
    wait_until(lambda: len(written) >= at_end + 20, timeout=20)  # still writing after
    stop.set()
    t.join(timeout=20)
    assert out.returncode == 0, (out.stdout, out.stderr)
    # automatic rewrites are back on (the script turned them off to copy)
    assert redis.admin(["CONFIG", "GET", "auto-aof-rewrite-percentage"]).stdout.split() == [
        "auto-aof-rewrite-percentage", "100"]
    files = sorted(os.listdir(os.path.join(dest, "appendonlydir")))
    assert files[-1] == "appendonly.aof.manifest" and any(
        f.endswith(".base.rdb") for f in files), files

    # the restore: a new Redis on the copy, as docs/operations.md says
    newdir = os.path.join(workdir, "restored")
    os.makedirs(newdir)
    shutil.copytree(os.path.join(dest, "appendonlydir"), os.path.join(newdir, "appendonlydir"),
                    symlinks=True)
    restored = ConfRedis(workdir, data_dir=newdir)
    try:
        n = start_modgate("redis://127.0.0.1:%d/0" % restored.port,
                          args=("--rules", write_rules(workdir)), config=NO_LIMITS)
        wait_until(lambda: n.get("/readyz").status_code == 200, timeout=10)
        after = snapshot(n, ids)
        assert after == before
        v = verify(n)
        assert v.returncode == 0, (v.stdout, v.stderr)
        assert v.stdout.strip() == "%d comments in 3 articles: %d signatures hold, 0 fail" % (
            published, published)
        # the other deployment's comments: those of a moment during the copy
        kept = int(restored.admin(["HGET", "bg:stats", "published"]).stdout)
        assert at_start <= kept <= at_end, (at_start, kept, at_end)
        assert int(redis.admin(["HGET", "bg:stats", "published"]).stdout) > at_end
    finally:
        restored.stop()


def test_the_backup_refuses_what_it_cannot_copy_consistently(live, workdir):
    redis, m, other = live
    dest = os.path.join(workdir, "b")
    os.makedirs(dest)
    out = subprocess.run([BACKUP, dest, "-p", str(redis.port)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "exists" in out.stderr, out
    redis.admin(["CONFIG", "SET", "appendonly", "no"])
    out = subprocess.run([BACKUP, os.path.join(workdir, "c"), "-p", str(redis.port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "appendonly is off" in out.stderr, out
    assert not os.path.exists(os.path.join(workdir, "c"))
