"""Reloading without a restart (docs/operations.md "Reloading without
restart", issue 15 item 4): SIGHUP reads the configuration again and puts
the tokens, rate limits, log level, retired keys and rules it names in force
at once; a reload that fails changes nothing and says why; keys read at
start only (listen, redis.*, key) keep their running values and the log
names them. Every wait is on the log line the reload writes."""
import os
import signal
import subprocess
import threading
import time

from conftest import (MOD_TOKEN, MOD2_TOKEN, MODCTL, Modgate, Redis, SITE_TOKEN,
                      free_port, metric, parse_metrics, post_comment, problem,
                      wait_until, write_key, write_tokens)

CAROL_TOKEN = "mod-token-carol-0123456789abcdef"
NO_LIMITS = "\n".join(["rate_limits:"] + ["  %s: []" % d for d in
                                          ("ip", "subnet", "article", "global")])


def events(m, name):
    return [l for l in m.log_lines() if l.get("event") == name]


def reload(m, expect="reloaded"):
    """SIGHUP, then waits for the line the reload ends with (reloaded or
    reload_failed); returns it."""
    before = len(events(m, expect))
    m.signal(signal.SIGHUP)
    wait_until(lambda: len(events(m, expect)) > before, timeout=10)
    return events(m, expect)[-1]


