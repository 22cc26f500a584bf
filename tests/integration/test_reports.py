"""Readers' reports (docs/api.md "Reader reports"): POST
/v1/comments/{id}/reports and its answers (201, the same report again with
200, 404, 409, 422 own_comment, 429 for the reporter's rate limit, bad
input), GET /v1/reported (threshold, most reported first, reasons,
reporters, paging), the reporters' weight, the hold, approving (dismisses)
and removing (upholds) a reported comment with the audit log, the summary
moderators see in a record, and exact counts from two instances at once."""
import concurrent.futures
import itertools
import json

import pytest

from conftest import MOD_TOKEN, SITE_TOKEN, post_comment, problem, wait_until
from test_redis_acl import acl_redis, acl_url  # noqa: F401 (a fixture)

_seq = itertools.count(1)
JSON = {"Content-Type": "application/json"}


def publish(server, article="art-r", author=None):
    n = next(_seq)
    r = post_comment(server, {"article_id": article, "author_id": author or "au-%d" % n,
                              "body": "A fine comment number %d." % n})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "published"
    return r.json()["id"]


def report(server, cid, reporter, reason="spam", note=None, token=SITE_TOKEN, raw=None):
    body = {"reporter_id": reporter, "reason": reason}
    if note is not None:
        body["note"] = note
    data = raw if raw is not None else json.dumps(body).encode()
    return server.post("/v1/comments/%s/reports" % cid, token=token, headers=JSON,
                       data=data)


