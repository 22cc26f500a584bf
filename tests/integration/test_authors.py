"""Authors (issue 17, items 6 and 3): GET /v1/authors/{author_id} (first and
last seen, counts by status, trust, the watch entry, bans, reports, a page
of the latest comments), the watch list (POST and DELETE
/v1/authors/{author_id}/watch: every comment of a watched author is held,
author.watched), history.established (an established author skips
history.new_commenter), their audit entries, bad input and roles."""
import itertools
import os

import pytest

from conftest import MOD_TOKEN, SITE_TOKEN, created, problem, wait_until
from conftest import post_comment as post

_seq = itertools.count(1)

# Test rules: `jackpot` scores 4, the new_commenter min_score, under the
# hold threshold (5); `zzslur` rejects.
RULES_DIR_FILES = {
    "00-thresholds.yaml": """\
thresholds:
  hold: 5
  reject: 10
history:
  new_commenter: {published_below: 1, min_score: 4}
  established: {published: 2, clean_days: 30}
lists:
  lure:
    entries: [jackpot]
  slurs:
    entries: [zzslur]
""",
    "10-rules.yaml": """\
rules:
  - id: t.lure
    reason: a lure
    when: {words: lure}
    score: 4
  - id: t.slur
    reason: slur
    when: {words: slurs}
    action: reject
    score: 10
""",
}


def comment(author, body=None, article="art-1"):
    n = next(_seq)
    return {"article_id": article, "author_id": author,
            "body": body or "A fair point, well made (%d)." % n}


def author(server, author_id, token=MOD_TOKEN, **params):
    return server.get("/v1/authors/%s" % author_id, token=token, params=params)


def watch(server, author_id, body=None, token=MOD_TOKEN, **kw):
    return server.post("/v1/authors/%s/watch" % author_id, token=token, json=body, **kw)


def unwatch(server, author_id, token=MOD_TOKEN):
    return server.delete("/v1/authors/%s/watch" % author_id, token=token)


def audit(server, target):
    entries = server.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    return [e for e in entries if e["target"] == target]


@pytest.fixture
def srv(redis, start_modgate, workdir):
    rules = os.path.join(workdir, "rules")
    os.makedirs(rules, exist_ok=True)
    for name, text in RULES_DIR_FILES.items():
        with open(os.path.join(rules, name), "w") as f:
            f.write(text)
    m = start_modgate(redis.url, args=("--rules", rules))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def test_view_counts_times_and_comments(srv):
    first = created(post(srv, comment("ann")))
    created(post(srv, comment("ann")))
    held = post(srv, comment("ann", "I won the jackpot at the casino %d" % next(_seq)))
    assert held.status_code in (201, 202)
    rejected = post(srv, comment("ann", "you zzslur"))
    problem(rejected, 422, "rejected")
    r = author(srv, "ann")
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["author_id"] == "ann"
    assert v["counts"]["rejected"] == 1
    assert sum(v["counts"].values()) == 4
    assert v["first_seen"] <= v["last_seen"]
    assert v["comments"][-1]["id"] == first["id"]  # newest first
    assert v["comments"][0]["id"] == rejected.json()["id"]
    assert v["total"] == 4 and v["next_cursor"] is None
    assert v["watch"] is None and v["bans"] == []
    none = {"count": 0, "open": 0, "upheld": 0, "dismissed": 0}
    assert v["reports"] == {"received": none, "filed": none}
    assert v["trust"]["rule"] == {"published": 2, "clean_days": 30}
    # a rejection in the last 30 days: not established
    assert v["trust"]["established"] is False
    assert v["trust"]["last_rejection_at"] is not None


def report(server, cid, reporter):
    r = server.post("/v1/comments/%s/reports" % cid, token=SITE_TOKEN,
                    json={"reporter_id": reporter, "reason": "abuse"})
    assert r.status_code == 201, r.text


