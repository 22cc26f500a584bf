"""Deletion by the author and erasure of an author (docs/api.md, "DELETE
/v1/comments/{id}" and "DELETE /v1/authors/{author_id}"; issue 18, items 5
and 6): a deleted or erased comment is a tombstone (status `deleted`, body,
name, signature, score and matches gone, no meta), out of the article's
listing and count, the queue and the rejected list; a reply's parent_id
still resolves; one `deleted` or `erased` event per comment, none for a
tombstone; erasure in bounded steps over thousands of comments, its audit
entry, and the role checks."""
import concurrent.futures
import itertools
import json

import pytest
import redis as redis_py
import requests

from conftest import MOD_TOKEN, SITE_TOKEN, created, post_comment, problem, wait_until
# a body with HOLDME is held, one with REJECTME rejected
from test_moderation import TIME, write_rules

_seq = itertools.count(1)

NO_LIMITS = "rate_limits:\n" + "".join(
    "  %s: []\n" % d for d in ("author", "ip", "subnet", "article", "global"))


def start(redis, start_modgate, workdir, config=""):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config=NO_LIMITS + config)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


@pytest.fixture
def srv(redis, start_modgate, workdir):
    return start(redis, start_modgate, workdir)


def payload(author, body="A fair point, well made", article="art-1", parent=None):
    p = {"article_id": article, "author_id": author, "author_name": "Ann Example",
         "body": "%s (%d)" % (body, next(_seq)), "client_ip": "203.0.113.9",
         "user_agent": "Mozilla/5.0 (Deletion test)"}
    if parent:
        p["parent_id"] = parent
    return p


def delete(server, cid, author="a-1", token=SITE_TOKEN):
    params = {} if author is None else {"author_id": author}
    return server.delete("/v1/comments/%s" % cid, token=token, params=params)


def erase(server, author, token=MOD_TOKEN):
    return server.delete("/v1/authors/%s" % author, token=token)


def events(redis, kind=None):
    r = redis_py.Redis(port=redis.port, decode_responses=True)
    out = [fields for _, fields in r.xrange("mg:events")]
    return [e for e in out if kind is None or e["type"] == kind]


def is_tombstone(record, cid):
    assert record["id"] == cid and record["status"] == "deleted", record
    assert record["body"] is None and record["author_name"] is None, record
    assert record["key_id"] is None and record["signature"] is None, record
    assert record["matches"] == [] and record["score"] == 0, record
    assert TIME.match(record["deleted_at"]), record
    assert "meta" not in record, record


def test_the_author_deletes_a_comment_which_stays_a_tombstone(srv, redis):
    parent = created(post_comment(srv, payload("a-1")))
    reply = created(post_comment(srv, payload("a-2", parent=parent["id"])))
    listing = srv.get("/v1/articles/art-1/comments", token=SITE_TOKEN).json()
    assert listing["total"] == 2
    assert redis.cli("EXISTS", "mg:c:%s:addr" % parent["id"]).strip() == "1"

    r = delete(srv, parent["id"])
    assert r.status_code == 204 and r.content == b"", r.text
    for token in (SITE_TOKEN, MOD_TOKEN):
        is_tombstone(srv.get("/v1/comments/%s" % parent["id"], token=token).json(),
                     parent["id"])
    tomb = srv.get("/v1/comments/%s" % parent["id"], token=SITE_TOKEN).json()
    assert (tomb["article_id"], tomb["author_id"], tomb["created_at"]) == \
        ("art-1", "a-1", parent["created_at"])
    # the reply keeps its thread: its parent still resolves
    again = srv.get("/v1/comments/%s" % reply["id"], token=SITE_TOKEN).json()
    assert again["parent_id"] == parent["id"] and again["body"] == reply["body"]
    # out of the listing and its count, and GET /v1/articles' count
    listing = srv.get("/v1/articles/art-1/comments", token=SITE_TOKEN).json()
    assert [c["id"] for c in listing["comments"]] == [reply["id"]]
    assert listing["total"] == 1
    articles = srv.get("/v1/articles", token=MOD_TOKEN).json()["items"]
    assert articles == [{"article_id": "art-1", "published": 1}], articles
    # the address, meta and the rest are gone from Redis
    assert redis.cli("EXISTS", "mg:c:%s:addr" % parent["id"]).strip() == "0"
    assert redis.cli("HEXISTS", "mg:c:%s" % parent["id"], "meta").strip() == "0"
    stats = srv.get("/v1/stats", token=MOD_TOKEN).json()["counts"]
    assert stats["published"] == 1 and stats["deleted"] == 1, stats
    counts = srv.get("/v1/authors/a-1", token=MOD_TOKEN).json()["counts"]
    assert counts["published"] == 0 and counts["deleted"] == 1, counts

    # a repeat is 204 again, and writes no second event
    assert delete(srv, parent["id"]).status_code == 204
    deleted = events(redis, "deleted")
    assert len(deleted) == 1, deleted
    assert deleted[0] == {"type": "deleted", "comment": parent["id"], "article": "art-1",
                          "author": "a-1", "status": "deleted"}


