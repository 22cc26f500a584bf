"""modctl for moderators, against a real modgate and Redis: queue, show,
approve / reject / remove (by id and by predicate, --dry-run), rejected,
audit, stats, rules stats, ban / unban / bans, verify (clean, then a body
altered in Redis), the config file, --json and exit statuses on every
command, and `modctl review` driven through a pseudo-terminal."""
import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

from conftest import MOD_TOKEN, MODCTL, SITE_TOKEN, post_comment, wait_until
from test_moderation import held, rejected_by_rules, submit, write_rules

ID = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def server(redis, start_modgate, workdir):
    m = start_modgate(redis.url, args=("--rules", write_rules(workdir)),
                      config="moderation:\n  decision_guard_ms: 0\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def run(server, *args, token=MOD_TOKEN, env=None, input=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    e.update({"XDG_CONFIG_HOME": "/nonexistent", "COLUMNS": "200"})
    e.update(env or {})
    # no server: a port nothing listens on, for the "no modgate" errors
    cmd = [MODCTL, "--url", server.base if server else "http://127.0.0.1:9"]
    if token:
        cmd += ["--token", token]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30,
                          env=e, input=input)


def ok_json(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def status_of(server, cid):
    return server.get("/v1/comments/" + cid, token=MOD_TOKEN).json()["status"]


# ---- tables and --json ---------------------------------------------------------

def test_queue_table_and_json(server):
    a = held(server, article="art-a")
    b = held(server, article="art-b")
    r = run(server, "queue")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:6] == ["ID", "AGE", "ARTICLE", "AUTHOR", "SCORE", "REASONS"]
    assert lines[1].startswith(a["id"]) and lines[2].startswith(b["id"])
    assert "held for review" in lines[1] and "art-a" in lines[1]
    assert "Please look at this HOLDME" in lines[1]
    assert lines[3] == "2 of 2 pending comments"
    assert "\033[" not in r.stdout  # not a terminal: no colour
    # narrow terminals drop columns and cut the body, never wrap
    narrow = run(server, "queue", env={"COLUMNS": "60"})
    assert all(len(line) <= 60 for line in narrow.stdout.splitlines()), narrow.stdout
    assert "REASONS" not in narrow.stdout.splitlines()[0]
    out = ok_json(run(server, "--json", "queue", "--article", "art-b"))
    assert [c["id"] for c in out["items"]] == [b["id"]] and out["total"] == 1
    assert ok_json(run(server, "--json", "queue", "--limit", "1"))["items"][0]["id"] == a["id"]
    for bad in ("0", "100001", "ten", ""):
        r = run(server, "queue", "--limit", bad)
        assert r.returncode == 2 and "--limit" in r.stderr, (bad, r)
    empty = run(server, "queue", "--article", "nothing-here")
    assert empty.returncode == 0 and empty.stdout == "no pending comments\n"


