"""Black-box test harness: real redis-server and real modgate processes on
free loopback ports. Every modgate a test starts is stopped with SIGTERM at
the end and must exit 0 with no sanitizer report in its log."""
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

import openapi_check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MODGATE_BUILD", os.path.join(ROOT, "build"))
MODGATE = os.path.join(BUILD, "modgate")
MODCTL = os.path.join(BUILD, "modctl")

SITE_TOKEN = "site-token-0123456789abcdef"
MOD_TOKEN = "mod-token-0123456789abcdef"
MOD2_TOKEN = "mod-token-bob-0123456789abcdef"  # a second moderator, bob
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "UndefinedBehaviorSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=10.0, interval=0.02):
    """Polls pred() until it is truthy; returns its value or raises."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met within %.1fs" % timeout)
        time.sleep(interval)


class Redis:
    """A private redis-server; stop() and start() keep its port."""

    def __init__(self, workdir, port=None, password=None, extra_args=(), prefix=()):
        self.port = port or free_port()
        self.password = password
        self.extra_args = list(extra_args)  # more redis-server arguments
        self.prefix = list(prefix)  # a wrapper command (valgrind, for a bench)
        self.dir = os.path.join(workdir, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    @property
    def url(self):
        auth = ":%s@" % self.password if self.password else ""
        return "redis://%s127.0.0.1:%d/0" % (auth, self.port)

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.dir,
                "--daemonize", "no", "--loglevel", "warning"]
        if self.password:
            args += ["--requirepass", self.password]
        args = self.prefix + args + self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_until(self.ping, timeout=60 if self.prefix else 10)
        return self

    def ping(self):
        try:
            return self.cli("PING").strip() == "PONG"
        except Exception:
            return False

    def cli(self, *args):
        cmd = ["redis-cli", "-p", str(self.port)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        return subprocess.run(cmd + list(args), capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


# Every response the Modgate helpers get(), post() and delete() return during
# a test, checked against docs/openapi.yaml at the test's teardown (the
# autouse fixture openapi_responses). Responses to raw-socket requests are
# not recorded.
RESPONSES = []
KNOWN_DEVIATIONS_SEEN = {}  # message -> why, for openapi_check.KNOWN_DEVIATIONS


def record_response(fn):
    """Wraps an HTTP helper: same signature and result, and the response is
    appended to RESPONSES."""
    @functools.wraps(fn)
    def wrapper(*args, **kw):
        r = fn(*args, **kw)
        RESPONSES.append(openapi_check.Exchange.from_response(r))
        return r
    return wrapper


class Modgate:
    """A modgate process. Its stderr (JSON log lines) goes to a file."""

    def __init__(self, workdir, redis_url, config=None, args=(), env=None,
                 tokens=True, port=None, prefix=(), key=True):
        self.workdir = workdir
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(workdir, "modgate-%d.log" % self.port)
        cmd = [MODGATE, "--listen", "127.0.0.1:%d" % self.port, "--redis", redis_url]
        if tokens:
            cmd += ["--tokens", write_tokens(workdir)]
        if key is True:
            cmd += ["--key", write_key(workdir)]
        elif key:
            cmd += ["--key", key]
        if config is not None:
            path = os.path.join(workdir, "config-%d.yaml" % self.port)
            with open(path, "w") as f:
                f.write(config)
            cmd += ["-c", path]
        cmd += list(args)
        # prefix: a wrapper command run before modgate, e.g.
        # ["prlimit", "--nofile=64:64"]; it must exec modgate in place.
        self.cmd = list(prefix) + cmd
        self.env = dict(os.environ, **(env or {}))
        self.proc = None

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=self.log,
                                     env=self.env)
        if wait:
            wait_until(self._healthy, timeout=15)
        return self

    def _healthy(self):
        if self.proc.poll() is not None:
            raise RuntimeError("modgate exited %s:\n%s" % (self.proc.returncode, self.logs()))
        try:
            return requests.get(self.base + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        """The JSON log lines as dicts (non-JSON lines are skipped)."""
        out = []
        for line in self.logs().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=None, timeout=20):
        """Stops the server (SIGTERM unless sig is given); returns its exit
        code. (The default cannot be written signal.SIGTERM here: in the
        class body, `signal` is the method above, not the module.)"""
        if sig is None:
            sig = signal.SIGTERM
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("modgate did not exit within %ds of %s" % (timeout, sig))
        self.log.close()
        return code

    def assert_clean(self):
        text = self.logs()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, "sanitizer report in modgate log:\n" + text[-4000:]

    # HTTP helpers
    @record_response
    def get(self, path, token=None, **kw):
        return requests.get(self.base + path, headers=auth(token, kw.pop("headers", None)),
                            timeout=kw.pop("timeout", 10), **kw)

    @record_response
    def post(self, path, token=None, **kw):
        return requests.post(self.base + path, headers=auth(token, kw.pop("headers", None)),
                             timeout=kw.pop("timeout", 10), **kw)

    @record_response
    def delete(self, path, token=None, **kw):
        return requests.delete(self.base + path, headers=auth(token, kw.pop("headers", None)),
                               timeout=kw.pop("timeout", 10), **kw)

    @record_response
    def put(self, path, token=None, **kw):
        return requests.put(self.base + path, headers=auth(token, kw.pop("headers", None)),
                            timeout=kw.pop("timeout", 10), **kw)

    @record_response
    def patch(self, path, token=None, **kw):
        return requests.patch(self.base + path, headers=auth(token, kw.pop("headers", None)),
                              timeout=kw.pop("timeout", 10), **kw)

    def raw(self, data, read_timeout=5.0, shutdown=False):
        """Sends bytes on a new connection; returns all bytes read until the
        server closes or read_timeout passes with nothing more."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(data)
            if shutdown:
                s.shutdown(socket.SHUT_WR)
            return read_all(s, read_timeout)

    def connect(self, timeout=5.0):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


