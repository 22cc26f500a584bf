"""Addresses for moderators and the queue's tools (docs/api.md, "The comment
record" meta, "GET /v1/queue", "POST /v1/bans"; issue 17, items 4 and 5):
the moderator role sees client_ip and user_agent in a record's meta, the
site role never does; they live in a key of their own that Redis expires
after privacy.ip_retention_s; a ban by comment (ip_of, subnet_of) bans the
address without answering with it; the queue sorts by age or score and
filters by rule, author, article and normalized text."""
import base64
import itertools
import os
import re
import subprocess

import pytest

from conftest import MOD_TOKEN, MODCTL, SITE_TOKEN, post_comment, problem, wait_until
from test_modctl_moderation import ok_json

_seq = itertools.count(1)

RULES = """\
thresholds: {hold: 5, reject: 10}
rules:
  - {id: test.hold, reason: held for review, when: {regex: HOLDME}, score: 5}
  - {id: test.extra, reason: shouting, when: {regex: LOUD}, score: 2}
  - {id: test.more, reason: links, when: {regex: LINKY}, score: 3}
  - {id: test.reject, reason: refused, when: {regex: REJECTME}, score: 10}
"""


@pytest.fixture
def mod_server(redis, start_modgate, workdir):
    d = os.path.join(workdir, "qt-rules")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rules.yaml"), "w") as f:
        f.write(RULES)
    m = start_modgate(redis.url, args=("--rules", d),
                      config="privacy:\n  ip_retention_s: 3600\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def submit(server, body, article="art-1", author=None, ip=None, ua=None):
    n = next(_seq)
    payload = {"article_id": article, "author_id": author or "u-%d" % n,
               "body": "%s (%d)" % (body, n)}
    if ip:
        payload["client_ip"] = ip
    if ua:
        payload["user_agent"] = ua
    r = post_comment(server, payload)
    assert r.status_code in (201, 202, 422), r.text
    return r.json()


def held(server, body="Please look HOLDME", **kw):
    record = submit(server, body, **kw)
    assert record["status"] == "pending", record
    return record


def queue(server, token=MOD_TOKEN, **params):
    r = server.get("/v1/queue", token=token, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def queue_ids(server, **params):
    return [c["id"] for c in queue(server, **params)["items"]]


# ---- item 4: addresses for moderators ------------------------------------------

def test_moderators_see_address_and_agent_the_site_never(mod_server):
    rec = held(mod_server, ip="203.0.113.7", ua="Mozilla/5.0 (X11) Test")
    assert "meta" not in rec  # the submission's answer goes to the site
    r = mod_server.get("/v1/comments/%s" % rec["id"], token=MOD_TOKEN)
    assert r.status_code == 200
    assert r.json()["meta"] == {"client_ip": "203.0.113.7",
                                "user_agent": "Mozilla/5.0 (X11) Test"}
    r = mod_server.get("/v1/comments/%s" % rec["id"], token=SITE_TOKEN)
    assert r.status_code == 200
    assert "meta" not in r.json() and "203.0.113.7" not in r.text
    [item] = queue(mod_server)["items"]
    assert item["meta"]["client_ip"] == "203.0.113.7"
    assert item["meta"]["user_agent"] == "Mozilla/5.0 (X11) Test"
    r = mod_server.get("/v1/queue", token=SITE_TOKEN)
    problem(r, 403, "forbidden")


def test_reported_list_shows_meta(mod_server):
    pub = submit(mod_server, "A fine comment to be reported", article="art-rep",
                 ip="198.51.100.23", ua="Reader/1.0")
    assert pub["status"] == "published"
    for i in range(3):
        r = mod_server.post("/v1/comments/%s/reports" % pub["id"], token=SITE_TOKEN,
                            json={"reporter_id": "rep-%d" % i, "reason": "abuse"})
        assert r.status_code == 201, r.text
    items = mod_server.get("/v1/reported", token=MOD_TOKEN).json()["items"]
    assert [i["comment"]["id"] for i in items] == [pub["id"]]
    assert items[0]["comment"]["meta"] == {"client_ip": "198.51.100.23",
                                           "user_agent": "Reader/1.0"}


def test_rejected_list_shows_meta_published_list_does_not(mod_server):
    rej = submit(mod_server, "Buy now REJECTME", ip="2001:db8::5")
    assert rej["code"] == "rejected"
    items = queue(mod_server) and mod_server.get(
        "/v1/rejected", token=MOD_TOKEN).json()["items"]
    assert items[0]["id"] == rej["id"]
    assert items[0]["meta"] == {"client_ip": "2001:db8::5", "user_agent": None}
    pub = submit(mod_server, "A fine comment", article="art-pub", ip="203.0.113.9")
    assert pub["status"] == "published"
    for token in (SITE_TOKEN, MOD_TOKEN):
        r = mod_server.get("/v1/articles/art-pub/comments", token=token)
        assert r.status_code == 200
        assert "meta" not in r.json()["comments"][0]
        assert "203.0.113.9" not in r.text


def test_address_expires_by_redis_after_retention(mod_server, redis):
    rec = held(mod_server, ip="198.51.100.4", ua="curl/8")
    key = "mg:c:%s:addr" % rec["id"]
    ttl = int(redis.cli("TTL", key))
    assert 3500 < ttl <= 3600, ttl  # privacy.ip_retention_s: 3600
    assert int(redis.cli("TTL", "mg:c:%s" % rec["id"])) == -1  # the record stays
    redis.cli("PEXPIRE", key, "1")  # as Redis does when the time comes
    wait_until(lambda: redis.cli("EXISTS", key).strip() == "0")
    r = mod_server.get("/v1/comments/%s" % rec["id"], token=MOD_TOKEN)
    assert r.json()["meta"] == {"client_ip": None, "user_agent": None}
    assert r.json()["body"] == rec["body"]
    # nothing else in the store keeps them
    for k in redis.cli("KEYS", "mg:*").split():
        if redis.cli("TYPE", k).strip() in ("hash", "string"):
            assert "198.51.100.4" not in redis.cli("--no-raw", "DUMP", k), k


def test_a_comment_without_address_or_agent_has_no_meta(mod_server):
    rec = held(mod_server)
    r = mod_server.get("/v1/comments/%s" % rec["id"], token=MOD_TOKEN)
    assert r.json() == rec
    assert "meta" not in queue(mod_server)["items"][0]


def test_redis_erases_them_after_the_retention(redis, start_modgate, workdir):
    m = start_modgate(redis.url, config="privacy:\n  ip_retention_s: 1\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    r = post_comment(m, {"article_id": "a", "author_id": "u-1", "body": "hello world",
                         "client_ip": "192.0.2.1", "user_agent": "UA/1"})
    cid = r.json()["id"]
    meta = m.get("/v1/comments/%s" % cid, token=MOD_TOKEN).json()["meta"]
    assert meta == {"client_ip": "192.0.2.1", "user_agent": "UA/1"}
    wait_until(lambda: m.get("/v1/comments/%s" % cid, token=MOD_TOKEN).json()["meta"]
               == {"client_ip": None, "user_agent": None}, timeout=5)
    problem(m.post("/v1/bans", token=MOD_TOKEN, json={"ip_of": cid}), 409,
            "address_expired")


def test_ban_by_comment_bans_the_address_without_showing_it(mod_server):
    rec = held(mod_server, ip="192.0.2.44")
    r = mod_server.post("/v1/bans", token=MOD_TOKEN,
                        json={"ip_of": rec["id"], "reason": "flood"})
    assert r.status_code == 201, r.text
    ban = r.json()
    assert ban["kind"] == "ip" and ban["value"] is None
    assert ban["comment_id"] == rec["id"] and ban["reason"] == "flood"
    assert "192.0.2.44" not in r.text
    r = post_comment(mod_server, {"article_id": "a", "author_id": "u-x",
                                  "body": "hello there", "client_ip": "192.0.2.44"})
    problem(r, 403, "banned")
    bans = mod_server.get("/v1/bans", token=MOD_TOKEN).json()["bans"]
    assert {"kind": "ip", "value": "192.0.2.44"}.items() <= bans[0].items()


def test_ban_subnet_of_comment_uses_the_limiters_prefix(mod_server):
    rec = held(mod_server, ip="192.0.2.200")
    r = mod_server.post("/v1/bans", token=MOD_TOKEN, json={"subnet_of": rec["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "subnet" and r.json()["value"] is None
    r = post_comment(mod_server, {"article_id": "a", "author_id": "u-y",
                                  "body": "hello again", "client_ip": "192.0.2.3"})
    problem(r, 403, "banned")
    bans = mod_server.get("/v1/bans", token=MOD_TOKEN).json()["bans"]
    assert bans[0]["value"] == "192.0.2.0/24"


def test_ban_by_comment_errors(mod_server, redis):
    unknown = "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a"
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN, json={"ip_of": unknown}),
            404, "not_found")
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN, json={"ip_of": "nope"}),
            404, "not_found")
    no_ip = held(mod_server)
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN, json={"ip_of": no_ip["id"]}),
            409, "address_expired")
    gone = held(mod_server, ip="192.0.2.9")
    redis.cli("DEL", "mg:c:%s:addr" % gone["id"])
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN,
                            json={"subnet_of": gone["id"]}), 409, "address_expired")
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN,
                            json={"ip_of": gone["id"], "ip": "192.0.2.9"}),
            400, "invalid_request")
    problem(mod_server.post("/v1/bans", token=MOD_TOKEN, json={"ip_of": 5}),
            400, "invalid_request")
    problem(mod_server.post("/v1/bans", token=SITE_TOKEN, json={"ip_of": gone["id"]}),
            403, "forbidden")
    assert mod_server.get("/v1/bans", token=MOD_TOKEN).json()["bans"] == []


