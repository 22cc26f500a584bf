"""The rules engine through the server: verdicts on submissions (201, 202,
422 with matches), POST /v1/check, the shipped starter set against the seed
article, reloading (SIGHUP and POST /v1/rules/reload, broken sets, reload
under load), /metrics and /readyz, and `modctl rules lint` / `modctl check`
against a real server."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import (MOD_TOKEN, MODCTL, MODGATE, ROOT, SITE_TOKEN, created, metric,
                      parse_metrics, post_comment, problem, wait_until)

RULES = os.path.join(ROOT, "rules")
SEEDS = os.path.join(ROOT, "tests", "data", "news")  # news text written for the project


def comment(body, **extra):
    payload = {"article_id": "a-1", "author_id": "u-%d" % (hash(body) % 10**9),
               "body": body}
    payload.update(extra)
    return payload


def check(server, body, **extra):
    r = server.post("/v1/check", token=SITE_TOKEN,
                    headers={"Content-Type": "application/json"},
                    data=json.dumps(comment(body, **extra)).encode())
    assert r.status_code == 200, r.text
    return r.json()


def modctl(*args, env=None, timeout=20):
    return subprocess.run([MODCTL] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


def copy_rules(workdir):
    dest = os.path.join(workdir, "rules")
    shutil.copytree(RULES, dest)
    return dest


@pytest.fixture
def rules_server(redis, start_modgate, workdir):
    """A modgate judging with a copy of the shipped rules (free to edit)."""
    rules = copy_rules(workdir)
    m = start_modgate(redis.url, args=("--rules", rules))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    m.rules_dir = rules
    return m


def rule_ids(body):
    return [m["rule"] for m in body["matches"]]


def test_verdicts_on_submissions(rules_server, redis):
    # an innocent comment is published and signed
    rec = created(post_comment(rules_server, comment("Kim Jong Un sent troops to Kursk.")))
    assert rec["status"] == "published" and rec["matches"] == []
    assert re.fullmatch(r"r-[0-9a-f]{12}", rec["rules_version"])

    # an insult holds it: 202, pending, unsigned, with the match and its span
    body = "what a stupid idea"
    r = post_comment(rules_server, comment(body))
    assert r.status_code == 202, r.text
    held = r.json()
    assert held["status"] == "pending" and held.get("signature") is None
    match = [m for m in held["matches"] if m["rule"] == "abuse.insult"][0]
    assert match["score"] > 0 and held["score"] == sum(m["score"] for m in held["matches"])
    assert body[match["span"][0]:match["span"][1]] == "stupid"

    # a slur, evaded, is rejected: 422 with id, score and matches; kept
    body = "you are a f4gg0t"
    p = problem(post_comment(rules_server, comment(body)), 422, "rejected")
    slur = [m for m in p["matches"] if m["rule"] == "abuse.slur"][0]
    assert body[slur["span"][0]:slur["span"][1]] == "f4gg0t"
    assert p["score"] >= 10
    stored = rules_server.get("/v1/comments/" + p["id"], token=SITE_TOKEN).json()
    assert stored["status"] == "rejected"
    assert stored["rules_version"] == rec["rules_version"]


def test_check_judges_without_storing_or_limiting(rules_server, redis):
    keys_before = redis.cli("DBSIZE").strip()
    # more than the author's burst of 10: /v1/check uses no rate limit
    for _ in range(15):
        out = check(rules_server, "Get FR33 m0ney: c l i c k here bit.ly/x",
                    author_id="u-same")
    # spam wording with a shortened link: held or rejected, never published
    assert out["verdict"] in ("hold", "reject"), out
    assert out["score"] == sum(m["score"] for m in out["matches"]) >= 5
    assert out["normalized"].startswith("get fr33 m0ney click here ")
    assert {"links.shortener", "spam.phrase"} <= set(rule_ids(out))
    assert re.fullmatch(r"r-[0-9a-f]{12}", out["rules_version"])
    assert redis.cli("DBSIZE").strip() == keys_before
    # the same validation as a submission
    r = rules_server.post("/v1/check", token=SITE_TOKEN,
                          headers={"Content-Type": "application/json"},
                          data=json.dumps({"article_id": "a", "author_id": "u"}).encode())
    problem(r, 400, "invalid_request")
    r = rules_server.post("/v1/check", token=SITE_TOKEN,
                          headers={"Content-Type": "application/json"},
                          data=json.dumps(comment("x" * 301)).encode())
    problem(r, 422, "too_long")
    # moderators may use it too; no token may not
    r = rules_server.post("/v1/check", token=MOD_TOKEN,
                          headers={"Content-Type": "application/json"},
                          data=json.dumps(comment("hello")).encode())
    assert r.status_code == 200 and r.json()["verdict"] == "publish"
    r = rules_server.post("/v1/check", headers={"Content-Type": "application/json"},
                          data=json.dumps(comment("hello")).encode())
    problem(r, 401, "unauthorized")


def seed_sentences():
    """Every sentence of the news text in tests/data/news, cut to the 300-character box at
    word boundaries."""
    out = []
    for path in sorted(glob.glob(os.path.join(SEEDS, "*.txt"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for para in text.split("\n"):
            for sentence in re.split(r"(?<=[.!?])\s+", para.strip()):
                while sentence:
                    if len(sentence) <= 300:
                        out.append(sentence)
                        break
                    cut = sentence.rfind(" ", 0, 300)
                    out.append(sentence[:cut])
                    sentence = sentence[cut + 1:]
    return [s for s in out if s.strip()]


def test_seed_article_sentences_all_publish(rules_server):
    sentences = seed_sentences()
    assert len(sentences) > 30
    flagged = []
    for s in sentences:
        out = check(rules_server, s)
        if out["verdict"] != "publish":
            flagged.append((s, out["verdict"], rule_ids(out)))
    assert flagged == []


def test_seed_article_sentences_publish_as_comments_of_new_readers(rules_server):
    # posted for real, each by a reader with no comment yet: the history
    # rule for new commenters holds one when any scoring rule fires, so
    # none may score at all
    for n, s in enumerate(seed_sentences()):
        r = post_comment(rules_server, comment(s, author_id="u-seed-%d" % n,
                                               article_id="seed-%d" % (n % 5)))
        assert r.status_code == 201, (s, r.text)
        assert r.json()["matches"] == [], (s, r.json()["matches"])


def test_moderator_adds_a_phrase_lints_reloads_and_it_catches_evasions(rules_server):
    """The issue's done-criterion, step by step."""
    server = rules_server
    before = check(server, "buy cheap rolex now")["rules_version"]
    with open(os.path.join(server.rules_dir, "lists", "banned-en.txt"), "a") as f:
        f.write("cheap rolex\n")
    lint = modctl("rules", "lint", server.rules_dir)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert re.search(r"\d+ rules, version r-[0-9a-f]{12}", lint.stdout)
    server.signal(signal.SIGHUP)
    wait_until(lambda: check(server, "x")["rules_version"] != before, timeout=10)
    body = "buy ch3ap  R\u043ele\u200bx now"  # leet, Cyrillic o, zero-width space
    p = problem(post_comment(server, comment(body)), 422, "rejected")
    slur = [m for m in p["matches"] if m["rule"] == "abuse.slur"]
    assert slur, p["matches"]
    start, end = slur[0]["span"]
    assert body[start:end] == "ch3ap  R\u043ele\u200bx"


