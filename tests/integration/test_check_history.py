"""POST /v1/check and the history rules (issue 13): given an author_id, a
check applies history.duplicate, history.campaign and history.new_commenter
as a submission would, reading Redis and writing nothing; it says which it
applied and which not, and why (docs/site-integration.md, "Trying the
rules"). `modctl check --author` shows the same.

Every test runs its own rule set (below), so the figures come from it and
not from the shipped set: a word that scores 4 (`jackpot`, under the hold
threshold of 5 but at new_commenter's min_score of 4), one that holds
(`holdword`, 5) and one that rejects (`zzslur`)."""
import json
import os
import signal
import subprocess
import time

import pytest
import redis as redislib

from conftest import (MOD_TOKEN, MODCTL, SITE_TOKEN, created, post_comment, problem,
                      wait_until)

ALL = ["history.duplicate", "history.campaign", "history.new_commenter"]
NEW_COMMENTER_REASON = ("a new commenter's comment whose score reached the "
                        "new_commenter threshold")

THRESHOLDS = """\
thresholds:
  hold: 5
  reject: 10
%s
lists:
  lure:
    entries: [jackpot]
  holds:
    entries: [holdword]
  slurs:
    entries: [zzslur]
"""

FULL_HISTORY = """\
history:
  duplicate: {window: 1h, min_chars: 20}
  campaign: {window: 10m, authors: 3, min_chars: 20}
  new_commenter: {published_below: 2, min_score: 4}
"""

RULES = """\
rules:
  - id: t.lure
    reason: a lure
    when: {words: lure}
    score: 4
  - id: t.hold
    reason: held word
    when: {words: holds}
    score: 5
  - id: t.slur
    reason: slur
    when: {words: slurs}
    action: reject
    score: 10
"""

# 42 characters normalized: over both min_chars (20); scores 4 (t.lure)
LURE = "I won the jackpot at the casino last night"


def write_rules(directory, history=FULL_HISTORY):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "00-thresholds.yaml"), "w") as f:
        f.write(THRESHOLDS % history)
    with open(os.path.join(directory, "10-rules.yaml"), "w") as f:
        f.write(RULES)
    return directory


def start(redis, start_modgate, workdir, history=FULL_HISTORY, config=None):
    rules = write_rules(os.path.join(workdir, "rules"), history)
    m = start_modgate(redis.url, args=("--rules", rules), config=config)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    m.rules_dir = rules
    return m


@pytest.fixture
def hist_server(redis, start_modgate, workdir):
    return start(redis, start_modgate, workdir)


def payload(body, author_id=None, **extra):
    p = {"article_id": "a-hist", "body": body}
    if author_id is not None:
        p["author_id"] = author_id
    p.update(extra)
    return p


def check(server, body, author_id=None, **extra):
    r = server.post("/v1/check", token=SITE_TOKEN,
                    headers={"Content-Type": "application/json"},
                    data=json.dumps(payload(body, author_id, **extra)).encode())
    assert r.status_code == 200, r.text
    return r.json()


def submit(server, body, author_id):
    return post_comment(server, payload(body, author_id))


def rule_ids(out):
    return [m["rule"] for m in out["matches"]]


def history_match(rule, action, reason):
    return {"rule": rule, "score": 0.0, "action": action, "reason": reason, "span": None}


def snapshot(redis):
    """Every key with its type and serialized value: equal snapshots mean
    nothing was written (TTLs are left out: they run down by themselves)."""
    r = redislib.Redis(host="127.0.0.1", port=redis.port)
    try:
        return {k: (r.type(k), r.dump(k)) for k in r.keys("*")}
    finally:
        r.close()


def not_applied(*pairs):
    return [{"rule": rule, "reason": reason} for rule, reason in pairs]


# ---- the three rules, as a submission would apply them ----------------------

def test_new_commenter_is_held_by_check_which_writes_nothing(hist_server, redis):
    # something stored already, so that "nothing written" is not "still empty"
    created(submit(hist_server, "An ordinary remark on the article", "u-other"))
    before = snapshot(redis)
    assert before, "the submission above stored keys"
    out = check(hist_server, LURE, author_id="u-new")
    # the rules alone publish (score 4 < hold 5), but the author has no
    # published comment (fewer than published_below 2) and the score reached
    # min_score 4: held, as a submission would be
    assert out["verdict"] == "hold"
    assert out["score"] == 4
    assert rule_ids(out) == ["t.lure", "history.new_commenter"]
    assert out["matches"][1] == history_match("history.new_commenter", "hold",
                                              NEW_COMMENTER_REASON)
    assert out["history"] == {"applied": ALL, "not_applied": []}
    for _ in range(5):
        assert check(hist_server, LURE, author_id="u-new") == out
    assert snapshot(redis) == before

    # the submission agrees, match for match
    r = submit(hist_server, LURE, "u-new")
    assert r.status_code == 202, r.text
    assert r.json()["matches"] == out["matches"]


