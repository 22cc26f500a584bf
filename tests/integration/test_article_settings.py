"""Article modes (docs/api.md, "GET /v1/articles/{article_id}/settings" and
"PUT" of it, the 403 comments_closed row of "POST /v1/comments", and the
listing's mode): open, premoderated, closed and closes_at; that a refused
comment stores nothing and uses no rate limit; the audit entry; bad input
and roles."""
import itertools
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import SITE_TOKEN, MOD_TOKEN, wait_until
from conftest import post_comment as post, problem, created

_seq = itertools.count(1)
# one comment per author per hour: a second use of the limit is refused
ONE_PER_AUTHOR = ("rate_limits:\n  author:\n    - {count: 1, period_s: 3600}\n"
                  "  ip: []\n  subnet: []\n  article: []\n  global: []\n")


def comment(article, **over):
    n = next(_seq)
    c = {"article_id": article, "author_id": "u-%d" % n,
         "body": "A fair point, well made (%d)." % n}
    c.update(over)
    return c


def settings_path(article):
    return "/v1/articles/%s/settings" % article


def put(server, article, body, token=MOD_TOKEN):
    return server.put(settings_path(article), token=token, json=body)


def set_mode(server, article, mode, closes_at=None):
    r = put(server, article, {"mode": mode, "closes_at": closes_at})
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def get(server, article, token=MOD_TOKEN):
    return server.get(settings_path(article), token=token)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def stored_count(redis):
    return int(redis.cli("EVAL", "return #redis.call('KEYS', 'mg:c:*')", "0").strip())


def listing(server, article):
    r = server.get("/v1/articles/%s/comments" % article, token=SITE_TOKEN)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def srv(redis, start_modgate):
    m = start_modgate(redis.url, config=ONE_PER_AUTHOR)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def test_never_configured_is_open(srv):
    r = get(srv, "art-new")
    assert r.status_code == 200
    assert r.json() == {"mode": "open", "closes_at": None}
    page = listing(srv, "art-new")
    assert page["mode"] == "open" and page["closes_at"] is None


def test_put_answers_and_get_reads_back(srv):
    when = iso(datetime.now(timezone.utc) + timedelta(days=1))
    assert set_mode(srv, "art-a", "premoderated", when) == {
        "mode": "premoderated", "closes_at": when}
    assert get(srv, "art-a").json() == {"mode": "premoderated", "closes_at": when}
    # a time with an offset is kept as the same instant, in UTC
    assert set_mode(srv, "art-a", "open", "2030-01-01T12:00:00+02:00")["closes_at"] == \
        "2030-01-01T10:00:00.000Z"
    # closes_at left out is null: PUT replaces the settings
    assert put(srv, "art-a", {"mode": "open"}).json() == {"mode": "open", "closes_at": None}
    assert get(srv, "art-a").json() == {"mode": "open", "closes_at": None}


def test_closed_refuses_stores_nothing_uses_no_limit(srv, redis):
    set_mode(srv, "art-c", "closed")
    c = comment("art-c")
    before = stored_count(redis)
    problem(post(srv, c), 403, "comments_closed")
    assert stored_count(redis) == before
    # the author's one comment an hour is still unused
    created(post(srv, dict(c, article_id="art-other")))
    assert listing(srv, "art-c")["mode"] == "closed"
    # reopened, comments are taken again
    set_mode(srv, "art-c", "open")
    created(post(srv, comment("art-c")))


def test_past_closes_at_closes(srv, redis):
    past = iso(datetime.now(timezone.utc) - timedelta(seconds=1))
    set_mode(srv, "art-p", "open", past)
    assert get(srv, "art-p").json() == {"mode": "open", "closes_at": past}
    before = stored_count(redis)
    problem(post(srv, comment("art-p")), 403, "comments_closed")
    assert stored_count(redis) == before
    page = listing(srv, "art-p")
    assert page["mode"] == "closed" and page["closes_at"] == past


def test_closes_at_comes(srv):
    soon = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    set_mode(srv, "art-t", "premoderated", iso(soon))
    assert post(srv, comment("art-t")).status_code == 202
    assert listing(srv, "art-t")["mode"] == "premoderated"
    time.sleep(max(0, (soon - datetime.now(timezone.utc)).total_seconds()) + 0.2)
    problem(post(srv, comment("art-t")), 403, "comments_closed")
    assert listing(srv, "art-t")["mode"] == "closed"