def test_deletion_refusals(srv, redis):
    c = created(post_comment(srv, payload("a-1")))
    problem(delete(srv, c["id"], author="a-2"), 403, "not_author")
    problem(delete(srv, c["id"], author=None), 400, "invalid_request")
    problem(delete(srv, c["id"], author=""), 400, "invalid_request")
    problem(delete(srv, "0193a0a0-0000-7000-8000-000000000000"), 404, "not_found")
    problem(delete(srv, "not-an-id"), 404, "not_found")
    # moderators do not delete for authors; the site does
    problem(delete(srv, c["id"], token=MOD_TOKEN), 403, "forbidden")
    assert srv.get("/v1/comments/%s" % c["id"], token=SITE_TOKEN).json()["body"] == c["body"]
    assert events(redis, "deleted") == []


def test_moderators_cannot_decide_a_tombstone(srv):
    held = post_comment(srv, payload("a-1", body="Look HOLDME"))
    assert held.status_code == 202, held.text
    cid = held.json()["id"]
    assert srv.get("/v1/queue", token=MOD_TOKEN).json()["total"] == 1
    assert delete(srv, cid).status_code == 204
    assert srv.get("/v1/queue", token=MOD_TOKEN).json()["total"] == 0
    for verb in ("approve", "reject"):
        r = srv.post("/v1/comments/%s/%s" % (cid, verb), token=MOD_TOKEN)
        assert problem(r, 409, "conflict")["current_status"] == "deleted"


def test_an_idempotent_retry_answers_the_tombstone(srv):
    key = {"Idempotency-Key": "del-retry-1"}
    p = payload("a-1")
    c = created(post_comment(srv, p, headers=key))
    assert delete(srv, c["id"]).status_code == 204
    again = post_comment(srv, p, headers=key)
    assert again.status_code == 201
    is_tombstone(again.json(), c["id"])
    # held, approved since, then deleted: the first answer's status, the tombstone
    key = {"Idempotency-Key": "del-retry-2"}
    p = payload("a-1", body="Look HOLDME")
    first = post_comment(srv, p, headers=key)
    assert first.status_code == 202, first.text
    cid = first.json()["id"]
    assert srv.post("/v1/comments/%s/approve" % cid, token=MOD_TOKEN).status_code == 200
    assert delete(srv, cid).status_code == 204
    again = post_comment(srv, p, headers=key)
    assert again.status_code == 202
    is_tombstone(again.json(), cid)


def seed(server, author, n, other="b-1"):
    """n comments of author, about 80% published, 10% held, 10% rejected,
    over three articles, and a few of another author; returns the ids by
    status."""
    session = requests.Session()
    headers = {"Authorization": "Bearer " + SITE_TOKEN,
               "Content-Type": "application/json"}

    def one(i):
        body = ("Look HOLDME" if i % 10 == 1 else
                "Buy now REJECTME" if i % 10 == 2 else "A fair point")
        r = session.post(server.base + "/v1/comments", headers=headers,
                         json=payload(author, body=body, article="art-%d" % (i % 3)))
        assert r.status_code in (201, 202, 422), r.text
        return r.json()["id"], {201: "published", 202: "pending", 422: "rejected"}[
            r.status_code]

    # not through the recording helpers: thousands of responses already
    # checked by the tests above
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        done = list(pool.map(one, range(n)))
    others = [created(post_comment(server, payload(other)))["id"] for _ in range(3)]
    return done, others