def test_checks_use_no_rate_limit(redis, start_modgate, workdir):
    # two comments an hour per author: checks must not count
    m = start(redis, start_modgate, workdir,
              config="rate_limits:\n  author:\n    - {count: 2, period_s: 3600}\n")
    for _ in range(6):
        out = check(m, "Plain words about the council meeting", author_id="u-rl")
        assert out["verdict"] == "publish"
        assert out["history"]["applied"] == ALL
    assert created(submit(m, "First plain comment about the meeting", "u-rl"))
    assert created(submit(m, "Second plain comment about the meeting", "u-rl"))
    # the limiter does work: the third is refused
    problem(submit(m, "Third plain comment about the meeting", "u-rl"), 429, "rate_limited")
    # and a check still answers, refusing nothing
    assert check(m, "Fourth plain comment about the meeting", author_id="u-rl")[
        "verdict"] == "publish"


def test_an_author_with_enough_published_comments_is_not_new(hist_server):
    assert check(hist_server, LURE, author_id="u-known")["verdict"] == "hold"
    # published_below 2: two published comments make the author known
    for n in range(2):
        created(submit(hist_server, "Sensible comment number %d on the budget" % n,
                       "u-known"))
    out = check(hist_server, LURE, author_id="u-known")
    assert out["verdict"] == "publish"
    assert rule_ids(out) == ["t.lure"]
    assert out["history"] == {"applied": ALL, "not_applied": []}
    # one published comment is not enough
    created(submit(hist_server, "Only one comment from this reader so far", "u-once"))
    assert check(hist_server, LURE, author_id="u-once")["verdict"] == "hold"


def test_a_comment_under_min_score_is_not_held_as_new(hist_server):
    # no rule scores: a new commenter's plain comment publishes
    out = check(hist_server, "The mayor spoke for an hour about roads", author_id="u-plain")
    assert out["verdict"] == "publish" and out["matches"] == []
    assert out["history"] == {"applied": ALL, "not_applied": []}


def test_duplicate_by_the_same_author_is_rejected(hist_server):
    text = "The council approved the new budget today"
    created(submit(hist_server, text, "u-dup"))
    # the same normalized text: case and punctuation do not matter
    again = "the COUNCIL approved the new budget today!!"
    out = check(hist_server, again, author_id="u-dup")
    assert out["verdict"] == "reject"
    assert out["matches"] == [history_match(
        "history.duplicate", "reject", "the same comment from the same author again")]
    # a submission checks no further once rejected
    assert out["history"] == {
        "applied": ["history.duplicate"],
        "not_applied": not_applied(("history.campaign", "the verdict is already reject"),
                                   ("history.new_commenter",
                                    "the verdict is already reject"))}
    p = problem(submit(hist_server, again, "u-dup"), 422, "rejected")
    assert p["matches"] == out["matches"]
    # another author may say it (two authors are not yet a campaign of 3)
    other = check(hist_server, text, author_id="u-dup-other")
    assert other["verdict"] == "publish" and other["matches"] == []


def test_campaign_from_several_authors_is_held(hist_server):
    text = "Everyone must read the truth about this war now"
    for n in range(2):
        created(submit(hist_server, text, "u-camp-%d" % n))
    out = check(hist_server, text, author_id="u-camp-2")
    # the third distinct author in the window: held
    assert out["verdict"] == "hold"
    assert out["matches"] == [history_match(
        "history.campaign", "hold",
        "the same comment from several authors (copy and paste)")]
    assert out["history"] == {
        "applied": ["history.duplicate", "history.campaign"],
        "not_applied": not_applied(("history.new_commenter",
                                    "the verdict is already hold"))}
    r = submit(hist_server, text, "u-camp-2")
    assert r.status_code == 202, r.text
    assert r.json()["matches"] == out["matches"]


