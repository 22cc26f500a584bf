"""Bans (docs/api.md, "POST /v1/bans" and the next two, and the 403 row of
"POST /v1/comments"): POST/GET/DELETE /v1/bans for authors, addresses and
subnets, what a ban catches, normalized values, expiry, validation, roles,
that a banned submission stores nothing and counts against no limit, and the
metrics."""
import glob
import itertools
import json
import os
import re
import time
from datetime import datetime, timezone

import pytest

from conftest import SITE_TOKEN, MOD_TOKEN, parse_metrics, metric, wait_until
from conftest import post_comment as post, problem, created

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BAN_KEYS = {"kind", "value", "reason", "by", "at", "until"}
_seq = itertools.count(1)


# ---- helpers -------------------------------------------------------------------

def comment(**over):
    """A valid submission with a distinct author, article and body unless
    given; a value of ... drops the member."""
    n = next(_seq)
    c = {"article_id": "art-%d" % n, "author_id": "u-%d" % n,
         "body": "Well argued, thanks (%d)." % n}
    c.update(over)
    return {k: v for k, v in c.items() if v is not ...}








def banned(r):
    """Asserts a 403 banned; returns its until."""
    body = problem(r, 403, "banned")
    assert "until" in body, body
    return body["until"]


def ban(server, token=MOD_TOKEN, **body):
    return server.post("/v1/bans", token=token, json=body)


def make_ban(server, **body):
    r = ban(server, **body)
    assert r.status_code == 201, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    b = r.json()
    assert set(b) == BAN_KEYS, b
    assert TIME.match(b["at"]), b
    return b


def bans_of(server, token=MOD_TOKEN):
    r = server.get("/v1/bans", token=token)
    assert r.status_code == 200, r.text
    return r.json()["bans"]


def lift(server, kind, value, token=MOD_TOKEN):
    return server.delete("/v1/bans/%s/%s" % (kind, value.replace("/", "%2F")), token=token)


def metrics_of(server):
    r = server.get("/metrics")
    assert r.status_code == 200
    return parse_metrics(r.text)


def list_total(server, article):
    r = server.get("/v1/articles/%s/comments" % article, token=SITE_TOKEN)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def stored_count(redis):
    return int(redis.cli("EVAL", "return #redis.call('KEYS', 'mg:c:*')", "0").strip())


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


def start(redis, start_modgate, config=None, **kw):
    m = start_modgate(redis.url, config=config, **kw)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


OFF = ("rate_limits:\n  author: []\n  ip: []\n  subnet: []\n  article: []\n"
       "  global: []\n")


@pytest.fixture
def srv(redis, start_modgate):
    """A modgate without rate limits, so only bans refuse."""
    return start(redis, start_modgate, OFF)


# ---- create, list, hit, lift ------------------------------------------------------

KINDS = [
    # kind, what the moderator writes, normalized value, caught, not caught
    ("author_id", "u-troll", "u-troll",
     comment(author_id="u-troll", client_ip="192.0.2.1"), comment(author_id="u-trol")),
    ("ip", "203.0.113.7", "203.0.113.7",
     comment(client_ip="203.0.113.7"), comment(client_ip="203.0.113.8")),
    ("subnet", "203.0.113.7/24", "203.0.113.0/24",
     comment(client_ip="203.0.113.200"), comment(client_ip="203.0.114.1")),
]


@pytest.mark.parametrize("kind,text,value,caught,free", KINDS, ids=[k[0] for k in KINDS])
def test_create_list_hit_lift(srv, kind, text, value, caught, free):
    before = metrics_of(srv)
    t0 = time.time()
    b = make_ban(srv, **{kind: text, "reason": "spam run"})
    assert b == {"kind": kind, "value": value, "reason": "spam run", "by": "alice",
                 "at": b["at"], "until": None}
    assert t0 - 5 < parse_time(b["at"]) < time.time() + 5
    assert bans_of(srv) == [b]

    assert banned(post(srv, caught)) is None
    assert banned(post(srv, dict(caught, body="again"))) is None
    created(post(srv, free))
    after = metrics_of(srv)
    assert metric(after, "modgate_bans_hit_total", kind=kind) \
        - metric(before, "modgate_bans_hit_total", kind=kind) == 2
    assert metric(after, "modgate_submissions_total", outcome="banned") \
        - metric(before, "modgate_submissions_total", outcome="banned") == 2
    assert list_total(srv, caught["article_id"]) == 0

    r = lift(srv, kind, value)
    assert r.status_code == 204 and r.content == b"", (r.status_code, r.text)
    assert bans_of(srv) == []
    created(post(srv, caught))
    problem(lift(srv, kind, value), 404, "not_found")


