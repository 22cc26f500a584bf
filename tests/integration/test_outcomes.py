"""What a submission's answer says was stored (issue 16): 503
outcome_unknown when the script went to Redis and its outcome did not come
back (a command timeout, too few replicas), 503 unavailable only when
nothing was stored; a retry with the same Idempotency-Key, or a keyless
repeat of the same comment, gets the first outcome; redis.min_replicas_ack
answers 201 only once the replica has the comment."""
import os
import signal
import threading
import time

import pytest

from conftest import (MOD_TOKEN, ROOT, Redis, created, metric, parse_metrics,
                      post_comment, problem, wait_until)

RULES = os.path.join(ROOT, "rules")


def comment(body="Hard to believe they are being moved in civilian trucks.",
            **over):
    c = {"article_id": "a-out", "author_id": "u-out", "body": body}
    c.update(over)
    return c


def ready(m):
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)


def published_ids(redis, article="a-out"):
    """The article's published comments, read from Redis itself."""
    out = redis.cli("ZRANGE", "mg:a:%s:pub" % article, "0", "-1").split()
    return out


def record_on(redis, cid):
    return redis.cli("HGET", "mg:c:" + cid, "json").strip()


def unknown(r):
    body = problem(r, 503, "outcome_unknown")
    assert r.headers["Retry-After"] == "1"
    assert "may have" in body["detail"]
    return body


# --------------------------------------------------------- outcome unknown

def test_stall_longer_than_the_timeout_is_outcome_unknown_and_the_retry_gets_it(
        workdir, start_modgate):
    r = Redis(workdir, extra_args=["--enable-debug-command", "yes"]).start()
    try:
        m = start_modgate(r.url, config="redis:\n  timeout_ms: 300\n")
        ready(m)
        key = {"Idempotency-Key": "stall-1"}
        # Redis sleeps; the submission waits in its socket, runs when it
        # wakes, and its answer goes to a connection modgate has dropped
        hang = threading.Thread(target=lambda: r.cli("DEBUG", "SLEEP", "1.5"))
        hang.start()
        time.sleep(0.1)
        t0 = time.monotonic()
        unknown(post_comment(m, comment(), headers=key))
        assert time.monotonic() - t0 < 1.0  # the timeout, not the stall
        hang.join(timeout=10)
        # it was stored after all: the answer did not misstate it as
        # "nothing stored"
        stored = wait_until(lambda: published_ids(r), timeout=3)
        assert len(stored) == 1
        ready(m)
        again = created(post_comment(m, comment(), headers=key))
        assert again["id"] == stored[0]
        assert published_ids(r) == stored  # stored once
        counts = parse_metrics(m.get("/metrics").text)
        assert metric(counts, "modgate_submissions_total", outcome="outcome_unknown") == 1
        assert metric(counts, "modgate_submissions_total", outcome="unavailable") == 0
    finally:
        r.stop()


def test_a_moderators_write_in_a_stall_is_outcome_unknown(workdir, start_modgate):
    r = Redis(workdir, extra_args=["--enable-debug-command", "yes"]).start()
    try:
        m = start_modgate(r.url, config="redis:\n  timeout_ms: 300\n")
        ready(m)
        hang = threading.Thread(target=lambda: r.cli("DEBUG", "SLEEP", "1"))
        hang.start()
        time.sleep(0.1)
        ban = m.post("/v1/bans", token=MOD_TOKEN, json={"author_id": "u-stall"})
        body = unknown(ban)
        assert "look before repeating it" in body["detail"]
        hang.join(timeout=10)
        ready(m)
        # it took effect: the answer did not say "nothing done"
        bans = m.get("/v1/bans", token=MOD_TOKEN).json()["bans"]
        assert [b["value"] for b in bans] == ["u-stall"]
    finally:
        r.stop()


def test_redis_down_is_unavailable_and_nothing_is_stored(workdir, start_modgate):
    # an append-only Redis, so what it stored survives its restart
    r = Redis(workdir, extra_args=["--appendonly", "yes"]).start()
    try:
        m = start_modgate(r.url)
        ready(m)
        first = created(post_comment(m, comment("The first one, stored.")))
        r.stop()
        wait_until(lambda: m.get("/readyz").status_code == 503, timeout=5)
        p = problem(post_comment(m, comment("Sent while Redis is down."),
                                 headers={"Idempotency-Key": "down-1"}),
                    503, "unavailable")
        assert "may have been" not in p["detail"]
        r.start()
        ready(m)
        assert published_ids(r) == [first["id"]]
        # the retry is judged afresh and stored
        again = created(post_comment(m, comment("Sent while Redis is down."),
                                     headers={"Idempotency-Key": "down-1"}))
        assert sorted(published_ids(r)) == sorted([first["id"], again["id"]])
    finally:
        r.stop()


def test_a_write_redis_refuses_is_unavailable(workdir, start_modgate):
    # min-replicas-to-write with no replica: Redis refuses the script's
    # first write (NOREPLICAS), so nothing is stored, and the answer says so
    r = Redis(workdir, extra_args=["--min-replicas-to-write", "1"]).start()
    try:
        m = start_modgate(r.url)
        ready(m)
        problem(post_comment(m, comment()), 503, "unavailable")
        assert r.cli("KEYS", "mg:c:*").strip() == ""
        assert r.cli("KEYS", "mg:idem:*").strip() == ""
    finally:
        r.stop()