# ---- item 5: the queue's tools ----------------------------------------------------

def test_sort_by_score_highest_first_ties_oldest_first(mod_server):
    a = held(mod_server)                           # 5
    b = held(mod_server, body="HOLDME LINKY")      # 8
    c = held(mod_server, body="HOLDME LOUD")       # 7
    d = held(mod_server, body="HOLDME LINKY too")  # 8, after b
    assert queue_ids(mod_server) == [a["id"], b["id"], c["id"], d["id"]]
    assert queue_ids(mod_server, sort="age") == [a["id"], b["id"], c["id"], d["id"]]
    want = [b["id"], d["id"], c["id"], a["id"]]
    assert queue_ids(mod_server, sort="score") == want
    # page by page, with a comment decided between two pages
    page = queue(mod_server, sort="score", limit=2)
    assert [c["id"] for c in page["items"]] == want[:2] and page["total"] == 4
    r = mod_server.post("/v1/comments/%s/reject" % d["id"], token=MOD_TOKEN)
    assert r.status_code == 200
    page = queue(mod_server, sort="score", limit=2, cursor=page["next_cursor"])
    assert [c["id"] for c in page["items"]] == [c["id"], a["id"]]
    assert page["next_cursor"] is None


def test_sort_by_score_of_one_article(mod_server):
    a = held(mod_server, article="art-x")
    held(mod_server, body="HOLDME LINKY", article="art-y")
    b = held(mod_server, body="HOLDME LOUD", article="art-x")
    assert queue_ids(mod_server, sort="score", article_id="art-x") == [b["id"], a["id"]]