def test_broken_reload_keeps_the_rules_in_force(rules_server):
    server = rules_server
    version = check(server, "x")["rules_version"]
    with open(os.path.join(server.rules_dir, "20-abuse.yaml"), "a") as f:
        f.write("  - {id: broken, reason: r, when: {regex: 'a(b'}, score: 1}\n")
    r = server.post("/v1/rules/reload", token=MOD_TOKEN)
    p = problem(r, 422, "invalid_rules")
    err = p["errors"][0]
    assert err["file"] == "20-abuse.yaml" and err["line"] > 1 and err["column"] > 1
    assert "missing closing parenthesis" in err["message"]
    # the old set still judges
    out = check(server, "you are a faggot")
    assert out["rules_version"] == version and out["verdict"] == "reject"
    # SIGHUP says the same in the log, and changes nothing either
    server.signal(signal.SIGHUP)
    wait_until(lambda: any(l.get("event") == "reload_failed" and l.get("part") == "rules"
                           and "20-abuse.yaml" in l.get("error", "")
                           for l in server.log_lines()), timeout=10)
    assert check(server, "x")["rules_version"] == version
    assert server.get("/readyz").status_code == 200
    # the site role may not reload
    problem(server.post("/v1/rules/reload", token=SITE_TOKEN), 403, "forbidden")


