"""POST /v1/comments and reading comments back: validation, length limits,
signatures, idempotency, storage in Redis, pagination (docs/api.md)."""
import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import (MODCTL, SITE_TOKEN, MOD_TOKEN, Redis, wait_until,
                      write_key)
from conftest import post_comment as post, problem, created
from signing import public_keys, signed_message, verifies

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RECORD_KEYS = {"id", "article_id", "author_id", "author_name", "body",
               "parent_id", "created_at", "status", "score", "matches",
               "key_id", "signature", "rules_version", "decision",
               "revision", "edited_at"}
ARTICLE = "2024-10-28-nk-troops-kursk"


def comment(**over):
    c = {"article_id": ARTICLE, "author_id": "u-48121", "author_name": "Minji",
         "body": "Hard to believe they are being moved in civilian Kamaz trucks."}
    c.update(over)
    return {k: v for k, v in c.items() if v is not ...}






def keys_of(server):
    r = server.get("/v1/keys")
    assert r.status_code == 200
    return r.json()


def stored_count(redis):
    return int(redis.cli("EVAL", "return #redis.call('KEYS', 'mg:c:*')", "0").strip())


# ---- publishing and signatures --------------------------------------------

def test_publish_returns_a_signed_record(server):
    before = int(time.time() * 1000)
    r = post(server, comment(parent_id=None))
    assert r.status_code == 201, r.text
    rec = r.json()
    assert set(rec) == RECORD_KEYS
    assert UUID7.match(rec["id"])
    assert TIME.match(rec["created_at"])
    assert rec["status"] == "published"
    assert rec["score"] == 0.0 and rec["matches"] == [] and rec["decision"] is None
    assert rec["parent_id"] is None and rec["author_name"] == "Minji"
    assert rec["rules_version"].startswith("r-")
    assert r.headers["Location"] == "/v1/comments/" + rec["id"]
    # the id's 48-bit time prefix is the creation time in ms
    id_ms = int(rec["id"].replace("-", "")[:12], 16)
    assert before - 5 <= id_ms <= int(time.time() * 1000) + 5
    keys = keys_of(server)
    active = [k for k in keys["keys"] if k["status"] == "active"]
    assert len(active) == 1 and active[0]["key_id"] == rec["key_id"]
    assert active[0]["algorithm"] == "Ed25519"
    assert verifies(rec, public_keys(keys))


TRICKY_BODIES = [
    'She said "no" and left',
    "back\\slash and \\\\ two",
    "tab\there, newline\nthere, cr\rand \x01\x07\x1f controls",
    "path /a/b and </script>",
    "Korean 한국어 댓글입니다 and emoji 🇰🇷👨‍👩‍👧‍👦🔥",
    "line\u2028separator and DEL \x7f and nbsp\u00a0",
    "e\u0301 combining and 'single' quotes",
]


@pytest.mark.parametrize("body", TRICKY_BODIES)
def test_signature_verifies_for_tricky_bodies(server, body):
    r = post(server, comment(body=body, author_name='N"a\\me/ 민지'))
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["body"] == body
    keys = public_keys(keys_of(server))
    assert verifies(rec, keys)
    # and the stored copy is the same record, still valid
    got = server.get("/v1/comments/" + rec["id"], token=SITE_TOKEN).json()
    assert got == rec and verifies(got, keys)


@pytest.mark.parametrize("field", ["id", "article_id", "author_id", "author_name",
                                   "body", "parent_id", "created_at", "key_id"])
def test_tampering_with_any_signed_field_fails(server, field):
    rec = post(server, comment()).json()
    keys = public_keys(keys_of(server))
    assert verifies(rec, keys)
    forged = dict(rec)
    forged[field] = ("x" + rec[field]) if isinstance(rec[field], str) else "x"
    if field == "key_id":
        # an unknown key id cannot verify; the same key under the forged id neither
        keys[forged["key_id"]] = keys[rec["key_id"]]
    assert not verifies(forged, keys)