def test_erasure_of_an_author_with_thousands_of_comments(redis, start_modgate, workdir):
    # the site may erase here; test_erasure_roles checks the default
    m = start(redis, start_modgate, workdir, "privacy:\n  site_may_erase: true\n")
    done, others = seed(m, "a-big", 3000)
    statuses = {s for _, s in done}
    assert statuses == {"published", "pending", "rejected"}, statuses
    ids = [cid for cid, _ in done]
    r = redis_py.Redis(port=redis.port, decode_responses=True)
    before = len(r.xrange("mg:events"))

    res = erase(m, "a-big", token=SITE_TOKEN)
    assert res.status_code == 200, res.text
    assert res.json() == {"author_id": "a-big", "comments_erased": 3000}

    pipe = r.pipeline()
    for cid in ids:
        pipe.hget("mg:c:%s" % cid, "json")
        pipe.exists("mg:c:%s:addr" % cid)
    out = pipe.execute()
    for cid, record, addr in zip(ids, out[0::2], out[1::2]):
        is_tombstone(json.loads(record), cid)
        assert addr == 0, cid
    # a rejected comment's tombstone goes when its record would have
    by_status = dict((s, cid) for cid, s in done)
    assert r.ttl("mg:c:%s" % by_status["rejected"]) > 0
    assert r.ttl("mg:c:%s" % by_status["published"]) == -1
    erased = [e for e in r.xrange("mg:events")][before:]
    assert len(erased) == 3000
    assert sorted(f["comment"] for _, f in erased) == sorted(ids)
    assert {(f["type"], f["author"], f["status"]) for _, f in erased} == \
        {("erased", "a-big", "deleted")}
    # lists and counts
    assert r.zcard("mg:queue") == 0 and r.zcard("mg:rejected") == 0
    assert sum(r.zcard("mg:a:art-%d:pub" % i) for i in range(3)) == 3
    view = m.get("/v1/authors/a-big", token=MOD_TOKEN).json()
    assert view["counts"]["deleted"] == 3000, view["counts"]
    assert view["counts"]["published"] == 0 and view["total"] == 3000
    assert all(c["status"] == "deleted" for c in view["comments"])
    # other authors untouched
    for cid in others:
        rec = m.get("/v1/comments/%s" % cid, token=MOD_TOKEN).json()
        assert rec["status"] == "published" and rec["body"], rec
        assert rec["meta"]["client_ip"] == "203.0.113.9"
    entries = m.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    mine = [e for e in entries if e["target"] == "author_id:a-big"]
    assert len(mine) == 1 and mine[0]["action"] == "erase", mine
    assert mine[0]["moderator"] == "newsroom" and mine[0]["reason"] == "3000 comments erased"
    assert "Ann" not in str(entries)

    # idempotent: 0 and no new events
    again = erase(m, "a-big")
    assert again.json() == {"author_id": "a-big", "comments_erased": 0}
    assert len(r.xrange("mg:events")) == before + 3000


def test_erasure_roles_and_small_cases(srv, redis):
    c = created(post_comment(srv, payload("a-1")))
    # the site may not by default (privacy.site_may_erase: false)
    problem(erase(srv, "a-1", token=SITE_TOKEN), 403, "forbidden")
    problem(srv.delete("/v1/authors/a-1"), 401, "unauthorized")
    assert srv.get("/v1/comments/%s" % c["id"], token=SITE_TOKEN).json()["body"]
    # an author modgate never saw: nothing to erase
    r = erase(srv, "nobody")
    assert r.status_code == 200 and r.json() == {"author_id": "nobody",
                                                 "comments_erased": 0}
    r = erase(srv, "a-1")
    assert r.json() == {"author_id": "a-1", "comments_erased": 1}
    is_tombstone(srv.get("/v1/comments/%s" % c["id"], token=MOD_TOKEN).json(), c["id"])
    view = srv.get("/v1/authors/a-1", token=MOD_TOKEN)
    assert view.status_code == 200 and view.json()["counts"]["deleted"] == 1
    assert [e["comment"] for e in events(redis, "erased")] == [c["id"]]
    # deleting an erased comment is a repeat: 204, no event
    assert delete(srv, c["id"]).status_code == 204
    assert events(redis, "deleted") == []


def test_a_deleted_comment_takes_its_reports_and_revisions_along(srv, redis):
    c = created(post_comment(srv, payload("a-1")))
    r = srv.post("/v1/comments/%s/reports" % c["id"], token=SITE_TOKEN,
                 json={"reporter_id": "r-1", "reason": "spam", "note": "see the body"})
    assert r.status_code == 201, r.text
    redis.cli("RPUSH", "mg:c:%s:rev" % c["id"], '{"body": "an earlier revision"}')
    received = srv.get("/v1/authors/a-1", token=MOD_TOKEN).json()["reports"]["received"]
    assert received["count"] == 1 and received["open"] == 1
    assert delete(srv, c["id"]).status_code == 204
    for key in ("rp:%s", "rpn:%s", "c:%s:rev"):
        assert redis.cli("EXISTS", "mg:" + key % c["id"]).strip() == "0", key
    assert redis.cli("ZSCORE", "mg:reported", c["id"]).strip() == ""
    received = srv.get("/v1/authors/a-1", token=MOD_TOKEN).json()["reports"]["received"]
    assert received["open"] == 0, received
