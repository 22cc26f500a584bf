"""The events feed (docs/api.md "Events", issue 18): every change of a
comment's state is one event with exactly the documented members, read
oldest first from GET /v1/events after a cursor, page by page without
repeats or gaps; wait= answers as soon as an event is written, or empty at
its end; a cursor past the retention or past trimmed events is 410
cursor_expired; a waiting client that leaves, and a SIGTERM with waiters,
leave the server healthy and quick to stop. The rules are test_moderation's
tiny set: HOLDME is held, REJECTME rejected."""
import datetime
import itertools
import json
import signal
import socket
import threading
import time

import pytest
import redis as redislib

from conftest import (MOD_TOKEN, SITE_TOKEN, post_comment, problem, request_bytes,
                      read_responses, wait_until)
from test_moderation import write_rules
from test_rate_limits import limits_config
from test_redis_acl import acl_redis, acl_url  # noqa: F401  (acl_redis: a fixture)

_seq = itertools.count(1)
MEMBERS = {"id", "type", "comment_id", "article_id", "author_id", "status", "at"}
JSON = {"Content-Type": "application/json"}


def ready(m):
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


@pytest.fixture
def feed(redis, start_modgate, workdir):
    return ready(start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                               config="moderation:\n  decision_guard_ms: 0\n"))


def events(server, **params):
    r = server.get("/v1/events", token=SITE_TOKEN, params=params,
                   timeout=params.get("wait", 0) + 10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"events", "next_cursor"}, body
    return body


def all_events(server):
    """Every event, read in pages of 2."""
    out, cursor = [], None
    while True:
        page = events(server, limit=2, **({"after": cursor} if cursor else {}))
        out += page["events"]
        if not page["events"]:
            return out
        cursor = page["next_cursor"]


def submit(server, body, article="art-ev", author=None, headers=None):
    n = next(_seq)
    author = author or "ev-%d" % n
    r = post_comment(server, {"article_id": article, "author_id": author,
                              "body": "%s (%d)" % (body, n)}, headers=headers)
    return r


def sent(server, body):
    """Submits; the comment's id and author (a 422 rejected has no record)."""
    r = submit(server, body)
    assert r.status_code in (201, 202, 422), r.text
    return {"id": r.json()["id"], "author_id": r.request and
            json.loads(r.request.body)["author_id"]}


def at_of(event_id):
    ms = int(event_id.split("-")[0])
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def test_every_type_with_its_exact_members(feed):
    pub = sent(feed, "A fine comment")
    held = sent(feed, "Please look HOLDME")
    ruled = sent(feed, "Buy now REJECTME")
    held2 = sent(feed, "Another HOLDME")
    reported = sent(feed, "Reported comment")
    assert feed.post("/v1/comments/%s/approve" % held["id"], token=MOD_TOKEN).status_code == 200
    assert feed.post("/v1/comments/%s/reject" % held2["id"], token=MOD_TOKEN).status_code == 200
    assert feed.post("/v1/comments/%s/reject" % pub["id"], token=MOD_TOKEN).status_code == 200
    r = feed.post("/v1/comments/%s/reports" % reported["id"], token=SITE_TOKEN, headers=JSON,
                  data=json.dumps({"reporter_id": "rd-1", "reason": "spam"}))
    assert r.status_code == 201, r.text
    got = events(feed)["events"]
    want = [
        ("published", pub, "published"), ("held", held, "pending"),
        ("rejected", ruled, "rejected"), ("held", held2, "pending"),
        ("published", reported, "published"), ("approved", held, "published"),
        ("rejected", held2, "rejected"), ("removed", pub, "removed"),
        ("reported", reported, "published"),
    ]
    assert [(e["type"], e["comment_id"], e["status"]) for e in got] == \
        [(t, c["id"], s) for t, c, s in want]
    now = time.time()
    for e, (_, c, _) in zip(got, want):
        assert set(e) == MEMBERS, e
        assert e["article_id"] == "art-ev" and e["author_id"] == c["author_id"], e
        assert e["at"] == at_of(e["id"])
        assert abs(int(e["id"].split("-")[0]) / 1000 - now) < 60
    # oldest first: ids strictly increasing
    keys = [tuple(map(int, e["id"].split("-"))) for e in got]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_paging_returns_every_event_once(feed):
    ids = [submit(feed, "Comment").json()["id"] for _ in range(7)]
    got = all_events(feed)
    assert [e["comment_id"] for e in got] == ids
    last = got[-1]["id"]
    page = events(feed, after=last)
    assert page == {"events": [], "next_cursor": last}
    page = events(feed, limit=3)
    assert len(page["events"]) == 3 and page["next_cursor"] == page["events"][-1]["id"]
    assert events(feed, limit=1000, after=page["next_cursor"])["events"] == got[3:]