def test_reports_received_and_filed_with_their_outcomes(srv):
    upheld = created(post(srv, comment("rae")))["id"]
    dismissed = created(post(srv, comment("rae")))["id"]
    still_open = created(post(srv, comment("rae")))["id"]
    other = created(post(srv, comment("sol")))["id"]
    for reporter in ("kim", "lee"):
        report(srv, upheld, reporter)
    report(srv, dismissed, "kim")
    report(srv, still_open, "lee")
    report(srv, other, "kim")
    assert srv.post("/v1/comments/%s/reject" % upheld, token=MOD_TOKEN,
                    json={"reason": "abuse"}).status_code == 200
    assert srv.post("/v1/comments/%s/approve" % dismissed, token=MOD_TOKEN,
                    json={}).status_code == 200
    rae = author(srv, "rae").json()["reports"]
    assert rae["received"] == {"count": 4, "open": 1, "upheld": 2, "dismissed": 1}
    assert rae["filed"] == {"count": 0, "open": 0, "upheld": 0, "dismissed": 0}
    # kim reported three comments (one upheld, one dismissed, one open) and
    # never wrote one: a reporter is an author the view knows
    kim = author(srv, "kim")
    assert kim.status_code == 200, kim.text
    assert kim.json()["reports"]["filed"] == {"count": 3, "open": 1, "upheld": 1,
                                              "dismissed": 1}
    assert kim.json()["counts"] == {"published": 0, "pending": 0, "rejected": 0,
                                     "removed": 0, "deleted": 0}
    assert author(srv, "lee").json()["reports"]["filed"] == {
        "count": 2, "open": 1, "upheld": 1, "dismissed": 0}


def test_comments_are_paged(srv):
    ids = [created(post(srv, comment("pat")))["id"] for _ in range(3)]
    p1 = author(srv, "pat", limit=2).json()
    assert [c["id"] for c in p1["comments"]] == ids[:0:-1]
    assert p1["next_cursor"]
    p2 = author(srv, "pat", limit=2, cursor=p1["next_cursor"]).json()
    assert [c["id"] for c in p2["comments"]] == [ids[0]]
    assert p2["next_cursor"] is None


def test_decisions_move_counts(srv):
    r = post(srv, comment("dee", "I won the jackpot at the casino last night"))
    assert r.status_code == 202, r.text  # a new commenter, suspect: held
    cid = r.json()["id"]
    assert author(srv, "dee").json()["counts"] == {"published": 0, "pending": 1,
                                                   "rejected": 0, "removed": 0, "deleted": 0}
    assert srv.post("/v1/comments/%s/approve" % cid, token=MOD_TOKEN, json={}).status_code == 200
    assert author(srv, "dee").json()["counts"] == {"published": 1, "pending": 0,
                                                   "rejected": 0, "removed": 0, "deleted": 0}
    # taken down: counted as removed, and a rejection for history.established
    assert srv.post("/v1/comments/%s/reject" % cid, token=MOD_TOKEN, json={}).status_code == 200
    v = author(srv, "dee").json()
    assert v["counts"] == {"published": 0, "pending": 0, "rejected": 0, "removed": 1, "deleted": 0}
    assert v["trust"]["last_rejection_at"] is not None


def test_established_author_skips_new_commenter(srv):
    lure = "I won the jackpot at the casino, ask me how %d"
    # published_below 1: a first comment that is suspect is held
    assert post(srv, comment("est", lure % 1)).status_code == 202
    created(post(srv, comment("est")))
    # one published comment: no longer new, but not yet established
    assert author(srv, "est").json()["trust"]["established"] is False
    created(post(srv, comment("est")))
    v = author(srv, "est").json()
    assert v["trust"]["established"] is True and v["counts"]["published"] == 2
    # the next submission finds them established: in the audit log once
    created(post(srv, comment("est", lure % 2)))
    created(post(srv, comment("est")))
    entries = audit(srv, "author_id:est")
    assert [e["action"] for e in entries] == ["established"]
    assert entries[0]["moderator"] == "modgate"


