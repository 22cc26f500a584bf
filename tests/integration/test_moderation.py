"""Moderation (docs/api.md, the moderators' endpoints): the queue of held comments, the
comments the rules rejected, approve / reject / remove with the decision on
the record, 409 conflicts (also between two moderators racing on two
instances), the audit log and the stats. The rules here are a tiny set: a
body with HOLDME is held, one with REJECTME rejected."""
import concurrent.futures
import itertools
import json
import os
import re
import time

import pytest

from conftest import (MOD2_TOKEN, MOD_TOKEN, SITE_TOKEN, metric, parse_metrics,
                      parse_responses, post_comment, problem, request_bytes, wait_until)
from signing import public_keys, verifies

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_seq = itertools.count(1)

RULES = """\
thresholds: {hold: 5, reject: 10}
rules:
  - {id: test.hold, reason: held for review, when: {regex: HOLDME}, score: 5}
  - {id: test.reject, reason: refused, when: {regex: REJECTME}, score: 10}
"""


def write_rules(workdir):
    d = os.path.join(workdir, "mod-rules")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rules.yaml"), "w") as f:
        f.write(RULES)
    return d


@pytest.fixture
def mod_server(redis, start_modgate, workdir):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


@pytest.fixture
def unguarded_server(redis, start_modgate, workdir):
    """Decisions may follow each other at once (decision_guard_ms 0)."""
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config="moderation:\n  decision_guard_ms: 0\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def submit(server, body, article="art-1", author=None):
    n = next(_seq)
    r = post_comment(server, {"article_id": article,
                              "author_id": author or "u-%d" % n,
                              "body": "%s (%d)" % (body, n)})
    assert r.status_code in (201, 202, 422), r.text
    return r.json()


def held(server, article="art-1"):
    record = submit(server, "Please look at this HOLDME", article)
    assert record["status"] == "pending", record
    return record


def rejected_by_rules(server):
    p = submit(server, "Buy now REJECTME")
    assert p["code"] == "rejected", p
    return p["id"]


def approve(server, cid, token=MOD_TOKEN, **body):
    return server.post("/v1/comments/%s/approve" % cid, token=token,
                       json=body if body else None)


def reject(server, cid, token=MOD_TOKEN, **body):
    return server.post("/v1/comments/%s/reject" % cid, token=token,
                       json=body if body else None)


def decided(r, status, action, reason=None):
    assert r.status_code == 200, (r.status_code, r.text)
    record = r.json()
    assert record["status"] == status, record
    d = record["decision"]
    assert d["action"] == action and d["by"] == "alice", d
    assert TIME.match(d["at"]), d
    assert d["reason"] == reason, d
    return record


def conflict(r, current):
    body = problem(r, 409, "conflict")
    assert body["current_status"] == current, body