# ------------------------------------------------- keyless repeats

@pytest.fixture
def rules_server(redis, start_modgate):
    """The shipped rules: their duplicate rule (same author, same text
    within an hour, 30 characters or more) rejects."""
    m = start_modgate(redis.url, args=("--rules", RULES))
    ready(m)
    return m


def test_a_keyless_repeat_gets_the_first_outcome(rules_server, redis):
    body = "I agree with the minister on the budget, mostly."
    first = created(post_comment(rules_server, comment(body)))
    # the reader's second click, or the site's retry without a key: the
    # first outcome, not a rejection as a duplicate of itself
    r = post_comment(rules_server, comment(body))
    again = created(r)
    assert again["id"] == first["id"]
    assert r.headers["Location"] == "/v1/comments/" + first["id"]
    assert published_ids(redis) == [first["id"]]
    # held and rejected comments too: the same status, the same id
    held = post_comment(rules_server, comment("what a stupid idea", author_id="u-held"))
    assert held.status_code == 202, held.text
    held_again = post_comment(rules_server, comment("what a stupid idea",
                                                    author_id="u-held"))
    assert held_again.status_code == 202 and held_again.json()["id"] == held.json()["id"]
    rej = problem(post_comment(rules_server, comment("you are a f4gg0t")), 422, "rejected")
    rej_again = problem(post_comment(rules_server, comment("you are a f4gg0t")),
                        422, "rejected")
    assert rej_again["id"] == rej["id"]
    assert not any(mt["rule"] == "history.duplicate" for mt in rej_again["matches"])


def test_real_duplicates_are_still_judged(rules_server, redis):
    body = "I agree with the minister on the budget, mostly."
    first = created(post_comment(rules_server, comment(body)))
    # the same text as the rules normalize it, in other bytes: a duplicate
    dup = problem(post_comment(rules_server, comment(
        "I AGREE with the minister on the BUDGET,   mostly!")), 422, "rejected")
    assert any(mt["rule"] == "history.duplicate" for mt in dup["matches"])
    # another author may say the same thing
    other = created(post_comment(rules_server, comment(body, author_id="u-other")))
    assert other["id"] != first["id"]
    # the same words on another article, or in reply to a comment, are
    # another comment (and this author's duplicate)
    problem(post_comment(rules_server, comment(body, article_id="a-else")),
            422, "rejected")
    reply = post_comment(rules_server, comment(body, parent_id=first["id"]))
    assert problem(reply, 422, "rejected")["id"] != first["id"]
    assert sorted(published_ids(redis)) == sorted([first["id"], other["id"]])


# ------------------------------------------------- replica acknowledgement

@pytest.fixture
def replicated(workdir):
    """A primary and one replica of it."""
    primary = Redis(workdir).start()
    replica = Redis(workdir, extra_args=["--replicaof", "127.0.0.1",
                                         str(primary.port)]).start()
    wait_until(lambda: "master_link_status:up" in replica.cli("INFO", "replication"),
               timeout=10)
    yield primary, replica
    if replica.proc and replica.proc.poll() is None:
        replica.proc.send_signal(signal.SIGCONT)
    replica.stop()
    primary.stop()


ACK_CONFIG = "redis:\n  min_replicas_ack: 1\n  replica_ack_timeout_ms: 500\n"


def test_acknowledged_by_the_replica_before_the_201(replicated, start_modgate):
    primary, replica = replicated
    m = start_modgate(primary.url, config=ACK_CONFIG)
    ready(m)
    for n in range(5):
        rec = created(post_comment(m, comment("Replicated, number %d." % n)))
        # read at once: the replica had it before the answer went out
        assert record_on(replica, rec["id"]) != ""


def test_no_replica_acknowledgement_is_outcome_unknown(replicated, start_modgate):
    primary, replica = replicated
    m = start_modgate(primary.url, config=ACK_CONFIG)
    ready(m)
    key = {"Idempotency-Key": "ack-1"}
    replica.proc.send_signal(signal.SIGSTOP)
    t0 = time.monotonic()
    unknown(post_comment(m, comment(), headers=key))
    elapsed = time.monotonic() - t0
    assert 0.45 <= elapsed < 1.5, elapsed  # replica_ack_timeout_ms
    (stored,) = published_ids(primary)  # on the primary, not confirmed
    # a retry on a new link while the replica is still away: the replay
    # is not confirmed either. (WAIT is documented to count what its own
    # connection wrote, which for a replay on a new link is nothing:
    # submit.lua writes again on a replay to be sure. Redis 7.0.15's WAIT
    # on a fresh connection happens to wait for the whole stream, so this
    # passes there with or without that write.)
    primary.cli("CLIENT", "KILL", "TYPE", "normal")
    ready(m)
    unknown(post_comment(m, comment(), headers=key))
    replica.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: record_on(replica, stored) != "", timeout=10)
    again = created(post_comment(m, comment(), headers=key))
    assert again["id"] == stored
    assert published_ids(primary) == [stored]