def rewrite(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def config_path(m):
    return os.path.join(m.workdir, "config-%d.yaml" % m.port)


def tokens_text(*lines):
    return "".join(l + "\n" for l in ("# role name token",
                                      "site newsroom %s" % SITE_TOKEN) + lines)


def queue(m, token):
    return m.get("/v1/queue", token=token).status_code


def comment(n, author="u-reload"):
    return {"article_id": "art-reload", "author_id": author, "author_name": "Reader",
            "body": "A fair point about the article, number %d." % n}


def test_a_moderator_added_is_let_in_and_one_revoked_refused(server):
    tokens = write_tokens(server.workdir)
    assert queue(server, MOD_TOKEN) == 200
    assert queue(server, CAROL_TOKEN) == 401

    rewrite(tokens, tokens_text("moderator alice %s" % MOD_TOKEN,
                                "moderator bob %s" % MOD2_TOKEN,
                                "moderator carol %s" % CAROL_TOKEN))
    line = reload(server)
    assert line["tokens"] == 4 and line["changed"] == []  # the path did not change
    assert queue(server, CAROL_TOKEN) == 200

    rewrite(tokens, tokens_text("moderator carol %s" % CAROL_TOKEN))
    assert reload(server)["tokens"] == 2
    problem(server.get("/v1/queue", token=MOD_TOKEN), 401, "unauthorized")
    assert queue(server, MOD2_TOKEN) == 401
    assert queue(server, CAROL_TOKEN) == 200
    assert server.get("/readyz").status_code == 200


def test_a_request_waiting_on_redis_outlives_its_token(workdir, start_modgate):
    """The exchange keeps who sent it: alice is revoked while her ban waits
    on a sleeping Redis, and its answer still names her (the ASan build
    would report the freed token set otherwise)."""
    redis = Redis(workdir, extra_args=["--enable-debug-command", "yes"]).start()
    try:
        waiting_ban_outlives_its_token(redis, start_modgate)
    finally:
        redis.stop()


def waiting_ban_outlives_its_token(redis, start_modgate):
    m = start_modgate(redis.url, config="redis: {timeout_ms: 5000}\n")
    wait_until(lambda: m.get("/readyz").status_code == 200)
    sleeper = threading.Thread(target=redis.cli, args=("DEBUG", "SLEEP", "2"))
    sleeper.start()
    time.sleep(0.2)  # Redis is asleep
    out = {}
    sender = threading.Thread(target=lambda: out.update(r=m.post(
        "/v1/bans", token=MOD_TOKEN, json={"author_id": "u-spam", "reason": "spam"})))
    sender.start()
    # the ban's connection is open (besides the one asking), then its
    # request waits on Redis
    wait_until(lambda: metric(parse_metrics(m.get("/metrics").text),
                              "modgate_http_connections_open") >= 2, timeout=1.5)
    time.sleep(0.2)
    rewrite(write_tokens(m.workdir), tokens_text("moderator bob %s" % MOD2_TOKEN))
    reload(m)
    sender.join()
    sleeper.join()
    assert out["r"].status_code == 201, out["r"].text
    assert out["r"].json()["by"] == "alice"
    # let in before the reload, answered after it
    order = [l.get("event") for l in m.log_lines()
             if l.get("event") == "reloaded" or l.get("path") == "/v1/bans"]
    assert order == ["reloaded", "access"], order
    assert queue(m, MOD_TOKEN) == 401


def test_a_changed_rate_limit_takes_effect(redis, start_modgate):
    m = start_modgate(redis.url, config=NO_LIMITS + "\n  author: [{count: 2, period_s: 60}]\n")
    wait_until(lambda: m.get("/readyz").status_code == 200)
    for n in range(2):
        assert post_comment(m, comment(n)).status_code == 201
    problem(post_comment(m, comment(2)), 429, "rate_limited")

    rewrite(config_path(m), NO_LIMITS + "\n  author: [{count: 5, period_s: 60}]\n")
    assert reload(m)["changed"] == ["rate_limits"]
    assert post_comment(m, comment(3)).status_code == 201

    rewrite(config_path(m), NO_LIMITS + "\n  author: [{count: 1, period_s: 60}]\n")
    reload(m)
    # Redis forgets its scripts: the submission loads the new one again
    redis.cli("SCRIPT", "FLUSH")
    assert post_comment(m, comment(4)).status_code == 201
    problem(post_comment(m, comment(5)), 429, "rate_limited")
    # another author has limits of their own
    assert post_comment(m, comment(6, author="u-other")).status_code == 201
    assert not events(m, "script_digest_mismatch") and not events(m, "script_load_failed")


def test_new_limits_hold_before_redis_names_their_script(workdir, start_modgate):
    """Redis names a script (its SHA-1) when it loads it. A submission sent
    after the reload but before that answer sends the new script whole
    (EVAL) and is held to the new limits, not to the old script's."""
    redis = Redis(workdir, extra_args=["--enable-debug-command", "yes"]).start()
    try:
        m = start_modgate(redis.url, config="redis: {timeout_ms: 5000}\n" + NO_LIMITS +
                          "\n  author: [{count: 5, period_s: 60}]\n")
        wait_until(lambda: m.get("/readyz").status_code == 200)
        assert post_comment(m, comment(0)).status_code == 201
        evals = lambda: redis.cli("INFO", "commandstats").count("cmdstat_eval:")
        assert evals() == 0
        sleeper = threading.Thread(target=redis.cli, args=("DEBUG", "SLEEP", "1.5"))
        sleeper.start()
        time.sleep(0.2)  # Redis is asleep: the SCRIPT LOAD waits unanswered
        rewrite(config_path(m), "redis: {timeout_ms: 5000}\n" + NO_LIMITS +
                "\n  author: [{count: 1, period_s: 60}]\n")
        reload(m)
        # two submissions while Redis sleeps; under the old limits (5, one
        # used) both would publish
        codes = []
        posts = [threading.Thread(target=lambda n=n: codes.append(
            post_comment(m, comment(n)).status_code)) for n in (1, 2)]
        for t in posts:
            t.start()
        for t in posts:
            t.join()
        sleeper.join()
        assert sorted(codes) == [201, 429]
        assert evals() == 1
        # named now: the next ones go by name and the limit holds
        problem(post_comment(m, comment(3)), 429, "rate_limited")
        assert not events(m, "script_load_failed")
    finally:
        redis.stop()


def test_the_log_level_changes(redis, start_modgate):
    m = start_modgate(redis.url, config="log: {level: info}\n")
    m.get("/healthz")
    wait_until(lambda: events(m, "access"))

    rewrite(config_path(m), "log: {level: warn}\n")
    # said at the old level, the more talkative of the two
    assert reload(m)["log_level"] == "warn"
    quiet_from = len(m.log_lines())
    for _ in range(5):
        assert m.get("/healthz").status_code == 200

    rewrite(config_path(m), "log: {level: info}\n")
    assert reload(m)["log_level"] == "info"
    quiet = m.log_lines()[quiet_from:]
    assert [l["event"] for l in quiet if l.get("level") == "info"] == ["reloaded"], quiet
    loud_from = len(m.log_lines())
    m.get("/healthz")
    wait_until(lambda: any(l.get("event") == "access" for l in m.log_lines()[loud_from:]))


def keys_of(m):
    r = m.get("/v1/keys")
    assert r.status_code == 200, r.text
    return {k["key_id"]: k["status"] for k in r.json()["keys"]}


def pubkey(key):
    return subprocess.run([MODCTL, "pubkey", "--key", key], capture_output=True,
                          text=True, check=True).stdout


def test_retired_keys_are_reloaded_and_a_new_active_key_needs_a_restart(
        redis, start_modgate, workdir):
    m = start_modgate(redis.url, config="")
    active = keys_of(m)
    assert list(active.values()) == ["active"]

    old = write_key(workdir, "old.key")
    retired = os.path.join(workdir, "retired.yaml")
    rewrite(retired, pubkey(old))
    rewrite(config_path(m), "retired_keys: %s\n" % retired)
    line = reload(m)
    assert line["changed"] == ["retired_keys"] and line["signing_keys"] == 2
    listed = keys_of(m)
    assert len(listed) == 2 and list(active)[0] in listed
    assert "retired" in listed.values()

    # a new key in the key file is a rotation: a restart item
    key_path = write_key(workdir)
    os.remove(key_path)
    write_key(workdir)
    other = write_key(workdir, "other.key")
    rewrite(retired, pubkey(old) + pubkey(other))
    needs = reload(m, "reload_needs_restart")
    assert needs["keys"] == ["key"], needs
    assert keys_of(m) == listed  # the running keys, unchanged
    r = post_comment(m, comment(1))
    assert r.status_code == 201 and r.json()["key_id"] == list(active)[0]


def test_a_broken_config_changes_nothing(redis, start_modgate):
    cfg = NO_LIMITS + "\n  author: [{count: 1, period_s: 60}]\n"
    m = start_modgate(redis.url, config=cfg)
    wait_until(lambda: m.get("/readyz").status_code == 200)
    tokens = write_tokens(m.workdir)
    # a new moderator and a broken config in one change: neither applies
    rewrite(tokens, tokens_text("moderator alice %s" % MOD_TOKEN,
                                "moderator carol %s" % CAROL_TOKEN))
    rewrite(config_path(m), cfg + "log: {level: [\n")
    failed = reload(m, "reload_failed")
    assert failed["part"] == "config" and config_path(m) in failed["error"], failed
    assert queue(m, CAROL_TOKEN) == 401
    assert queue(m, MOD2_TOKEN) == 200  # bob, revoked on disk, still in force
    assert post_comment(m, comment(1)).status_code == 201
    problem(post_comment(m, comment(2)), 429, "rate_limited")

    # an unknown key: the error names it, as at start
    rewrite(config_path(m), cfg + "no_such_key: 1\n")
    assert "no_such_key" in reload(m, "reload_failed")["error"]

    # a tokens file that cannot be used: readable by others, then a bad line
    rewrite(config_path(m), cfg)
    rewrite(tokens, tokens_text("moderator carol %s" % CAROL_TOKEN), mode=0o644)
    failed = reload(m, "reload_failed")
    assert tokens in failed["error"], failed
    rewrite(tokens, tokens_text("janitor x yyyyyyyy"))
    failed = reload(m, "reload_failed")
    assert tokens in failed["error"] and ":3:" in failed["error"], failed
    assert queue(m, CAROL_TOKEN) == 401 and queue(m, MOD_TOKEN) == 200
    # fixed: all of it applies
    rewrite(tokens, tokens_text("moderator carol %s" % CAROL_TOKEN))
    reload(m)
    assert queue(m, CAROL_TOKEN) == 200 and queue(m, MOD_TOKEN) == 401
    assert events(m, "reloaded")[-1]["tokens"] == 2


def test_broken_rules_change_nothing(redis, start_modgate, workdir):
    rules = os.path.join(workdir, "rules")
    os.makedirs(rules)
    rewrite(os.path.join(rules, "10-a.yaml"),
            "rules:\n  - {id: a.one, reason: r, when: {regex: 'spamword'}, score: 10}\n")
    m = start_modgate(redis.url, args=("--rules", rules))
    before = events(m, "rules_loaded")[-1]["rules_version"]
    tokens = write_tokens(workdir)
    rewrite(tokens, tokens_text("moderator carol %s" % CAROL_TOKEN))
    rewrite(os.path.join(rules, "20-b.yaml"),
            "rules:\n  - {id: b.one, reason: r, when: {regex: 'a(b'}, score: 1}\n")
    failed = reload(m, "reload_failed")
    assert failed["part"] == "rules" and "20-b.yaml" in failed["error"], failed
    assert queue(m, CAROL_TOKEN) == 401 and queue(m, MOD_TOKEN) == 200
    os.remove(os.path.join(rules, "20-b.yaml"))
    rewrite(os.path.join(rules, "10-a.yaml"),
            "rules:\n  - {id: a.two, reason: r, when: {regex: 'otherword'}, score: 10}\n")
    line = reload(m)
    assert line["rules"] == 1 and line["rules_version"] != before
    assert queue(m, CAROL_TOKEN) == 200


def test_restart_only_keys_keep_their_running_values(redis, workdir):
    """listen and redis.url from the file (flags would win over it): a
    reload that sees them changed names them and keeps serving where it
    was, and applies the rest."""
    port = free_port()
    cfg = "listen: 127.0.0.1:%d\nredis: {url: '%s'}\n" % (port, redis.url)
    m = Modgate(workdir, redis.url, config=cfg, port=port)
    m.cmd = [a for i, a in enumerate(m.cmd)
             if a not in ("--listen", "--redis") and m.cmd[i - 1] not in ("--listen", "--redis")]
    m.start()
    try:
        wait_until(lambda: m.get("/readyz").status_code == 200)
        rewrite(config_path(m), "listen: 127.0.0.1:%d\nredis: {url: 'redis://127.0.0.1:1/0', "
                "prefix: 'other:'}\nlog: {level: warn}\n" % free_port())
        needs = reload(m, "reload_needs_restart")
        assert needs["keys"] == ["listen", "redis.url", "redis.prefix"], needs
        line = events(m, "reloaded")[-1]
        assert line["changed"] == ["log.level"] and line["log_level"] == "warn"
        assert m.get("/readyz").status_code == 200  # the same port, the same Redis
        # said again on the next reload, as long as the file differs
        rewrite(config_path(m), cfg.replace("redis: {", "redis: {timeout_ms: 50, "))
        assert reload(m, "reload_needs_restart")["keys"] == ["redis.timeout_ms"]
        assert m.get("/readyz").status_code == 200
    finally:
        assert m.stop() == 0, m.logs()[-3000:]
        m.assert_clean()