def test_reload_endpoint_answers_count_and_version(rules_server):
    r = rules_server.post("/v1/rules/reload", token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rule_count"] > 10
    assert body["rules_version"] == check(rules_server, "x")["rules_version"]
    rm = modctl("--url", rules_server.base, "--token", MOD_TOKEN, "rules", "reload")
    assert rm.returncode == 0, rm.stderr
    assert "rules reloaded: %d rules" % body["rule_count"] in rm.stdout


def test_reload_under_load_fails_no_request(rules_server):
    server = rules_server
    lists = os.path.join(server.rules_dir, "lists", "spam-phrases.txt")
    with open(lists) as f:
        original = f.read()
    failures, done = [], threading.Event()
    counts = {"n": 0}

    def hammer():
        while not done.is_set():
            try:
                r = server.post("/v1/check", token=SITE_TOKEN,
                                headers={"Content-Type": "application/json"},
                                data=json.dumps(comment("free money now")).encode())
                if r.status_code != 200 or "spam.phrase" not in rule_ids(r.json()):
                    failures.append((r.status_code, r.text))
                counts["n"] += 1
            except Exception as e:  # noqa: BLE001 - any failure counts
                failures.append(repr(e))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    versions = set()
    try:
        for i in range(20):
            # written whole, then renamed into place, as an operator should:
            # a reload (a SIGHUP's may still be loading) never reads a
            # half-written list
            with open(lists + ".new", "w") as f:
                f.write(original + "reload marker %d\n" % i)
            os.replace(lists + ".new", lists)
            if i % 2:
                server.signal(signal.SIGHUP)
                time.sleep(0.05)
            else:
                r = server.post("/v1/rules/reload", token=MOD_TOKEN)
                assert r.status_code == 200, r.text
                versions.add(r.json()["rules_version"])
    finally:
        done.set()
        for t in threads:
            t.join()
    assert failures == []
    assert counts["n"] > 50 and len(versions) == 10


def test_metrics_count_rule_hits_across_reloads(rules_server):
    check(rules_server, "see bit.ly/x")
    check(rules_server, "see bit.ly/y")
    m = parse_metrics(rules_server.get("/metrics").text)
    assert metric(m, "modgate_rule_hits_total", rule="links.shortener") == 2
    assert rules_server.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    check(rules_server, "see bit.ly/z")
    m = parse_metrics(rules_server.get("/metrics").text)
    assert metric(m, "modgate_rule_hits_total", rule="links.shortener") == 3
    assert metric(m, "modgate_rules_info") == 1


def test_readyz_reports_rules(rules_server):
    r = rules_server.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"redis": "up", "rules": "loaded"}


def test_broken_rules_stop_the_server_from_starting(redis, workdir, start_modgate):
    rules = copy_rules(workdir)
    with open(os.path.join(rules, "10-spam.yaml"), "a") as f:
        f.write("  - {id: x, reason: r, when: {wrods: spam-phrases}, score: 1}\n")
    m = start_modgate(redis.url, args=("--rules", rules), wait=False)
    assert m.proc.wait(timeout=10) == 2
    assert re.search(r"10-spam\.yaml:\d+:\d+: unknown condition 'wrods'", m.logs())
    cc = subprocess.run([MODGATE, "--check-config", "--rules", rules],
                        capture_output=True, text=True, timeout=10)
    assert cc.returncode == 2 and "unknown condition 'wrods'" in cc.stderr


def test_lint_reports_errors_with_places(workdir):
    rules = copy_rules(workdir)
    with open(os.path.join(rules, "lists", "profanity-en.txt"), "a") as f:
        f.write("bad*word\n")
    with open(os.path.join(rules, "30-evasion.yaml"), "a") as f:
        f.write("  - {id: evasion.zalgo, reason: dup, when: {regex: x}, score: 1}\n")
    r = modctl("rules", "lint", rules)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert any(re.match(r"lists/profanity-en\.txt:\d+:4: '\*' may only", l) for l in lines), lines
    assert any(re.match(r"30-evasion\.yaml:\d+:\d+: duplicate rule id 'evasion.zalgo'", l)
               for l in lines), lines
    j = modctl("--json", "rules", "lint", rules)
    assert j.returncode == 1
    out = json.loads(j.stdout)
    assert out["valid"] is False and len(out["errors"]) == 2
    assert modctl("rules", "lint", os.path.join(workdir, "nowhere")).returncode == 1
    assert modctl("rules", "lint").returncode == 2