def test_a_watched_author_banned_or_at_a_banned_address_is_refused(srv, redis):
    # submit.lua asks about the watch list and the bans with one EXISTS;
    # each must still be told apart, the watch list first (a watched
    # comment comes back to be held, and the held one meets the ban)
    for who in ("u-watched-banned", "u-watched-at-banned-ip"):
        r = srv.post("/v1/authors/%s/watch" % who, token=MOD_TOKEN, json={"reason": "t"})
        assert r.status_code == 200, r.text
    make_ban(srv, author_id="u-watched-banned")
    make_ban(srv, ip="192.0.2.77")
    assert banned(post(srv, comment(author_id="u-watched-banned"))) is None
    assert banned(post(srv, comment(author_id="u-watched-at-banned-ip",
                                    client_ip="192.0.2.77"))) is None
    assert stored_count(redis) == 0
    # watched alone: held, not refused
    r = post(srv, comment(author_id="u-watched-at-banned-ip", client_ip="192.0.2.78"))
    assert r.status_code == 202 and r.json()["status"] == "pending", r.text


def test_a_timed_ban_says_until_when(srv):
    t0 = time.time()
    b = make_ban(srv, author_id="u-timed", duration_s=3600)
    assert b["reason"] is None and b["by"] == "alice"
    assert TIME.match(b["until"]), b
    assert parse_time(b["until"]) - parse_time(b["at"]) == pytest.approx(3600, abs=0.002)
    assert t0 + 3600 - 5 < parse_time(b["until"]) < time.time() + 3600 + 5
    assert bans_of(srv) == [b]
    assert banned(post(srv, comment(author_id="u-timed"))) == b["until"]
    # a permanent ban beside it says null
    p = make_ban(srv, ip="192.0.2.55", reason="abuse")
    assert p["until"] is None
    assert banned(post(srv, comment(client_ip="192.0.2.55"))) is None
    listed = bans_of(srv)
    assert sorted(listed, key=lambda x: x["kind"]) == [b, p]


def test_the_list_is_soonest_to_expire_first_permanent_last(srv):
    made = {}
    for who, duration in (("u-300", 300), ("u-perm", None), ("u-100", 100),
                          ("u-200", 200)):
        made[who] = make_ban(srv, author_id=who, duration_s=duration)
    assert [b["value"] for b in bans_of(srv)] == ["u-100", "u-200", "u-300", "u-perm"]
    assert bans_of(srv) == [made[w] for w in ("u-100", "u-200", "u-300", "u-perm")]


def test_banning_again_replaces_the_ban(srv):
    make_ban(srv, author_id="u-again", reason="first")
    second = make_ban(srv, author_id="u-again", reason="second", duration_s=600)
    assert bans_of(srv) == [second]
    assert banned(post(srv, comment(author_id="u-again"))) == second["until"]


def test_the_list_shows_each_ban_as_it_was_created(srv):
    made = [make_ban(srv, author_id="u-a", reason="r1"),
            make_ban(srv, author_id="u-b", reason=""),
            make_ban(srv, author_id="u-c", reason=None),
            make_ban(srv, ip="2001:DB8::7", duration_s=300),
            make_ban(srv, subnet="10.9.8.7/8", reason="wide")]
    # an empty reason is no reason: null when created and when listed
    assert made[1]["reason"] is None and made[2]["reason"] is None
    key = lambda b: (b["kind"], b["value"])
    assert sorted(bans_of(srv), key=key) == sorted(made, key=key)


# ---- what a ban catches ------------------------------------------------------------

