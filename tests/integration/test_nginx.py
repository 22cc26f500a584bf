"""TLS in front: the shipped deploy/nginx/modgate.conf, run by a real nginx
with a certificate made here, over two modgate instances sharing one Redis.
Only ports and paths of the shipped file are changed, so what is tested is
what an operator installs. Skips when nginx is not installed
(deploy/bootstrap installs it)."""
import datetime
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests

from conftest import (ROOT, SITE_TOKEN, free_port, problem, wait_until)

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
SITE_CONF = os.path.join(ROOT, "deploy", "nginx", "modgate.conf")

pytestmark = [
    pytest.mark.skipif(NGINX is None,
                       reason="nginx is not installed (deploy/bootstrap installs it)"),
    # Responses here come through nginx, not the Modgate helpers; the ones
    # nginx makes itself are not modgate's to document.
    pytest.mark.no_openapi_check,
]

# How many times each instance is restarted under load; more to hunt a rare
# failure: MODGATE_NGINX_ROUNDS=10.
ROUNDS = int(os.environ.get("MODGATE_NGINX_ROUNDS", "2"))
# Mean pause of each posting thread between requests, seconds (uneven). By
# default none: the busier nginx is, the wider the moment in which it can
# pick an idle connection that modgate is closing, and the more often a
# drain that closed idle connections at once lost a request (measured: 5
# lost in 26 restarts without pause, failing 4 of 5 runs; 0 in 20 restarts
# with MODGATE_NGINX_PAUSE=0.01).
PAUSE = float(os.environ.get("MODGATE_NGINX_PAUSE", "0"))


