"""Process lifecycle: graceful shutdown, configuration errors, startup
failures, flags versus environment."""
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import (MODCTL, MODGATE, SITE_TOKEN, Modgate, free_port, peer_closed,
                      read_responses, request_bytes, wait_until, write_tokens)

NO_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there; startup must not care


def run_modgate(args, env=None, timeout=10):
    """Runs modgate expecting it to exit by itself; returns CompletedProcess."""
    try:
        return subprocess.run([MODGATE] + list(args), capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired as e:
        raise AssertionError("modgate did not exit within %ds: %s %s"
                             % (timeout, e.stdout, e.stderr))


def listen_args():
    return ["--listen", "127.0.0.1:%d" % free_port()]


def wait_exit(m, timeout):
    """Waits for the process to exit; returns (code, seconds)."""
    t0 = time.monotonic()
    try:
        code = m.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("modgate still running %.1fs after the signal" % timeout)
    return code, time.monotonic() - t0


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


# ---------------------------------------------------------------- shutdown

def test_sigterm_finishes_request_in_flight(server):
    body = b'{"body":"' + b"x" * 9 + b'"}'
    assert len(body) == 20
    head = request_bytes("POST", "/v1/comments",
                         [("Authorization", "Bearer " + SITE_TOKEN),
                          ("Content-Type", "application/json"),
                          ("Content-Length", "20"), ("X-Request-Id", "in-flight")])
    with server.connect() as s:
        s.sendall(head + body[:10])
        time.sleep(0.1)
        server.signal(signal.SIGTERM)
        time.sleep(0.2)
        assert server.proc.poll() is None, "exited with a request in flight"
        assert refused(server.port), "still accepting connections after SIGTERM"
        s.sendall(body[10:])
        (resp,) = read_responses(s, 1, timeout=5)
        status, headers, payload = resp
        assert headers.get("x-request-id") == "in-flight"
        assert headers.get("connection", "").lower() == "close"
        assert status not in (408, 500, 503), resp
        assert peer_closed(s, 2.0)
    code, took = wait_exit(server, 5)
    assert code == 0
    assert server.stop() == 0


def test_sigint_on_idle_server_exits_0_quickly(server):
    server.signal(signal.SIGINT)
    code, took = wait_exit(server, 5)
    assert code == 0
    assert took < 1.5, "took %.2fs to exit on SIGINT" % took
    server.stop()


def test_idle_keep_alive_connection_still_answers_during_drain(server):
    """An idle keep-alive connection is not closed at SIGTERM: a client (a
    proxy such as nginx) may be sending a request on it at that moment, and
    a POST lost after it was sent cannot be retried safely. A request on it
    is answered, with Connection: close; once the clients close theirs,
    modgate exits at once."""
    socks = []
    for i in range(3):
        s = server.connect()
        s.sendall(request_bytes("GET", "/healthz"))
        assert read_responses(s, 1)[0][0] == 200
        socks.append(s)
    server.signal(signal.SIGTERM)
    time.sleep(0.3)
    assert server.proc.poll() is None, "exited with idle connections open"
    assert refused(server.port), "still accepting connections after SIGTERM"
    body = b'{"article_id":"a-1","author_id":"u-1","body":"Sent as the drain began."}'
    socks[0].sendall(request_bytes(
        "POST", "/v1/comments",
        [("Authorization", "Bearer " + SITE_TOKEN),
         ("Content-Type", "application/json")], body))
    ((status, headers, _),) = read_responses(socks[0], 1)
    assert status == 201, status
    assert headers.get("connection", "").lower() == "close"
    assert peer_closed(socks[0], 2.0), "not closed after its Connection: close"
    t0 = time.monotonic()
    for s in socks:
        s.close()
    code, _ = wait_exit(server, 5)
    assert code == 0
    assert time.monotonic() - t0 < 1.0, "did not exit once the clients closed"
    server.stop()
    log = [l for l in server.log_lines() if l.get("level") in ("error", "fatal")]
    assert not log, log


@pytest.mark.parametrize("idle_ms, drain_ms", [(500, 5000), (60000, 800)],
                         ids=["idle-timeout-first", "drain-timeout-first"])
def test_idle_connection_closes_at_idle_or_drain_timeout(redis, start_modgate,
                                                         idle_ms, drain_ms):
    """A client that keeps an idle connection open and sends nothing holds
    shutdown only until the idle timeout or the drain timeout, the first."""
    m = start_modgate(redis.url, config=(
        "limits:\n  idle_timeout_ms: %d\n  drain_timeout_ms: %d\n" % (idle_ms, drain_ms)))
    with m.connect() as s:
        s.sendall(request_bytes("GET", "/healthz"))
        assert read_responses(s, 1)[0][0] == 200
        t0 = time.monotonic()
        m.signal(signal.SIGTERM)
        assert not peer_closed(s, 0.25), "idle connection closed at SIGTERM"
        bound = min(idle_ms, drain_ms) / 1000.0
        assert peer_closed(s, bound + 1.0), "idle connection still open"
        took = time.monotonic() - t0
        assert bound - 0.1 <= took <= bound + 1.0, (took, bound)
    code, _ = wait_exit(m, 5)
    assert code == 0
    m.stop()


@pytest.mark.parametrize("partial", [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
    b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n{",
], ids=["stalled-headers", "stalled-body"])
def test_drain_timeout_bounds_shutdown(redis, start_modgate, partial):
    m = start_modgate(redis.url, config=(
        "limits:\n  drain_timeout_ms: 500\n  request_timeout_ms: 10000\n"))
    with m.connect() as s:
        s.sendall(partial)
        time.sleep(0.1)
        m.signal(signal.SIGTERM)
        code, took = wait_exit(m, 5)
        assert code == 0
        assert took < 2.0, "shutdown took %.2fs with drain_timeout_ms 500" % took
        assert took >= 0.3, "did not wait for the request in flight (%.2fs)" % took
        assert peer_closed(s, 1.0)
    m.stop()


def test_drain_timeout_zero_exits_immediately(redis, start_modgate):
    m = start_modgate(redis.url, config="limits:\n  drain_timeout_ms: 0\n")
    with m.connect() as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        time.sleep(0.1)
        m.signal(signal.SIGTERM)
        code, took = wait_exit(m, 5)
    assert code == 0 and took < 1.0
    m.stop()


# ---------------------------------------------------------- config errors

# (id, YAML text, line, column or None when only the line is certain)
BAD_CONFIGS = [
    ("unknown-top-level-key", "bogus: 1\n", 1, 1),
    ("unknown-nested-key", "# comment\n\nlimits:\n  body_bytes: 100\n  bogus_key: 1\n", 5, 3),
    ("unknown-redis-key", 'redis:\n  url: "redis://127.0.0.1:6379/0"\n  passwd: x\n', 3, 3),
    ("string-for-int", "limits:\n  idle_timeout_ms: soon\n", 2, 20),
    ("float-for-int", "limits:\n  body_bytes: 1.5\n", 2, 15),
    ("scalar-for-mapping", "redis: 5\n", 1, 8),
    ("sequence-for-mapping", "limits:\n  - 1\n", 2, None),
    ("out-of-range-low", "limits:\n  header_bytes: 10\n", 2, 17),
    ("out-of-range-high", "\n\nlimits:\n  body_bytes: 99999999999\n", 4, 15),
    ("negative", "limits:\n  drain_timeout_ms: -5\n", 2, 21),
    ("zero-timeout", 'redis:\n  url: "redis://127.0.0.1:6379/0"\n  timeout_ms: 0\n', 3, 15),
    ("bad-log-level", "log:\n  level: loud\n", 2, 10),
    ("yaml-nested-mapping-on-one-line",
     "limits:\n  body_bytes: 100\n  request_timeout_ms: 100: 5\n", 3, None),
    ("yaml-tab-indent", "limits:\n  body_bytes: 100\n\tidle_timeout_ms: 500\n", 3, None),
    ("yaml-duplicate-key", "limits:\n  body_bytes: 100\n  body_bytes: 200\n", 3, 3),
    ("yaml-unclosed-quote",
     'limits:\n  body_bytes: 100\nredis:\n  url: "redis://x:1/0\n', 4, 9),
]


@pytest.mark.parametrize("text,line,col", [c[1:] for c in BAD_CONFIGS],
                         ids=[c[0] for c in BAD_CONFIGS])
@pytest.mark.parametrize("check_only", [False, True], ids=["run", "check-config"])
def test_bad_config_exits_2_with_location(workdir, text, line, col, check_only):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write(text)
    args = ["-c", path, "--redis", NO_REDIS] + listen_args()
    if check_only:
        args.append("--check-config")
    r = run_modgate(args)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    where = re.escape(path) + ":%d:%s" % (line, str(col) if col else r"\d+")
    assert re.search(where, r.stderr), "expected %s:%d:%s in %r" % (path, line, col, r.stderr)
    assert "configuration OK" not in r.stdout + r.stderr


def test_missing_config_file(workdir):
    path = os.path.join(workdir, "nope.yaml")
    r = run_modgate(["-c", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode == 2
    assert path in r.stderr


def test_check_config_ok(workdir):
    path = os.path.join(workdir, "good.yaml")
    with open(path, "w") as f:
        f.write("# a full config\n"
                'listen: "127.0.0.1:%d"\n'
                "redis:\n"
                '  url: "redis://127.0.0.1:6379/0"\n'
                '  prefix: "t:"\n'
                "  timeout_ms: 500\n"
                "limits:\n"
                "  header_bytes: 4096\n"
                "  body_bytes: 1000\n"
                "  request_timeout_ms: 500\n"
                "  idle_timeout_ms: 500\n"
                "  drain_timeout_ms: 500\n"
                "log:\n"
                "  level: debug\n" % free_port())
    r = run_modgate(["-c", path, "--tokens", write_tokens(workdir), "--check-config"])
    assert r.returncode == 0, r.stderr
    assert "configuration OK" in r.stdout + r.stderr


def test_check_config_does_not_listen(workdir):
    port = free_port()
    with socket.socket() as s:  # port taken: --check-config must not care
        s.bind(("127.0.0.1", port))
        s.listen()
        r = run_modgate(["--listen", "127.0.0.1:%d" % port, "--redis", NO_REDIS,
                         "--check-config"])
    assert r.returncode == 0, r.stderr


def test_version():
    r = run_modgate(["--version"])
    assert r.returncode == 0
    assert r.stdout.strip() == "modgate 0.1.0"


@pytest.mark.parametrize("args", [["--bogus"], ["--listen"], ["extra-argument"]],
                         ids=["unknown-flag", "missing-value", "positional"])
def test_usage_errors_exit_2(args):
    r = run_modgate(args + ["--redis", NO_REDIS])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.strip()


# ------------------------------------------------------- startup failures

def test_port_already_taken(workdir):
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        r = run_modgate(["--listen", "127.0.0.1:%d" % port, "--redis", NO_REDIS])
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = []
    for line in r.stderr.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    failed = [l for l in lines if l.get("event") == "listen_failed"]
    assert failed, r.stderr
    text = json.dumps(failed[0])
    assert str(port) in text or "in use" in text.lower(), text


@pytest.mark.parametrize("url", [
    "http://x",
    "redis://host:notaport",
    "redis://127.0.0.1:99999/0",
    "redis://127.0.0.1:6379/notadb",
    "redis://",
    "127.0.0.1:6379",
])
def test_malformed_redis_url(url):
    r = run_modgate(["--redis", url] + listen_args())
    assert r.returncode != 0
    assert r.returncode == 2, r.returncode
    assert "redis" in r.stderr.lower(), r.stderr


@pytest.mark.parametrize("listen", ["nonsense", "127.0.0.1:99999", "127.0.0.1:", ":x"])
def test_malformed_listen(listen):
    r = run_modgate(["--listen", listen, "--redis", NO_REDIS])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "listen" in r.stderr.lower()


@pytest.mark.parametrize("mode,ok", [
    (0o644, False), (0o604, False), (0o666, False),
    (0o600, True), (0o640, True), (0o400, True),
])
def test_tokens_file_mode(workdir, mode, ok):
    path = os.path.join(workdir, "tokens-%o" % mode)
    with open(path, "w") as f:
        f.write("site newsroom %s\n" % SITE_TOKEN)
    os.chmod(path, mode)
    r = run_modgate(["--tokens", path, "--redis", NO_REDIS, "--check-config"] + listen_args())
    if ok:
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert path in r.stderr, r.stderr
        assert "%o" % mode in r.stderr or "readable" in r.stderr or "mode" in r.stderr


def test_tokens_file_refused_when_actually_starting(workdir):
    path = os.path.join(workdir, "tokens-open")
    with open(path, "w") as f:
        f.write("site newsroom %s\n" % SITE_TOKEN)
    os.chmod(path, 0o644)
    r = run_modgate(["--tokens", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode == 2
    assert path in r.stderr


def test_tokens_file_missing(workdir):
    path = os.path.join(workdir, "no-tokens")
    r = run_modgate(["--tokens", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode != 0
    assert path in r.stderr


def keygen(workdir, name="key"):
    path = os.path.join(workdir, name)
    subprocess.run([MODCTL, "keygen", "--out", path], check=True, capture_output=True)
    return path


def test_key_file_missing(workdir):
    path = os.path.join(workdir, "no-such-key")
    r = run_modgate(["--key", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode != 0
    assert path in r.stderr


def test_key_file_readable_by_others(workdir):
    path = keygen(workdir)
    os.chmod(path, 0o644)
    r = run_modgate(["--key", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode != 0
    assert path in r.stderr


def test_key_file_garbage(workdir):
    path = os.path.join(workdir, "garbage-key")
    with open(path, "w") as f:
        f.write("this is not a key\n")
    os.chmod(path, 0o600)
    r = run_modgate(["--key", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode != 0
    assert path in r.stderr


def test_key_from_modctl_keygen_starts(workdir, redis, start_modgate):
    path = keygen(workdir)
    m = start_modgate(redis.url, args=["--key", path])
    assert m.get("/healthz").status_code == 200


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_rules_dir_must_exist(workdir, kind):
    path = os.path.join(workdir, "rules-" + kind)
    if kind == "file":
        open(path, "w").close()
    r = run_modgate(["--rules", path, "--redis", NO_REDIS] + listen_args())
    assert r.returncode != 0
    assert path in r.stderr


# ------------------------------------------------- flags, env, file order

def make_without_listen_flag(workdir, redis_url, env, config=None, port=None):
    """A Modgate whose command line has no --listen (so env/file decide)."""
    m = Modgate(workdir, redis_url, env=env, config=config, port=port)
    i = m.cmd.index("--listen")
    del m.cmd[i:i + 2]
    return m


def healthy_on(port):
    try:
        return requests.get("http://127.0.0.1:%d/healthz" % port, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def run_and_stop(m, check):
    m.start()
    try:
        check()
    finally:
        assert m.stop() == 0
        m.assert_clean()


def test_env_listen_used_without_flag(workdir, redis):
    port = free_port()
    m = make_without_listen_flag(workdir, redis.url,
                                 {"MODGATE_LISTEN": "127.0.0.1:%d" % port}, port=port)
    run_and_stop(m, lambda: healthy_on(port) or pytest.fail("not on env port"))


def test_flag_beats_env(workdir, redis):
    env_port, flag_port = free_port(), free_port()
    m = Modgate(workdir, redis.url, port=flag_port,
                env={"MODGATE_LISTEN": "127.0.0.1:%d" % env_port})

    def check():
        assert healthy_on(flag_port)
        assert refused(env_port)
    run_and_stop(m, check)


def test_env_beats_file(workdir, redis):
    env_port, file_port = free_port(), free_port()
    m = make_without_listen_flag(workdir, redis.url,
                                 {"MODGATE_LISTEN": "127.0.0.1:%d" % env_port},
                                 config='listen: "127.0.0.1:%d"\n' % file_port,
                                 port=env_port)

    def check():
        assert healthy_on(env_port)
        assert refused(file_port)
    run_and_stop(m, check)


def test_file_listen_used_without_flag_or_env(workdir, redis):
    file_port = free_port()
    m = make_without_listen_flag(workdir, redis.url, {},
                                 config='listen: "127.0.0.1:%d"\n' % file_port,
                                 port=file_port)
    m.env.pop("MODGATE_LISTEN", None)
    run_and_stop(m, lambda: healthy_on(file_port) or pytest.fail("not on file port"))


def test_redis_flag_beats_env(workdir, redis):
    m = Modgate(workdir, redis.url, env={"MODGATE_REDIS_URL": NO_REDIS})

    def check():
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=3)
    run_and_stop(m, check)


def test_env_redis_and_tokens_used_without_flags(workdir, redis):
    m = Modgate(workdir, redis.url, tokens=False,
                env={"MODGATE_REDIS_URL": redis.url, "MODGATE_TOKENS": write_tokens(workdir)})
    i = m.cmd.index("--redis")
    del m.cmd[i:i + 2]

    def check():
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=3)
        r = m.post("/v1/comments", token=SITE_TOKEN, json={"article_id": "a"})
        assert r.status_code not in (401, 403), r.text
    run_and_stop(m, check)


def test_bad_env_value_is_reported_with_its_name(workdir):
    r = run_modgate(["--redis", NO_REDIS], env={"MODGATE_LISTEN": "not-an-address"})
    assert r.returncode == 2
    assert "MODGATE_LISTEN" in r.stderr, r.stderr


def test_a_flag_makes_a_bad_variable_irrelevant(workdir):
    # a flag beats a variable: the variable is not even read
    r = run_modgate(["--check-config", "--listen", "127.0.0.1:18091",
                     "--redis", "redis://127.0.0.1:6399/0", "--log-level", "info"],
                    env={"MODGATE_LISTEN": "bogus", "MODGATE_REDIS_URL": "bogus",
                         "MODGATE_LOG_LEVEL": "bogus"})
    assert r.returncode == 0, r.stderr
    r = run_modgate(["--check-config", "--listen", "127.0.0.1:18091"],
                    env={"MODGATE_REDIS_URL": "bogus"})
    assert r.returncode == 2 and "MODGATE_REDIS_URL" in r.stderr, r.stderr