def test_campaign_counts_other_authors_not_the_same_one_again(redis, start_modgate, workdir):
    # campaign alone (no duplicate rule): an author repeating a text is one
    # author of it, however often; submit.lua reads the window's first
    # `authors` members and leaves this author out of them
    server = start(redis, start_modgate, workdir,
                   history="history:\n  campaign: {window: 10m, authors: 3, min_chars: 20}\n")
    text = "Everyone must read the truth about this war now"
    # "!" makes other bytes (not an idempotent repeat) of the same
    # normalized text
    assert submit(server, text, "u-a").status_code == 201
    assert submit(server, text, "u-b").status_code == 201
    # u-a again: the others are u-b alone, so two authors, not three
    assert submit(server, text + "!", "u-a").status_code == 201
    for author in ("u-c", "u-d"):
        # the third author, and a fourth past the members read
        r = submit(server, text, author)
        assert r.status_code == 202, r.text
        assert "history.campaign" in rule_ids(r.json())


def test_published_count_is_the_key_older_modgates_increment(hist_server, redis):
    # hist:pub:AUTHOR is a string count with a year's expiry that every
    # modgate sharing a Redis (a rolling restart) reads and writes alike: a
    # count written by raw commands, as submit.lua writes it, goes on from
    # where it was, and a submission leaves the same key
    redis.cli("INCR", "mg:hist:pub:u-count")
    redis.cli("INCR", "mg:hist:pub:u-count")
    redis.cli("EXPIRE", "mg:hist:pub:u-count", "100")
    created(submit(hist_server, "A first remark about the budget debate", "u-count"))
    assert redis.cli("GET", "mg:hist:pub:u-count").strip() == "3"
    assert 31536000 - 60 < int(redis.cli("TTL", "mg:hist:pub:u-count")) <= 31536000
    # a new author's count starts at 1; a held comment does not count
    created(submit(hist_server, "A remark from a reader seen for the first time", "u-fresh"))
    assert redis.cli("GET", "mg:hist:pub:u-fresh").strip() == "1"
    r = submit(hist_server, "Another remark, this one with a holdword in it", "u-fresh")
    assert r.status_code == 202, r.text
    assert redis.cli("GET", "mg:hist:pub:u-fresh").strip() == "1"


def test_short_text_is_left_to_the_other_rules(hist_server):
    # "jackpot now" is 11 characters normalized: under both min_chars (20)
    created(submit(hist_server, "nothing to see", "u-short"))
    out = check(hist_server, "Jackpot now", author_id="u-short")
    reason = "the normalized text has 11 characters, fewer than min_chars (20)"
    assert out["history"] == {
        "applied": ["history.new_commenter"],
        "not_applied": not_applied(("history.duplicate", reason),
                                   ("history.campaign", reason))}
    assert out["verdict"] == "hold" and rule_ids(out) == ["t.lure", "history.new_commenter"]


def test_a_verdict_the_rules_reject_or_hold_checks_less(hist_server):
    out = check(hist_server, "You are a zzslur and everyone knows it", author_id="u-rej")
    assert out["verdict"] == "reject" and rule_ids(out) == ["t.slur"]
    assert out["history"] == {
        "applied": [],
        "not_applied": not_applied(*[(r, "the verdict is already reject") for r in ALL])}
    out = check(hist_server, "This holdword comment waits for a moderator",
                author_id="u-held")
    assert out["verdict"] == "hold" and rule_ids(out) == ["t.hold"]
    assert out["history"] == {
        "applied": ["history.duplicate"],
        "not_applied": not_applied(("history.campaign", "the verdict is already hold"),
                                   ("history.new_commenter",
                                    "the verdict is already hold"))}


# ---- when history cannot be applied ----------------------------------------

def test_without_author_id_history_is_not_applied(hist_server, redis):
    before = snapshot(redis)
    for extra in ({}, {"author_id": None}):
        r = hist_server.post("/v1/check", token=SITE_TOKEN,
                             headers={"Content-Type": "application/json"},
                             data=json.dumps(dict(payload(LURE), **extra)).encode())
        assert r.status_code == 200, r.text
        out = r.json()
        # the rules' own verdict: publish (4 < 5); no history rule said hold
        assert out["verdict"] == "publish" and rule_ids(out) == ["t.lure"]
        assert out["history"] == {
            "applied": [],
            "not_applied": not_applied(*[(r, "no author_id given") for r in ALL])}
    assert snapshot(redis) == before
    # a submission still needs one
    r = post_comment(hist_server, payload(LURE))
    p = problem(r, 400, "invalid_request")
    assert p["field"] == "author_id"
    # and a wrong one is refused by check too: a wrong type is told that
    # null is allowed there; 128 characters are an id, 129 are not
    for bad, says in (("has space", "printable"), ("", "printable"), ("x" * 129, "printable"),
                      (123, "string or null"), ([], "string or null"),
                      ({}, "string or null"), (False, "string or null")):
        r = hist_server.post("/v1/check", token=SITE_TOKEN,
                             headers={"Content-Type": "application/json"},
                             data=json.dumps(payload(LURE, author_id=bad)).encode())
        p = problem(r, 400, "invalid_request")
        assert p["field"] == "author_id" and says in p["detail"], (bad, p)
    assert check(hist_server, LURE, author_id="x" * 128)["history"]["applied"]


