"""The restricted Redis user of deploy/redis.conf (issue 16, item 6): modgate
logged in as `modgate` does everything it does as the default user (submit,
read, the queue, approve and reject, rejections by the rules, history rules,
rate limits, idempotency, bans, audit, stats, rules reload, /readyz,
modctl verify), while that user cannot run FLUSHALL, CONFIG, KEYS, or touch
a key outside mg:, directly or from a script.

The user line is read from deploy/redis.conf, the shipped file, and its
password is set with the commands docs/operations.md ("A restricted Redis
user") gives the operator."""
import json
import os
import re
import shutil
import subprocess

import pytest
import redis as redislib

from conftest import (MOD_TOKEN, MODCTL, ROOT, SITE_TOKEN, post_comment, problem,
                      wait_until, free_port)
from test_check_history import write_rules

CONF = os.path.join(ROOT, "deploy", "redis.conf")
PASSWORD = "acl-test-password-0123456789"
REDIS_CLI = shutil.which("redis-cli")


def shipped_user_line():
    with open(CONF) as f:
        lines = [line.strip() for line in f if line.startswith("user modgate ")]
    assert len(lines) == 1, lines
    return lines[0]


def acl_rules():
    """The rules of the shipped user line: what comes after 'user modgate'."""
    return shipped_user_line().split()[2:]


