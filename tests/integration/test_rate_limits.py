"""Rate limits on POST /v1/comments (docs/api.md, "POST /v1/comments", the 429
row; docs/configuration.md "Rate limits"): each dimension on its own, GCRA
bursts and Retry-After, several limits on one dimension, trusted authors,
address forms and subnets, what counts and what does not, limits shared by
instances on one Redis (also with a skewed clock), and one script call per
submission."""
import concurrent.futures
import glob
import itertools
import json
import math
import os
import re
import socket
import time
from datetime import datetime, timezone

import pytest

from conftest import SITE_TOKEN, MOD_TOKEN, parse_metrics, metric, wait_until
from conftest import post_comment as post, problem, created

DIMENSIONS = ("author", "ip", "subnet", "article", "global")
_seq = itertools.count(1)


# ---- helpers -------------------------------------------------------------------

def limits_config(trusted=None, v4=None, v6=None, **dims):
    """YAML with a rate_limits section where every dimension is off unless
    given: dims maps a dimension to [(count, period_s), ...]."""
    lines = ["rate_limits:"]
    for d in DIMENSIONS:
        entries = ", ".join("{count: %d, period_s: %d}" % cp for cp in dims.get(d, []))
        lines.append("  %s: [%s]" % (d, entries))
    if trusted is not None:
        lines.append("  trusted_authors: [%s]" % ", ".join(trusted))
    if v4 is not None:
        lines.append("  subnet_prefix_v4: %d" % v4)
    if v6 is not None:
        lines.append("  subnet_prefix_v6: %d" % v6)
    return "\n".join(lines) + "\n"


def comment(**over):
    """A valid submission; every call gets a distinct body, and a distinct
    author and article unless given. A value of ... drops the member."""
    n = next(_seq)
    c = {"article_id": "art-%d" % n, "author_id": "u-%d" % n,
         "author_name": "Reader %d" % n, "body": "A fair point, number %d." % n}
    c.update(over)
    return {k: v for k, v in c.items() if v is not ...}








def refused(r, limit):
    """Asserts a 429 from limit `limit`; returns its retry_after."""
    body = problem(r, 429, "rate_limited")
    assert body["limit"] == limit, body
    ra = body["retry_after"]
    assert isinstance(ra, int) and not isinstance(ra, bool) and ra >= 1, body
    header = r.headers.get("Retry-After")
    assert header is not None and re.fullmatch(r"[0-9]+", header), r.headers
    assert int(header) == ra, (header, body)
    return ra


def metrics_of(server):
    r = server.get("/metrics")
    assert r.status_code == 200
    return parse_metrics(r.text)


def start(redis, start_modgate, config, **kw):
    m = start_modgate(redis.url, config=config, **kw)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def list_total(server, article):
    r = server.get("/v1/articles/%s/comments" % article, token=SITE_TOKEN)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


# For each dimension: the i-th submission sharing only that dimension's value
# with the others, and one with another value of it.
SHARED = {
    "author": lambda i: comment(author_id="u-shared", article_id="art-a%d" % i,
                                client_ip="10.%d.0.1" % (i + 1)),
    "ip": lambda i: comment(client_ip="192.0.2.10"),
    "subnet": lambda i: comment(client_ip="198.51.100.%d" % (i + 1)),
    "article": lambda i: comment(article_id="art-shared",
                                 client_ip="10.%d.0.1" % (i + 1)),
    "global": lambda i: comment(client_ip="10.%d.0.1" % (i + 1)),
}
OTHER = {
    "author": lambda: comment(author_id="u-other", client_ip="10.200.0.1"),
    "ip": lambda: comment(client_ip="192.0.2.11"),
    "subnet": lambda: comment(client_ip="198.51.101.1"),
    "article": lambda: comment(article_id="art-other"),
    "global": None,
}


# ---- each dimension --------------------------------------------------------------

