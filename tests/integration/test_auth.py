"""Bearer-token authentication and roles (docs/api.md, Conventions)."""
import base64
import json

import pytest
import requests

from conftest import MOD_TOKEN, SITE_TOKEN, wait_until

BODY = {"article_id": "auth-article", "author_id": "u-auth", "body": "hello"}

SITE = "Bearer " + SITE_TOKEN
MOD = "Bearer " + MOD_TOKEN

# (route method, path, Authorization header or None, expected)
# expected: 401 / 403, or "ok" meaning the request got past authentication
# (any status but 401 and 403).
CASES = [
    # submitting: site only
    ("POST", "/v1/comments", None, 401),
    ("POST", "/v1/comments", "Bearer not-a-known-token", 401),
    ("POST", "/v1/comments", "Bearer " + SITE_TOKEN + "x", 401),
    ("POST", "/v1/comments", "Bearer " + SITE_TOKEN[:-1], 401),
    ("POST", "/v1/comments", "Bearer " + SITE_TOKEN.upper(), 401),
    ("POST", "/v1/comments", "Bearer", 401),
    ("POST", "/v1/comments", "Bearer ", 401),
    ("POST", "/v1/comments", SITE_TOKEN, 401),
    ("POST", "/v1/comments", "Token " + SITE_TOKEN, 401),
    ("POST", "/v1/comments", "Basic " + base64.b64encode(
        ("newsroom:" + SITE_TOKEN).encode()).decode(), 401),
    ("POST", "/v1/comments", "Basic " + base64.b64encode(SITE_TOKEN.encode()).decode(), 401),
    ("POST", "/v1/comments", MOD, 403),
    ("POST", "/v1/comments", SITE, "ok"),
    ("POST", "/v1/comments", "bearer " + SITE_TOKEN, "ok"),
    ("POST", "/v1/comments", "BEARER " + SITE_TOKEN, "ok"),
    # either role
    ("POST", "/v1/check", SITE, "ok"),
    ("POST", "/v1/check", MOD, "ok"),
    ("POST", "/v1/check", None, 401),
    ("GET", "/v1/comments/0190a000-0000-7000-8000-000000000000", SITE, "ok"),
    ("GET", "/v1/comments/0190a000-0000-7000-8000-000000000000", MOD, "ok"),
    ("GET", "/v1/comments/0190a000-0000-7000-8000-000000000000", None, 401),
    ("GET", "/v1/articles/auth-article/comments", SITE, "ok"),
    ("GET", "/v1/articles/auth-article/comments", "Bearer wrong", 401),
    # moderator only
    ("GET", "/v1/queue", SITE, 403),
    ("GET", "/v1/queue", MOD, "ok"),
    ("GET", "/v1/queue", "bearer " + MOD_TOKEN, "ok"),
    ("GET", "/v1/queue", None, 401),
    ("GET", "/v1/rejected", SITE, 403),
    ("POST", "/v1/rules/reload", SITE, 403),
    ("POST", "/v1/rules/reload", None, 401),
    ("POST", "/v1/comments/0190a000-0000-7000-8000-000000000000/approve", SITE, 403),
    ("POST", "/v1/comments/0190a000-0000-7000-8000-000000000000/reject", SITE, 403),
    ("POST", "/v1/bans", SITE, 403),
    ("GET", "/v1/bans", SITE, 403),
    ("GET", "/v1/bans", None, 401),
    ("DELETE", "/v1/bans/ip/203.0.113.9", SITE, 403),
    ("GET", "/v1/audit", SITE, 403),
    ("GET", "/v1/stats", SITE, 403),
    ("GET", "/v1/stats", MOD, "ok"),
    # public
    ("GET", "/healthz", None, "ok"),
    ("GET", "/readyz", None, "ok"),
    ("GET", "/metrics", None, "ok"),
    ("GET", "/v1/keys", None, "ok"),
    ("GET", "/healthz", "Bearer junk", "ok"),
    ("GET", "/v1/keys", "Basic Zm9vOmJhcg==", "ok"),
]


def call(server, method, path, authorization, **kw):
    headers = dict(kw.pop("headers", {}))
    if authorization is not None:
        headers["Authorization"] = authorization
    body = None
    if method == "POST":
        headers.setdefault("Content-Type", "application/json")
        body = json.dumps(BODY if path in ("/v1/comments", "/v1/check") else {})

    return requests.request(method, server.base + path, headers=headers, data=body,
                            timeout=10, **kw)


def case_id(c):
    method, path, authz, expected = c
    who = "none" if authz is None else (
        "site" if authz == SITE else "mod" if authz == MOD else authz[:14].replace(" ", "_"))
    return "%s-%s-%s-%s" % (method, path.strip("/").replace("/", "_")[:30], who, expected)


@pytest.mark.parametrize("method,path,authorization,expected", CASES,
                         ids=[case_id(c) for c in CASES])