SUBNETS = [
    # written, normalized, inside, outside
    ("198.51.100.0/24", "198.51.100.0/24",
     ["198.51.100.1", "198.51.100.255", "::ffff:198.51.100.9"],
     ["198.51.101.1", "198.51.99.255"]),
    ("10.20.30.40/16", "10.20.0.0/16",
     ["10.20.0.1", "10.20.255.254", "::FFFF:10.20.7.7"],
     ["10.21.0.1", "10.19.255.255"]),
    ("192.0.2.130/25", "192.0.2.128/25", ["192.0.2.128", "192.0.2.255"],
     ["192.0.2.127", "192.0.3.128"]),
    ("172.16.0.0/12", "172.16.0.0/12", ["172.31.255.1", "172.16.0.1"],
     ["172.32.0.1", "172.15.255.255"]),
    ("192.0.2.77/32", "192.0.2.77/32", ["192.0.2.77", "::ffff:192.0.2.77"],
     ["192.0.2.78", "192.0.2.76"]),
    ("2001:DB8:AA:BB12::5/56", "2001:db8:aa:bb00::/56",
     ["2001:db8:aa:bb00::1", "2001:db8:aa:bbff:ffff:ffff:ffff:ffff",
      "2001:0db8:00aa:bb80:0:0:0:1"],
     ["2001:db8:aa:bc00::1", "2001:db8:aa:ba00::1", "2001:db8:ab:bb00::1"]),
    ("2001:db8:1:2::/64", "2001:db8:1:2::/64",
     ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"],
     ["2001:db8:1:3::1", "2001:db8:1:1::1"]),
    ("2001:db8:8000::/33", "2001:db8:8000::/33",
     ["2001:db8:8000::1", "2001:db8:ffff:ffff::1"],
     ["2001:db8:7fff:ffff::1", "2001:db9::1"]),
    ("2001:db8::1/128", "2001:db8::1/128", ["2001:db8::1", "2001:DB8:0::0:1"],
     ["2001:db8::2"]),
    # an IPv4 network written IPv4-mapped is that IPv4 network
    ("::ffff:198.51.100.0/120", "198.51.100.0/24",
     ["198.51.100.3", "::ffff:198.51.100.250"], ["198.51.101.3"]),
]


@pytest.mark.parametrize("text,value,inside,outside", SUBNETS, ids=[s[0] for s in SUBNETS])
def test_a_subnet_ban_catches_every_address_in_it(srv, text, value, inside, outside):
    b = make_ban(srv, subnet=text)
    assert b["kind"] == "subnet" and b["value"] == value, b
    for ip in inside:
        assert banned(post(srv, comment(client_ip=ip))) is None, ip
    for ip in outside:
        created(post(srv, comment(client_ip=ip)))
    m = metrics_of(srv)
    assert metric(m, "modgate_bans_hit_total", kind="subnet") == len(inside)
    # lifted under any spelling of the same network
    other_spelling = text.upper() if ":" in text else value
    assert lift(srv, "subnet", other_spelling).status_code == 204
    for ip in inside:
        created(post(srv, comment(client_ip=ip)))


def test_ipv6_forms_are_one_address(srv):
    b = make_ban(srv, ip="2001:DB8::1")
    assert b["value"] == "2001:db8::1"
    for ip in ("2001:db8:0::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
               "2001:db8::0:1", "2001:DB8::1"):
        assert banned(post(srv, comment(client_ip=ip))) is None, ip
    created(post(srv, comment(client_ip="2001:db8::2")))
    created(post(srv, comment(client_ip=...)))
    # lifted under another form of it
    assert lift(srv, "ip", "2001:0DB8:0:0::1").status_code == 204
    created(post(srv, comment(client_ip="2001:db8:0::1")))


def test_an_ipv4_ban_catches_the_mapped_forms(srv):
    make_ban(srv, ip="203.0.113.7")
    for ip in ("203.0.113.7", "::ffff:203.0.113.7", "::FFFF:203.0.113.7",
               "::ffff:cb00:7107", "0:0:0:0:0:ffff:203.0.113.7"):
        assert banned(post(srv, comment(client_ip=ip))) is None, ip
    created(post(srv, comment(client_ip="203.0.113.8")))
    # and a ban written in the mapped form is a ban on the IPv4 address
    make_ban(srv, ip="::ffff:198.51.100.4")
    banned(post(srv, comment(client_ip="198.51.100.4")))
    assert lift(srv, "ip", "198.51.100.4").status_code == 204
    created(post(srv, comment(client_ip="::ffff:198.51.100.4")))