def test_modctl_check_highlights_matches(rules_server):
    r = modctl("--url", rules_server.base, "--token", SITE_TOKEN, "check",
               "free money at bit.ly/abc today")
    assert r.returncode == 0, r.stderr
    assert "verdict: hold" in r.stdout
    assert re.search(r"links\.shortener\s+\+\d+\.\d\s+-\s+link through a URL shortener",
                     r.stdout)
    assert "free money at >>bit.ly/abc<< today" in r.stdout  # no TTY: no colour
    j = modctl("--url", rules_server.base, "--token", SITE_TOKEN, "--json", "check",
               "hello", "--author-name", "fuckface")
    assert j.returncode == 0
    out = json.loads(j.stdout)
    assert "author.name_profanity" in rule_ids(out) and out["verdict"] == "hold"
    bad = modctl("--url", rules_server.base, "--token", "wrong", "check", "hello")
    assert bad.returncode == 1 and "401" in bad.stderr
    down = modctl("--url", "http://127.0.0.1:1", "check", "hello")
    assert down.returncode == 2


# ---- history rules ------------------------------------------------------------

def test_duplicate_from_the_same_author_is_rejected(rules_server):
    first = created(post_comment(rules_server, comment(
        "I agree with the minister on the budget.", author_id="u-dup")))
    assert first["status"] == "published"
    # the same text after normalization: case, spacing, punctuation
    again = comment("I AGREE   with the minister on the BUDGET!!", author_id="u-dup")
    p = problem(post_comment(rules_server, again, headers={"Idempotency-Key": "k-dup"}),
                422, "rejected")
    dup = [m for m in p["matches"] if m["rule"] == "history.duplicate"]
    assert dup and dup[0]["action"] == "reject" and dup[0]["span"] is None
    stored = rules_server.get("/v1/comments/" + p["id"], token=SITE_TOKEN).json()
    assert stored["status"] == "rejected"
    assert "history.duplicate" in rule_ids(stored)
    # a retry with the same key replays the answer; nothing new is stored
    replay = post_comment(rules_server, again, headers={"Idempotency-Key": "k-dup"})
    assert replay.status_code == 422 and replay.json()["id"] == p["id"]
    # another author may say the same thing
    other = created(post_comment(rules_server, comment(
        "I agree with the minister on the budget.", author_id="u-other")))
    assert other["status"] == "published"


def test_short_texts_may_be_repeated(rules_server):
    # min_chars in rules/00-thresholds.yaml: "great article thanks" is 20
    # characters normalized, under both the duplicate's 30 and the
    # campaign's 40: said again by one reader, and by five, it publishes
    for n in range(5):
        for _ in range(2):
            r = post_comment(rules_server, comment("Great article, thanks!",
                                                   author_id="u-short-%d" % n))
            assert r.status_code == 201, r.text
    # the duplicate's min_chars (30) counts the normalized text, and is
    # inclusive: 29 characters may be repeated, 30 may not
    for text, author in (("The quick brown fox jumped on!", "u-29"),
                         ("The QUICK brown fox, jumps over", "u-30")):
        assert created(post_comment(rules_server, comment(text, author_id=author)))
    assert post_comment(rules_server, comment("The quick brown fox jumped on!",
                                              author_id="u-29")).status_code == 201
    problem(post_comment(rules_server, comment("the quick brown fox jumps over",
                                               author_id="u-30")), 422, "rejected")
    # 35 characters: a copy by its author is rejected (in other bytes: the
    # same bytes again are a repeat, answered as the first), and three
    # authors are not yet a campaign
    text = "I think the minister is quite right"
    assert created(post_comment(rules_server, comment(text, author_id="u-mid-0")))
    problem(post_comment(rules_server, comment(text + "!", author_id="u-mid-0")),
            422, "rejected")
    for n in (1, 2, 3):
        assert post_comment(rules_server, comment(text, author_id="u-mid-%d" % n)
                            ).status_code == 201