def auth(token, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    return h


def read_all(sock, timeout):
    sock.settimeout(timeout)
    chunks = []
    while True:
        try:
            b = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def parse_responses(data):
    """Splits raw bytes into [(status, headers dict lowercased, body bytes)]
    using Content-Length framing."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("incomplete response: %r" % data[:200])
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0] + " ")
        assert m, "bad status line %r" % lines[0]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        status = int(m.group(1))
        n = int(headers.get("content-length", "0"))
        if status == 100:
            n = 0
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


def request_bytes(method, path, headers=None, body=b"", version="HTTP/1.1",
                  host=True):
    """One HTTP request as bytes. headers: a dict or list of pairs, sent in
    order after Host. A Content-Length is added for a non-empty body unless
    headers already frame it (Content-Length or Transfer-Encoding)."""
    if isinstance(body, str):
        body = body.encode()
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = ["%s %s %s" % (method, path, version)]
    if host:
        lines.append("Host: 127.0.0.1")
    names = {k.lower() for k, _ in pairs}
    for k, v in pairs:
        lines.append("%s: %s" % (k, v))
    if body and not names & {"content-length", "transfer-encoding"}:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(body, size):
    """body in chunked transfer coding, chunks of size bytes."""
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


def split_responses(data):
    """Like parse_responses, but stops at an incomplete response instead of
    failing: returns ([(status, headers, body)], leftover bytes). Accepts
    HTTP/1.0 and HTTP/1.1 status lines."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ", lines[0] + " ")
        assert m, "bad status line %r" % lines[0]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        status = int(m.group(1))
        n = 0 if status == 100 else int(headers.get("content-length", "0"))
        if len(rest) < n:
            break
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out, data


def read_responses(sock, n, timeout=5.0):
    """Reads from sock until n complete responses (Content-Length framing;
    a 100 Continue counts as one) have arrived; returns them. Fails if the
    server closes first or timeout passes."""
    deadline = time.monotonic() + timeout
    got, data = [], b""
    while True:
        more, data = split_responses(data)
        got += more
        if len(got) >= n:
            return got
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("wanted %d responses, got %d within %.1fs: %r"
                                 % (n, len(got), timeout, data[:600]))
        sock.settimeout(left)
        try:
            b = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            b = b""
        if not b:
            raise AssertionError("connection closed after %d of %d responses: %r"
                                 % (len(got), n, data[:600]))
        data += b