def test_empty_feed_cursor_reads_the_first_event(feed):
    page = events(feed)
    assert page == {"events": [], "next_cursor": "0-0"}
    c = submit(feed, "First").json()
    page = events(feed, after="0-0")
    assert [e["comment_id"] for e in page["events"]] == [c["id"]]


def test_roles(feed):
    problem(feed.get("/v1/events", token=MOD_TOKEN), 403, "forbidden")
    problem(feed.get("/v1/events"), 401, "unauthorized")


@pytest.mark.parametrize("query,field", [
    ("after=x", "after"), ("after=1-", "after"), ("after=-1", "after"),
    ("after=1-2-3", "after"), ("after=", "after"), ("after=%201-0", "after"),
    ("after=18446744073709551616-0", "after"), ("after=1-0x", "after"),
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"),
    ("limit=", "limit"), ("wait=31", "wait"), ("wait=-1", "wait"), ("wait=1.5", "wait"),
])
def test_bad_parameters(feed, query, field):
    body = problem(feed.get("/v1/events?" + query, token=SITE_TOKEN), 400, "invalid_request")
    assert body["field"] == field


def test_wait_answers_as_soon_as_an_event_is_written(feed):
    cursor = events(feed)["next_cursor"]
    posted = {}

    def post_later():
        time.sleep(0.6)
        posted["id"] = submit(feed, "Worth the wait").json()["id"]
        posted["at"] = time.monotonic()

    t = threading.Thread(target=post_later)
    t.start()
    page = events(feed, after=cursor, wait=5)
    answered = time.monotonic()
    t.join()
    assert [e["comment_id"] for e in page["events"]] == [posted["id"]]
    assert answered - posted["at"] < 1.0, answered - posted["at"]
    # without after, a waiting request on a feed it has read follows too
    t = threading.Thread(target=post_later)
    t.start()
    page = events(feed, after=page["next_cursor"], wait=5)
    t.join()
    assert [e["comment_id"] for e in page["events"]] == [posted["id"]]


def test_wait_ends_empty(feed):
    cursor = events(feed)["next_cursor"]
    t0 = time.monotonic()
    page = events(feed, after=cursor, wait=1)
    took = time.monotonic() - t0
    assert page == {"events": [], "next_cursor": cursor}
    assert 0.9 <= took < 1.8, took


def test_wait_zero_answers_at_once(feed):
    t0 = time.monotonic()
    events(feed, wait=0)
    assert time.monotonic() - t0 < 0.5


def test_cursor_older_than_the_retention_is_gone(redis, start_modgate):
    m = ready(start_modgate(redis.url, config="events:\n  retention_s: 1\n"))
    a = submit(m, "First").json()
    b = submit(m, "Second").json()
    first, second = events(m)["events"]
    assert (first["comment_id"], second["comment_id"]) == (a["id"], b["id"])
    assert events(m, after=first["id"])["events"] == [second]
    time.sleep(1.3)
    problem(m.get("/v1/events", token=SITE_TOKEN, params={"after": first["id"]}),
            410, "cursor_expired")
    # a cursor with nothing after it has missed nothing: it stays good
    assert events(m, after=second["id"]) == {"events": [], "next_cursor": second["id"]}
    # without after: only what is within the retention, and a cursor past
    # what is older
    assert events(m) == {"events": [], "next_cursor": second["id"]}
    c = submit(m, "Third").json()
    assert [e["comment_id"] for e in events(m, after=second["id"])["events"]] == [c["id"]]


def test_cursor_past_trimmed_events_is_gone(redis, start_modgate):
    m = ready(start_modgate(redis.url, config="events:\n  max_len: 100\n" + limits_config()))
    first = None
    for i in range(400):
        r = submit(m, "Many", article="art-many-%d" % (i % 50))
        assert r.status_code == 201, r.text
        first = first or r.json()["id"]
    info = redislib.Redis.from_url(redis.url).xinfo_stream("mg:events")
    assert info["length"] < 400, info["length"]
    page = events(m, limit=1000)
    assert first not in [e["comment_id"] for e in page["events"]]
    oldest = page["events"][0]["id"]
    ms, seq = map(int, oldest.split("-"))
    before = "%d-%d" % (ms, seq - 1) if seq else "%d-999999" % (ms - 1)
    problem(m.get("/v1/events", token=SITE_TOKEN, params={"after": "1-0"}),
            410, "cursor_expired")
    # the oldest kept event's id is good; one just before it was trimmed
    assert events(m, after=oldest)["events"] == page["events"][1:101]
    problem(m.get("/v1/events", token=SITE_TOKEN, params={"after": before}),
            410, "cursor_expired")


