"""`modctl decisions export` against a real modgate and Redis with the
shipped rules: the moderators' decisions (approvals, rejections with and
without reasons, a removal, dismissed reports, changes of mind) come out
as dev.csv's columns, labeled by reason, then by rule family, then abuse;
comments gone, deleted, erased or no longer as decided are skipped and
counted; --since leaves older decisions out and --until later ones; bodies with commas, quotes,
newlines and Korean round-trip through Python's csv module; --out is
written whole or not at all; errors exit as other commands do."""
import csv
import io
import itertools
import json
import os
import subprocess
import time

import pytest

from conftest import MOD_TOKEN, MODCTL, ROOT, SITE_TOKEN, post_comment, wait_until

_seq = itertools.count(1)
PRE = "art-pre"  # pre-moderated: whatever the rules would publish is held
TRICKY = 'He said "hi, there"\r\nand left,\nthen """nothing""".\n안녕하세요, 반갑습니다 \U0001F600'
SUMMARY = ("exported %d decisions (%d ham, %d spam, %d abuse); "
           "skipped %d (%d gone, %d deleted, %d changed since)\n")


@pytest.fixture
def server(redis, start_modgate):
    m = start_modgate(redis.url, args=("--rules", os.path.join(ROOT, "rules")),
                      config="reports:\n  hold_threshold: 2\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    r = m.put("/v1/articles/%s/settings" % PRE, token=MOD_TOKEN,
              json={"mode": "premoderated"})
    assert r.status_code == 200, r.text
    return m