def test_filters_rule_author_article_and_text(mod_server):
    a = held(mod_server, body="Cheap watches HOLDME LOUD", author="u-bob")
    b = held(mod_server, body="Nice weather HOLDME", author="u-bob", article="art-2")
    c = held(mod_server, body="cheap WATCHES again HOLDME LINKY")
    assert queue_ids(mod_server, rule="test.extra") == [a["id"]]
    assert queue_ids(mod_server, rule="test.hold") == [a["id"], b["id"], c["id"]]
    assert queue_ids(mod_server, author_id="u-bob") == [a["id"], b["id"]]
    assert queue_ids(mod_server, author_id="u-bob", article_id="art-2") == [b["id"]]
    # q is matched against the normalized body: case does not matter
    assert queue_ids(mod_server, q="Cheap Watches") == [a["id"], c["id"]]
    assert queue_ids(mod_server, q="watches", sort="score") == [c["id"], a["id"]]
    assert queue_ids(mod_server, q="watches", rule="test.more") == [c["id"]]
    page = queue(mod_server, q="watches", limit=1)
    assert [x["id"] for x in page["items"]] == [a["id"]]
    assert page["total"] == 3  # the queue's size, unfiltered
    page = queue(mod_server, q="watches", limit=1, cursor=page["next_cursor"])
    assert [x["id"] for x in page["items"]] == [c["id"]]
    assert page["next_cursor"] is None
    # nothing matches: an empty page, not an error
    assert queue_ids(mod_server, rule="no.such.rule") == []
    assert queue_ids(mod_server, author_id="nobody") == []
    assert queue_ids(mod_server, q="zebra") == []


def test_queue_bad_parameters(mod_server):
    held(mod_server)
    for params, field in [({"sort": "newest"}, "sort"), ({"sort": "SCORE"}, "sort"),
                          ({"q": "x" * 201}, "q"), ({"q": "!!!"}, "q")]:
        r = mod_server.get("/v1/queue", token=MOD_TOKEN, params=params)
        body = problem(r, 400, "invalid_request")
        assert field in r.text, body
    assert queue_ids(mod_server, q="x" * 200) == []