def test_copy_paste_campaign_is_held(rules_server):
    text = "Everyone should read the truth about this war before judging"
    outcomes = []
    for n in range(4):
        r = post_comment(rules_server, comment(text, author_id="u-camp-%d" % n))
        outcomes.append((r.status_code, rule_ids(r.json())))
    assert [o[0] for o in outcomes] == [201, 201, 202, 202]
    assert "history.campaign" in outcomes[2][1]


def test_new_commenter_is_held_from_min_score_until_they_have_published(rules_server):
    # two rules of known scores beside the shipped ones, whose
    # new_commenter has published_below 3 and min_score 4
    with open(os.path.join(rules_server.rules_dir, "90-test.yaml"), "w") as f:
        f.write("rules:\n"
                "  - {id: test.four, reason: four, when: {regex: tangerine}, score: 4}\n"
                "  - {id: test.three, reason: three, when: {regex: clementine}, score: 3}\n")
    assert rules_server.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    # under min_score: a new reader's comment publishes, and so does a link
    # to a news site, which scores nothing
    for text in ("A clementine of a remark.",
                 "Background: https://www.reuters.com/world/report"):
        rec = created(post_comment(rules_server, comment(text, author_id="u-new")))
        assert rec["status"] == "published", rec
        assert "history.new_commenter" not in rule_ids(rec)
    # at min_score: held, while the author has fewer than 3 published
    r = post_comment(rules_server, comment("A tangerine of a remark.", author_id="u-new"))
    assert r.status_code == 202, r.text
    assert "history.new_commenter" in rule_ids(r.json())
    created(post_comment(rules_server, comment("Thoughtful remark.", author_id="u-new")))
    rec = created(post_comment(rules_server, comment("A tangerine again.",
                                                      author_id="u-new")))
    assert rec["status"] == "published" and rule_ids(rec) == ["test.four"]


def test_check_applies_history_given_the_author(rules_server):
    # the shipped duplicate rule (min_chars 30): a check of the author's
    # own published text again says reject, as its submission would be;
    # tests/integration/test_check_history.py has the rest
    text = "I agree with the minister on the budget."
    created(post_comment(rules_server, comment(text, author_id="u-chk")))
    out = check(rules_server, text, author_id="u-chk")
    assert out["verdict"] == "reject"
    assert "history.duplicate" in rule_ids(out)
    assert "history.duplicate" in out["history"]["applied"]


def test_without_a_rules_directory_everything_publishes(server):
    """No `rules` setting: the empty set, ready, and a reload is a no-op."""
    assert server.get("/readyz").json()["checks"]["rules"] == "loaded"
    r = server.post("/v1/rules/reload", token=MOD_TOKEN)
    assert r.status_code == 200
    assert r.json() == {"rule_count": 0, "rules_version": "r-e3b0c44298fc"}
    out = check(server, "you are a faggot, visit bit.ly/x")
    assert out["verdict"] == "publish" and out["matches"] == []
    assert out["rules_version"] == "r-e3b0c44298fc"


def test_reload_after_the_directory_is_gone_keeps_the_rules(rules_server):
    version = check(rules_server, "x")["rules_version"]
    shutil.rmtree(rules_server.rules_dir)
    p = problem(rules_server.post("/v1/rules/reload", token=MOD_TOKEN), 422, "invalid_rules")
    assert p["errors"][0]["file"] == rules_server.rules_dir
    assert "cannot open the rules directory" in p["errors"][0]["message"]
    out = check(rules_server, "see bit.ly/x")
    assert out["rules_version"] == version and "links.shortener" in rule_ids(out)


def test_modctl_usage_errors_exit_2(rules_server):
    base = ("--url", rules_server.base, "--token", SITE_TOKEN)
    for args in (("check",), ("check", "hi", "--author-name"), ("check", "a", "b"),
                 ("rules",), ("rules", "frobnicate"), ("rules", "reload", "extra"),
                 ("rules", "lint", "a", "b")):
        r = modctl(*(base + args))
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "usage" in r.stderr or "needs a value" in r.stderr or "unexpected" in r.stderr, args
    for args in (("check", "--help"), ("rules", "lint", "--help"), ("rules", "reload", "--help")):
        r = modctl(*args)
        assert r.returncode == 0 and "usage: modctl" in r.stdout, args