def run(server, *args, token=MOD_TOKEN, url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    cmd = [MODCTL, "--url", url or server.base, "--token", token]
    return subprocess.run(cmd + list(args), capture_output=True, timeout=60, env=env)


def post(server, body, article=PRE, author=None, status=None):
    """A comment; returns its record (or the 422's problem for a rejection)."""
    n = next(_seq)
    r = post_comment(server, {"article_id": article, "author_id": author or "u-%d" % n,
                              "body": body})
    assert r.status_code in (201, 202, 422), r.text
    record = r.json()
    if status:
        got = "rejected" if record.get("code") == "rejected" else record.get("status")
        assert got == status, record
    return record


def decide(server, verb, cid, reason=None):
    r = server.post("/v1/comments/%s/%s" % (cid, verb), token=MOD_TOKEN,
                    json={"reason": reason} if reason else None)
    assert r.status_code == 200, r.text
    return r.json()


def export(server, *args):
    """The CSV rows as dicts, and stderr; the header checked byte for byte."""
    r = run(server, "decisions", "export", *args)
    assert r.returncode == 0, r.stderr.decode()
    text = r.stdout.decode("utf-8")
    assert text.startswith("id,source,label,text\r\n"), text[:80]
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert all(row["source"] == "site" for row in rows), rows
    return rows, r.stderr.decode()


def test_export_labels_skips_and_round_trips(server, redis):
    label = {}  # comment id -> the label expected
    body = {}
    # approved: ham, the text exactly as the reader wrote it
    c = post(server, TRICKY, status="pending")
    decide(server, "approve", c["id"])
    label[c["id"]], body[c["id"]] = "ham", TRICKY
    # reported, kept up (dismiss_reports): ham
    c = post(server, "A fine comment, number %d." % next(_seq), article="art-open",
             status="published")
    assert server.post("/v1/comments/%s/reports" % c["id"], token=SITE_TOKEN,
                       json={"reporter_id": "r-1", "reason": "spam"}).status_code == 201
    decide(server, "approve", c["id"])
    label[c["id"]] = "ham"
    # by reason, whatever the rules say
    c = post(server, "Thanks for the article, number %d." % next(_seq), status="pending")
    decide(server, "reject", c["id"], reason="Spam, obviously")
    label[c["id"]] = "spam"
    c = post(server, "you are a stupid idiot and a moron, %d" % next(_seq),
             status="rejected")
    decide(server, "approve", c["id"])
    decide(server, "reject", c["id"], reason="promo LINK")  # spam, not the rules' abuse
    label[c["id"]] = "spam"
    c = post(server, "Nobody asked you, number %d." % next(_seq), status="pending")
    decide(server, "reject", c["id"], reason="trolling")
    label[c["id"]] = "abuse"
    # by the family of the highest-scoring rule: threat.direct, held by the rules
    c = post(server, "I will kill you and your family %d" % next(_seq), article="art-open",
             status="pending")
    decide(server, "reject", c["id"])
    label[c["id"]] = "abuse"
    # a change of mind: approved, then removed; one row, lure.phish (5) ranks first
    c = post(server, "Congratulations! You have won a $1000 prize. Call 09061701461 to "
             "claim now %d" % next(_seq), status="rejected")
    decide(server, "approve", c["id"], reason="looks fine")
    decide(server, "reject", c["id"])
    label[c["id"]] = "spam"
    # a reason without a keyword falls through to the rules (abuse.insult)
    c = post(server, "you are a stupid idiot, number %d" % next(_seq), status="rejected")
    decide(server, "approve", c["id"])
    decide(server, "reject", c["id"], reason="see thread")
    label[c["id"]] = "abuse"
    # the removal of a published comment, with a reason
    c = post(server, "Great reporting, thanks %d." % next(_seq), article="art-open",
             status="published")
    assert decide(server, "reject", c["id"], reason="harassment of another reader")[
        "status"] == "removed"
    label[c["id"]] = "abuse"
    # no reason, no rule but article.premoderated (score 0): abuse
    c = post(server, "Interesting point number %d." % next(_seq), status="pending")
    decide(server, "reject", c["id"])
    label[c["id"]] = "abuse"
    # skipped: deleted by its author, erased with its author, gone, held by reports
    c = post(server, "Deleted later %d." % next(_seq), author="u-del", status="pending")
    decide(server, "approve", c["id"])
    assert server.delete("/v1/comments/%s?author_id=u-del" % c["id"],
                         token=SITE_TOKEN).status_code in (200, 204)
    c = post(server, "Erased later %d." % next(_seq), author="u-erased", status="pending")
    decide(server, "reject", c["id"], reason="spam")
    assert server.delete("/v1/authors/u-erased", token=MOD_TOKEN).status_code == 200
    gone = post(server, "Expired %d." % next(_seq), status="pending")
    decide(server, "reject", gone["id"])
    redis.cli("DEL", "mg:c:" + gone["id"])  # what 14 days of retention do
    c = post(server, "Held by readers %d." % next(_seq), status="pending")
    decide(server, "approve", c["id"])
    for reporter in ("r-2", "r-3"):
        assert server.post("/v1/comments/%s/reports" % c["id"], token=SITE_TOKEN,
                           json={"reporter_id": reporter, "reason": "abuse"}
                           ).status_code == 201
    assert server.get("/v1/comments/" + c["id"], token=MOD_TOKEN).json()["status"] == "pending"

    rows, err = export(server)
    got = {row["id"]: row["label"] for row in rows}
    assert got == label, (got, label)
    assert len(rows) == len(label)  # one row per comment, the newest decision
    texts = {row["id"]: row["text"] for row in rows}
    for cid, text in body.items():
        assert texts[cid] == text
    assert err == SUMMARY % (10, 2, 3, 5, 4, 1, 2, 1), err
    # the erased author's text is nowhere
    raw = run(server, "decisions", "export").stdout.decode()
    assert "Erased later" not in raw and "Deleted later" not in raw


def test_since_leaves_older_decisions_out(server):
    old = post(server, "Old one %d." % next(_seq), status="pending")
    decide(server, "reject", old["id"], reason="spam")
    at = server.get("/v1/audit", token=MOD_TOKEN).json()["entries"][0]["at"]
    time.sleep(0.05)
    new = post(server, "New one %d." % next(_seq), status="pending")
    decide(server, "approve", new["id"])
    # the time of the old decision plus a millisecond
    since = at[:-4] + "%03dZ" % (int(at[-4:-1]) + 1) if at[-4:-1] != "999" else None
    if since is None:
        pytest.skip("the decision fell on a second's last millisecond")
    rows, err = export(server, "--since", since)
    assert [r["id"] for r in rows] == [new["id"]] and rows[0]["label"] == "ham"
    assert err.startswith("exported 1 decisions (1 ham, 0 spam, 0 abuse); skipped 0"), err
    rows, _ = export(server, "--since", at)  # inclusive
    assert [r["id"] for r in rows] == [new["id"], old["id"]]
    rows, _ = export(server, "--since", "1h")
    assert len(rows) == 2
    rows, _ = export(server, "--since", "2030-01-01T00:00:00+09:00")
    assert rows == []
    for bad in ("yesterday", "2w", "0s", "2026-13-01T00:00:00Z", ""):
        r = run(server, "decisions", "export", "--since", bad)
        assert r.returncode == 2 and r.stdout == b"", (bad, r)
        first = r.stderr.decode().splitlines()[0]
        assert first.startswith("modctl decisions export: --since"), (bad, first)
    # --until: later decisions are left out, as if not taken yet (inclusive)
    rows, _ = export(server, "--until", at)
    assert [r["id"] for r in rows] == [old["id"]] and rows[0]["label"] == "spam"
    rows, _ = export(server, "--since", at, "--until", since)
    assert [r["id"] for r in rows] == [old["id"]]
    rows, _ = export(server, "--until", "1h")  # until an hour ago: nothing yet
    assert rows == []
    r = run(server, "decisions", "export", "--until", "tomorrow")
    assert r.returncode == 2 and r.stderr.decode().startswith(
        "modctl decisions export: --until"), r


def test_out_is_whole_or_nothing(server, workdir):
    c = post(server, "Kept, with a comma, %d." % next(_seq), status="pending")
    decide(server, "approve", c["id"])
    out = os.path.join(workdir, "site.csv")
    r = run(server, "decisions", "export", "--out", out)
    assert r.returncode == 0 and r.stdout == b"", r
    with open(out, "rb") as f:
        assert f.read() == run(server, "decisions", "export").stdout
    assert sorted(os.listdir(workdir)).count("site.csv") == 1
    assert not [n for n in os.listdir(workdir) if n.startswith(".site.csv.")]
    # a directory that does not exist, a parent that is a file, a directory
    # in the file's place: an error, no file, no temporary file left behind
    for bad in (os.path.join(workdir, "nope", "x.csv"), os.path.join(out, "x.csv"),
                workdir):
        r = run(server, "decisions", "export", "-o", bad)
        assert r.returncode == 1 and r.stdout == b"", (bad, r)
        assert ("cannot write %s" % bad) in r.stderr.decode(), r.stderr
        assert not os.path.exists(bad) or os.path.isdir(bad)
    assert not [n for n in os.listdir(workdir) if n.startswith(".")]
    # modgate unreachable: exit 2, the file left as it was
    with open(out, "w") as f:
        f.write("before\n")
    r = run(server, "decisions", "export", "--out", out, url="http://127.0.0.1:9")
    assert r.returncode == 2 and b"127.0.0.1:9" in r.stderr, r
    with open(out) as f:
        assert f.read() == "before\n"
    assert not [n for n in os.listdir(workdir) if n.startswith(".site.csv.")]


def test_refused_tokens(server):
    r = run(server, "decisions", "export", token="wrong-token-0123456789")
    assert r.returncode == 1 and b"401 unauthorized" in r.stderr and r.stdout == b"", r
    r = run(server, "decisions", "export", token=SITE_TOKEN)
    assert r.returncode == 1 and b"403 forbidden" in r.stderr and r.stdout == b"", r


def test_every_page_of_the_audit_log(server):
    # more decisions than one page of GET /v1/audit (200), and other actions
    # between them, which are not decisions
    ids = []
    for i in range(230):
        c = post(server, "Comment number %d, held." % next(_seq), status="pending")
        decide(server, "approve" if i % 2 else "reject", c["id"])
        ids.append(c["id"])
        if i % 50 == 0:
            assert server.post("/v1/bans", token=MOD_TOKEN,
                               json={"author_id": "banned-%d" % i}).status_code == 201
    rows, err = export(server)
    assert [r["id"] for r in rows] == ids[::-1]  # newest decision first
    assert err.startswith("exported 230 decisions (115 ham, 0 spam, 115 abuse)"), err