def items(server, path, **params):
    r = server.get(path, token=MOD_TOKEN, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def audit(server, **params):
    r = server.get("/v1/audit", token=MOD_TOKEN, params=params)
    assert r.status_code == 200, r.text
    return r.json()


# ---- the queue ----------------------------------------------------------------

def test_queue_lists_held_comments_oldest_first_in_pages(mod_server):
    ids = [held(mod_server, article="art-%d" % (i % 2))["id"] for i in range(5)]
    submit(mod_server, "An ordinary comment")  # published: not in the queue
    page = items(mod_server, "/v1/queue")
    assert [c["id"] for c in page["items"]] == ids
    assert page["total"] == 5 and page["next_cursor"] is None
    assert all(c["status"] == "pending" for c in page["items"])
    # pages of 2 walk the same order, each id once
    seen, cursor = [], None
    while True:
        params = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = items(mod_server, "/v1/queue", **params)
        assert len(page["items"]) <= 2 and page["total"] == 5
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    # one article's queue
    page = items(mod_server, "/v1/queue", article_id="art-1")
    assert [c["id"] for c in page["items"]] == ids[1::2]
    assert page["total"] == 2
    assert items(mod_server, "/v1/queue", article_id="nope")["total"] == 0


def test_queue_refuses_bad_paging_and_other_roles(mod_server):
    problem(mod_server.get("/v1/queue", token=MOD_TOKEN, params={"limit": 0}),
            400, "invalid_request")
    problem(mod_server.get("/v1/queue", token=MOD_TOKEN, params={"limit": 201}),
            400, "invalid_request")
    body = problem(mod_server.get("/v1/queue", token=MOD_TOKEN,
                                  params={"cursor": "not-a-cursor"}),
                   400, "invalid_request")
    assert body["field"] == "cursor"
    problem(mod_server.get("/v1/queue", token=SITE_TOKEN), 403, "forbidden")
    problem(mod_server.get("/v1/queue"), 401, "unauthorized")
    for path in ("/v1/rejected", "/v1/audit", "/v1/stats"):
        problem(mod_server.get(path, token=SITE_TOKEN), 403, "forbidden")


# ---- decisions ------------------------------------------------------------------

def test_approving_a_held_comment_publishes_and_signs_it_now(mod_server):
    record = held(mod_server)
    assert record["signature"] is None and record["key_id"] is None
    out = decided(approve(mod_server, record["id"], reason="fine in context"),
                  "published", "approve", "fine in context")
    keys = public_keys(mod_server.get("/v1/keys").json())
    assert out["key_id"] in keys and verifies(out, keys)
    for field in ("id", "body", "author_id", "created_at", "matches", "score"):
        assert out[field] == record[field]
    # stored as answered, out of the queue, into the article
    assert mod_server.get("/v1/comments/" + record["id"], token=MOD_TOKEN).json() == out
    assert items(mod_server, "/v1/queue")["total"] == 0
    page = mod_server.get("/v1/articles/art-1/comments", token=SITE_TOKEN).json()
    assert [c["id"] for c in page["comments"]] == [record["id"]]
    # a second approval is a conflict, and changes nothing
    conflict(approve(mod_server, record["id"]), "published")
    assert mod_server.get("/v1/comments/" + record["id"], token=MOD_TOKEN).json() == out


def test_reject_then_approve_then_remove(unguarded_server):
    mod_server = unguarded_server
    record = held(mod_server)
    out = decided(reject(mod_server, record["id"]), "rejected", "reject")
    assert out["signature"] is None
    conflict(reject(mod_server, record["id"]), "rejected")
    out = decided(approve(mod_server, record["id"], reason="on second thought"),
                  "published", "approve", "on second thought")
    signature = out["signature"]
    out = decided(reject(mod_server, record["id"], reason="spam after all"),
                  "removed", "remove", "spam after all")
    # a removed comment keeps its signature and leaves the article
    assert out["signature"] == signature
    page = mod_server.get("/v1/articles/art-1/comments", token=SITE_TOKEN).json()
    assert page["total"] == 0 and page["comments"] == []
    conflict(approve(mod_server, record["id"]), "removed")
    conflict(reject(mod_server, record["id"]), "removed")


def test_another_moderators_decision_right_after_the_first_loses(redis, start_modgate,
                                                                 workdir):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config="moderation:\n  decision_guard_ms: 1500\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    cid = held(m)["id"]
    decided(approve(m, cid), "published", "approve")
    # within the guard: bob saw it pending, and loses
    conflict(reject(m, cid, token=MOD2_TOKEN), "published")
    time.sleep(1.6)
    # after it: a considered change of mind
    r = reject(m, cid, token=MOD2_TOKEN)
    assert r.status_code == 200 and r.json()["status"] == "removed", r.text
    assert r.json()["decision"]["by"] == "bob", r.text
    targets = [e["target"] for e in audit(m)["entries"]]
    assert targets.count(cid) == 2


def test_a_moderator_may_change_their_mind_at_once(redis, start_modgate, workdir):
    # the default guard (5 s) only holds off another moderator
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    cid = held(m)["id"]
    decided(approve(m, cid), "published", "approve")
    decided(reject(m, cid), "removed", "remove")
    cid = held(m)["id"]
    decided(reject(m, cid), "rejected", "reject")
    decided(approve(m, cid), "published", "approve")
    # and bob, a moment later, is told what alice made of it
    conflict(reject(m, cid, token=MOD2_TOKEN), "published")


def test_a_reason_that_is_not_utf8_is_named(mod_server):
    record = held(mod_server)
    for verb in ("approve", "reject"):
        for raw in (b'{"reason": "caf\xe9"}', b'{"reason": "\\udc00"}'):
            r = mod_server.post("/v1/comments/%s/%s" % (record["id"], verb),
                                token=MOD_TOKEN, data=raw,
                                headers={"Content-Type": "application/json"})
            assert problem(r, 400, "invalid_request")["field"] == "reason", r.text
    # none of that decided anything
    assert mod_server.get("/v1/comments/" + record["id"],
                          token=MOD_TOKEN).json()["status"] == "pending"


def test_decisions_on_what_does_not_exist_or_bad_bodies(mod_server):
    problem(approve(mod_server, "0193a000-0000-7000-8000-000000000000"), 404, "not_found")
    problem(reject(mod_server, "not-an-id"), 404, "not_found")
    record = held(mod_server)
    body = problem(approve(mod_server, record["id"], reason=5), 400, "invalid_request")
    assert body["field"] == "reason"
    problem(approve(mod_server, record["id"], reason="x" * 501), 400, "invalid_request")
    r = mod_server.post("/v1/comments/%s/approve" % record["id"], token=MOD_TOKEN,
                        data=b"[1]", headers={"Content-Type": "application/json"})
    problem(r, 400, "invalid_request")
    problem(approve(mod_server, record["id"], token=SITE_TOKEN), 403, "forbidden")
    # none of that decided anything; a 500-byte reason is fine
    decided(approve(mod_server, record["id"], reason="y" * 500), "published",
            "approve", "y" * 500)


def test_two_moderators_racing_on_two_instances_one_wins(redis, start_modgate,
                                                         workdir):
    rules = write_rules(workdir)
    a = start_modgate(redis.url, args=("--rules", rules))
    b = start_modgate(redis.url, args=("--rules", rules))
    for m in (a, b):
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    for round_ in range(10):
        cid = held(a)["id"]
        # both verbs: approve-then-reject would be approve-then-remove,
        # reject-then-approve a reversal, unless the second loses
        calls = [(a, approve, MOD_TOKEN), (b, reject, MOD2_TOKEN)]
        if round_ % 2:
            calls.reverse()
        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            results = list(pool.map(lambda c: c[1](c[0], cid, token=c[2]), calls))
        wins = [r for r in results if r.status_code == 200]
        assert len(wins) == 1, [(r.status_code, r.text) for r in results]
        final = a.get("/v1/comments/" + cid, token=MOD_TOKEN).json()
        assert final["status"] == wins[0].json()["status"]
        for r in results:
            if r.status_code != 200:
                conflict(r, final["status"])
        # the audit log has the one decision
        assert [e["target"] for e in audit(a, limit=200)["entries"]].count(cid) == 1


# ---- what the rules rejected -------------------------------------------------------

def test_a_replayed_rejection_is_the_first_response_location_included(mod_server):
    h = {"Idempotency-Key": "rej-1"}
    body = {"article_id": "art-1", "author_id": "u-rej", "body": "Buy now REJECTME"}
    first = post_comment(mod_server, body, headers=h)
    again = post_comment(mod_server, body, headers=h)
    assert first.status_code == again.status_code == 422
    assert first.json()["code"] == "rejected" and again.content == first.content
    assert first.headers["Location"] == "/v1/comments/" + first.json()["id"]
    assert again.headers.get("Location") == first.headers["Location"]
    for r in (first, again):
        assert r.headers["Content-Type"].startswith("application/problem+json")


def test_rejected_lists_rules_rejections_newest_first_and_approving_one(mod_server, redis):
    ids = [rejected_by_rules(mod_server) for _ in range(3)]
    page = items(mod_server, "/v1/rejected")
    assert [c["id"] for c in page["items"]] == ids[::-1]
    assert page["total"] == 3
    assert all(c["status"] == "rejected" for c in page["items"])
    page = items(mod_server, "/v1/rejected", limit=2)
    assert [c["id"] for c in page["items"]] == ids[:0:-1]
    rest = items(mod_server, "/v1/rejected", limit=2, cursor=page["next_cursor"])
    assert [c["id"] for c in rest["items"]] == ids[:1] and rest["next_cursor"] is None
    # kept for the retention, then gone by itself (14 days by default)
    ttl = int(redis.cli("TTL", "mg:c:" + ids[0]).strip())
    assert 14 * 86400 - 60 < ttl <= 14 * 86400
    out = decided(approve(mod_server, ids[1]), "published", "approve")
    assert out["signature"]
    assert int(redis.cli("TTL", "mg:c:" + ids[1]).strip()) == -1  # kept for good
    assert [c["id"] for c in items(mod_server, "/v1/rejected")["items"]] == [ids[2], ids[0]]


def test_rejected_retention_is_configurable_and_expired_ones_leave_the_list(
        redis, start_modgate, workdir):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config="moderation:\n  rejected_retention_s: 120\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    cid = rejected_by_rules(m)
    ttl = int(redis.cli("TTL", "mg:c:" + cid).strip())
    assert 60 < ttl <= 120
    # an entry from before the retention (a UUIDv7 of 10 minutes ago) is
    # dropped from the list when it is read, record or not
    old_ms = int(time.time() * 1000) - 600000
    old = "%08x-%04x-7000-8000-000000000000" % (old_ms >> 16, old_ms & 0xffff)
    redis.cli("ZADD", "mg:rejected", "0", old)
    page = items(m, "/v1/rejected")
    assert [c["id"] for c in page["items"]] == [cid] and page["total"] == 1
    # a moderator's rejection is kept as long, and not listed
    pending = held(m)["id"]
    decided(reject(m, pending), "rejected", "reject")
    assert 60 < int(redis.cli("TTL", "mg:c:" + pending).strip()) <= 120
    assert [c["id"] for c in items(m, "/v1/rejected")["items"]] == [cid]


# ---- the audit log --------------------------------------------------------------------

def test_audit_records_every_decision_and_ban_newest_first(unguarded_server):
    mod_server = unguarded_server
    a, b = held(mod_server)["id"], held(mod_server)["id"]
    approve(mod_server, a, reason="ok")
    reject(mod_server, b)
    reject(mod_server, a, reason="changed my mind")
    r = mod_server.post("/v1/bans", token=MOD_TOKEN,
                        json={"author_id": "u-troll", "reason": "flooding"})
    assert r.status_code == 201
    assert mod_server.delete("/v1/bans/author_id/u-troll", token=MOD_TOKEN).status_code == 204
    # a lift of nothing is not an action
    assert mod_server.delete("/v1/bans/author_id/u-troll", token=MOD_TOKEN).status_code == 404
    entries = audit(mod_server)["entries"]
    assert [(e["action"], e["target"], e["reason"]) for e in entries] == [
        ("unban", "author_id:u-troll", None),
        ("ban", "author_id:u-troll", "flooding"),
        ("remove", a, "changed my mind"),
        ("reject", b, None),
        ("approve", a, "ok"),
    ]
    assert all(e["moderator"] == "alice" and TIME.match(e["at"]) for e in entries)
    times = [e["at"] for e in entries]
    assert times == sorted(times, reverse=True)
    # pages
    first = audit(mod_server, limit=2)
    assert [e["action"] for e in first["entries"]] == ["unban", "ban"]
    second = audit(mod_server, limit=2, cursor=first["next_cursor"])
    assert [e["action"] for e in second["entries"]] == ["remove", "reject"]
    third = audit(mod_server, limit=2, cursor=second["next_cursor"])
    assert [e["action"] for e in third["entries"]] == ["approve"]
    assert third["next_cursor"] is None
    body = problem(mod_server.get("/v1/audit", token=MOD_TOKEN,
                                  params={"cursor": first["next_cursor"] + "x"}),
                   400, "invalid_request")
    assert body["field"] == "cursor"


def test_audit_log_is_capped(redis, start_modgate, workdir):
    m = start_modgate(redis.url, config="moderation:\n  audit_max_entries: 100\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    for i in range(600):
        r = m.post("/v1/bans", token=MOD_TOKEN, json={"author_id": "u-%d" % i})
        assert r.status_code == 201
    # trimmed in whole blocks of the stream (MAXLEN ~), never below the cap
    length = int(redis.cli("XLEN", "mg:audit").strip())
    assert 100 <= length < 300, length
    newest = audit(m, limit=1)["entries"][0]
    assert newest["target"] == "author_id:u-599"


# ---- stats ----------------------------------------------------------------------------

def test_stats_count_statuses_queue_submissions_and_rules(mod_server):
    empty = mod_server.get("/v1/stats", token=MOD_TOKEN).json()
    assert empty["queue_depth"] == 0 and empty["oldest_pending_age_s"] is None
    assert empty["counts"] == {"published": 0, "pending": 0, "rejected": 0, "removed": 0,
                               "deleted": 0}
    assert empty["last_hour"] == {"submissions": 0, "rule_hits": {}}
    first = held(mod_server)["id"]
    held(mod_server)
    held(mod_server)
    submit(mod_server, "An ordinary comment")
    rejected_by_rules(mod_server)
    decided(approve(mod_server, first), "published", "approve")
    s = mod_server.get("/v1/stats", token=MOD_TOKEN).json()
    assert s["counts"] == {"published": 2, "pending": 2, "rejected": 1, "removed": 0, "deleted": 0}
    assert s["queue_depth"] == 2
    assert 0 <= s["oldest_pending_age_s"] < 60
    for window in ("last_hour", "last_day"):
        assert s[window]["submissions"] == 5
        assert s[window]["rule_hits"] == {"test.hold": 3, "test.reject": 1}
    assert s["rules"]["test.hold"] == {"fired": 3, "held": 3, "rejected": 0,
                                       "overturned": 1}
    assert s["rules"]["test.reject"] == {"fired": 1, "held": 0, "rejected": 1,
                                         "overturned": 0}


def test_metrics_export_the_queue_for_alerts(mod_server):
    def gauges():
        m = parse_metrics(mod_server.get("/metrics").text)
        names = {name for name, _ in m}
        if not {"modgate_queue_depth", "modgate_queue_oldest_age_seconds"} <= names:
            return None  # not exported (yet): never equal to a pair
        return (metric(m, "modgate_queue_depth"),
                metric(m, "modgate_queue_oldest_age_seconds"))

    wait_until(lambda: gauges() == (0, 0), timeout=5)
    first, second = held(mod_server)["id"], held(mod_server)["id"]
    wait_until(lambda: (gauges() or (0,))[0] == 2, timeout=5)
    time.sleep(1.2)
    wait_until(lambda: gauges()[1] >= 1.0, timeout=5)
    assert gauges()[1] < 60
    decided(approve(mod_server, first), "published", "approve")
    decided(reject(mod_server, second), "rejected", "reject")
    wait_until(lambda: gauges() == (0, 0), timeout=5)


def test_articles_lists_every_article_with_published_comments(unguarded_server):
    """GET /v1/articles (an extension, for modctl verify --all)."""
    m = unguarded_server
    submit(m, "Plain", article="b-2")
    submit(m, "Plain", article="a-1")
    submit(m, "Plain", article="a-1")
    pending = held(m, article="c-3")["id"]      # held only: not listed yet
    page = items(m, "/v1/articles")
    assert page["items"] == [{"article_id": "a-1", "published": 2},
                             {"article_id": "b-2", "published": 1}]
    assert page["total"] == 2 and page["next_cursor"] is None
    decided(approve(m, pending), "published", "approve")
    page = items(m, "/v1/articles", limit=2)
    assert [a["article_id"] for a in page["items"]] == ["a-1", "b-2"]
    rest = items(m, "/v1/articles", limit=2, cursor=page["next_cursor"])
    assert rest["items"] == [{"article_id": "c-3", "published": 1}]
    decided(reject(m, pending), "removed", "remove")
    assert items(m, "/v1/articles")["items"][2] == {"article_id": "c-3", "published": 0}
    problem(m.get("/v1/articles", token=SITE_TOKEN), 403, "forbidden")
    problem(m.get("/v1/articles", token=MOD_TOKEN, params={"cursor": "!!"}),
            400, "invalid_request")


def test_a_moderators_rules_reload_is_in_the_audit_log(mod_server):
    r = mod_server.post("/v1/rules/reload", token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    newest = audit(mod_server)["entries"][0]
    assert newest["action"] == "rules_reload" and newest["moderator"] == "alice"
    assert newest["target"] == r.json()["rules_version"] and newest["reason"] is None


def test_approving_without_a_signing_key_is_503_and_decides_nothing(redis, start_modgate,
                                                                    workdir):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)), key=False)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    cid = held(m)["id"]  # holding needs no key
    r = approve(m, cid)
    problem(r, 503, "unavailable")
    assert r.headers["Retry-After"] == "60"
    assert m.get("/v1/comments/" + cid, token=MOD_TOKEN).json()["status"] == "pending"
    decided(reject(m, cid), "rejected", "reject")  # rejecting needs none


def test_queue_refuses_a_malformed_article_parameter(mod_server):
    # sent as bytes: an HTTP client would escape the stray % itself
    data = mod_server.raw(request_bytes(
        "GET", "/v1/queue?article_id=%ZZ",
        {"Authorization": "Bearer " + MOD_TOKEN, "Connection": "close"}))
    status, headers, body = parse_responses(data)[0]
    assert status == 400 and headers["content-type"].startswith("application/problem+json")
    p = json.loads(body)
    assert p["code"] == "invalid_request" and p["field"] == "article_id"