def test_one_event_per_change(redis, start_modgate):
    m = ready(start_modgate(redis.url, config=limits_config(author=[(2, 60)])))
    key = {"Idempotency-Key": "ev-idem-1"}
    body = {"article_id": "art-1", "author_id": "u-once", "body": "Sent twice."}
    assert post_comment(m, body, headers=key).status_code == 201
    assert post_comment(m, body, headers=key).status_code == 201  # a replay
    assert post_comment(m, body).status_code == 201  # implicit key: another
    assert post_comment(m, body).status_code == 201  # its replay
    n = len(all_events(m))
    assert n == 2, n
    # rate limited (author: 2 a minute, both used)
    r = post_comment(m, {"article_id": "art-1", "author_id": "u-once", "body": "Third."})
    problem(r, 429, "rate_limited")
    # banned
    assert m.post("/v1/bans", token=MOD_TOKEN,
                  json={"author_id": "u-banned"}).status_code == 201
    r = post_comment(m, {"article_id": "art-1", "author_id": "u-banned", "body": "Hi."})
    problem(r, 403, "banned")
    assert len(all_events(m)) == n


def test_unavailable_without_redis(redis, start_modgate):
    m = ready(start_modgate(redis.url))
    redis.stop()
    problem(m.get("/v1/events", token=SITE_TOKEN), 503, "unavailable")
    redis.start()


def waiting_request(port, after):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(request_bytes("GET", "/v1/events?wait=30&after=" + after,
                            [("Authorization", "Bearer " + SITE_TOKEN)]))
    return s


def test_a_client_leaving_while_waiting_leaves_the_server_healthy(feed):
    cursor = events(feed)["next_cursor"]
    socks = [waiting_request(feed.port, cursor) for _ in range(20)]
    time.sleep(0.3)
    for i, s in enumerate(socks):
        if i % 2:
            s.shutdown(socket.SHUT_WR)  # half-closed: still answered
            ((status, _, body),) = read_responses(s, 1, timeout=2.0)
            assert status == 200 and json.loads(body)["events"] == []
        s.close()
    # each was answered (to no one) and forgotten at once
    wait_until(lambda: sum(1 for e in feed.log_lines() if e.get("route") == "/v1/events"
                           and e.get("status") == 200) >= 21, timeout=3)
    assert feed.get("/healthz").status_code == 200
    # the feed still wakes the waiters that stay
    s = waiting_request(feed.port, cursor)
    time.sleep(0.3)
    c = submit(feed, "After the leavers").json()
    ((status, _, body),) = read_responses(s, 1, timeout=3.0)
    s.close()
    assert status == 200 and [e["comment_id"] for e in json.loads(body)["events"]] == [c["id"]]


def test_sigterm_answers_waiting_requests_at_once(feed):
    cursor = events(feed)["next_cursor"]
    socks = [waiting_request(feed.port, cursor) for _ in range(5)]
    time.sleep(0.3)
    t0 = time.monotonic()
    feed.signal(signal.SIGTERM)
    for s in socks:
        ((status, headers, body),) = read_responses(s, 1, timeout=3.0)
        assert status == 200 and json.loads(body) == {"events": [], "next_cursor": cursor}
        assert headers.get("connection", "").lower() == "close"
        s.close()
    assert feed.proc.wait(timeout=5) == 0
    assert time.monotonic() - t0 < 3.0


def test_the_feed_as_the_restricted_user(acl_redis, start_modgate):
    """The feed's scripts (XINFO, XRANGE, XREVRANGE) and its trimming
    (XTRIM) need no command the shipped Redis user of deploy/redis.conf
    lacks."""
    m = ready(start_modgate(acl_url(acl_redis)))
    cursor = events(m)["next_cursor"]
    t = threading.Timer(0.5, lambda: submit(m, "As the restricted user"))
    t.start()
    page = events(m, after=cursor, wait=5)
    t.join()
    assert [e["type"] for e in page["events"]] == ["published"]
    assert events(m, after=page["next_cursor"])["events"] == []
    user = redislib.Redis.from_url(acl_url(acl_redis))
    assert user.xtrim("mg:events", minid="1-0", approximate=True) == 0


def test_each_instance_trims_by_age(redis, start_modgate):
    """The trim runs 5 s after start, then every minute: whole nodes (100
    entries) of events older than the retention leave the stream."""
    m = ready(start_modgate(redis.url, config="events:\n  retention_s: 1\n" + limits_config()))
    t0 = time.monotonic()
    for i in range(250):
        assert submit(m, "Soon old", article="art-old-%d" % (i % 20)).status_code == 201
    assert time.monotonic() - t0 < 4.5, "too slow to post before the first trim"
    r = redislib.Redis.from_url(redis.url)
    assert r.xlen("mg:events") == 250
    wait_until(lambda: r.xlen("mg:events") < 250, timeout=8)
    assert r.xinfo_stream("mg:events")["entries-added"] == 250
    # the feed starts after what is gone, and a cursor from before is 410
    assert events(m)["events"] == []
    problem(m.get("/v1/events", token=SITE_TOKEN, params={"after": "0-0"}),
            410, "cursor_expired")