def peer_closed(sock, timeout=2.0):
    """True when the server closes sock (EOF or reset) within timeout, False
    when nothing arrives; fails if the server sends more bytes."""
    sock.settimeout(timeout)
    try:
        b = sock.recv(65536)
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    assert not b, "expected the connection to close, got %r" % b[:300]
    return True


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels.items())): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)', line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                 m.group(2) or ""))
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return out


def metric(metrics, name, **labels):
    """Sum of the samples of name whose labels include labels (0 if none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and want <= set(ls))


def post_comment(server, payload, token=SITE_TOKEN, headers=None, raw=None):
    """POST /v1/comments with payload as JSON (or raw bytes)."""
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = raw if raw is not None else json.dumps(payload).encode()
    return server.post("/v1/comments", token=token, headers=h, data=data)


def problem(r, status, code):
    """Asserts r is a problem+json with this status and code and every
    member RFC 9457 and docs/api.md require; returns the decoded body."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["status"] == status, body
    for member in ("type", "title", "detail"):
        assert member in body
    return body


def created(r):
    """Asserts a 201; returns the record."""
    assert r.status_code == 201, (r.status_code, r.text)
    return r.json()


def write_key(workdir, name="signing.key"):
    """A signing key made by modctl keygen, once per workdir and name."""
    path = os.path.join(workdir, name)
    if not os.path.exists(path):
        subprocess.run([MODCTL, "keygen", "--out", path], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def write_tokens(workdir):
    path = os.path.join(workdir, "tokens")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("# role name token\n")
            f.write("site newsroom %s\n" % SITE_TOKEN)
            f.write("moderator alice %s\n" % MOD_TOKEN)
            f.write("moderator bob %s\n" % MOD2_TOKEN)
        os.chmod(path, 0o600)
    return path


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "no_openapi_check: do not check this test's responses against "
        "docs/openapi.yaml")


@pytest.fixture(autouse=True)
def openapi_responses(request):
    """Checks, at teardown, every response the Modgate helpers returned
    during the test against docs/openapi.yaml (see openapi_check.py): an
    undocumented status, a missing required header, a Content-Type or a JSON
    body the spec does not allow fails the test. Yields the list of recorded
    exchanges."""
    del RESPONSES[:]
    yield RESPONSES
    recorded = list(RESPONSES)
    del RESPONSES[:]
    if not recorded or request.node.get_closest_marker("no_openapi_check"):
        return
    spec = openapi_check.load_spec()
    problems = []
    for ex in recorded:
        for message in spec.check(ex):
            why = openapi_check.known_deviation(message)
            if why:
                KNOWN_DEVIATIONS_SEEN.setdefault(message, why)
            else:
                problems.append(message)
    if problems:
        pytest.fail("%d response(s) disagree with docs/openapi.yaml:\n  %s"
                    % (len(problems), "\n  ".join(problems)), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    if not openapi_check.load_spec.cache_info().currsize:
        return  # no response was checked
    spec = openapi_check.load_spec()
    terminalreporter.write_line(
        "openapi: %d responses checked against docs/openapi.yaml (%d JSON bodies "
        "validated)" % (spec.checked, spec.bodies_validated))
    for message, why in KNOWN_DEVIATIONS_SEEN.items():
        terminalreporter.write_line("openapi: known server deviation: %s (%s)"
                                    % (message, why))


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="mgtest-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def redis(workdir):
    r = Redis(workdir).start()
    yield r
    r.stop()


@pytest.fixture
def start_modgate(workdir):
    """Factory: start_modgate(redis_url, config=None, args=(), env=None).
    Every server started is stopped at teardown and checked for a clean exit."""
    started = []

    def start(redis_url, wait=True, **kw):
        m = Modgate(workdir, redis_url, **kw)
        started.append(m)
        return m.start(wait=wait)

    yield start
    for m in started:
        if m.proc is not None and m.proc.poll() is None:
            code = m.stop()
            assert code == 0, "modgate exited %s:\n%s" % (code, m.logs()[-4000:])
        m.assert_clean()


@pytest.fixture
def server(redis, start_modgate):
    """A modgate on a fresh Redis, ready."""
    m = start_modgate(redis.url)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m