def test_verify_examples_in_docs_accept_real_records(server, workdir):
    rec = post(server, comment(body='quotes " \\ / \n 한국어 🇰🇷')).json()
    rec_path = os.path.join(workdir, "record.json")
    keys_path = os.path.join(workdir, "keys.json")
    with open(rec_path, "w") as f:
        json.dump(rec, f)
    with open(keys_path, "w") as f:
        json.dump(keys_of(server), f)
    here = os.path.dirname(os.path.abspath(__file__))
    node = subprocess.run(["sh", "-c", "command -v node || command -v nodejs"],
                          capture_output=True, text=True).stdout.strip()
    assert node, "Node.js is needed for the docs' example (deploy/bootstrap installs nodejs)"
    runners = [["/usr/bin/python3", os.path.join(here, "verify_example.py")],
               [node, os.path.join(here, "verify_example.mjs")]]
    for cmd in runners:
        ok = subprocess.run(cmd + [rec_path, keys_path], capture_output=True, text=True)
        assert ok.returncode == 0, (cmd, ok.stdout, ok.stderr)
    rec["body"] += "!"
    with open(rec_path, "w") as f:
        json.dump(rec, f)
    for cmd in runners:
        bad = subprocess.run(cmd + [rec_path, keys_path], capture_output=True, text=True)
        assert bad.returncode == 1, (cmd, bad.stdout, bad.stderr)


def test_keys_endpoint_needs_no_token(server):
    body = server.get("/v1/keys").json()
    assert len(body["keys"]) == 1
    k = body["keys"][0]
    assert set(k) == {"key_id", "algorithm", "public_key", "status", "created_at"}
    assert TIME.match(k["created_at"])
    public_keys(body)  # key_id is the SHA-256 prefix of the public key


def test_no_signing_key_means_503_not_unsigned(redis, start_modgate):
    m = start_modgate(redis.url, key=False)
    wait_until(lambda: m.get("/readyz").status_code == 200)
    problem(post(m, comment()), 503, "unavailable")
    assert stored_count(redis) == 0


# ---- validation -----------------------------------------------------------

INVALID_FIELDS = [
    ("article_id", ...), ("article_id", ""), ("article_id", "has space"),
    ("article_id", "x" * 129), ("article_id", "기사"), ("article_id", 7),
    ("article_id", None),
    ("author_id", ...), ("author_id", ""), ("author_id", "tab\tid"),
    ("author_id", ["u"]), ("author_id", "y" * 129),
    ("body", ...), ("body", 12), ("body", None), ("body", {"text": "x"}),
    ("author_name", "n" * 65), ("author_name", 5), ("author_name", "bell\x07"),
    ("author_name", "Z" + "\u0301" * 128), ("author_name", "  "),
    ("parent_id", 5), ("parent_id", True),
    ("client_ip", "999.1.1.1"), ("client_ip", "not-an-ip"), ("client_ip", 3232235777),
    ("client_ip", "1.2.3.4/24"), ("client_ip", "fe80::1%eth0"),
    ("user_agent", "a" * 513), ("user_agent", 1),
    ("author_created_at", "yesterday"), ("author_created_at", "2026-02-30T00:00:00Z"),
    ("author_created_at", 1700000000),
]


@pytest.mark.parametrize("field,value", INVALID_FIELDS,
                         ids=["%s=%r" % (f, v)[:40] for f, v in INVALID_FIELDS])
def test_each_invalid_field_is_named(server, redis, field, value):
    body = problem(post(server, comment(**{field: value})), 400, "invalid_request")
    assert body["field"] == field
    assert stored_count(redis) == 0


VALID_OPTIONALS = [
    {"client_ip": "203.0.113.7"}, {"client_ip": "2001:db8::1"},
    {"client_ip": "::ffff:203.0.113.7"}, {"client_ip": None},
    {"user_agent": "Mozilla/5.0 " + "x" * 500}, {"author_created_at": "2026-01-03T10:00:00.000Z"},
    {"author_created_at": "2026-01-03T19:00:00+09:00"}, {"author_name": None},
    {"author_name": "n" * 64}, {"unknown_member": [1, 2, 3]}, {"parent_id": None},
]