def test_authentication_and_roles(server, method, path, authorization, expected):
    r = call(server, method, path, authorization)
    if expected == "ok":
        assert r.status_code not in (401, 403), (r.status_code, r.text)
        return
    assert r.status_code == expected, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    doc = r.json()
    assert doc["status"] == expected
    for member in ("type", "title", "detail"):
        assert doc.get(member)
    if expected == 401:
        assert doc["code"] == "unauthorized"
        assert r.headers.get("WWW-Authenticate", "").split()[0] == "Bearer", r.headers
    else:
        assert doc["code"] == "forbidden"


def test_auth_is_checked_before_media_type(server):
    r = server.post("/v1/comments", data="plain", headers={"Content-Type": "text/plain"})
    assert r.status_code == 401
    r = server.post("/v1/comments", token=MOD_TOKEN, data="plain",
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 403


def test_unknown_route_is_404_even_without_token(server):
    assert server.get("/v1/nothing-here").status_code == 404


def test_tokens_never_appear_in_the_log(redis, start_modgate):
    m = start_modgate(redis.url, args=["--log-level", "debug"])
    basic = base64.b64encode(("newsroom:" + SITE_TOKEN).encode()).decode()
    for method, path, authz, _ in CASES:
        call(m, method, path, authz)
    call(m, "GET", "/v1/queue", "Bearer " + MOD_TOKEN + "-wrong")
    call(m, "POST", "/v1/comments", "Basic " + basic)
    # Tokens in other places a careless logger might copy.
    call(m, "GET", "/nope?token=" + SITE_TOKEN, None)
    call(m, "GET", "/healthz", "Bearer " + SITE_TOKEN,
         headers={"X-Request-Id": "tok-test-1"})
    assert m.stop() == 0
    log = m.logs()
    assert "tok-test-1" in log, "expected access log lines in the log"
    for secret in (SITE_TOKEN, MOD_TOKEN, basic, SITE_TOKEN[:16], MOD_TOKEN[:16]):
        assert secret not in log, "secret %r found in the log" % secret


def test_without_tokens_file_authenticated_routes_are_401(redis, start_modgate):
    m = start_modgate(redis.url, tokens=False)
    for method, path, authz in [("POST", "/v1/comments", SITE),
                                ("POST", "/v1/check", MOD),
                                ("GET", "/v1/queue", MOD),
                                ("GET", "/v1/stats", MOD),
                                ("POST", "/v1/rules/reload", MOD)]:
        r = call(m, method, path, authz)
        assert r.status_code == 401, (path, r.status_code, r.text)
        assert r.json()["code"] == "unauthorized"
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert m.get("/healthz").status_code == 200


def test_token_names_and_roles_from_file(workdir, redis, start_modgate):
    """A tokens file with comments, blank lines and several tokens a role."""
    import os
    path = os.path.join(workdir, "tokens-multi")
    with open(path, "w") as f:
        f.write("# a comment\n\n")
        f.write("site newsroom-a tok-site-aaaaaaaaaaaaaaaa\n")
        f.write("site newsroom-b tok-site-bbbbbbbbbbbbbbbb   # trailing comment\n")
        f.write("moderator bob tok-mod-cccccccccccccccc\n")
    os.chmod(path, 0o600)
    m = start_modgate(redis.url, tokens=False, args=["--tokens", path])
    assert call(m, "POST", "/v1/comments", "Bearer tok-site-aaaaaaaaaaaaaaaa").status_code \
        not in (401, 403)
    assert call(m, "POST", "/v1/comments", "Bearer tok-site-bbbbbbbbbbbbbbbb").status_code \
        not in (401, 403)
    assert call(m, "GET", "/v1/queue", "Bearer tok-mod-cccccccccccccccc").status_code \
        not in (401, 403)
    assert call(m, "GET", "/v1/queue", "Bearer tok-site-aaaaaaaaaaaaaaaa").status_code == 403
    assert call(m, "GET", "/v1/queue", "Bearer " + MOD_TOKEN).status_code == 401


def test_short_tokens_work_and_the_log_warns(workdir, redis, start_modgate):
    """docs/api.md sets no minimum length for a token: a short
    one is accepted, and the start-up log says it can be guessed, without
    printing it."""
    import os
    path = os.path.join(workdir, "tokens-short")
    with open(path, "w") as f:
        f.write("site newsroom s1tq\n")
        f.write("moderator alice m0dq\n")
    os.chmod(path, 0o600)
    m = start_modgate(redis.url, tokens=False, args=["--tokens", path])
    # /v1/queue needs Redis: wait for the link, as the server fixture does
    # (listening comes first; under load the link can take a moment more)
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    assert call(m, "GET", "/v1/queue", "Bearer m0dq").status_code == 200
    assert call(m, "GET", "/v1/queue", "Bearer s1tq").status_code == 403
    assert call(m, "GET", "/v1/queue", "Bearer m0d").status_code == 401
    assert m.stop() == 0
    warnings = [json.loads(line) for line in m.logs().splitlines()
                if '"weak_tokens"' in line]
    assert len(warnings) == 1, m.logs()
    assert warnings[0]["count"] == 2 and warnings[0]["first_line"] == 1, warnings
    assert "s1tq" not in m.logs() and "m0dq" not in m.logs()