def test_redis_down_still_answers_with_the_rules_verdict(hist_server, redis):
    redis.stop()
    wait_until(lambda: hist_server.get("/readyz").status_code == 503, timeout=10)
    out = check(hist_server, LURE, author_id="u-down")
    assert out["verdict"] == "publish" and rule_ids(out) == ["t.lure"]
    assert out["history"] == {
        "applied": [],
        "not_applied": not_applied(*[(r, "Redis unavailable") for r in ALL])}
    # a submission cannot be stored meanwhile
    assert submit(hist_server, LURE, "u-down").status_code == 503


def test_redis_that_does_not_answer_still_gets_an_answer(hist_server, redis):
    # a hung Redis (stopped, not gone): the check waits for the store's
    # deadline (redis.timeout_ms, 1 s by default), then answers as above
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        out = check(hist_server, LURE, author_id="u-hung")
        assert time.monotonic() - started < 5
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    assert out["verdict"] == "publish" and rule_ids(out) == ["t.lure"]
    assert out["history"] == {
        "applied": [],
        "not_applied": not_applied(*[(r, "Redis unavailable") for r in ALL])}
    # once Redis answers again, so does the history
    wait_until(lambda: hist_server.get("/readyz").status_code == 200, timeout=10)
    assert check(hist_server, LURE, author_id="u-hung")["history"]["applied"] == ALL


def test_rules_the_set_does_not_configure(hist_server):
    # only the duplicate rule: the other two are in neither list
    write_rules(hist_server.rules_dir, "history:\n  duplicate: {window: 1h}\n")
    assert hist_server.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    out = check(hist_server, LURE, author_id="u-cfg")
    assert out["history"] == {"applied": ["history.duplicate"], "not_applied": []}
    assert out["verdict"] == "publish"
    # no history at all: all three, not applied, and why
    write_rules(hist_server.rules_dir, "")
    assert hist_server.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    out = check(hist_server, LURE, author_id="u-cfg")
    assert out["history"] == {
        "applied": [],
        "not_applied": not_applied(*[(r, "the rule set has no history rules")
                                     for r in ALL])}


# ---- modctl check --author ---------------------------------------------------

def modctl(server, *args):
    return subprocess.run([MODCTL, "--url", server.base, "--token", SITE_TOKEN] + list(args),
                          capture_output=True, text=True, timeout=20)


def test_modctl_check_with_and_without_author(hist_server):
    r = modctl(hist_server, "check", LURE, "--author", "u-cli")
    assert r.returncode == 0, r.stderr
    assert "verdict: hold" in r.stdout
    assert "history.new_commenter" in r.stdout and NEW_COMMENTER_REASON in r.stdout
    assert ("history applied: history.duplicate history.campaign "
            "history.new_commenter\n") in r.stdout
    assert "history not applied" not in r.stdout

    # --author-id is the same option
    alias = modctl(hist_server, "check", LURE, "--author-id", "u-cli")
    assert alias.returncode == 0 and alias.stdout == r.stdout

    # without --author no author is sent: history is not applied
    r = modctl(hist_server, "check", LURE)
    assert r.returncode == 0, r.stderr
    assert "verdict: publish" in r.stdout
    assert "history applied: none\n" in r.stdout
    for rule in ALL:
        assert "history not applied: %s (no author_id given)\n" % rule in r.stdout

    # --json prints the server's answer
    j = modctl(hist_server, "--json", "check", LURE, "--author", "u-cli")
    assert j.returncode == 0
    out = json.loads(j.stdout)
    assert out["verdict"] == "hold"
    assert out["history"] == {"applied": ALL, "not_applied": []}