@pytest.mark.parametrize("dim", DIMENSIONS)
def test_each_dimension_allows_its_burst_then_refuses(redis, start_modgate, dim):
    burst, period = 3, 6  # 3 at once, then one every 2 s
    m = start(redis, start_modgate, limits_config(**{dim: [(burst, period)]}))
    before = metrics_of(m)
    t0 = time.monotonic()
    results = [post(m, SHARED[dim](i)) for i in range(burst + 5)]
    elapsed = time.monotonic() - t0
    assert [r.status_code for r in results] == [201] * burst + [429] * 5, \
        [(r.status_code, r.text) for r in results]
    waits = [refused(r, dim) for r in results[burst:]]
    # GCRA: the next one is allowed one interval (period/count = 2 s) after
    # the first of the burst; rounded up to whole seconds
    if elapsed < 0.9:
        assert waits[0] == 2, waits
    assert all(1 <= w <= period // burst for w in waits), waits
    assert waits == sorted(waits, reverse=True), waits
    # another value of the same dimension has its own allowance
    if OTHER[dim]:
        created(post(m, OTHER[dim]()))
    # waiting retry_after is enough; then the next one is refused again
    time.sleep(waits[-1])
    created(post(m, SHARED[dim](100)))
    again = refused(post(m, SHARED[dim](101)), dim)
    assert 1 <= again <= 2
    after = metrics_of(m)
    rise = lambda name, **l: metric(after, name, **l) - metric(before, name, **l)
    assert rise("modgate_rate_limited_total", limit=dim) == 6
    assert rise("modgate_submissions_total", outcome="rate_limited") == 6
    for other in DIMENSIONS:
        if other != dim:
            assert rise("modgate_rate_limited_total", limit=other) == 0


def test_default_limits_apply_without_a_config(server):
    # docs/rate-limits.md: the built-in author limit is 10 per 60 s
    codes = [post(server, comment(author_id="u-default")).status_code for _ in range(11)]
    assert codes == [201] * 10 + [429]
    assert 1 <= refused(post(server, comment(author_id="u-default")), "author") <= 6


def test_two_limits_on_one_dimension(redis, start_modgate):
    # 3 at once then one a second, and at most 4 a minute (one per 15 s)
    m = start(redis, start_modgate, limits_config(author=[(3, 3), (4, 60)]))
    who = {"author_id": "u-two"}
    for _ in range(3):
        created(post(m, comment(**who)))
    short = refused(post(m, comment(**who)), "author")
    assert short == 1  # the short limit
    time.sleep(short)
    created(post(m, comment(**who)))  # the 4th of the minute
    long = refused(post(m, comment(**who)), "author")
    # the per-minute limit: a 5th is allowed 15 s after the first, so it
    # says about 14 s, not the short limit's 1 s
    assert 10 <= long <= 15, long
    time.sleep(2)  # the short limit allows one again; the long one does not
    later = refused(post(m, comment(**who)), "author")
    assert 8 <= later <= long - 1, (later, long)


def test_trusted_authors_skip_the_author_limits_only(redis, start_modgate):
    m = start(redis, start_modgate,
              limits_config(author=[(2, 60)], ip=[(4, 60)], trusted=["staff-1"]))
    for _ in range(4):
        created(post(m, comment(author_id="staff-1", client_ip="192.0.2.10")))
    refused(post(m, comment(author_id="staff-1", client_ip="192.0.2.10")), "ip")
    for _ in range(3):  # past the author limit, from other addresses
        created(post(m, comment(author_id="staff-1", client_ip="192.0.2.20")))
    created(post(m, comment(author_id="staff-1")))
    # an untrusted author is limited
    for _ in range(2):
        created(post(m, comment(author_id="staff-2", client_ip="192.0.2.30")))
    refused(post(m, comment(author_id="staff-2", client_ip="192.0.2.31")), "author")


def test_without_client_ip_the_ip_and_subnet_limits_do_not_apply(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(ip=[(2, 60)], subnet=[(3, 60)]))
    for _ in range(8):
        created(post(m, comment()))
    for _ in range(2):
        created(post(m, comment(client_ip="203.0.113.7")))
    refused(post(m, comment(client_ip="203.0.113.7")), "ip")
    created(post(m, comment(client_ip="203.0.113.8")))  # 3rd of the subnet
    refused(post(m, comment(client_ip="203.0.113.9")), "subnet")
    created(post(m, comment(client_ip=...)))


def test_ipv6_forms_share_one_counter(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(ip=[(4, 60)]))
    for ip in ("2001:DB8::1", "2001:0db8:0:0:0:0:0:1", "2001:db8:0::1",
               "2001:0DB8:0000:0000:0000:0000:0000:0001"):
        created(post(m, comment(client_ip=ip)))
    refused(post(m, comment(client_ip="2001:db8::1")), "ip")
    refused(post(m, comment(client_ip="2001:db8::0:0:1")), "ip")
    created(post(m, comment(client_ip="2001:db8::2")))


def test_ipv4_mapped_addresses_count_as_the_ipv4_address(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(ip=[(4, 60)]))
    for ip in ("203.0.113.7", "::ffff:203.0.113.7", "::FFFF:203.0.113.7",
               "::ffff:cb00:7107"):
        created(post(m, comment(client_ip=ip)))
    refused(post(m, comment(client_ip="203.0.113.7")), "ip")
    refused(post(m, comment(client_ip="0:0:0:0:0:ffff:203.0.113.7")), "ip")
    created(post(m, comment(client_ip="203.0.113.8")))


def test_an_ipv4_subnet_shares_one_limit(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(subnet=[(3, 60)]))
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.254"):
        created(post(m, comment(client_ip=ip)))
    refused(post(m, comment(client_ip="198.51.100.77")), "subnet")
    refused(post(m, comment(client_ip="::ffff:198.51.100.78")), "subnet")
    created(post(m, comment(client_ip="198.51.101.1")))
    created(post(m, comment(client_ip="198.51.99.255")))


def test_an_ipv6_56_shares_one_limit(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(subnet=[(3, 60)]))
    # 2001:db8:aa:bb00::/56; these differ only in the last 72 bits
    for ip in ("2001:db8:aa:bb00::1", "2001:db8:aa:bbff:ffff:ffff:ffff:ffff",
               "2001:DB8:AA:BB12:3456::9"):
        created(post(m, comment(client_ip=ip)))
    refused(post(m, comment(client_ip="2001:db8:aa:bb80::5")), "subnet")
    created(post(m, comment(client_ip="2001:db8:aa:bc00::1")))
    created(post(m, comment(client_ip="2001:db8:aa:ba00::1")))
    created(post(m, comment(client_ip="2001:db8:ab:bb00::1")))


def test_subnet_prefixes_are_configurable(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(subnet=[(2, 60)], v4=16, v6=64))
    created(post(m, comment(client_ip="172.16.1.1")))
    created(post(m, comment(client_ip="172.16.200.9")))
    refused(post(m, comment(client_ip="172.16.77.7")), "subnet")
    created(post(m, comment(client_ip="172.17.0.1")))
    created(post(m, comment(client_ip="2001:db8:1:2::1")))
    created(post(m, comment(client_ip="2001:db8:1:2:ffff::1")))
    refused(post(m, comment(client_ip="2001:db8:1:2::9")), "subnet")
    # the next /64 (same /56) is another subnet now
    created(post(m, comment(client_ip="2001:db8:1:3::1")))


def test_when_several_limits_refuse_the_longest_wait_is_reported(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(author=[(1, 60)], ip=[(1, 2)]))
    created(post(m, comment(author_id="u-both", client_ip="192.0.2.44")))
    # both refuse; a retry needs both, so retry_after is the author's ~60 s
    r = post(m, comment(author_id="u-both", client_ip="192.0.2.44"))
    assert refused(r, "author") in (59, 60)
    refused(post(m, comment(author_id="u-other", client_ip="192.0.2.44")), "ip")


# ---- what counts ------------------------------------------------------------------

def test_idempotent_replays_do_not_count(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(author=[(2, 60)]))
    h = {"Idempotency-Key": "replay-me-1"}
    c = comment(author_id="u-replay")
    first = [post(m, c, headers=h) for _ in range(10)]
    assert {r.status_code for r in first} == {201}
    assert len({r.json()["id"] for r in first}) == 1
    created(post(m, comment(author_id="u-replay")))  # the 2nd counted
    refused(post(m, comment(author_id="u-replay")), "author")
    # a replay is answered before the limiter, even when the limit is spent
    again = created(post(m, c, headers=h))
    assert again["id"] == first[0].json()["id"]
    assert list_total(m, c["article_id"]) == 1


def test_a_rate_limited_answer_is_not_kept_for_its_idempotency_key(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(author=[(1, 1)]))
    created(post(m, comment(author_id="u-key")))
    c = comment(author_id="u-key")
    h = {"Idempotency-Key": "retry-after-429"}
    wait = refused(post(m, c, headers=h), "author")
    assert wait == 1
    time.sleep(wait)
    # the same request, retried when told, is evaluated afresh
    first = created(post(m, c, headers=h))
    again = created(post(m, c, headers=h))  # and now that answer is kept
    assert again["id"] == first["id"]


def test_requests_that_fail_validation_do_not_count(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(**{"global": [(3, 60)]}))
    created(post(m, comment(), headers={"Idempotency-Key": "k-val"}))  # 1st
    for _ in range(2):
        problem(post(m, comment(body="")), 422, "too_short")
        problem(post(m, comment(body="x" * 301)), 422, "too_long")
        assert problem(post(m, comment(client_ip="999.1.1.1")), 400,
                       "invalid_request")["field"] == "client_ip"
        assert problem(post(m, comment(author_id="a b")), 400,
                       "invalid_request")["field"] == "author_id"
        assert problem(post(m, comment(article_id=...)), 400,
                       "invalid_request")["field"] == "article_id"
        problem(post(m, None, raw=b'{"article_id": "x",'), 400, "invalid_request")
        problem(post(m, comment(), headers={"Content-Type": "text/plain"}), 415,
                "unsupported_media_type")
        problem(post(m, comment(), headers={"Idempotency-Key": "k" * 129}), 400,
                "invalid_request")
        problem(post(m, comment(), token=MOD_TOKEN), 403, "forbidden")
        problem(post(m, comment(), token=None), 401, "unauthorized")
        # same key, another body: a conflict, found before the limiter
        problem(post(m, comment(), headers={"Idempotency-Key": "k-val"}), 409,
                "idempotency_conflict")
    created(post(m, comment()))  # 2nd
    created(post(m, comment()))  # 3rd
    refused(post(m, comment()), "global")


def test_an_invalid_parent_counts(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(author=[(3, 60)]))
    missing = "0190a000-0000-7000-8000-000000000000"
    for _ in range(3):
        problem(post(m, comment(author_id="u-parent", parent_id=missing)), 422,
                "invalid_parent")
    refused(post(m, comment(author_id="u-parent")), "author")
    # the limiter runs before the parent check
    refused(post(m, comment(author_id="u-parent", parent_id=missing)), "author")
    # a parent_id that cannot be an id is a missing parent too, and counts
    for not_an_id in ("not-a-comment", "", "x" * 300):
        problem(post(m, comment(author_id="u-parent2", parent_id=not_an_id)), 422,
                "invalid_parent")
    refused(post(m, comment(author_id="u-parent2")), "author")


def test_a_refused_submission_is_not_counted_again(redis, start_modgate):
    # 2 at once, then one every 2 s: if refusals counted, hammering would
    # push the next allowed time 2 s further each time
    m = start(redis, start_modgate, limits_config(author=[(2, 4)]))
    created(post(m, comment(author_id="u-hammer")))
    created(post(m, comment(author_id="u-hammer")))
    waits = [refused(post(m, comment(author_id="u-hammer")), "author") for _ in range(15)]
    assert all(1 <= w <= 2 for w in waits) and waits == sorted(waits, reverse=True), waits
    time.sleep(waits[-1])
    created(post(m, comment(author_id="u-hammer")))


def redis_ms(redis):
    """Redis' clock (TIME) in ms, the clock the limiter's generations follow."""
    sec, usec = redis.cli("TIME").split()
    return int(sec) * 1000 + int(usec) / 1000


def wait_for_phase(redis, generation_ms, lo, hi, after=-1):
    """Sleeps until Redis' clock is between lo and hi ms into a generation
    later than `after`; returns that generation."""
    while True:
        now = redis_ms(redis)
        phase = now % generation_ms
        if lo <= phase < hi and now // generation_ms > after:
            return int(now // generation_ms)
        time.sleep(max(0.01, ((lo - phase) % generation_ms) / 1000))


def test_limit_states_carry_into_the_next_generation_and_old_ones_go(redis, start_modgate):
    # The states live in one hash per generation (the longest window, 2 s
    # here): a burst just before a generation ends still counts just after
    # it, and only the current and the previous generation are kept.
    gen = 2000
    m = start(redis, start_modgate, limits_config(author=[(2, 2)]))
    wait_for_phase(redis, gen, 1500, 1700)
    created(post(m, comment(author_id="u-edge")))
    created(post(m, comment(author_id="u-edge")))
    wait_for_phase(redis, gen, 50, 400)  # the next generation, < 1 s later
    refused(post(m, comment(author_id="u-edge")), "author")

    seen, current = set(), -1
    for _ in range(4):  # a comment in each of four more generations
        current = wait_for_phase(redis, gen, 1000, 1400, after=current)
        created(post(m, comment(author_id="u-later")))
        hashes = set(redis.cli("KEYS", "mg:rl:*").split())
        assert hashes and all(h.startswith("mg:rl:%d:" % gen) for h in hashes), hashes
        # this generation's and the previous one's; older ones were unlinked
        assert hashes <= {"mg:rl:%d:%d" % (gen, g) for g in (current, current - 1)}, \
            (hashes, current)
        for h in hashes:
            left = int(redis.cli("PTTL", h))
            # each goes by itself a generation after its last reader
            assert 0 < left <= 3 * gen, (h, left)
        seen |= hashes
    assert len(seen) >= 4, seen


# ---- across instances ---------------------------------------------------------------

def test_the_limit_holds_across_instances(redis, start_modgate):
    cfg = limits_config(author=[(10, 60)])
    a = start(redis, start_modgate, cfg)
    b = start(redis, start_modgate, cfg)

    def one(i):
        return post((a, b)[i % 2], comment(author_id="u-everywhere"))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(40)))
    codes = [r.status_code for r in results]
    assert codes.count(201) == 10 and codes.count(429) == 30, codes
    for r in results:
        if r.status_code == 429:
            assert 1 <= refused(r, "author") <= 6  # one every 6 s