def test_an_author_ban_holds_from_any_address(srv):
    make_ban(srv, author_id="u-roaming")
    for ip in ("192.0.2.1", "2001:db8::99", ...):
        banned(post(srv, comment(author_id="u-roaming", client_ip=ip)))
    created(post(srv, comment(author_id="u-roaming2")))
    created(post(srv, comment(author_id="U-ROAMING")))  # ids are case-sensitive


def test_trusted_authors_can_be_banned(redis, start_modgate):
    m = start(redis, start_modgate, OFF + "  trusted_authors: [staff-1]\n")
    created(post(m, comment(author_id="staff-1")))
    make_ban(m, author_id="staff-1")
    banned(post(m, comment(author_id="staff-1")))
    make_ban(m, ip="192.0.2.200")
    banned(post(m, comment(author_id="staff-2", client_ip="192.0.2.200")))


# ---- what a banned submission does ---------------------------------------------------

def test_a_banned_submission_stores_nothing_and_counts_for_nothing(redis, start_modgate):
    m = start(redis, start_modgate, OFF.replace("author: []", "author: [{count: 2, period_s: 60}]"))
    article = "art-banned"
    make_ban(m, author_id="u-b")
    h = {"Idempotency-Key": "banned-then-not"}
    for i in range(5):
        banned(post(m, comment(author_id="u-b", article_id=article),
                    headers=h if i == 0 else None))
    assert list_total(m, article) == 0
    assert stored_count(redis) == 0
    assert lift(m, "author_id", "u-b").status_code == 204
    # the 403 was not kept for the key: the same key now goes through
    c1 = comment(author_id="u-b", article_id=article)
    first = created(post(m, c1, headers=h))
    created(post(m, comment(author_id="u-b", article_id=article)))
    r = post(m, comment(author_id="u-b", article_id=article))
    assert r.status_code == 429 and r.json()["limit"] == "author", r.text
    assert list_total(m, article) == 2 and stored_count(redis) == 2
    # a ban is checked before the limits: banned, not rate limited
    make_ban(m, author_id="u-b")
    banned(post(m, comment(author_id="u-b", article_id=article)))
    # a replay of a stored comment is still its first answer
    assert created(post(m, c1, headers=h))["id"] == first["id"]


def test_a_banned_replay_returns_the_first_answer(srv):
    c = comment(author_id="u-later")
    h = {"Idempotency-Key": "before-the-ban"}
    first = created(post(srv, c, headers=h))
    make_ban(srv, author_id="u-later")
    # the same request again is a replay of its first answer, not a new comment
    again = post(srv, c, headers=h)
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    banned(post(srv, comment(author_id="u-later")))


# ---- expiry ------------------------------------------------------------------------

def test_a_ban_with_a_duration_expires_by_itself(srv):
    t0 = time.monotonic()
    a = make_ban(srv, author_id="u-brief", duration_s=1)
    i = make_ban(srv, ip="2001:db8::77", duration_s=1)
    s = make_ban(srv, subnet="198.51.100.0/24", duration_s=2)
    keep = make_ban(srv, author_id="u-forever")
    assert banned(post(srv, comment(author_id="u-brief"))) == a["until"]
    assert banned(post(srv, comment(client_ip="2001:db8::77"))) == i["until"]
    assert banned(post(srv, comment(client_ip="198.51.100.5"))) == s["until"]
    assert len(bans_of(srv)) == 4
    time.sleep(max(0, 1.5 - (time.monotonic() - t0)))
    created(post(srv, comment(author_id="u-brief")))
    created(post(srv, comment(client_ip="2001:db8::77")))
    banned(post(srv, comment(client_ip="198.51.100.5")))
    assert sorted(b["value"] for b in bans_of(srv)) == ["198.51.100.0/24", "u-forever"]
    problem(lift(srv, "author_id", "u-brief"), 404, "not_found")
    time.sleep(max(0, 2.5 - (time.monotonic() - t0)))
    created(post(srv, comment(client_ip="198.51.100.5")))
    assert bans_of(srv) == [keep]