def make_certificate(directory):
    """A test CA and a certificate it signed for 127.0.0.1 (and the name
    the shipped file serves); returns (ca_path, cert_path, key_path)."""
    x509 = pytest.importorskip(
        "cryptography.x509", reason="python3-cryptography is not installed")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder()
          .subject_name(name("modgate test CA")).issuer_name(name("modgate test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(name("modgate.internal")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("modgate.internal"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(directory, n) for n in ("ca.pem", "modgate.crt", "modgate.key")]
    with open(paths[0], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(paths[2], 0o600)
    return paths


def site_conf(port, upstream_ports, cert, key, logdir):
    """The shipped site file with only its ports and paths replaced. Every
    replaced line must be there exactly once, so that a change to the
    shipped file that this test would no longer exercise fails here."""
    with open(SITE_CONF) as f:
        text = f.read()
    subs = [
        ("server 127.0.0.1:8080 ", "server 127.0.0.1:%d " % upstream_ports[0]),
        ("server 127.0.0.1:8081 ", "server 127.0.0.1:%d " % upstream_ports[1]),
        ("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % port),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/ssl/modgate/modgate.crt;", cert + ";"),
        ("/etc/ssl/modgate/modgate.key;", key + ";"),
        ("/var/log/nginx/modgate.access.log", os.path.join(logdir, "access.log")),
        ("/var/log/nginx/modgate.error.log", os.path.join(logdir, "error.log")),
    ]
    for old, new in subs:
        assert text.count(old) == 1, "%r not once in %s" % (old, SITE_CONF)
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground with a private prefix, running the site file
    inside an http block the way Debian's nginx.conf includes it."""

    def __init__(self, workdir, upstream_ports):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.port = free_port()
        self.url = "https://127.0.0.1:%d" % self.port
        self.ca, cert, key = make_certificate(self.dir)
        with open(os.path.join(self.dir, "modgate.conf"), "w") as f:
            f.write(site_conf(self.port, upstream_ports, cert, key, self.dir))
        tmp = os.path.join(self.dir, "tmp")
        # As root, workers would switch to nobody and could not enter the
        # 0700 test directory; this nginx serves nothing but the test.
        user = "user root;\n" if os.geteuid() == 0 else ""
        main = (user +
                "worker_processes 2;\n"
                "daemon off;\n"
                "pid %(d)s/nginx.pid;\n"
                "error_log %(d)s/main-error.log info;\n"
                "events { worker_connections 1024; }\n"
                "http {\n"
                "  client_body_temp_path %(t)s/body;\n"
                "  proxy_temp_path %(t)s/proxy;\n"
                "  fastcgi_temp_path %(t)s/fastcgi;\n"
                "  uwsgi_temp_path %(t)s/uwsgi;\n"
                "  scgi_temp_path %(t)s/scgi;\n"
                "  include %(d)s/modgate.conf;\n"
                "}\n") % {"d": self.dir, "t": tmp}
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(main)
        self.proc = None

    def start(self):
        check = subprocess.run([NGINX, "-t", "-p", self.dir, "-c", self.conf,
                                "-e", os.path.join(self.dir, "startup-error.log")],
                               capture_output=True, text=True, timeout=20)
        assert check.returncode == 0, "nginx -t: " + check.stderr
        self.out = open(os.path.join(self.dir, "stderr"), "ab")
        self.proc = subprocess.Popen(
            [NGINX, "-p", self.dir, "-c", self.conf,
             "-e", os.path.join(self.dir, "startup-error.log")],
            stdout=self.out, stderr=self.out)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited %s: %s"
                                   % (self.proc.returncode, self.errors()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_until(listening, timeout=15)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()

    def errors(self):
        out = ""
        for n in ("startup-error.log", "main-error.log", "error.log", "stderr"):
            p = os.path.join(self.dir, n)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    out += "--- %s\n%s" % (n, f.read()[-3000:])
        return out

    def access_log(self):
        with open(os.path.join(self.dir, "access.log"), errors="replace") as f:
            return f.read()


@pytest.fixture
def front(workdir, redis, start_modgate):
    """Two modgate instances on one Redis, ready, behind nginx; yields
    (nginx, [modgate, modgate])."""
    # The article and global rate limits off: the load test posts far more
    # than a site would; every author is new, so the author limits stay.
    config = "rate_limits:\n  article: []\n  global: []\n"
    instances = [start_modgate(redis.url, config=config) for _ in range(2)]
    for m in instances:
        wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    ng = Nginx(workdir, [m.port for m in instances]).start()
    yield ng, instances
    ng.stop()


def session(ng):
    s = requests.Session()
    # Not the environment's CA bundle or proxy: REQUESTS_CA_BUNDLE would
    # override s.verify on every request.
    s.trust_env = False
    s.verify = ng.ca
    s.headers["Authorization"] = "Bearer " + SITE_TOKEN
    return s


def comment(author, article="2024-10-28-nk-troops-kursk", n=0):
    return {"article_id": article, "author_id": author, "author_name": "Minji",
            "body": "Thanks for the report from the front, note %d." % n}


def test_post_and_read_through_tls(front):
    ng, instances = front
    s = session(ng)
    r = s.post(ng.url + "/v1/comments", json=comment("u-tls-1"), timeout=10)
    assert r.status_code == 201, (r.status_code, r.text)
    cid = r.json()["id"]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    got = s.get(ng.url + "/v1/comments/" + cid, timeout=10)
    assert got.status_code == 200 and got.json()["id"] == cid
    # The certificate is the one this test made: a client that trusts only
    # the system's authorities refuses it, so the check above was real.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(ng.url + "/v1/keys", timeout=10)


# Python warns that TLS 1.0 and 1.1 are deprecated: offering them is the test.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_old_tls_versions_are_refused(front):
    ng, _ = front

    def handshake(maximum):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ng.ca)
        # OpenSSL 3 offers no TLS 1.0/1.1 cipher at its default security
        # level: without this the client itself would refuse to start.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = maximum
        with socket.create_connection(("127.0.0.1", ng.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.version()

    # The same client, allowed TLS 1.2, gets in: so the refusal below is
    # nginx's answer, not the client's inability.
    assert handshake(ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    with pytest.raises(ssl.SSLError) as e:
        handshake(ssl.TLSVersion.TLSv1_1)
    assert "ALERT" in (e.value.reason or ""), e.value  # the server said no


def test_request_id_joins_the_two_access_logs(front):
    """modgate never sees the client's address (its log's peer is nginx,
    and it reads no X-Forwarded-For); nginx's log has it, and the request id
    nginx makes is the one modgate logs and answers with."""
    ng, instances = front
    s = session(ng)
    r = s.get(ng.url + "/v1/keys", timeout=10)
    assert r.status_code == 200
    rid = r.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid), rid  # nginx's $request_id

    def logged():
        return [l for m in instances for l in m.log_lines()
                if l.get("event") == "access" and l.get("request_id") == rid]
    (line,) = wait_until(logged, timeout=5)
    assert line["peer"] == "127.0.0.1" and line["path"] == "/v1/keys"
    assert wait_until(lambda: re.search(r"^127\.0\.0\.1 .* rid=%s " % rid,
                                        ng.access_log(), re.M), timeout=5)
    # A client's own id is kept, as modgate keeps it when called directly.
    r = s.get(ng.url + "/v1/keys", headers={"X-Request-Id": "site-42"}, timeout=10)
    assert r.headers["X-Request-Id"] == "site-42"


def test_ops_endpoints_are_not_exposed(front):
    ng, instances = front
    s = session(ng)
    for path in ("/metrics", "/readyz", "/healthz"):
        assert s.get(ng.url + path, timeout=10).status_code == 404, path
        assert instances[0].get(path).status_code == 200, path


def test_limits_are_in_step_with_modgate(front):
    ng, instances = front
    s = session(ng)
    headers = {"Content-Type": "application/json"}
    # One byte over limits.body_bytes: refused by nginx, with the problem
    # modgate would have answered itself.
    over = b'{"pad":"' + b"x" * (16384 - 9) + b'"}'
    assert len(over) == 16385
    r = s.post(ng.url + "/v1/comments", data=over, headers=headers, timeout=10)
    problem(r, 413, "body_too_large")
    assert "X-Request-Id" not in r.headers, "413 should come from nginx"
    direct = requests.post(instances[0].base + "/v1/comments", data=over,
                           headers=dict(headers, Authorization="Bearer " + SITE_TOKEN),
                           timeout=10)
    problem(direct, 413, "body_too_large")
    # Exactly the limit passes nginx and is modgate's to judge (not JSON
    # it accepts, but not too large either).
    exact = over[:-3] + b'"}'
    assert len(exact) == 16384
    r = s.post(ng.url + "/v1/comments", data=exact, headers=headers, timeout=10)
    assert r.status_code not in (413, 502), (r.status_code, r.text)
    assert "X-Request-Id" in r.headers, "modgate did not answer"

    # Headers: well under limits.header_bytes pass, far over are a 431 from
    # nginx, and just over are a 431 from modgate: the same answer.
    def with_headers(total):
        h = {"X-Pad-%02d" % i: "p" * 990 for i in range(total // 1000)}
        return s.get(ng.url + "/v1/keys", headers=h, timeout=10)
    assert with_headers(6000).status_code == 200
    for total in (9000, 20000):
        problem(with_headers(total), 431, "headers_too_large")
    long_line = s.get(ng.url + "/v1/keys", headers={"X-Pad": "p" * 9000}, timeout=10)
    problem(long_line, 431, "headers_too_large")


def served_a_post_since(m, offset):
    """Whether this modgate logged an answer to a submission after byte
    offset of its log (appended to by each of its runs)."""
    with open(m.log_path, "rb") as f:
        f.seek(offset)
        return b'"route":"/v1/comments"' in f.read()


def test_rolling_restart_under_load_fails_no_request(front):
    """Threads post through nginx without pause while each instance in turn
    is stopped with SIGTERM and started again, ROUNDS times: no request may
    fail, and every comment acknowledged must be readable."""
    ng, instances = front
    stop = threading.Event()
    results = []  # (status or None, id or error text), one per request
    lock = threading.Lock()

    def worker(t):
        s = session(ng)
        n = 0
        while not stop.is_set():
            n += 1
            # one author per request and one article per thread: the rate
            # limits must not be what answers
            body = comment("u-load-%d-%d" % (t, n), article="nginx-load-%d" % t, n=n)
            try:
                r = s.post(ng.url + "/v1/comments", json=body, timeout=30)
                out = (r.status_code, r.json()["id"] if r.status_code in (201, 202)
                       else r.text[:300])
            except Exception as e:  # any failure to get an answer counts
                out = (None, repr(e)[:300])
            with lock:
                results.append(out)
            if PAUSE:
                time.sleep(random.uniform(0, 2 * PAUSE))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    restarts = 0
    drain_times = []
    try:
        time.sleep(1.0)
        for _ in range(ROUNDS):
            for m in instances:
                before = len(results)
                t0 = time.monotonic()
                code = m.stop()
                drain_times.append(time.monotonic() - t0)
                assert code == 0, "modgate exited %s:\n%s" % (code, m.logs()[-3000:])
                m.assert_clean()
                time.sleep(0.5)  # posts meet a closed port and must go to the other
                # traffic went on while this one was away
                wait_until(lambda: len(results) > before + 20, timeout=20)
                offset = os.path.getsize(m.log_path)
                m.start()
                wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
                restarts += 1
                # Not the other one until nginx sends this one requests again:
                # it counts this one failed for fail_timeout after the refused
                # connections, and with both out it has nowhere to send any.
                wait_until(lambda: served_a_post_since(m, offset), timeout=20,
                           interval=0.1)
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=60)

    failed = [r for r in results if r[0] not in (201, 202)]
    print("rolling restart: %d requests, %d failed, %d restarts, drains took %s s"
          % (len(results), len(failed), restarts,
             ", ".join("%.1f" % d for d in drain_times)))
    assert restarts == 2 * ROUNDS
    assert len(results) >= 200, "too little load to show anything: %d" % len(results)
    assert not failed, "%d of %d requests failed, e.g. %s\n%s" % (
        len(failed), len(results), failed[:5], ng.errors())

    s = session(ng)
    ids = [r[1] for r in results]
    assert len(set(ids)) == len(ids)
    for cid in ids:
        r = s.get(ng.url + "/v1/comments/" + cid, timeout=10)
        assert r.status_code == 200 and r.json()["id"] == cid, (cid, r.status_code)