@pytest.mark.parametrize("extra", VALID_OPTIONALS, ids=[list(e)[0] for e in VALID_OPTIONALS])
def test_valid_optional_fields_are_accepted(server, extra):
    r = post(server, comment(**extra))
    assert r.status_code == 201, r.text
    assert "unknown_member" not in r.json() and "client_ip" not in r.json()


def test_author_name_absent_is_null_and_signed_as_null(server):
    rec = post(server, comment(author_name=...)).json()
    assert rec["author_name"] is None
    assert b'"author_name":null' in signed_message(rec)
    assert verifies(rec, public_keys(keys_of(server)))


MALFORMED = [
    ("not json", b"{nope"),
    ("array", b"[1, 2]"),
    ("string", b'"body"'),
    ("duplicate key", b'{"article_id":"a","author_id":"u","body":"x","body":"y"}'),
    # a string that is not UTF-8: NOT_UNICODE below, which names the field
    ("NUL escape", b'{"article_id":"a","author_id":"u","body":"a\\u0000b"}'),
    ("empty body", b""),
    ("trailing garbage", b'{"article_id":"a","author_id":"u","body":"x"} x'),
]


@pytest.mark.parametrize("name,raw", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_json_is_400_and_nothing_stored(server, redis, name, raw):
    problem(post(server, None, raw=raw), 400, "invalid_request")
    assert stored_count(redis) == 0


NOT_UNICODE = [
    ("body", b'{"article_id":"a","author_id":"u","body":"caf\xe9"}'),
    ("body", b'{"article_id":"a","author_id":"u","body":"\\ud800 x"}'),
    ("author_name", b'{"article_id":"a","author_id":"u","body":"x","author_name":"\xff"}'),
    ("article_id", b'{"article_id":"\xc3","author_id":"u","body":"x"}'),
    ("user_agent", b'{"article_id":"a","author_id":"u","body":"x","user_agent":"\\udc00"}'),
]


@pytest.mark.parametrize("field,raw", NOT_UNICODE, ids=[n[0] for n in NOT_UNICODE])
def test_a_string_that_is_not_utf8_names_its_field(server, redis, field, raw):
    # docs/api.md: strings must be valid UTF-8, else 400 invalid_request with
    # `field` naming the member at fault
    for path in ("/v1/comments", "/v1/check"):
        token = SITE_TOKEN if path == "/v1/comments" else MOD_TOKEN
        r = server.post(path, token=token, data=raw,
                        headers={"Content-Type": "application/json"})
        assert problem(r, 400, "invalid_request")["field"] == field, (path, r.text)
    assert stored_count(redis) == 0


def test_validation_needs_the_site_role(server):
    problem(post(server, comment(), token=MOD_TOKEN), 403, "forbidden")
    problem(post(server, comment(), token=None), 401, "unauthorized")


# ---- length ----------------------------------------------------------------

CLUSTERS = {
    "ascii": "a",
    "flag": "\U0001F1F0\U0001F1F7",
    "family": "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466",
    "combining": "e\u0301",
    "korean": "한",
    "jamo": "\u1112\u1161\u11ab",
}


@pytest.mark.parametrize("name", list(CLUSTERS))
def test_300_characters_accepted_301_rejected(server, redis, name):
    c = CLUSTERS[name]
    # keep under the 4 KiB byte limit: the family emoji is 25 bytes a piece
    fill = "a" if len((c * 301).encode()) > 4096 else c
    ok = c * 10 + fill * 290
    r = post(server, comment(body=ok))
    assert r.status_code == 201, r.text
    before = stored_count(redis)
    body = problem(post(server, comment(body=ok + c)), 422, "too_long")
    assert (body["limit"], body["length"], body["unit"]) == (300, 301, "characters")
    assert stored_count(redis) == before


def test_zalgo_over_4_kib_is_too_long_in_bytes(server, redis):
    zalgo = "Z" + "\u0301\u0336\u0489" * 700  # one character, 1 + 700*6 bytes
    size = len(zalgo.encode())
    assert size > 4096
    body = problem(post(server, comment(body=zalgo)), 422, "too_long")
    assert (body["limit"], body["length"], body["unit"]) == (4096, size, "bytes")
    assert stored_count(redis) == 0


def test_over_both_limits_names_the_characters(server, redis):
    body = problem(post(server, comment(body="x" * 5000)), 422, "too_long")
    assert (body["limit"], body["length"], body["unit"]) == (300, 5000, "characters")
    assert stored_count(redis) == 0


def test_exactly_4096_bytes_is_accepted(server):
    text = "ab" + "\u0301" * 2047
    assert len(text.encode()) == 4096
    assert post(server, comment(body=text)).status_code == 201


@pytest.mark.parametrize("blank", ["", " ", "   \n\t  ", "\u3000", "\u200b", "\u00a0\u2003",
                                   "\u200d\u2060\ufeff"])
def test_blank_bodies_are_too_short(server, redis, blank):
    body = problem(post(server, comment(body=blank)), 422, "too_short")
    assert (body["limit"], body["length"], body["unit"]) == (1, 0, "characters")
    assert stored_count(redis) == 0


def test_length_limits_are_configurable(redis, start_modgate):
    m = start_modgate(redis.url, config="comments:\n  max_chars: 10\n  max_bytes: 40\n")
    wait_until(lambda: m.get("/readyz").status_code == 200)
    assert post(m, comment(body="한" * 10)).status_code == 201
    b = problem(post(m, comment(body="한" * 11)), 422, "too_long")
    assert (b["limit"], b["length"], b["unit"]) == (10, 11, "characters")
    # 2 characters of 42 bytes: over the byte limit only
    b = problem(post(m, comment(body="ab" + "\u0301" * 20)), 422, "too_long")
    assert (b["limit"], b["length"], b["unit"]) == (40, 42, "bytes")


# ---- parents -----------------------------------------------------------------

def test_parent_must_be_a_comment_of_the_same_article(server, redis):
    parent = post(server, comment()).json()
    reply = post(server, comment(parent_id=parent["id"], body="I agree"))
    assert reply.status_code == 201 and reply.json()["parent_id"] == parent["id"]
    assert verifies(reply.json(), public_keys(keys_of(server)))
    other = post(server, comment(article_id="another-article", parent_id=parent["id"]))
    problem(other, 422, "invalid_parent")
    problem(post(server, comment(parent_id="0190a000-0000-7000-8000-000000000000")),
            422, "invalid_parent")
    for not_an_id in ("not-a-comment", "", "has space", "코멘트", "x" * 300):
        problem(post(server, comment(parent_id=not_an_id)), 422, "invalid_parent")
    assert stored_count(redis) == 2


# ---- idempotency ---------------------------------------------------------------

def test_idempotent_replay_and_conflict(server, redis):
    h = {"Idempotency-Key": "req-7f3a"}
    first = post(server, comment(), headers=h)
    again = post(server, comment(), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert stored_count(redis) == 1
    problem(post(server, comment(body="something else"), headers=h), 409,
            "idempotency_conflict")
    other = post(server, comment(), headers={"Idempotency-Key": "req-other"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert stored_count(redis) == 2
    ttl = int(redis.cli("EVAL", "local k = redis.call('KEYS', 'mg:idem:*') "
                        "return redis.call('TTL', k[1])", "0").strip())
    assert 86000 < ttl <= 86400


@pytest.mark.parametrize("key", ["", "k" * 129, "tab\tkey", "ключ"])
def test_bad_idempotency_keys_are_400(server, key):
    raw = (b'{"article_id":"a","author_id":"u","body":"x"}')
    hdr = key.encode("utf-8")
    s = server.connect()
    with s:
        s.sendall(b"POST /v1/comments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                  + SITE_TOKEN.encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Idempotency-Key: " + hdr + b"\r\nContent-Length: "
                  + str(len(raw)).encode() + b"\r\n\r\n" + raw)
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert b'"invalid_request"' in data


# ---- reading ---------------------------------------------------------------------

def test_get_comment_by_id(server):
    rec = post(server, comment()).json()
    got = server.get("/v1/comments/" + rec["id"], token=MOD_TOKEN)
    assert got.status_code == 200 and got.json() == rec
    problem(server.get("/v1/comments/0190a000-0000-7000-8000-000000000000",
                       token=SITE_TOKEN), 404, "not_found")
    problem(server.get("/v1/comments/nope", token=SITE_TOKEN), 404, "not_found")
    problem(server.get("/v1/comments/" + rec["id"]), 401, "unauthorized")


def list_page(server, article, **params):
    r = server.get("/v1/articles/%s/comments" % article, token=SITE_TOKEN, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_article_pages_oldest_first_with_total_and_stable_cursor(server):
    ids = [post(server, comment(body="comment %d" % i)).json()["id"] for i in range(7)]
    post(server, comment(article_id="other-article"))
    p1 = list_page(server, ARTICLE, limit=3)
    assert [c["id"] for c in p1["comments"]] == ids[:3]
    assert p1["total"] == 7 and p1["next_cursor"]
    # a comment arriving between pages neither repeats nor hides others
    late = post(server, comment(body="late")).json()["id"]
    p2 = list_page(server, ARTICLE, limit=3, cursor=p1["next_cursor"])
    assert [c["id"] for c in p2["comments"]] == ids[3:6]
    assert p2["total"] == 8
    p3 = list_page(server, ARTICLE, limit=3, cursor=p2["next_cursor"])
    assert [c["id"] for c in p3["comments"]] == [ids[6], late]
    assert p3["next_cursor"] is None
    whole = list_page(server, ARTICLE)
    assert [c["id"] for c in whole["comments"]] == ids + [late]
    # an empty cursor is the first page
    assert list_page(server, ARTICLE, cursor="") == whole
    assert all(c["status"] == "published" for c in whole["comments"])
    assert list_page(server, "no-comments-here") == {"comments": [], "total": 0,
                                                      "next_cursor": None, "mode": "open",
                                                      "closes_at": None}


@pytest.mark.parametrize("params,field", [
    ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "abc"}, "limit"),
    ({"limit": "-1"}, "limit"), ({"limit": ""}, "limit"),
    ({"cursor": "garbage"}, "cursor"), ({"cursor": "A" * 48}, "cursor"),
])
def test_bad_page_parameters(server, params, field):
    r = server.get("/v1/articles/%s/comments" % ARTICLE, token=SITE_TOKEN, params=params)
    assert problem(r, 400, "invalid_request")["field"] == field


def test_limit_200_is_accepted(server):
    assert list_page(server, ARTICLE, limit=200)["total"] == 0


# ---- several instances, Redis failures --------------------------------------------

def test_two_instances_share_redis_and_ids_never_collide(redis, start_modgate, workdir):
    a = start_modgate(redis.url)
    b = start_modgate(redis.url)
    for m in (a, b):
        wait_until(lambda m=m: m.get("/readyz").status_code == 200)

    def one(i):
        m = (a, b)[i % 2]
        r = post(m, comment(author_id="u-%d" % i, body="parallel %d" % i))
        return r.status_code, r.json().get("id")

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(200)))
    assert all(code == 201 for code, _ in results)
    ids = [i for _, i in results]
    assert len(set(ids)) == 200
    assert list_page(a, ARTICLE, limit=1)["total"] == 200


def test_redis_down_gives_503_quickly(redis, start_modgate):
    m = start_modgate(redis.url)
    wait_until(lambda: m.get("/readyz").status_code == 200)
    redis.stop()
    t0 = time.monotonic()
    r = post(m, comment())
    assert time.monotonic() - t0 < 2.0
    problem(r, 503, "unavailable")
    assert r.headers.get("Retry-After") == "1"
    problem(m.get("/v1/comments/0190a000-0000-7000-8000-000000000000",
                  token=SITE_TOKEN), 503, "unavailable")


def test_acknowledged_comments_survive_kill_9(workdir, start_modgate):
    redis = Redis(workdir, extra_args=("--appendonly", "yes", "--appendfsync", "always"))
    redis.start()
    try:
        m = start_modgate(redis.url)
        wait_until(lambda: m.get("/readyz").status_code == 200)
        acked, failed = [], 0
        stop_at = time.monotonic() + 20
        killed = False
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            if i == 60:
                redis.proc.send_signal(signal.SIGKILL)
                redis.proc.wait()
                killed = True
                t_kill = time.monotonic()
            t0 = time.monotonic()
            r = post(m, comment(author_id="u-%d" % i, body="durable %d" % i))
            if r.status_code == 201:
                acked.append(r.json())
            else:
                assert r.status_code == 503, r.text
                assert time.monotonic() - t0 < 2.0
                failed += 1
                if failed >= 5:
                    break
        assert killed and failed >= 5 and len(acked) >= 59
        redis.start()
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
        keys = public_keys(keys_of(m))
        for rec in acked:
            got = m.get("/v1/comments/" + rec["id"], token=SITE_TOKEN)
            assert got.status_code == 200, rec["id"]
            assert got.json() == rec and verifies(got.json(), keys)
        assert list_page(m, ARTICLE, limit=1)["total"] == len(acked)
    finally:
        redis.stop()


# ---- key rotation --------------------------------------------------------------------

def test_key_rotation_keeps_old_signatures_verifiable(redis, start_modgate, workdir):
    old_key = write_key(workdir, "old.key")
    new_key = write_key(workdir, "new.key")
    m1 = start_modgate(redis.url, key=old_key)
    wait_until(lambda: m1.get("/readyz").status_code == 200)
    old_rec = post(m1, comment(body="signed with the old key")).json()
    assert m1.stop() == 0

    retired = os.path.join(workdir, "retired-keys.yaml")
    out = subprocess.run([MODCTL, "pubkey", "--key", old_key], capture_output=True,
                         text=True, check=True).stdout
    with open(retired, "a") as f:
        f.write(out)
    m2 = start_modgate(redis.url, key=new_key, args=("--retired-keys", retired))
    wait_until(lambda: m2.get("/readyz").status_code == 200)
    new_rec = post(m2, comment(body="signed with the new key")).json()
    listed = keys_of(m2)
    statuses = {k["key_id"]: k["status"] for k in listed["keys"]}
    assert statuses == {old_rec["key_id"]: "retired", new_rec["key_id"]: "active"}
    keys = public_keys(listed)
    got_old = m2.get("/v1/comments/" + old_rec["id"], token=SITE_TOKEN).json()
    assert got_old["key_id"] == old_rec["key_id"] and verifies(got_old, keys)
    assert verifies(new_rec, keys)


def metric_value(server, outcome):
    text = server.get("/metrics").text
    m = re.search(r'^modgate_submissions_total\{outcome="%s"\} (\d+)$' % outcome, text, re.M)
    return int(m.group(1)) if m else 0


def test_submission_outcomes_are_counted(server):
    before = {o: metric_value(server, o) for o in
              ("published", "invalid", "too_long", "too_short", "replayed",
               "idempotency_conflict", "invalid_parent")}
    post(server, comment())
    post(server, comment(article_id=""))
    post(server, comment(body="x" * 301))
    post(server, comment(body=" "))
    post(server, comment(body="once"), headers={"Idempotency-Key": "m1"})
    post(server, comment(body="once"), headers={"Idempotency-Key": "m1"})
    post(server, comment(body="twice"), headers={"Idempotency-Key": "m1"})
    post(server, comment(parent_id="0190a000-0000-7000-8000-000000000000"))
    after = {o: metric_value(server, o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {
        "published": 2, "invalid": 1, "too_long": 1, "too_short": 1,
        "replayed": 1, "idempotency_conflict": 1, "invalid_parent": 1}


def test_stored_meta_holds_the_authors_account_time_in_utc_or_null(server, redis):
    """What is kept beside the record: author_created_at as given (in UTC,
    to the millisecond), or null when the site sent none."""
    given = post(server, {"article_id": "meta-a", "author_id": "meta-1",
                          "author_name": "Reader", "body": "A plain remark.",
                          "author_created_at": "2026-01-03T19:00:00+09:00"})
    none = post(server, {"article_id": "meta-a", "author_id": "meta-2",
                         "author_name": "Reader", "body": "Another plain remark."})
    for r in (given, none):
        assert r.status_code == 201, r.text
    meta = [json.loads(redis.cli("HGET", "mg:c:%s" % r.json()["id"], "meta"))
            for r in (given, none)]
    assert meta == [{"author_created_at": "2026-01-03T10:00:00.000Z"},
                    {"author_created_at": None}]