class ConfRedis:
    """redis-server started from deploy/redis.conf (only where it listens and
    its directory overridden), or without it (Debian's stock Redis has no
    modgate user)."""

    def __init__(self, workdir, with_conf=True, data_dir=None):
        self.port = free_port()
        self.dir = data_dir or os.path.join(workdir, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        conf = []
        if with_conf:  # a copy: a CONFIG REWRITE must not touch the shipped file
            conf = [os.path.join(self.dir, "redis.conf")]
            shutil.copyfile(CONF, conf[0])
        args = ["redis-server"] + conf + [
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
            "--daemonize", "no", "--logfile", os.path.join(self.dir, "log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_until(lambda: self.admin(["PING"], check=False).stdout.strip() == "PONG")

    def admin(self, args, check=True, input=None):
        """redis-cli as the default (administrator) user."""
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                              capture_output=True, text=True, timeout=10, check=check,
                              input=input)

    def sh(self, script):
        """A shell command as the operator types it, where redis-cli talks to
        this Redis (a redis-cli first on PATH adds -p PORT)."""
        bin_dir = os.path.join(self.dir, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        wrapper = os.path.join(bin_dir, "redis-cli")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec %s -p %d "$@"\n' % (REDIS_CLI, self.port))
        os.chmod(wrapper, 0o755)
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=10, env=env)

    def client(self, username="modgate", password=PASSWORD):
        return redislib.Redis(host="127.0.0.1", port=self.port, username=username,
                              password=password, decode_responses=True)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def acl_redis(workdir):
    """Redis from deploy/redis.conf, the modgate user's password set as the
    operator does (docs/operations.md)."""
    r = ConfRedis(workdir)
    out = r.sh("printf '>%s' " + PASSWORD +
               " | redis-cli -x ACL SETUSER modgate resetpass")
    assert out.returncode == 0 and out.stdout.strip() == "OK", out
    yield r
    r.stop()


def acl_url(r):
    return "redis://modgate:%s@127.0.0.1:%d/0" % (PASSWORD, r.port)


def commands_modgate_sends():
    """Every command name in the store's C (what mg__store_send is given,
    and what an op's argv[0] is set to) and in its Lua scripts."""
    names = set()
    src = os.path.join(ROOT, "src", "server")
    for name in os.listdir(src):
        if not (name.startswith("store") and name.endswith(".c")):
            continue
        with open(os.path.join(src, name)) as f:
            text = f.read()
        names |= set(re.findall(r'mg__store_send\(\w+, "([A-Z]+(?: [A-Z]+)?)"', text))
        first = set(re.findall(r'argv\[0\] = "([A-Z]+)"', text))
        if "SCRIPT" in first:  # its subcommand is argv[1]
            first.discard("SCRIPT")
            names |= {"SCRIPT " + sub for sub in re.findall(r'argv\[1\] = "([A-Z]+)"', text)}
        names |= first
    scripts = os.path.join(src, "scripts")
    for name in os.listdir(scripts):
        if name.endswith(".lua"):
            with open(os.path.join(scripts, name)) as f:
                names |= set(re.findall(r"redis\.p?call\('([A-Za-z]+)'", f.read()))
    return {n.upper() for n in names}


def test_the_shipped_user_allows_every_command_modgate_sends_and_no_category():
    rules = acl_rules()
    assert rules[0] == "on" and "~mg:*" in rules and "-@all" in rules
    assert rules.index("-@all") < min(i for i, r in enumerate(rules) if r.startswith("+"))
    allowed = {r[1:].upper().replace("|", " ") for r in rules if r.startswith("+")}
    sent = commands_modgate_sends() - {"AUTH"}  # AUTH needs no permission
    # what the scan finds, so that a broken scan cannot pass this test
    assert {"SCRIPT LOAD", "EVALSHA", "EVAL", "HGET", "ZADD", "XADD", "TIME"} <= sent
    missing = sent - allowed
    assert not missing, "deploy/redis.conf's modgate user lacks +%s" % " +".join(
        sorted(m.lower().replace(" ", "|") for m in missing))
    assert not [r for r in rules if r.startswith("+@") or r in ("allkeys", "allcommands")]
    # the placeholder password: a SHA-256 no password has
    assert re.fullmatch(r"#0{64}", rules[1]), rules[1]


def test_the_placeholder_password_lets_nobody_in(workdir):
    r = ConfRedis(workdir)
    try:
        for guess in ("", "modgate", "0" * 64, "password", "CHANGE-ME"):
            out = r.admin(["AUTH", "modgate", guess]).stdout
            assert out.startswith("WRONGPASS"), (guess, out)
        assert r.admin(["AUTH", "default", "x"]).stdout.startswith("OK")  # nopass: any
    finally:
        r.stop()


def test_the_documented_import_into_a_stock_redis_gives_the_same_user(workdir, acl_redis):
    """Debian's redis.conf has no modgate user: docs/operations.md imports
    the line from the example file with xargs."""
    stock = ConfRedis(workdir, with_conf=False)
    try:
        out = stock.sh("sed -n 's/^user modgate //p' %s | xargs redis-cli ACL SETUSER "
                       "modgate reset\nprintf '>%%s' %s | redis-cli -x ACL SETUSER "
                       "modgate resetpass" % (CONF, PASSWORD))
        assert out.returncode == 0 and out.stdout.split() == ["OK", "OK"], out

        def user(r):
            # "reset" also sets sanitize-payload (for RESTORE, which the user
            # may not run anyway)
            return set(r.admin(["ACL", "LIST"]).stdout.splitlines()[-1].split()) - {
                "sanitize-payload"}
        assert user(stock) == user(acl_redis)
        assert stock.client().hget("mg:stats", "published") is None  # in
    finally:
        stock.stop()


def test_modgate_works_as_the_restricted_user(acl_redis, start_modgate, workdir):
    rules = write_rules(os.path.join(workdir, "rules"))
    m = start_modgate(acl_url(acl_redis), args=("--rules", rules),
                      config="moderation:\n  decision_guard_ms: 0\n"
                             "rate_limits:\n  author: [{count: 3, period_s: 60}]\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)

    def post(body, author, article="acl-1", **kw):
        return post_comment(m, {"article_id": article, "author_id": author,
                                "client_ip": "198.51.100.7", "body": body}, **kw)

    # published, read back, listed
    pub = post("A plain and friendly comment about the article", "u-1")
    assert pub.status_code == 201, pub.text
    cid = pub.json()["id"]
    assert m.get("/v1/comments/" + cid, token=SITE_TOKEN).json()["status"] == "published"
    page = m.get("/v1/articles/acl-1/comments", token=SITE_TOKEN).json()
    assert [c["id"] for c in page["comments"]] == [cid]
    assert m.get("/v1/articles", token=MOD_TOKEN).json()["items"] == [
        {"article_id": "acl-1", "published": 1}]
    # idempotency: a replay is the first response
    key = {"Idempotency-Key": "acl-key-1"}
    first = post("Another plain comment with an idempotency key", "u-2", headers=key)
    again = post("Another plain comment with an idempotency key", "u-2", headers=key)
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    # held, queued, approved; held again, rejected by a moderator
    held = post("I would like a moderator to see this holdword here", "u-3")
    assert held.status_code == 202, held.text
    queue = m.get("/v1/queue", token=MOD_TOKEN).json()
    assert [c["id"] for c in queue["items"]] == [held.json()["id"]]
    r = m.post("/v1/comments/%s/approve" % held.json()["id"], token=MOD_TOKEN)
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    held2 = post("A second comment for a moderator, holdword again", "u-4")
    r = m.post("/v1/comments/%s/reject" % held2.json()["id"], token=MOD_TOKEN,
               json={"reason": "off topic"})
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    # rejected by the rules, listed among the rejections
    slur = post("This comment holds a zzslur and is refused", "u-5")
    problem(slur, 422, "rejected")
    rejected = m.get("/v1/rejected", token=MOD_TOKEN).json()
    assert slur.json()["id"] in [c["id"] for c in rejected["items"]]
    # history: the same text again by the same author is a duplicate (in
    # other bytes: the very same bytes are a repeat of the first request,
    # answered as it was)
    dup = post("A plain and friendly comment about the ARTICLE", "u-1")
    problem(dup, 422, "rejected")
    check = m.post("/v1/check", token=SITE_TOKEN, json={
        "article_id": "acl-1", "author_id": "u-1",
        "body": "A plain and friendly comment about the article"})
    assert check.status_code == 200 and check.json()["verdict"] == "reject", check.text
    # rate limits: the author's fourth in a minute
    for n in range(2):
        assert post("Plain comment number %d from the same reader" % n,
                    "u-9").status_code == 201
    assert post("Plain comment number 2 from the same reader", "u-9").status_code == 201
    problem(post("Plain comment number 3 from the same reader", "u-9"), 429, "rate_limited")
    # bans: made, listed, biting, lifted
    r = m.post("/v1/bans", token=MOD_TOKEN, json={"author_id": "u-troll", "reason": "spam"})
    assert r.status_code == 201, r.text
    assert [b["value"] for b in m.get("/v1/bans", token=MOD_TOKEN).json()["bans"]] == ["u-troll"]
    problem(post("Hello from a banned reader, plainly", "u-troll"), 403, "banned")
    assert m.delete("/v1/bans/author_id/u-troll", token=MOD_TOKEN).status_code == 204
    assert post("Hello again from a reader no longer banned", "u-troll").status_code == 201
    # rules reload, audit, stats
    assert m.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    actions = [e["action"] for e in m.get("/v1/audit", token=MOD_TOKEN).json()["entries"]]
    assert actions == ["rules_reload", "unban", "ban", "reject", "approve"], actions
    stats = m.get("/v1/stats", token=MOD_TOKEN).json()
    assert stats["counts"] == {"published": 7, "pending": 0, "rejected": 3, "removed": 0,
                               "deleted": 0}
    # the signatures, checked by modctl over HTTP
    v = subprocess.run([MODCTL, "--url", m.base, "--token", MOD_TOKEN, "verify", "--all"],
                       capture_output=True, text=True, timeout=30)
    assert v.returncode == 0 and v.stdout.strip() == \
        "7 comments in 1 article: 7 signatures hold, 0 fail", (v.stdout, v.stderr)
    assert m.get("/readyz").status_code == 200
    assert "NOPERM" not in m.logs() and "redis_handshake_failed" not in m.logs()
    # and it was the modgate user that did it: every key under mg:
    keys = acl_redis.admin(["--scan"]).stdout.split()
    assert keys and all(k.startswith("mg:") for k in keys), keys
    clients = acl_redis.admin(["CLIENT", "LIST"]).stdout
    assert "user=modgate" in clients, clients


def test_article_settings_as_the_restricted_user(acl_redis, start_modgate):
    """The article settings scripts (and submit.lua's mode check) need no
    command the shipped user lacks."""
    m = start_modgate(acl_url(acl_redis))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    path = "/v1/articles/acl-art/settings"
    r = m.put(path, token=MOD_TOKEN, json={"mode": "premoderated",
                                           "closes_at": "2031-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    assert m.get(path, token=MOD_TOKEN).json()["mode"] == "premoderated"
    c = {"article_id": "acl-art", "author_id": "u-1", "body": "Plain words here"}
    assert post_comment(m, c).status_code == 202
    assert m.put(path, token=MOD_TOKEN, json={"mode": "closed"}).status_code == 200
    problem(post_comment(m, dict(c, author_id="u-2")), 403, "comments_closed")
    page = m.get("/v1/articles/acl-art/comments", token=SITE_TOKEN).json()
    assert page["mode"] == "closed"
    assert m.put(path, token=MOD_TOKEN, json={"mode": "open"}).status_code == 200
    assert m.get("/v1/audit", token=MOD_TOKEN).json()["entries"][0]["action"] == \
        "article_settings"
    assert "NOPERM" not in m.logs()


def test_deletion_and_erasure_as_the_restricted_user(acl_redis, start_modgate):
    """delete.lua and erase_step.lua (lib/tombstone.lua: a reported comment,
    an idempotency record, an address) need no command the shipped user
    lacks."""
    m = start_modgate(acl_url(acl_redis), config="reports:\n  threshold: 1\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)

    def post(author, n, **kw):
        return post_comment(m, {"article_id": "acl-del", "author_id": author,
                                "client_ip": "198.51.100.7",
                                "body": "Plain words number %d" % n}, **kw)

    first = post("u-1", 1, headers={"Idempotency-Key": "acl-del-1"})
    assert first.status_code == 201, first.text
    cid = first.json()["id"]
    r = m.post("/v1/comments/%s/reports" % cid, token=SITE_TOKEN,
               json={"reporter_id": "r-1", "reason": "spam"})
    assert r.status_code == 201, r.text
    r = m.delete("/v1/comments/%s" % cid, token=SITE_TOKEN, params={"author_id": "u-1"})
    assert r.status_code == 204, r.text
    assert m.get("/v1/comments/" + cid, token=SITE_TOKEN).json()["status"] == "deleted"
    for n in range(2, 5):
        assert post("u-1", n).status_code == 201
    r = m.delete("/v1/authors/u-1", token=MOD_TOKEN)
    assert r.status_code == 200 and r.json()["comments_erased"] == 3, r.text
    assert "NOPERM" not in m.logs()


def test_the_restricted_user_cannot_flush_configure_or_leave_its_prefix(acl_redis):
    acl_redis.admin(["SET", "other:key", "kept"])
    acl_redis.admin(["HSET", "mg:stats", "published", "1"])
    c = acl_redis.client()
    try:
        assert c.hget("mg:stats", "published") == "1"  # its own keys: yes
        refused = [
            lambda: c.flushall(), lambda: c.flushdb(),
            lambda: c.config_get("*"), lambda: c.config_set("appendonly", "no"),
            lambda: c.keys("*"), lambda: c.keys("mg:*"),
            lambda: c.get("other:key"), lambda: c.set("other:key", "x"),
            lambda: c.delete("other:key"), lambda: c.hget("mgx:stats", "n"),
            lambda: c.execute_command("ACL", "SETUSER", "modgate", "+@all"),
            lambda: c.execute_command("SHUTDOWN", "NOSAVE"),
            lambda: c.execute_command("SAVE"),
            lambda: c.execute_command("REPLICAOF", "127.0.0.1", "1"),
            lambda: c.execute_command("MODULE", "LIST"),
            lambda: c.execute_command("BGREWRITEAOF"),
            lambda: c.execute_command("SCRIPT", "FLUSH"),
            lambda: c.execute_command("FUNCTION", "FLUSH"),
            lambda: c.execute_command("MIGRATE", "127.0.0.1", "1", "mg:stats", "0", "10"),
            # nor from a script, which Redis checks against the same rules
            lambda: c.eval("return redis.call('FLUSHALL')", 0),
            lambda: c.eval("return redis.call('KEYS', '*')", 0),
            lambda: c.eval("return redis.call('FLUSHDB')", 0),
            lambda: c.eval("return redis.call('GET', 'other:key')", 0),
            lambda: c.eval("return redis.call('DEL', 'other:key')", 0),
        ]
        for n, call in enumerate(refused):
            with pytest.raises(redislib.exceptions.ResponseError) as e:
                call()
            # redis-py drops the NOPERM of a direct call; a script's says who
            why = str(e.value).lower()
            assert ("noperm" in why or "no permissions" in why
                    or "the user executing the script can't" in why), (n, e.value)
    finally:
        c.close()
    assert acl_redis.admin(["GET", "other:key"]).stdout.strip() == "kept"
    assert acl_redis.admin(["HGET", "mg:stats", "published"]).stdout.strip() == "1"
    assert acl_redis.admin(["CONFIG", "GET", "appendonly"]).stdout.split() == [
        "appendonly", "yes"]


def test_a_wrong_password_keeps_modgate_unready_and_says_why(acl_redis, start_modgate):
    url = "redis://modgate:not-the-password@127.0.0.1:%d/0" % acl_redis.port
    m = start_modgate(url)
    wait_until(lambda: any(line.get("event") == "redis_handshake_failed"
                           for line in m.log_lines()), timeout=10)
    assert m.get("/readyz").status_code == 503
    assert "not-the-password" not in m.logs()
    assert json.dumps(m.log_lines()).count("WRONGPASS") >= 1