def test_a_rejection_ends_establishment(srv):
    for _ in range(2):
        created(post(srv, comment("rex")))
    created(post(srv, comment("rex")))  # found established
    problem(post(srv, comment("rex", "you zzslur")), 422, "rejected")
    assert author(srv, "rex").json()["trust"]["established"] is False
    created(post(srv, comment("rex")))  # found not established
    assert [e["action"] for e in audit(srv, "author_id:rex")] == [
        "not_established", "established"]


def test_watch_holds_every_comment(srv):
    r = watch(srv, "wat", {"reason": "sock puppet?"})
    assert r.status_code == 200, r.text
    w = r.json()
    assert w["author_id"] == "wat"
    assert w["watch"]["by"] == "alice" and w["watch"]["reason"] == "sock puppet?"
    held = post(srv, comment("wat"))
    assert held.status_code == 202, held.text
    rec = held.json()
    assert rec["status"] == "pending"
    assert [m["rule"] for m in rec["matches"]] == ["author.watched"]
    assert rec["matches"][0]["action"] == "hold"
    # rejection is still rejection
    problem(post(srv, comment("wat", "you zzslur")), 422, "rejected")
    v = author(srv, "wat").json()
    assert v["watch"]["reason"] == "sock puppet?" and v["watch"]["since"] == w["watch"]["since"]
    # others are not held
    created(post(srv, comment("not-wat")))
    assert unwatch(srv, "wat").status_code == 204
    created(post(srv, comment("wat")))
    assert author(srv, "wat").json()["watch"] is None
    assert [e["action"] for e in audit(srv, "author_id:wat")] == ["unwatch", "watch"]
    assert audit(srv, "author_id:wat")[1]["reason"] == "sock puppet?"


def test_watch_without_body_and_never_seen(srv):
    r = srv.post("/v1/authors/ghost/watch", token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["watch"]["reason"] is None
    v = author(srv, "ghost").json()
    assert v["first_seen"] is None and v["comments"] == [] and v["watch"]["by"] == "alice"
    assert v["counts"] == {"published": 0, "pending": 0, "rejected": 0,
                                     "removed": 0, "deleted": 0}


def test_bans_in_force_show(srv):
    created(post(srv, comment("bob-b")))
    r = srv.post("/v1/bans", token=MOD_TOKEN,
                 json={"author_id": "bob-b", "reason": "spam",
                       "duration_s": 3600})
    assert r.status_code == 201, r.text
    bans = author(srv, "bob-b").json()["bans"]
    assert len(bans) == 1
    assert bans[0]["kind"] == "author_id" and bans[0]["reason"] == "spam"
    assert bans[0]["until"] is not None


def test_unknown_author_is_404(srv):
    problem(author(srv, "nobody-ever"), 404, "not_found")
    problem(author(srv, "x" * 129), 404, "not_found")
    problem(unwatch(srv, "nobody-ever"), 404, "not_found")


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_site_token_is_forbidden(srv, method):
    path = "/v1/authors/ann" + ("" if method == "get" else "/watch")
    r = getattr(srv, method)(path, token=SITE_TOKEN)
    problem(r, 403, "forbidden")
    r = getattr(srv, method)(path)
    problem(r, 401, "unauthorized")


@pytest.mark.parametrize("data,field", [
    (b"{not json", None),
    (b"[]", None),
    (b'{"reason": 5}', "reason"),
    (('{"reason": "%s"}' % ("x" * 501)).encode(), "reason"),
])
def test_watch_bad_body(srv, data, field):
    r = srv.post("/v1/authors/ann/watch", token=MOD_TOKEN, data=data,
                 headers={"Content-Type": "application/json"})
    body = problem(r, 400, "invalid_request")
    if field:
        assert body.get("field") == field
    problem(author(srv, "ann"), 404, "not_found")  # nothing was written


def test_bad_paging(srv):
    created(post(srv, comment("pg")))
    problem(author(srv, "pg", limit=0), 400, "invalid_request")
    problem(author(srv, "pg", cursor="!!"), 400, "invalid_request")
