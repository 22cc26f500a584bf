"""The author's edits (docs/api.md "Edits"): PATCH /v1/comments/{id} within
edits.window_s of creation, by the comment's author only, judged again as a
whole new text (published stays published, re-signed with revision and
edited_at; or becomes pending or rejected), the author's rate limits, the
earlier revisions moderators see (GET /v1/comments/{id}/revisions), the
"edited" event, and that every verifier (modctl verify, the docs' Python and
Node examples, the tests' own) accepts an edited record and an old-style one.
The rules are a tiny set: HOLDME holds, REJECTME rejects."""
import json
import os
import subprocess
import time

import pytest

from conftest import MOD_TOKEN, SITE_TOKEN, post_comment, problem, wait_until
from signing import public_keys, signed_message, verifies
from test_moderation import write_rules  # HOLDME holds, REJECTME rejects
from test_modctl_moderation import run
from test_article_settings import set_mode

ARTICLE = "art-edits"


def start(redis, start_modgate, workdir, config=None):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)), config=config)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


@pytest.fixture
def srv(redis, start_modgate, workdir):
    return start(redis, start_modgate, workdir)


def submit(server, body="A first thought.", author="u-1"):
    r = post_comment(server, {"article_id": ARTICLE, "author_id": author, "body": body})
    assert r.status_code in (201, 202, 422), r.text
    return r.json()


def edit(server, cid, body, author="u-1", token=SITE_TOKEN):
    return server.patch("/v1/comments/%s" % cid, token=token,
                        json={"author_id": author, "body": body})


def listing(server):
    r = server.get("/v1/articles/%s/comments" % ARTICLE, token=SITE_TOKEN)
    return [c["id"] for c in r.json()["comments"]]


def queue(server):
    return [c["id"] for c in server.get("/v1/queue", token=MOD_TOKEN).json()["items"]]


def events(redis, cid):
    out = redis.cli("XRANGE", "mg:events", "-", "+").strip().split("\n")
    # redis-cli prints each entry's id, then its fields and values a line
    # each: type, KIND, comment, ID, ...
    return [out[i - 1] for i, line in enumerate(out)
            if line == "comment" and out[i + 1] == cid]


def keys_of(server):
    return public_keys(server.get("/v1/keys").json())


def test_edit_in_window_stays_published_resigned_with_revisions(srv, redis):
    rec = submit(srv)
    assert rec["revision"] == 1 and rec["edited_at"] is None
    r = edit(srv, rec["id"], "A second, better thought.")
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["status"] == "published" and new["revision"] == 2
    assert new["edited_at"] is not None and new["created_at"] == rec["created_at"]
    assert new["body"] == "A second, better thought."
    keys = keys_of(srv)
    assert verifies(new, keys)
    assert b'"revision":2' in signed_message(new)
    # the signature covers the revision: the same text with another is refused
    assert not verifies(dict(new, revision=3), keys)
    assert not verifies(dict(new, edited_at=rec["created_at"]), keys)
    got = srv.get("/v1/comments/%s" % rec["id"], token=SITE_TOKEN).json()
    assert got == new
    assert listing(srv) == [rec["id"]]
    revs = srv.get("/v1/comments/%s/revisions" % rec["id"], token=MOD_TOKEN)
    assert revs.status_code == 200, revs.text
    assert revs.json()["revisions"] == [rec]
    assert revs.json()["current"]["body"] == new["body"]
    # a second edit: revision 3, both earlier ones kept, oldest first
    third = edit(srv, rec["id"], "A third thought.").json()
    assert third["revision"] == 3 and verifies(third, keys)
    body = srv.get("/v1/comments/%s/revisions" % rec["id"], token=MOD_TOKEN).json()
    assert [x["body"] for x in body["revisions"]] == [rec["body"], new["body"]]
    assert events(redis, rec["id"]) == ["published", "edited", "edited"]
    # the site may not read the revisions, nor may a moderator edit
    problem(srv.get("/v1/comments/%s/revisions" % rec["id"], token=SITE_TOKEN), 403,
            "forbidden")
    problem(edit(srv, rec["id"], "x", token=MOD_TOKEN), 403, "forbidden")