def test_cursor_of_a_filtered_page_is_opaque(mod_server):
    ids = [held(mod_server, author="u-f")["id"] for _ in range(3)]
    page = queue(mod_server, author_id="u-f", limit=2)
    cursor = page["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert raw == ids[1]


# ---- modctl -------------------------------------------------------------------------

def modctl(server, *args, token=MOD_TOKEN):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    e.update({"XDG_CONFIG_HOME": "/nonexistent", "COLUMNS": "200"})
    return subprocess.run([MODCTL, "--url", server.base, "--token", token] + list(args),
                          capture_output=True, text=True, timeout=30, env=e,
                          stdin=subprocess.DEVNULL)


def test_modctl_show_shows_address_and_agent(mod_server):
    rec = held(mod_server, ip="203.0.113.77", ua="Bot/1.0\x1b[31m")
    r = modctl(mod_server, "show", rec["id"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"^address +203\.0\.113\.77$", r.stdout, re.M), r.stdout
    assert re.search(r"^agent +Bot/1\.0\?\[31m$", r.stdout, re.M), r.stdout
    meta = ok_json(modctl(mod_server, "--json", "show", rec["id"]))["meta"]
    assert meta == {"client_ip": "203.0.113.77", "user_agent": "Bot/1.0\x1b[31m"}
    out = ok_json(modctl(mod_server, "--json", "queue"))
    assert out["items"][0]["meta"]["client_ip"] == "203.0.113.77"


def test_modctl_queue_sort_and_filters(mod_server):
    a = held(mod_server, body="cheap watches HOLDME", author="u-q1")
    b = held(mod_server, body="HOLDME LINKY", author="u-q2")
    c = held(mod_server, body="HOLDME LOUD watches", author="u-q1", article="art-9")

    def ids(*args):
        return [x["id"] for x in ok_json(modctl(mod_server, "--json", "queue", *args))["items"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids("--sort", "score") == [b["id"], c["id"], a["id"]]
    assert ids("--rule", "test.extra") == [c["id"]]
    assert ids("--author", "u-q1") == [a["id"], c["id"]]
    assert ids("--article", "art-9") == [c["id"]]
    assert ids("--q", "WATCHES", "--sort", "score") == [c["id"], a["id"]]
    r = modctl(mod_server, "queue", "--q", "cheap")
    assert r.returncode == 0 and a["id"] in r.stdout and b["id"] not in r.stdout
    r = modctl(mod_server, "queue", "--sort", "newest")
    assert r.returncode != 0 and "sort" in r.stderr, (r.stdout, r.stderr)


def test_modctl_bulk_reject_with_rule_and_q(mod_server):
    a = held(mod_server, body="cheap watches HOLDME LOUD")
    b = held(mod_server, body="cheap watches HOLDME")
    c = held(mod_server, body="other thing HOLDME LOUD")
    r = modctl(mod_server, "--json", "reject", "--rule", "test.extra", "--q", "watches",
               "--dry-run")
    assert [x["id"] for x in ok_json(r)] == [a["id"]]
    r = modctl(mod_server, "--json", "reject", "--rule", "test.extra", "--q", "watches",
               "--yes")
    assert [x["id"] for x in ok_json(r)] == [a["id"]]
    assert queue_ids(mod_server) == [b["id"], c["id"]]
    r = modctl(mod_server, "reject", "--q", "watches", "--yes")
    assert r.returncode == 0, r.stderr
    assert queue_ids(mod_server) == [c["id"]]


def test_modctl_ban_ip_of_and_subnet_of(mod_server):
    rec = held(mod_server, ip="198.51.100.23")
    r = modctl(mod_server, "ban", "--ip-of", rec["id"], "--reason", "flood")
    assert r.returncode == 0, r.stderr
    assert "198.51.100.23" not in r.stdout + r.stderr
    assert rec["id"] in r.stdout
    other = held(mod_server, ip="2001:db8:1:2::9")
    ban = ok_json(modctl(mod_server, "--json", "ban", "--subnet-of", other["id"]))
    assert ban["kind"] == "subnet" and ban["value"] is None
    assert ban["comment_id"] == other["id"]
    bans = {b["value"] for b in ok_json(modctl(mod_server, "--json", "bans"))["bans"]}
    assert bans == {"198.51.100.23", "2001:db8:1::/56"}
    r = modctl(mod_server, "ban", "--ip-of", "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a")
    assert r.returncode != 0 and "not_found" in r.stderr, (r.stdout, r.stderr)
    r = modctl(mod_server, "ban", "--ip-of", rec["id"], "--ip", "192.0.2.1")
    assert r.returncode == 2, (r.stdout, r.stderr)