def test_premoderated_holds_what_would_publish(srv):
    set_mode(srv, "art-m", "premoderated")
    r = post(srv, comment("art-m"))
    assert r.status_code == 202, r.text
    rec = r.json()
    assert rec["status"] == "pending"
    assert [m["rule"] for m in rec["matches"]] == ["article.premoderated"]
    assert rec["matches"][0]["action"] == "hold"
    queue = srv.get("/v1/queue", token=MOD_TOKEN, params={"article_id": "art-m"}).json()
    assert [c["id"] for c in queue["items"]] == [rec["id"]]
    page = listing(srv, "art-m")
    assert page["comments"] == [] and page["mode"] == "premoderated"
    # approved, it is published as any held comment
    r = srv.post("/v1/comments/%s/approve" % rec["id"], token=MOD_TOKEN, json={})
    assert r.status_code == 200, r.text
    assert [c["id"] for c in listing(srv, "art-m")["comments"]] == [rec["id"]]
    # other articles are not affected
    created(post(srv, comment("art-m2")))


def test_changes_are_audited(srv):
    when = "2031-05-01T08:00:00.000Z"
    set_mode(srv, "art-au", "premoderated", when)
    set_mode(srv, "art-au", "closed")
    entries = srv.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    mine = [e for e in entries if e["target"] == "article:art-au"]
    assert [e["action"] for e in mine] == ["article_settings"] * 2
    assert mine[0]["reason"] == "mode closed"
    assert mine[1]["reason"] == "mode premoderated, closes_at " + when
    assert mine[0]["moderator"] == "alice"


@pytest.mark.parametrize("body,status,code,field", [
    ({"mode": "shut"}, 422, "invalid_mode", "mode"),
    ({"mode": "OPEN"}, 422, "invalid_mode", "mode"),
    ({"mode": ""}, 422, "invalid_mode", "mode"),
    ({"mode": 3}, 400, "invalid_request", "mode"),
    ({"closes_at": None}, 400, "invalid_request", "mode"),
    ({"mode": "open", "closes_at": "tomorrow"}, 422, "invalid_closes_at", "closes_at"),
    ({"mode": "open", "closes_at": "2026-02-30T10:00:00Z"}, 422, "invalid_closes_at",
     "closes_at"),
    ({"mode": "open", "closes_at": "1960-01-01T00:00:00Z"}, 422, "invalid_closes_at",
     "closes_at"),
    ({"mode": "open", "closes_at": 1700000000}, 400, "invalid_request", "closes_at"),
])
def test_bad_settings(srv, body, status, code, field):
    set_mode(srv, "art-bad", "premoderated")
    body_out = problem(put(srv, "art-bad", body), status, code)
    assert body_out["field"] == field
    # nothing changed
    assert get(srv, "art-bad").json()["mode"] == "premoderated"


@pytest.mark.parametrize("data", [b"{", b"[]", b"\"open\"", b"{\"mode\":\"open\",\"mode\":\"closed\"}"])
def test_bad_json(srv, data):
    r = srv.put(settings_path("art-j"), token=MOD_TOKEN, data=data,
                headers={"Content-Type": "application/json"})
    problem(r, 400, "invalid_request")
    assert get(srv, "art-j").json() == {"mode": "open", "closes_at": None}


def test_wrong_media_type(srv):
    r = srv.put(settings_path("art-j"), token=MOD_TOKEN, data=b"mode=closed",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    problem(r, 415, "unsupported_media_type")


def test_roles(srv):
    for call in (lambda t: get(srv, "art-r", token=t),
                 lambda t: put(srv, "art-r", {"mode": "closed"}, token=t)):
        problem(call(None), 401, "unauthorized")
        problem(call("not-a-token-at-all-000000"), 401, "unauthorized")
        problem(call(SITE_TOKEN), 403, "forbidden")
    assert get(srv, "art-r").json()["mode"] == "open"


def test_methods_and_bad_ids(srv):
    r = srv.post(settings_path("art-x"), token=MOD_TOKEN, json={"mode": "open"})
    problem(r, 405, "method_not_allowed")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "PUT"}
    # an id no article can have (a space, percent-encoded)
    problem(get(srv, "art%20x"), 404, "not_found")
    problem(put(srv, "art%20x", {"mode": "closed"}), 404, "not_found")
    problem(get(srv, "a" * 129), 404, "not_found")


def test_check_is_unaffected(srv):
    """POST /v1/check previews the rules only: the article's mode is not
    part of it (docs/api.md)."""
    set_mode(srv, "art-ch", "closed")
    r = srv.post("/v1/check", token=SITE_TOKEN, json=comment("art-ch"))
    assert r.status_code == 200 and r.json()["verdict"] == "publish"