def faketime_env(offset="+2h"):
    """Environment that runs a process with its wall clock shifted by offset
    (libfaketime, monotonic clock left alone). Not the `faketime` command as
    a prefix: it forks and waits instead of exec'ing, so SIGTERM would reach
    the wrapper and orphan modgate."""
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    assert libs, "libfaketime is not installed (Debian package faketime)"
    preload = os.environ.get("LD_PRELOAD")
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {
        # an ASan runtime preloaded by the caller must stay first
        "LD_PRELOAD": (preload + ":" if preload else "") + libs[0],
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0",
    }


def test_the_limit_holds_across_instances_with_skewed_clocks(redis, start_modgate):
    count, period = 6, 60  # one every 10 s
    cfg = limits_config(author=[(count, period)])
    normal = start(redis, start_modgate, cfg)
    skewed = start(redis, start_modgate, cfg, env=faketime_env("+2h"))
    # the skew is real: the skewed instance stamps records two hours ahead
    probe = created(post(skewed, comment(author_id="u-clock")))
    assert 7200 - 60 < parse_time(probe["created_at"]) - time.time() < 7200 + 60

    def one(i):
        return i % 2, post((normal, skewed)[i % 2], comment(author_id="u-skew"))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(4 * count)))
    codes = [r.status_code for _, r in results]
    assert codes.count(201) == count and codes.count(429) == 3 * count, codes
    by_instance = {0: [], 1: []}
    for which, r in results:
        if r.status_code == 429:
            by_instance[which].append(refused(r, "author"))
    assert by_instance[1], "the skewed instance refused nothing"
    for which, waits in by_instance.items():
        # not 7200 s off either way: within one interval
        assert all(1 <= w <= period // count for w in waits), (which, waits)
    # sequentially too, alternating instances
    seq = [post((normal, skewed)[i % 2], comment(author_id="u-seq")).status_code
           for i in range(2 * count)]
    assert seq.count(201) == count and seq[:count] == [201] * count, seq


# ---- one script call per submission -----------------------------------------------

def commandstats(redis):
    out = {}
    for line in redis.cli("INFO", "commandstats").splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


class Monitor:
    """Redis MONITOR on a raw connection: [(source, command, first arg)],
    source being "lua" for commands a script ran."""

    LINE = re.compile(r'^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"(?: "([^"]*)")?')

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
        self.data = b""
        while b"\r\n" not in self.data:
            self.data += self.sock.recv(65536)
        first, _, self.data = self.data.partition(b"\r\n")
        assert first == b"+OK", first

    def stop(self, quiet=0.3):
        """Reads until nothing arrives for `quiet` seconds; closes."""
        self.sock.settimeout(quiet)
        while True:
            try:
                b = self.sock.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            self.data += b
        self.sock.close()
        out = []
        for line in self.data.decode("utf-8", "replace").split("\r\n"):
            m = self.LINE.match(line)
            if m:
                out.append((m.group(1), m.group(2).upper(), m.group(3)))
        return out


def test_one_evalsha_per_submission(redis, start_modgate):
    m = start(redis, start_modgate, limits_config(author=[(5, 60)], ip=[(3, 60)]))
    # a ban and a first stored comment for a replay, before the window
    assert m.post("/v1/bans", token=MOD_TOKEN, json={"author_id": "u-banned"}).status_code == 201
    replayed = comment(author_id="u-replayer")
    h = {"Idempotency-Key": "evalsha-replay"}
    created(post(m, replayed, headers=h))
    time.sleep(0.2)

    before = commandstats(redis)
    mon = Monitor(redis.port)
    t0 = time.monotonic()
    statuses = []
    for i in range(10):  # 5 published, 5 refused by the author limit
        statuses.append(post(m, comment(author_id="u-busy")).status_code)
    for i in range(4):  # 3 published, 1 refused by the ip limit
        statuses.append(post(m, comment(client_ip="192.0.2.99")).status_code)
    for i in range(4):
        statuses.append(post(m, comment()).status_code)
    statuses.append(post(m, comment(author_id="u-banned")).status_code)
    statuses.append(post(m, replayed, headers=h).status_code)
    # never reach Redis
    problem(post(m, comment(body="")), 422, "too_short")
    problem(post(m, comment(client_ip="nope")), 400, "invalid_request")
    elapsed = time.monotonic() - t0
    seen = mon.stop()
    after = commandstats(redis)
    n = len(statuses)
    assert n == 20
    assert statuses.count(201) == 13 and statuses.count(429) == 6 \
        and statuses.count(403) == 1, statuses

    # the probe runs an EVALSHA about once a second as well
    probes_max = math.ceil(elapsed + 0.3) + 1
    delta = after.get("evalsha", 0) - before.get("evalsha", 0)
    assert n <= delta <= n + probes_max, (delta, n, elapsed)
    for cmd in ("eval", "script", "multi", "exec", "watch"):
        assert after.get(cmd, 0) == before.get(cmd, 0), (cmd, before, after)

    # everything modgate itself sent was EVALSHA; HMGET, HSET, ZADD...
    # (which do show in commandstats) were run by the script
    direct = [(cmd, arg) for src, cmd, arg in seen if src != "lua"]
    assert {cmd for cmd, _ in direct} == {"EVALSHA"}, direct
    per_script = {}
    for _, sha in direct:
        per_script[sha] = per_script.get(sha, 0) + 1
    submit_sha = max(per_script, key=per_script.get)
    assert per_script[submit_sha] == n, per_script
    assert sum(per_script.values()) - n <= probes_max, per_script
    by_lua = {cmd for src, cmd, _ in seen if src == "lua"}
    assert {"HMGET", "HSET", "ZADD"} <= by_lua, by_lua