def test_show_highlights_matches(server):
    c = held(server)
    r = run(server, "show", c["id"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"^status\s+pending$", r.stdout, re.M)
    assert "test.hold" in r.stdout and "held for review" in r.stdout
    assert "Please look at this >>HOLDME<<" in r.stdout
    assert ok_json(run(server, "--json", "show", c["id"])) == \
        server.get("/v1/comments/" + c["id"], token=MOD_TOKEN).json()
    missing = run(server, "show", "0193a000-0000-7000-8000-000000000000")
    assert missing.returncode == 1 and "404" in missing.stderr
    assert run(server, "show").returncode == 2


# ---- decisions --------------------------------------------------------------------

def test_approve_reject_remove_by_id(server):
    a, b, e = held(server)["id"], held(server)["id"], held(server)["id"]
    r = run(server, "approve", a, "--reason", "fine")
    assert r.returncode == 0 and r.stdout == "approved %s\n" % a, r
    assert status_of(server, a) == "published"
    # --json, one id: the record decided, as the API answers it
    out = ok_json(run(server, "--json", "reject", b, "--reason", "rude"))
    assert out["id"] == b and out["status"] == "rejected"
    assert out["decision"]["reason"] == "rude"
    # remove only takes a published comment down
    r = run(server, "remove", b)
    assert r.returncode == 1 and "it is rejected" in r.stderr
    r = run(server, "remove", a)
    assert r.returncode == 0 and r.stdout == "removed %s\n" % a
    # reject on a published comment removes it, as POST .../reject does
    assert run(server, "approve", e).returncode == 0
    r = run(server, "reject", e)
    assert r.returncode == 0 and r.stdout == "removed %s\n" % e, r
    assert status_of(server, e) == "removed"
    # a conflict with --json: the problem on stdout, the error on stderr
    r = run(server, "--json", "approve", e)
    assert r.returncode == 1 and "it is removed" in r.stderr
    out = json.loads(r.stdout)
    assert out == {"id": e, "code": "conflict", "current_status": "removed"}, out
    # an unknown id: the server's reason, not a bare "error"
    missing = "0190a000-0000-7000-8000-000000000000"
    r = run(server, "approve", missing)
    assert r.returncode == 1 and "not_found" in r.stderr, r.stderr
    r = run(server, "approve", missing, "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["code"] == "not_found"
    # several at once: one fails, the others go through, exit 1
    c, d = held(server)["id"], held(server)["id"]
    r = run(server, "approve", c, a, d)
    assert r.returncode == 1
    assert "approved %s" % c in r.stdout and "approved %s" % d in r.stdout
    assert "approved 2, failed 1" in r.stdout
    assert status_of(server, c) == status_of(server, d) == "published"


def test_decide_by_predicate_with_dry_run(server):
    first = [held(server, article="flood") for _ in range(3)]
    other = held(server, article="calm")
    time.sleep(1.1)
    late = held(server, article="flood")
    # --older-than leaves out the one just posted; --article the other article
    r = run(server, "reject", "--article", "flood", "--older-than", "1s", "--dry-run")
    assert r.returncode == 0, r.stderr
    for c in first:
        assert c["id"] in r.stdout
    assert late["id"] not in r.stdout and other["id"] not in r.stdout
    assert "would reject 3 comments; nothing was decided" in r.stdout
    assert all(status_of(server, c["id"]) == "pending" for c in first)
    # not a terminal: no question asked
    r = run(server, "reject", "--article", "flood", "--older-than", "1s", "--reason", "flood")
    assert r.returncode == 0, r.stderr
    assert "rejected 3, failed 0" in r.stdout
    assert all(status_of(server, c["id"]) == "rejected" for c in first)
    assert status_of(server, late["id"]) == status_of(server, other["id"]) == "pending"
    # --rule and --author
    mine = submit(server, "HOLDME again", author="u-repeat")
    r = ok_json(run(server, "--json", "approve", "--rule", "test.hold", "--author", "u-repeat"))
    assert [x["id"] for x in r] == [mine["id"]] and r[0]["status"] == "published"
    none = run(server, "approve", "--rule", "no.such.rule")
    assert none.returncode == 0 and "nothing to do: would approve 0" in none.stdout
    for bad in (["approve"], ["approve", "x", "--rule", "r"], ["reject", "--older-than", "2x"],
                ["approve", "x", "--dry-run"], ["remove", "--rule", "r"]):
        assert run(server, *bad).returncode == 2, bad


def test_rejected_audit_stats_and_rules_stats(server):
    gone = rejected_by_rules(server)
    keep = held(server)["id"]
    r = run(server, "rejected")
    assert r.returncode == 0 and gone in r.stdout and "1 of 1 rejected comment\n" in r.stdout
    assert run(server, "approve", gone, "--reason", "false positive").returncode == 0
    assert run(server, "approve", keep).returncode == 0
    r = run(server, "audit")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["AT", "MODERATOR", "ACTION", "TARGET", "REASON"]
    assert re.search(r"alice\s+approve\s+%s\s+-$" % keep, lines[1])
    assert re.search(r"alice\s+approve\s+%s\s+false positive$" % gone, lines[2])
    out = ok_json(run(server, "--json", "audit", "--limit", "1"))
    assert [e["target"] for e in out["entries"]] == [keep]
    s = run(server, "stats")
    assert s.returncode == 0
    assert "published 2, pending 0, rejected 0, removed 0, deleted 0" in s.stdout
    assert "0 waiting" in s.stdout and "2 submissions" in s.stdout
    assert ok_json(run(server, "--json", "stats"))["counts"]["published"] == 2
    rs = run(server, "rules", "stats")
    rows = {line.split()[0]: line.split() for line in rs.stdout.splitlines()[1:]}
    assert rows["test.reject"][1:] == ["1", "0", "1", "1", "100%"]
    assert rows["test.hold"][1:] == ["1", "1", "0", "1", "100%"]
    j = ok_json(run(server, "--json", "rules", "stats"))
    assert {x["rule"] for x in j["rules"]} == {"test.hold", "test.reject"}


def test_ban_unban_bans(server):
    r = run(server, "ban", "--author", "u-troll", "--for", "2h", "--reason", "flooding")
    assert r.returncode == 0 and r.stdout.startswith("banned author_id u-troll 20"), r
    r = run(server, "ban", "--subnet", "203.0.113.7/24")
    assert r.returncode == 0 and "banned subnet 203.0.113.0/24 for good" in r.stdout
    r = run(server, "bans")
    assert "u-troll" in r.stdout and "flooding" in r.stdout
    assert "203.0.113.0/24" in r.stdout and "permanent" in r.stdout
    assert ok_json(run(server, "--json", "bans"))["bans"][0]["value"] == "u-troll"
    post = post_comment(server, {"article_id": "a", "author_id": "u-x", "body": "hi",
                                 "client_ip": "203.0.113.99"})
    assert post.status_code == 403
    assert run(server, "unban", "--subnet", "203.0.113.0/24").returncode == 0
    again = run(server, "unban", "--subnet", "203.0.113.0/24")
    assert again.returncode == 1 and "404" in again.stderr
    assert run(server, "ban").returncode == 2
    assert run(server, "ban", "--author", "a", "--ip", "1.2.3.4").returncode == 2
    assert run(server, "ban", "--author", "a", "--for", "soon").returncode == 2
    actions = [e["action"] for e in ok_json(run(server, "--json", "audit"))["entries"]]
    assert actions == ["unban", "ban", "ban"]


# ---- verify --------------------------------------------------------------------------

def test_verify_passes_a_clean_store_and_catches_a_tampered_body(server, redis):
    ids = [submit(server, "Plain words", article="art-v%d" % (i % 2))["id"] for i in range(5)]
    approved = held(server, article="art-v1")["id"]
    assert run(server, "approve", approved).returncode == 0
    r = run(server, "verify", "--all")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout.strip() == "6 comments in 2 articles: 6 signatures hold, 0 fail"
    one = ok_json(run(server, "--json", "verify", "--article", "art-v0"))
    assert one == {"articles": 1, "checked": 3, "failed": 0, "failures": []}
    # alter a stored body behind modgate's back
    key = "mg:c:" + ids[1]
    record = json.loads(redis.cli("HGET", key, "json"))
    record["body"] = "Plain words, edited"
    redis.cli("HSET", key, "json", json.dumps(record))
    r = run(server, "verify", "--all")
    assert r.returncode == 1
    assert "FAIL %s (article art-v1): the signature does not match the comment" % ids[1] \
        in r.stdout
    assert "6 comments in 2 articles: 5 signatures hold, 1 fail" in r.stdout
    out = json.loads(run(server, "--json", "verify", "--all").stdout)
    assert out["failed"] == 1 and out["failures"][0]["id"] == ids[1]
    assert run(server, "verify").returncode == 2
    down = subprocess.run([MODCTL, "--url", "http://127.0.0.1:1", "verify", "--all"],
                          capture_output=True, text=True, timeout=30)
    assert down.returncode == 2


# ---- the config file, help, exit statuses ------------------------------------------------

def test_config_file_flags_and_environment(server, workdir):
    held(server)
    cfg = os.path.join(workdir, "xdg", "modctl")
    os.makedirs(cfg)
    path = os.path.join(cfg, "config")
    with open(path, "w") as f:
        f.write("# modctl\nurl = %s\ntoken = %s\n" % (server.base, MOD_TOKEN))
    os.chmod(path, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    env["XDG_CONFIG_HOME"] = os.path.join(workdir, "xdg")
    r = subprocess.run([MODCTL, "queue"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0 and "1 of 1 pending" in r.stdout, r.stderr
    assert r.stderr == ""
    # a variable beats the file, a flag beats the variable
    env["MODGATE_TOKEN"] = SITE_TOKEN
    r = subprocess.run([MODCTL, "queue"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 1 and "403" in r.stderr
    r = subprocess.run([MODCTL, "--token", MOD_TOKEN, "queue"], capture_output=True,
                       text=True, env=env, timeout=30)
    assert r.returncode == 0
    # a token others can read: used, with a warning
    os.chmod(path, 0o644)
    del env["MODGATE_TOKEN"]
    r = subprocess.run([MODCTL, "queue"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0 and "chmod 600" in r.stderr


COMMANDS = ["queue", "review", "show", "approve", "reject", "remove", "rejected", "audit",
            "stats", "ban", "unban", "bans", "verify", "check", "keygen", "pubkey"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    r = subprocess.run([MODCTL, command, "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and r.stdout.startswith("usage: modctl "), (command, r)
    assert command in r.stdout.splitlines()[0]


def test_rules_subcommands_have_help():
    for sub in ("stats", "lint", "reload"):
        r = subprocess.run([MODCTL, "rules", sub, "--help"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0 and "modctl rules %s" % sub in r.stdout, (sub, r)


def test_wrong_token_fails_and_no_server_is_exit_2(server):
    r = run(server, "queue", token=SITE_TOKEN)
    assert r.returncode == 1 and "403 forbidden" in r.stderr
    r = run(server, "--json", "stats", token="nope")
    assert r.returncode == 1 and json.loads(r.stdout)["code"] == "unauthorized"
    r = subprocess.run([MODCTL, "--url", "http://127.0.0.1:1", "queue"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "127.0.0.1:1" in r.stderr


# ---- review through a pseudo-terminal -----------------------------------------------------

class Terminal:
    """modctl review on a pseudo-terminal: type keys, read what it shows."""

    def __init__(self, server, *args, command="review"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
        env.update({"XDG_CONFIG_HOME": "/nonexistent", "NO_COLOR": "1", "TERM": "xterm"})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(MODCTL, [MODCTL, "--url", server.base, "--token", MOD_TOKEN,
                               command] + list(args), env)
        self.out = ""

    def expect(self, pattern, timeout=15):
        deadline = time.time() + timeout
        while True:
            m = re.search(pattern, self.out)
            if m:
                self.out = self.out[m.end():]
                return m
            left = deadline - time.time()
            assert left > 0, "no %r in %r" % (pattern, self.out[-2000:])
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                assert data, "modctl ended; no %r in %r" % (pattern, self.out[-2000:])
                self.out += data.decode("utf-8", "replace").replace("\r\n", "\n")

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait(self):
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_review_through_a_terminal(server):
    a, b, c, d = (held(server)["id"] for _ in range(4))
    t = Terminal(server)
    t.expect(r"\[1 of 4\]")
    t.expect(r"id\s+%s" % a)
    t.expect(r">>HOLDME<<")
    t.expect(r"help \(\?\): ")
    t.send("?")
    t.expect(r"skip: leave it in the queue")
    t.send("a")
    t.expect(r"approved")
    t.expect(r"\[2 of 4\]")
    t.expect(b)
    t.expect(r"help \(\?\): ")
    t.send("r")
    t.expect(r"reason \(optional, Enter for none\): ")
    t.send("off topic\n")
    t.expect(r"rejected")
    t.expect(r"\[3 of 4\]")
    t.expect(c)
    t.expect(r"help \(\?\): ")
    t.send("s")
    # meanwhile another moderator decides d, then this one tries it
    t.expect(r"\[4 of 4\]")
    t.expect(d)
    t.expect(r"help \(\?\): ")
    r = server.post("/v1/comments/%s/reject" % d, token=MOD_TOKEN)
    assert r.status_code == 200
    t.send("a")
    t.expect(r"another moderator decided it first \(it is rejected now\); moving on")
    t.expect(r"reviewed 4: approved 1, rejected 1, skipped 1, decided elsewhere 1")
    assert t.wait() == 0
    assert status_of(server, a) == "published"
    rec = server.get("/v1/comments/" + b, token=MOD_TOKEN).json()
    assert rec["status"] == "rejected" and rec["decision"]["reason"] == "off topic"
    assert status_of(server, c) == "pending"


def test_review_shows_the_author_and_bans_them(server):
    a = held(server)
    author = server.get("/v1/comments/" + a["id"], token=MOD_TOKEN).json()["author_id"]
    t = Terminal(server)
    t.expect(r"\[1 of 1\]")
    t.expect(r"help \(\?\): ")
    t.send("h")
    t.expect(r"author:\s+%s" % re.escape(author))
    t.expect(r"comments:\s+0 published, 1 pending, 0 rejected, 0 removed")
    t.expect(r"%s\s+pending" % a["id"])
    t.expect(r"help \(\?\): ")
    t.send("b")
    t.expect(r"for how long \(90s, 30m, 2h, 7d; Enter for good\): ")
    t.send("forever\n")
    t.expect(r"not a duration")
    t.expect(r"for how long")
    t.send("2h\n")
    t.expect(r"reason \(optional, Enter for none\): ")
    t.send("spam run\n")
    t.expect(r"banned %s \d{4}-" % re.escape(author))
    t.expect(r"help \(\?\): ")
    t.send("r")
    t.expect(r"reason \(optional, Enter for none\): ")
    t.send("\n")
    t.expect(r"rejected")
    assert t.wait() == 0
    bans = server.get("/v1/bans", token=MOD_TOKEN).json()["bans"]
    ban = [b for b in bans if b["kind"] == "author_id" and b["value"] == author]
    assert len(ban) == 1 and ban[0]["reason"] == "spam run" and ban[0]["by"] == "alice"
    assert ban[0]["until"] is not None
    audit = server.get("/v1/audit", token=MOD_TOKEN).json()["entries"]
    assert any(e["action"] == "ban" and author in e["target"] for e in audit), audit
    assert status_of(server, a["id"]) == "rejected"


def test_review_skips_what_was_decided_before_it_was_shown_and_quits(server):
    a, b, c = (held(server)["id"] for _ in range(3))
    t = Terminal(server)
    t.expect(r"\[1 of 3\]")
    t.expect(r"help \(\?\): ")
    assert server.post("/v1/comments/%s/approve" % b, token=MOD_TOKEN).status_code == 200
    t.send("s")
    t.expect(r"%s was decided elsewhere meanwhile \(published by alice\); moving on" % b)
    t.expect(r"\[3 of 3\]")
    t.expect(c)
    t.expect(r"help \(\?\): ")
    t.send("q")
    t.expect(r"reviewed 3: approved 0, rejected 0, skipped 1, decided elsewhere 1")
    assert t.wait() == 0
    assert status_of(server, a) == status_of(server, c) == "pending"


def test_review_refuses_without_a_terminal(server):
    r = run(server, "review")
    assert r.returncode == 2
    assert "needs a terminal" in r.stderr and "modctl approve" in r.stderr


def test_review_of_an_empty_queue(server):
    t = Terminal(server)
    t.expect(r"the queue is empty")
    assert t.wait() == 0


def test_a_queue_of_50_worked_with_review_alone(server):
    ids = [held(server, article="busy")["id"] for _ in range(50)]
    t = Terminal(server)
    for n, cid in enumerate(ids, 1):
        t.expect(r"\[%d of 50\]" % n)
        t.expect(cid)
        t.expect(r"help \(\?\): ")
        if n % 5 == 0:
            t.send("r")
            t.expect(r"reason \(optional, Enter for none\): ")
            t.send("\n")
        else:
            t.send("a")
    t.expect(r"reviewed 50: approved 40, rejected 10, skipped 0, decided elsewhere 0")
    assert t.wait() == 0
    statuses = [status_of(server, cid) for cid in ids]
    assert statuses.count("published") == 40 and statuses.count("rejected") == 10
    entries = server.get("/v1/audit", token=MOD_TOKEN, params={"limit": 200}).json()["entries"]
    assert sorted(e["target"] for e in entries) == sorted(ids)
    assert run(server, "queue").stdout == "no pending comments\n"



def test_deciding_by_predicate_on_a_terminal_asks_first(server):
    ids = [held(server, article="flood")["id"] for _ in range(3)]
    t = Terminal(server, "--article", "flood", command="reject")
    for cid in ids:
        t.expect(cid)
    t.expect(r"Reject these 3 comments\? \[y/N\] ")
    t.send("n\n")
    t.expect(r"nothing was decided")
    assert t.wait() == 1
    assert all(status_of(server, cid) == "pending" for cid in ids)
    t = Terminal(server, "--article", "flood", command="reject")
    t.expect(r"Reject these 3 comments\? \[y/N\] ")
    t.send("y\n")
    t.expect(r"rejected 3, failed 0")
    assert t.wait() == 0
    assert all(status_of(server, cid) == "rejected" for cid in ids)



def test_verify_names_each_kind_of_failure(server, redis):
    ids = [submit(server, "Plain words", article="art-k")["id"] for _ in range(3)]
    def alter(cid, **fields):
        record = json.loads(redis.cli("HGET", "mg:c:" + cid, "json"))
        record.update(fields)
        redis.cli("HSET", "mg:c:" + cid, "json", json.dumps(record))
    alter(ids[0], key_id="0000000000000000")
    alter(ids[1], signature=None, key_id=None)
    alter(ids[2], signature="c2hvcnQ=")
    out = json.loads(run(server, "--json", "verify", "--article", "art-k").stdout)
    assert out["failed"] == 3
    why = {f["id"]: f["why"] for f in out["failures"]}
    assert why == {ids[0]: "signed with a key /v1/keys does not list",
                   ids[1]: "published but not signed",
                   ids[2]: "the signature is not 64 bytes of base64"}


@pytest.mark.parametrize("command", [["stats"], ["bans"], ["rules", "stats"]])
def test_commands_without_arguments_refuse_one(server, command):
    r = run(server, *command, "extra")
    assert r.returncode == 2 and "takes no arguments" in r.stderr


def test_global_options_may_follow_the_command(server):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    e["XDG_CONFIG_HOME"] = "/nonexistent"
    c = held(server)
    before = subprocess.run([MODCTL, "--url", server.base, "--token", MOD_TOKEN, "--json",
                             "queue"], capture_output=True, text=True, timeout=30, env=e)
    after = subprocess.run([MODCTL, "queue", "--json", "--url", server.base,
                            "--token=" + MOD_TOKEN], capture_output=True, text=True,
                           timeout=30, env=e)
    assert before.returncode == after.returncode == 0, (before.stderr, after.stderr)
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert c["id"] in [x["id"] for x in json.loads(after.stdout)["items"]]
    r = subprocess.run([MODCTL, "show", c["id"], "--url", server.base, "--token", MOD_TOKEN,
                        "--json"], capture_output=True, text=True, timeout=30, env=e)
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == c["id"], r.stderr
    # a value missing at the end is a usage error
    r = subprocess.run([MODCTL, "queue", "--token"], capture_output=True, text=True,
                       timeout=30, env=e)
    assert r.returncode == 2 and "--token needs a value" in r.stderr
    # after "--" nothing is a global option: "--json" reaches the command
    r = run(server, "check", "--", "--json")
    assert r.returncode == 2 and "unexpected '--json'" in r.stderr, r.stderr


def test_a_refusal_with_json_is_on_stdout_and_stderr(server):
    r = run(server, "--json", "show", "0190a000-0000-7000-8000-000000000000")
    assert r.returncode == 1
    assert json.loads(r.stdout)["code"] == "not_found"
    assert "404 not_found" in r.stderr
    r = run(server, "--json", "queue", token="wrong-token-0123456789")
    assert r.returncode == 1 and json.loads(r.stdout)["code"] == "unauthorized"
    assert "401 unauthorized" in r.stderr


def test_verify_comments_by_id(server, redis):
    good = submit(server, "Plain words", article="art-v")["id"]
    bad = submit(server, "More plain words", article="art-v")["id"]
    pending = held(server)["id"]
    r = run(server, "verify", good)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout == "1 comment: 1 signature holds, 0 fail\n", r.stdout
    record = json.loads(redis.cli("HGET", "mg:c:" + bad, "json"))
    record["body"] = "More plain words, altered"
    redis.cli("HSET", "mg:c:" + bad, "json", json.dumps(record))
    r = run(server, "verify", good, bad)
    assert r.returncode == 1 and "FAIL %s" % bad in r.stdout, r.stdout
    out = json.loads(run(server, "--json", "verify", good, bad, pending).stdout)
    assert out["checked"] == 3 and out["failed"] == 2
    why = {f["id"]: f["why"] for f in out["failures"]}
    assert why == {bad: "the signature does not match the comment",
                   pending: "not signed (it was never published)"}
    # a removed comment keeps its signature
    assert run(server, "remove", good).returncode == 0
    assert run(server, "verify", good).returncode == 0
    # an unknown id: modgate's 404, exit 1; ids with a scope: usage
    r = run(server, "verify", "0190a000-0000-7000-8000-000000000000")
    assert r.returncode == 1 and "not_found" in r.stderr
    assert run(server, "verify", good, "--all").returncode == 2


def test_list_and_read_are_queue_and_show(server):
    c = held(server)
    assert ok_json(run(server, "--json", "list")) == ok_json(run(server, "--json", "queue"))
    assert ok_json(run(server, "--json", "read", c["id"]))["id"] == c["id"]


def test_tables_into_a_pipe_print_whole_cells(server):
    long_body = "HOLDME " + " ".join("word%d" % i for i in range(40))
    c = submit(server, long_body, author="u-" + "a" * 40)
    assert c["status"] == "pending", c
    e = {k: v for k, v in os.environ.items() if k not in ("COLUMNS",)
         and not k.startswith("MODGATE_")}
    e["XDG_CONFIG_HOME"] = "/nonexistent"
    # a pipe and no COLUMNS: nothing cut, so grep finds what it looks for
    r = subprocess.run([MODCTL, "--url", server.base, "--token", MOD_TOKEN, "queue"],
                       capture_output=True, text=True, timeout=30, env=e)
    assert r.returncode == 0, r.stderr
    assert c["body"] in r.stdout and "u-" + "a" * 40 in r.stdout, r.stdout
    # COLUMNS says how wide: the table fits it, cells cut with "…"
    r = run(server, "queue", env={"COLUMNS": "80"})
    assert c["body"] not in r.stdout and "…" in r.stdout
    assert all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