def faketime_env(offset):
    """Runs a process with its wall clock shifted by offset (libfaketime;
    the monotonic clock left alone). As in test_rate_limits.py: not the
    `faketime` command, which forks instead of exec'ing modgate."""
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    assert libs, "libfaketime is not installed (Debian package faketime)"
    preload = os.environ.get("LD_PRELOAD")
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": (preload + ":" if preload else "") + libs[0],
            "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


def test_a_ban_ends_when_until_says_even_from_a_skewed_instance(redis, start_modgate):
    # The ban expires by Redis' clock (EXPIRE), the one every instance
    # shares; its until must name that moment, not one two hours later.
    normal = start(redis, start_modgate, OFF)
    skewed = start(redis, start_modgate, OFF, env=faketime_env("+2h"))
    t0 = time.time()
    b = make_ban(skewed, author_id="u-skewed-ban", duration_s=2)
    told = banned(post(normal, comment(author_id="u-skewed-ban")))
    assert told == b["until"]
    time.sleep(max(0, t0 + 2.5 - time.time()))
    created(post(normal, comment(author_id="u-skewed-ban")))  # it has ended
    ended = time.time()
    assert t0 - 5 < parse_time(b["at"]) < ended + 5, b
    assert t0 + 2 - 5 < parse_time(b["until"]) < ended + 5, \
        "until is %.0f s after the ban really ended" % (parse_time(b["until"]) - ended)


# ---- lifting and validation -----------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/v1/bans/bogus/u-1",
    "/v1/bans/author/u-1",
    "/v1/bans/ip/999.1.1.1",
    "/v1/bans/ip/not-an-ip",
    "/v1/bans/ip/203.0.113.0%2F24",
    "/v1/bans/subnet/203.0.113.0",
    "/v1/bans/subnet/203.0.113.0%2F33",
    "/v1/bans/subnet/2001%3Adb8%3A%3A%2F129",
    "/v1/bans/author_id/a%20b",
    "/v1/bans/author_id/" + "x" * 129,
    "/v1/bans/subnet/%ZZ",
    "/v1/bans/ip/%00",
])
def test_lifting_something_that_cannot_be_a_ban_is_404(srv, path):
    make_ban(srv, ip="203.0.113.1")
    problem(srv.delete(path, token=MOD_TOKEN), 404, "not_found")
    assert len(bans_of(srv)) == 1


def test_lifting_a_subnet_under_an_unmasked_spelling(srv):
    make_ban(srv, subnet="203.0.113.0/24")
    assert lift(srv, "subnet", "203.0.113.99/24").status_code == 204
    assert bans_of(srv) == []
    problem(lift(srv, "subnet", "203.0.113.0/24"), 404, "not_found")
    # a ban on an address is not a ban on its /32, nor the reverse
    make_ban(srv, ip="192.0.2.9")
    problem(lift(srv, "subnet", "192.0.2.9/32"), 404, "not_found")
    make_ban(srv, subnet="192.0.2.8/32")
    problem(lift(srv, "ip", "192.0.2.8"), 404, "not_found")
    assert len(bans_of(srv)) == 2


INVALID = [
    # body, the field at fault (None: no single one)
    ({}, None),
    ({"reason": "no target"}, None),
    ({"author_id": "u-1", "ip": "192.0.2.1"}, None),
    ({"ip": "192.0.2.1", "subnet": "192.0.2.0/24"}, None),
    ({"author_id": "u-1", "ip": "192.0.2.1", "subnet": "192.0.2.0/24"}, None),
    ({"ip": "999.1.1.1"}, "ip"),
    ({"ip": "192.0.2"}, "ip"),
    ({"ip": "192.0.2.1/32"}, "ip"),
    ({"ip": "2001:db8:::1"}, "ip"),
    ({"ip": ""}, "ip"),
    ({"ip": 3232235521}, "ip"),
    ({"subnet": "203.0.113.0"}, "subnet"),
    ({"subnet": "203.0.113.0/33"}, "subnet"),
    ({"subnet": "203.0.113.0/"}, "subnet"),
    ({"subnet": "203.0.113.0/-1"}, "subnet"),
    ({"subnet": "2001:db8::/129"}, "subnet"),
    ({"subnet": "nope/24"}, "subnet"),
    ({"author_id": "a b"}, "author_id"),
    ({"author_id": ""}, "author_id"),
    ({"author_id": "x" * 129}, "author_id"),
    ({"author_id": "caf\u00e9"}, "author_id"),
    ({"author_id": 42}, "author_id"),
    ({"author_id": "u-1", "reason": 5}, "reason"),
    ({"author_id": "u-1", "reason": ["spam"]}, "reason"),
    ({"author_id": "u-1", "duration_s": 0}, "duration_s"),
    ({"author_id": "u-1", "duration_s": -5}, "duration_s"),
    ({"author_id": "u-1", "duration_s": "10"}, "duration_s"),
    ({"author_id": "u-1", "duration_s": 1.5}, "duration_s"),
    ({"author_id": "u-1", "duration_s": True}, "duration_s"),
    ({"author_id": "u-1", "reason": "r" * 501}, "reason"),
    ({"author_id": "u-1", "duration_s": 10 * 365 * 86400 + 1}, "duration_s"),
]