def reported(server, **params):
    r = server.get("/v1/reported", token=MOD_TOKEN, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def summary(server, cid):
    """The record's reports as moderators see them; a record without open
    reports has no "reports" member: {"count": 0, "reasons": {}} then."""
    r = server.get("/v1/comments/%s" % cid, token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    return r.json().get("reports", {"count": 0, "reasons": {}})


def ready(m):
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def test_report_is_created_once(server):
    cid = publish(server)
    r = report(server, cid, "reader-1", "abuse", note="rude")
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["comment_id"] == cid and first["reporter_id"] == "reader-1"
    assert first["reason"] == "abuse" and first["note"] == "rude"
    assert set(first) == {"id", "comment_id", "reporter_id", "reason", "note", "created_at"}
    again = report(server, cid, "reader-1", "spam")
    assert again.status_code == 200, again.text
    assert again.json() == first
    assert summary(server, cid) == {"count": 1, "reasons": {"abuse": 1}}
    # sites see the record without the moderators' summary
    site_view = server.get("/v1/comments/%s" % cid, token=SITE_TOKEN).json()
    assert "reports" not in site_view
    no_note = report(server, cid, "reader-2", "other").json()
    assert no_note["note"] is None
    assert summary(server, cid) == {"count": 2, "reasons": {"abuse": 1, "other": 1}}


def test_bad_input(server):
    cid = publish(server, author="writer")
    unknown = "0190c0de-0000-7000-8000-000000000000"
    problem(report(server, unknown, "reader-1"), 404, "not_found")
    problem(report(server, "not-a-uuid", "reader-1"), 404, "not_found")
    assert problem(report(server, cid, "reader-1", "boring"), 400,
                   "invalid_request")["field"] == "reason"
    assert problem(report(server, cid, "reader-1", 7), 400,
                   "invalid_request")["field"] == "reason"
    assert problem(report(server, cid, "x" * 129), 400,
                   "invalid_request")["field"] == "reporter_id"
    assert problem(report(server, cid, "has space"), 400,
                   "invalid_request")["field"] == "reporter_id"
    assert problem(report(server, cid, "reader-1", note="n" * 501), 400,
                   "invalid_request")["field"] == "note"
    assert problem(report(server, cid, "reader-1", note=5), 400,
                   "invalid_request")["field"] == "note"
    problem(report(server, cid, "reader-1", raw=b'{"reporter_id": '), 400,
            "invalid_request")
    problem(report(server, cid, "reader-1", raw=b'[1, 2]'), 400, "invalid_request")
    problem(report(server, cid, "reader-1", raw=b''), 400, "invalid_request")
    problem(report(server, cid, "reader-1", token=MOD_TOKEN), 403, "forbidden")
    problem(report(server, cid, "reader-1", token="wrong-token-000000000000"), 401,
            "unauthorized")
    r = server.post("/v1/comments/%s/reports" % cid, token=SITE_TOKEN,
                    headers={"Content-Type": "text/plain"}, data=b"{}")
    problem(r, 415, "unsupported_media_type")
    problem(server.get("/v1/reported", token=SITE_TOKEN), 403, "forbidden")
    problem(server.get("/v1/reported", token=MOD_TOKEN, params={"limit": "0"}), 400,
            "invalid_request")
    problem(server.get("/v1/reported", token=MOD_TOKEN, params={"cursor": "zz"}), 400,
            "invalid_request")
    # none of it counted
    assert summary(server, cid) == {"count": 0, "reasons": {}}
    # the author cannot report their own comment
    problem(report(server, cid, "writer"), 422, "own_comment")
    assert summary(server, cid)["count"] == 0


def test_only_published_comments(server):
    cid = publish(server)
    assert server.post("/v1/comments/%s/reject" % cid, token=MOD_TOKEN).status_code == 200
    body = problem(report(server, cid, "reader-1"), 409, "conflict")
    assert body["current_status"] == "removed"


def test_threshold_order_and_paging(server):
    a, b, c = publish(server), publish(server), publish(server)
    for i in range(2):
        assert report(server, a, "r-%d" % i).status_code == 201
    assert reported(server)["items"] == []  # 2 < threshold 3
    assert report(server, a, "r-2", "abuse").status_code == 201
    for i in range(4):
        assert report(server, b, "r-%d" % i, "off_topic").status_code == 201
    for i in range(2):
        assert report(server, c, "r-%d" % i).status_code == 201
    page = reported(server)
    assert page["total"] == 2 and page["next_cursor"] is None
    first, second = page["items"]
    assert first["comment"]["id"] == b and second["comment"]["id"] == a
    assert first["reports"] == {"count": 4, "weight": 4, "reasons": {"off_topic": 4},
                                "reporters": ["r-0", "r-1", "r-2", "r-3"]}
    assert second["reports"]["reasons"] == {"spam": 2, "abuse": 1}
    one = reported(server, limit=1)
    assert [i["comment"]["id"] for i in one["items"]] == [b] and one["next_cursor"]
    rest = reported(server, limit=1, cursor=one["next_cursor"])
    assert [i["comment"]["id"] for i in rest["items"]] == [a]
    assert rest["next_cursor"] is None


def audit_actions(server, cid):
    entries = server.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    return [e["action"] for e in entries if e["target"] == cid]


def test_dismissal_lowers_weight(server):
    a = publish(server)
    for i in range(3):
        assert report(server, a, "w-%d" % i).status_code == 201
    assert [i["comment"]["id"] for i in reported(server)["items"]] == [a]
    r = server.post("/v1/comments/%s/approve" % a, token=MOD_TOKEN, headers=JSON,
                    data=b'{"reason": "fine"}')
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    assert reported(server)["items"] == []
    assert summary(server, a)["count"] == 0
    assert "dismiss_reports" in audit_actions(server, a)
    # nothing left to dismiss: approving again is a conflict
    problem(server.post("/v1/comments/%s/approve" % a, token=MOD_TOKEN), 409, "conflict")
    # each of w-0..2 now weighs (1 + 0) / (1 + 0 + 1) = 0.5
    b = publish(server)
    for i in range(3):
        assert report(server, b, "w-%d" % i).status_code == 201
    assert reported(server)["items"] == []  # 1.5 < 3
    assert report(server, b, "fresh-1").status_code == 201
    assert reported(server)["items"] == []  # 2.5 < 3
    assert report(server, b, "fresh-2").status_code == 201
    items = reported(server)["items"]
    assert [i["comment"]["id"] for i in items] == [b]
    assert items[0]["reports"]["count"] == 5 and items[0]["reports"]["weight"] == 3.5


def test_removal_upholds(server):
    a = publish(server, article="art-up")
    for i in range(3):
        assert report(server, a, "u-%d" % i).status_code == 201
    r = server.post("/v1/comments/%s/reject" % a, token=MOD_TOKEN)
    assert r.status_code == 200 and r.json()["status"] == "removed"
    assert reported(server)["items"] == []
    assert "remove" in audit_actions(server, a)
    listing = server.get("/v1/articles/art-up/comments", token=SITE_TOKEN).json()
    assert listing["comments"] == []
    # upheld reports keep full weight: 3 reports list the next one at once
    b = publish(server)
    for i in range(3):
        assert report(server, b, "u-%d" % i).status_code == 201
    assert reported(server)["items"][0]["reports"]["weight"] == 3


@pytest.fixture
def holding(redis, start_modgate):
    return ready(start_modgate(redis.url, config="reports:\n  hold_threshold: 2\n"))


def test_hold_and_approve(holding):
    a = publish(holding, article="art-h")
    assert report(holding, a, "h-1").status_code == 201
    assert holding.get("/v1/comments/%s" % a, token=SITE_TOKEN).json()["status"] == \
        "published"
    assert report(holding, a, "h-2").status_code == 201
    record = holding.get("/v1/comments/%s" % a, token=MOD_TOKEN).json()
    assert record["status"] == "pending" and record["signature"] is None
    listing = holding.get("/v1/articles/art-h/comments", token=SITE_TOKEN).json()
    assert listing["comments"] == []
    queue = holding.get("/v1/queue", token=MOD_TOKEN).json()
    assert [c["id"] for c in queue["items"]] == [a]
    # a held comment takes no more reports, a repeat still gets its report
    problem(report(holding, a, "h-3"), 409, "conflict")
    assert report(holding, a, "h-1").status_code == 200
    r = holding.post("/v1/comments/%s/approve" % a, token=MOD_TOKEN)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["signature"]
    listing = holding.get("/v1/articles/art-h/comments", token=SITE_TOKEN).json()
    assert [c["id"] for c in listing["comments"]] == [a]
    assert summary(holding, a)["count"] == 0
    assert "approve" in audit_actions(holding, a)


def test_reporter_rate_limit(redis, start_modgate):
    m = ready(start_modgate(
        redis.url, config="rate_limits:\n  reporter:\n    - {count: 2, period_s: 60}\n"))
    ids = [publish(m) for _ in range(3)]
    assert report(m, ids[0], "busy").status_code == 201
    assert report(m, ids[1], "busy").status_code == 201
    r = report(m, ids[2], "busy")
    body = problem(r, 429, "rate_limited")
    assert body["limit"] == "reporter" and 1 <= body["retry_after"] <= 60
    assert int(r.headers["Retry-After"]) == body["retry_after"]
    assert summary(m, ids[2])["count"] == 0
    # other reporters are not held back by busy's limit
    assert report(m, ids[2], "calm").status_code == 201


def test_two_instances_count_exactly(redis, start_modgate):
    one = ready(start_modgate(redis.url))
    two = ready(start_modgate(redis.url))
    cid = publish(one)
    jobs = [(server, "reader-%02d" % i) for i in range(25) for server in (one, two)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda j: report(j[0], cid, j[1]).status_code, jobs))
    assert len(codes) == 50
    assert sorted(codes) == [200] * 25 + [201] * 25
    assert summary(one, cid) == {"count": 25, "reasons": {"spam": 25}}
    items = reported(two)["items"]
    assert items[0]["reports"]["count"] == 25
    assert items[0]["reports"]["reporters"] == ["reader-%02d" % i for i in range(25)]


def test_reports_as_the_restricted_user(acl_redis, start_modgate):
    """The report scripts (and decide.lua's settling) need no command the
    shipped Redis user of deploy/redis.conf lacks."""
    m = ready(start_modgate(acl_url(acl_redis), config="reports:\n  hold_threshold: 4\n"))
    a, b = publish(m), publish(m)
    for i in range(4):
        assert report(m, a, "acl-%d" % i).status_code == 201
        if i < 3:
            assert report(m, b, "acl-%d" % i).status_code == 201
    assert m.get("/v1/comments/" + a, token=MOD_TOKEN).json()["status"] == "pending"
    assert [i["comment"]["id"] for i in reported(m)["items"]] == [a, b]
    assert summary(m, b)["count"] == 3
    assert m.post("/v1/comments/%s/approve" % b, token=MOD_TOKEN).status_code == 200
    assert m.post("/v1/comments/%s/reject" % a, token=MOD_TOKEN).status_code == 200
    assert reported(m)["items"] == []