def test_wrong_author_unknown_id_and_bad_bodies(srv):
    rec = submit(srv)
    problem(edit(srv, rec["id"], "Not mine to change.", author="u-2"), 403, "not_author")
    problem(edit(srv, "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a", "x"), 404, "not_found")
    problem(srv.get("/v1/comments/01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a/revisions",
                    token=MOD_TOKEN), 404, "not_found")
    too_long = problem(edit(srv, rec["id"], "x" * 301), 422, "too_long")
    assert too_long["limit"] == 300 and too_long["unit"] == "characters"
    problem(edit(srv, rec["id"], "   "), 422, "too_short")
    bad = problem(srv.patch("/v1/comments/%s" % rec["id"], token=SITE_TOKEN,
                            json={"body": "no author"}), 400, "invalid_request")
    assert bad["field"] == "author_id"
    # nothing changed
    got = srv.get("/v1/comments/%s" % rec["id"], token=SITE_TOKEN).json()
    assert got == rec


def test_edit_the_rules_hold_leaves_the_listing_for_the_queue(srv, redis):
    rec = submit(srv)
    r = edit(srv, rec["id"], "Now look at this HOLDME")
    assert r.status_code == 202, r.text
    held = r.json()
    assert held["status"] == "pending" and held["signature"] is None
    assert held["revision"] == 2
    assert listing(srv) == []
    assert queue(srv) == [rec["id"]]
    assert events(redis, rec["id"]) == ["published", "edited"]
    assert redis.cli("XREVRANGE", "mg:events", "+", "-", "COUNT", "1").strip().split("\n")[-1] == \
        "pending"
    stats = redis.cli("HGETALL", "mg:stats").strip().split("\n")
    assert dict(zip(stats[::2], stats[1::2])) == {"published": "0", "pending": "1"}
    # a pending comment may be edited back: published, signed, listed again
    back = edit(srv, rec["id"], "A calmer text.")
    assert back.status_code == 200, back.text
    assert verifies(back.json(), keys_of(srv)) and back.json()["revision"] == 3
    assert listing(srv) == [rec["id"]] and queue(srv) == []
    # once approved by a moderator after being held, the record keeps verifying
    again = edit(srv, rec["id"], "HOLDME once more").json()
    r = srv.post("/v1/comments/%s/approve" % rec["id"], token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == again["revision"] == 4
    assert verifies(r.json(), keys_of(srv))
    # the rule that held the two edits counts them, as it counts
    # submissions: fired and held twice, overturned once (the approval),
    # and both hits in the last hour
    stats = srv.get("/v1/stats", token=MOD_TOKEN).json()
    rule = stats["rules"]["test.hold"]
    assert (rule["fired"], rule["held"], rule["overturned"]) == (2, 2, 1), rule
    assert stats["last_hour"]["rule_hits"]["test.hold"] == 2, stats


def test_edit_the_rules_reject_and_rejected_or_removed_cannot_be_edited(srv, redis):
    rec = submit(srv)
    bad = problem(edit(srv, rec["id"], "Buy now REJECTME"), 422, "rejected")
    assert bad["id"] == rec["id"]
    assert listing(srv) == []
    conflict = problem(edit(srv, rec["id"], "Sorry."), 409, "conflict")
    assert conflict["current_status"] == "rejected"
    # the earlier revisions expire with the rejected comment, and stay when
    # a moderator approves it after all
    rev_key = "mg:c:%s:rev" % rec["id"]
    assert 0 < int(redis.cli("TTL", rev_key)) <= 1209600
    r = srv.post("/v1/comments/%s/approve" % rec["id"], token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    assert int(redis.cli("TTL", rev_key)) == -1
    revs = srv.get("/v1/comments/%s/revisions" % rec["id"], token=MOD_TOKEN).json()
    assert revs["revisions"] == [rec] and revs["current"]["status"] == "published"
    other = submit(srv, author="u-3")
    r = srv.post("/v1/comments/%s/reject" % other["id"], token=MOD_TOKEN,
                 json={"reason": "off topic"})
    assert r.status_code == 200, r.text
    conflict = problem(edit(srv, other["id"], "Sorry.", author="u-3"), 409, "conflict")
    assert conflict["current_status"] == "removed"


def test_the_articles_mode_and_the_watch_list_apply_to_an_edit(srv):
    rec = submit(srv)
    set_mode(srv, ARTICLE, "premoderated")
    r = edit(srv, rec["id"], "Changed under pre-moderation.")
    assert r.status_code == 202, r.text
    assert [m["rule"] for m in r.json()["matches"]] == ["article.premoderated"]
    assert listing(srv) == [] and queue(srv) == [rec["id"]]
    set_mode(srv, ARTICLE, "closed")
    problem(edit(srv, rec["id"], "Changed after closing."), 403, "comments_closed")
    set_mode(srv, ARTICLE, "open")
    other = submit(srv, author="u-watched")
    r = srv.post("/v1/authors/u-watched/watch", token=MOD_TOKEN, json={"reason": "spam"})
    assert r.status_code == 200, r.text
    r = edit(srv, other["id"], "Changed while watched.", author="u-watched")
    assert r.status_code == 202, r.text
    assert [m["rule"] for m in r.json()["matches"]] == ["author.watched"]


def test_edit_outside_the_window(redis, start_modgate, workdir):
    m = start(redis, start_modgate, workdir, config="edits:\n  window_s: 1\n")
    rec = submit(m)
    time.sleep(1.2)
    problem(edit(m, rec["id"], "Too late."), 409, "edit_window_closed")
    assert m.get("/v1/comments/%s" % rec["id"], token=SITE_TOKEN).json() == rec


def test_edits_count_against_the_authors_rate_limit(redis, start_modgate, workdir):
    m = start(redis, start_modgate, workdir,
              config="rate_limits:\n  author:\n    - {count: 2, period_s: 60}\n")
    rec = submit(m)
    assert edit(m, rec["id"], "Second.").status_code == 200
    limited = problem(edit(m, rec["id"], "Third."), 429, "rate_limited")
    assert limited["limit"] == "author" and limited["retry_after"] >= 1
    # and a submission by the same author meets the same limit
    problem(post_comment(m, {"article_id": ARTICLE, "author_id": "u-1", "body": "New."}),
            429, "rate_limited")


def test_verifiers_accept_edited_and_old_style_records(srv, redis, workdir):
    rec = submit(srv)
    new = edit(srv, rec["id"], 'Edited: "정말?" \\ 😀').json()
    keys = srv.get("/v1/keys").json()
    # a record stored before edits existed: no revision nor edited_at, and
    # its signature over the message without them
    old = dict(rec)
    del old["revision"], old["edited_at"]
    here = os.path.dirname(os.path.abspath(__file__))
    node = subprocess.run(["sh", "-c", "command -v node || command -v nodejs"],
                          capture_output=True, text=True).stdout.strip()
    assert node
    keys_path = os.path.join(workdir, "keys.json")
    with open(keys_path, "w") as f:
        json.dump(keys, f)
    for record, want in ((new, 0), (old, 0), (dict(new, revision=5), 1),
                         (dict(new, body="x"), 1)):
        path = os.path.join(workdir, "record.json")
        with open(path, "w") as f:
            json.dump(record, f)
        for cmd in (["/usr/bin/python3", os.path.join(here, "verify_example.py")],
                    [node, os.path.join(here, "verify_example.mjs")]):
            r = subprocess.run(cmd + [path, keys_path], capture_output=True, text=True)
            assert r.returncode == want, (cmd, record, r.stdout, r.stderr)
    # modctl verify fetches the edited record and checks it itself
    r = run(srv, "verify", rec["id"])
    assert r.returncode == 0, (r.stdout, r.stderr)
    # and catches a tampered revision in the store
    stored = json.loads(redis.cli("HGET", "mg:c:%s" % rec["id"], "json"))
    stored["revision"] = 7
    redis.cli("HSET", "mg:c:%s" % rec["id"], "json", json.dumps(stored))
    r = run(srv, "verify", rec["id"])
    assert r.returncode == 1, (r.stdout, r.stderr)


def test_an_edited_comment_deleted_keeps_its_revision_and_loses_its_revisions(srv, redis):
    rec = submit(srv)
    assert edit(srv, rec["id"], "Second words.").status_code == 200
    assert srv.get("/v1/comments/%s/revisions" % rec["id"], token=MOD_TOKEN).json()["revisions"]
    r = srv.delete("/v1/comments/%s?author_id=u-1" % rec["id"], token=SITE_TOKEN)
    assert r.status_code == 204, r.text
    tomb = srv.get("/v1/comments/%s" % rec["id"], token=SITE_TOKEN).json()
    assert tomb["status"] == "deleted" and tomb["body"] is None
    assert tomb["revision"] == 2 and tomb["edited_at"] is not None
    # the earlier texts went with it: nothing of them is left in Redis
    assert redis.cli("EXISTS", "mg:c:%s:rev" % rec["id"]).strip() == "0"
    revs = srv.get("/v1/comments/%s/revisions" % rec["id"], token=MOD_TOKEN).json()
    assert revs["revisions"] == [] and revs["current"]["status"] == "deleted"
    # and a tombstone cannot be edited back to life
    r = edit(srv, rec["id"], "Back again.")
    problem(r, 409, "conflict")
    assert r.json()["current_status"] == "deleted"
    assert events(redis, rec["id"]) == ["published", "edited", "deleted"]