def test_reason_and_duration_limits_are_inclusive(srv):
    b = make_ban(srv, author_id="u-long", reason="r" * 500,
                 duration_s=10 * 365 * 86400)
    assert b["reason"] == "r" * 500 and b["until"] is not None


@pytest.mark.parametrize("body,field", INVALID, ids=[json.dumps(b)[:60] for b, _ in INVALID])
def test_invalid_bans_are_400(srv, body, field):
    p = problem(ban(srv, **body), 400, "invalid_request")
    if field:
        assert p.get("field") == field, p
    assert bans_of(srv) == []


@pytest.mark.parametrize("raw", [b'{"author_id": "u-1",', b'[]', b'"u-1"', b'null'])
def test_a_body_that_is_not_an_object_is_400(srv, raw):
    r = srv.post("/v1/bans", token=MOD_TOKEN, data=raw,
                 headers={"Content-Type": "application/json"})
    problem(r, 400, "invalid_request")
    assert bans_of(srv) == []


@pytest.mark.parametrize("raw,field", [
    (b'{"author_id": "u-\xff"}', "author_id"),
    (b'{"author_id": "u-1", "reason": "caf\xe9"}', "reason"),
    (b'{"ip": "192.0.2.1", "reason": "\\ud800"}', "reason"),
])
def test_a_string_that_is_not_utf8_names_its_field(srv, raw, field):
    r = srv.post("/v1/bans", token=MOD_TOKEN, data=raw,
                 headers={"Content-Type": "application/json"})
    assert problem(r, 400, "invalid_request")["field"] == field, r.text
    assert bans_of(srv) == []


def test_the_ban_endpoints_need_a_moderator(srv):
    problem(ban(srv, token=SITE_TOKEN, author_id="u-1"), 403, "forbidden")
    problem(srv.get("/v1/bans", token=SITE_TOKEN), 403, "forbidden")
    make_ban(srv, author_id="u-1")
    problem(lift(srv, "author_id", "u-1", token=SITE_TOKEN), 403, "forbidden")
    for r in (ban(srv, token=None, author_id="u-2"), srv.get("/v1/bans"),
              lift(srv, "author_id", "u-1", token=None)):
        problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert [b["value"] for b in bans_of(srv)] == ["u-1"]
    banned(post(srv, comment(author_id="u-1")))


def test_the_metrics_count_ban_hits_by_kind(srv):
    before = metrics_of(srv)
    make_ban(srv, author_id="u-m")
    make_ban(srv, ip="192.0.2.66")
    make_ban(srv, subnet="10.66.0.0/16")
    banned(post(srv, comment(author_id="u-m")))
    for _ in range(2):
        banned(post(srv, comment(client_ip="::ffff:192.0.2.66")))
    for _ in range(3):
        banned(post(srv, comment(client_ip="10.66.1.2")))
    created(post(srv, comment()))
    after = metrics_of(srv)
    rise = lambda name, **l: metric(after, name, **l) - metric(before, name, **l)
    assert rise("modgate_bans_hit_total", kind="author_id") == 1
    assert rise("modgate_bans_hit_total", kind="ip") == 2
    assert rise("modgate_bans_hit_total", kind="subnet") == 3
    assert rise("modgate_submissions_total", outcome="banned") == 6
    assert rise("modgate_submissions_total", outcome="published") == 1
    assert rise("modgate_rate_limited_total") == 0
