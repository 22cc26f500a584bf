"""HTTP/1.1 conventions of docs/api.md: keep-alive, pipelining, body framing,
problem responses for protocol errors, limits and timeouts. Everything here
is sent as raw bytes so that framing is under the test's control."""
import re
import json
import socket
import struct
import time

import pytest

from conftest import (MOD_TOKEN, SITE_TOKEN, chunked, peer_closed,
                      read_responses, request_bytes, split_responses, wait_until)

JSON = "application/json"
SITE = "Bearer " + SITE_TOKEN
MOD = "Bearer " + MOD_TOKEN
# A JSON body for POST routes; what the handler makes of it does not matter.
CHECK_BODY = json.dumps({"article_id": "a-1", "author_id": "u-1",
                         "body": "hello there"}).encode()


def problem(resp, status, code):
    """Asserts resp (status, headers, body) is a problem+json with all five
    members; returns the decoded body."""
    got_status, headers, body = resp
    assert got_status == status, resp
    assert headers.get("content-type", "").startswith("application/problem+json"), headers
    doc = json.loads(body)
    for member in ("type", "title", "status", "detail", "code"):
        assert member in doc, "problem lacks %r: %r" % (member, doc)
    assert isinstance(doc["type"], str) and doc["type"]
    assert isinstance(doc["title"], str) and doc["title"]
    assert isinstance(doc["detail"], str) and doc["detail"]
    assert doc["status"] == status
    assert doc["code"] == code
    return doc


def exchange(server, data, n=1, timeout=5.0):
    """Sends data on a new connection, returns (first n responses, socket)."""
    s = server.connect()
    s.sendall(data)
    return read_responses(s, n, timeout), s


def get(path, rid=None, extra=()):
    h = [("X-Request-Id", rid)] if rid else []
    return request_bytes("GET", path, h + list(extra))


@pytest.fixture
def fast_server(redis, start_modgate):
    """A modgate with short request and idle timeouts."""
    return start_modgate(redis.url, config=(
        "limits:\n"
        "  request_timeout_ms: 500\n"
        "  idle_timeout_ms: 500\n"))


# ---------------------------------------------------------------- keep-alive

def test_keep_alive_serves_several_requests_on_one_socket(server):
    with server.connect() as s:
        for i, path in enumerate(["/healthz", "/readyz", "/healthz", "/metrics", "/healthz"]):
            s.sendall(get(path, rid="ka-%d" % i))
            (status, headers, _), = read_responses(s, 1)
            assert status == 200, path
            assert headers.get("x-request-id") == "ka-%d" % i
            assert headers.get("connection", "").lower() != "close"


def test_two_pipelined_requests_in_one_write_are_answered_in_order(server):
    data = get("/readyz", rid="first") + get("/healthz", rid="second")
    resps, s = exchange(server, data, 2)
    s.close()
    assert [r[1].get("x-request-id") for r in resps] == ["first", "second"]
    assert json.loads(resps[0][2])["status"] == "ready"
    assert json.loads(resps[1][2]) == {"status": "ok"}


def test_pipelined_post_with_body_between_gets(server):
    post = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("X-Request-Id", "p-2")], CHECK_BODY)
    data = get("/healthz", rid="p-1") + post + get("/healthz", rid="p-3")
    resps, s = exchange(server, data, 3)
    s.close()
    assert [r[1].get("x-request-id") for r in resps] == ["p-1", "p-2", "p-3"]
    assert resps[0][0] == 200 and resps[2][0] == 200
    # The body was taken as a body, not as the start of the next request.
    assert resps[1][0] not in (400, 413, 431), resps[1]


BODY_CASES = [
    # (id, headers of the POST, body bytes on the wire, acceptable statuses)
    ("content-length-501", [("Authorization", MOD), ("Content-Type", JSON),
                            ("Content-Length", str(len(CHECK_BODY)))],
     CHECK_BODY, None),
    ("chunked-501", [("Authorization", MOD), ("Content-Type", JSON),
                     ("Transfer-Encoding", "chunked")],
     chunked(CHECK_BODY, 7), None),
    ("chunked-one-chunk", [("Authorization", MOD), ("Content-Type", JSON),
                           ("Transfer-Encoding", "chunked")],
     chunked(CHECK_BODY, 10000), None),
    ("chunked-415", [("Authorization", SITE), ("Content-Type", "text/plain"),
                     ("Transfer-Encoding", "chunked")],
     chunked(b"just some text that is not json\n" * 4, 10), {415}),
    ("content-length-415", [("Authorization", SITE), ("Content-Type", "text/plain"),
                            ("Content-Length", "15")],
     b"plain text body", {415}),
    ("chunked-with-extension-and-trailer", [("Authorization", MOD), ("Content-Type", JSON),
                                            ("Transfer-Encoding", "chunked")],
     b"%x;name=value\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (len(CHECK_BODY), CHECK_BODY),
     None),
]


@pytest.mark.parametrize("name,headers,wire,statuses", BODY_CASES,
                         ids=[c[0] for c in BODY_CASES])
def test_request_body_is_consumed_and_next_pipelined_request_parses(
        server, name, headers, wire, statuses):
    path = "/v1/comments" if statuses == {415} else "/v1/check"
    head = request_bytes("POST", path, headers + [("X-Request-Id", "body-1")])
    data = head + wire + get("/healthz", rid="after-body")
    resps, s = exchange(server, data, 2)
    s.close()
    first, second = resps
    assert first[1].get("x-request-id") == "body-1"
    if statuses:
        assert first[0] in statuses, first
    else:
        assert first[0] not in (400, 408, 411, 413, 415, 431), first
    assert second[0] == 200 and second[1].get("x-request-id") == "after-body", second


def test_body_split_across_many_writes(server):
    head = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("Transfer-Encoding", "chunked")])
    wire = head + chunked(CHECK_BODY, 5) + get("/healthz", rid="tail")
    with server.connect() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(wire), 9):
            s.sendall(wire[i:i + 9])
            time.sleep(0.002)
        first, second = read_responses(s, 2)
    assert first[0] not in (400, 408, 413), first
    assert second[0] == 200 and second[1].get("x-request-id") == "tail"


def test_many_pipelined_requests_answered_in_order(server):
    n = 500
    data = b"".join(get("/healthz" if i % 3 else "/nope", rid="m%d" % i) for i in range(n))
    with server.connect() as s:
        s.sendall(data)
        resps = read_responses(s, n, timeout=15)
    assert [r[1].get("x-request-id") for r in resps] == ["m%d" % i for i in range(n)]
    assert [r[0] for r in resps] == [200 if i % 3 else 404 for i in range(n)]


def test_pipelined_large_responses_with_slow_reader(server):
    """The client writes many requests before reading anything; the server
    must cope with its output backing up (no loss, no deadlock)."""
    n = 1500
    with server.connect() as s:
        s.sendall(b"".join(get("/metrics", rid="big%d" % i) for i in range(n)))
        time.sleep(0.3)
        resps = read_responses(s, n, timeout=30)
    assert [r[1].get("x-request-id") for r in resps] == ["big%d" % i for i in range(n)]
    assert all(r[0] == 200 and r[2].startswith(b"# HELP") for r in resps)


def test_half_closed_client_still_gets_its_response(server):
    out = server.raw(get("/healthz", rid="half") + get("/readyz", rid="half2"),
                     read_timeout=3, shutdown=True)
    resps, rest = split_responses(out)
    assert [r[1].get("x-request-id") for r in resps] == ["half", "half2"], out[:300]
    assert rest == b""


def test_client_reset_mid_pipeline_does_not_hurt_the_server(server):
    for _ in range(5):
        s = server.connect()
        s.sendall(get("/metrics") * 300)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST while responses are being written
    time.sleep(0.3)
    assert server.proc.poll() is None
    assert server.get("/healthz").status_code == 200


# ---------------------------------------------------------- connection close

@pytest.mark.parametrize("value", ["close", "CLOSE", "keep-alive, close", "Close"])
def test_connection_close_is_honoured(server, value):
    resps, s = exchange(server, get("/healthz", extra=[("Connection", value)]))
    with s:
        status, headers, _ = resps[0]
        assert status == 200
        assert headers.get("connection", "").lower() == "close"
        assert peer_closed(s, 2.0), "server kept the connection open"


def test_connection_close_stops_pipeline(server):
    """Requests pipelined after one with Connection: close are not answered."""
    data = get("/healthz", rid="c1", extra=[("Connection", "close")]) + get("/healthz", rid="c2")
    with server.connect() as s:
        s.sendall(data)
        (status, headers, _), = read_responses(s, 1)
        assert headers.get("x-request-id") == "c1"
        assert peer_closed(s, 2.0)


def test_http10_without_keep_alive_closes(server):
    resps, s = exchange(server, request_bytes("GET", "/healthz", version="HTTP/1.0"))
    with s:
        assert resps[0][0] == 200
        assert peer_closed(s, 2.0), "HTTP/1.0 connection left open"


def test_http10_with_keep_alive_stays_open(server):
    req = request_bytes("GET", "/healthz", [("Connection", "keep-alive")], version="HTTP/1.0")
    with server.connect() as s:
        s.sendall(req)
        (status, headers, _), = read_responses(s, 1)
        assert status == 200
        assert headers.get("connection", "").lower() == "keep-alive"
        s.sendall(req)
        (status, _, _), = read_responses(s, 1)
        assert status == 200


# ------------------------------------------------------- routing: 404/405/415

@pytest.mark.parametrize("path", ["/nope", "/v1", "/v1/comments/a/b/c/d", "/healthz/extra",
                                  "/V1/KEYS"])
def test_unknown_path_is_404_problem(server, path):
    resps, s = exchange(server, get(path))
    s.close()
    problem(resps[0], 404, "not_found")


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/v1/comments", {"POST"}),
    ("PUT", "/v1/bans", {"GET", "HEAD", "POST"}),
    ("DELETE", "/healthz", {"GET", "HEAD"}),
    ("POST", "/v1/keys", {"GET", "HEAD"}),
    ("GET", "/v1/comments/x/approve", {"POST"}),
    ("PATCH", "/v1/bans/ip/1.2.3.4", {"DELETE"}),
])
def test_wrong_method_is_405_with_allow(server, method, path, allowed):
    # Authorised, so only the method can be wrong.
    resps, s = exchange(server, request_bytes(method, path, [("Authorization", MOD)]))
    s.close()
    problem(resps[0], 405, "method_not_allowed")
    allow = {m.strip() for m in resps[0][1].get("allow", "").split(",") if m.strip()}
    assert allowed <= allow, "Allow: %r" % resps[0][1].get("allow")
    assert not allow & ({"GET", "POST", "DELETE", "PUT", "PATCH"} - allowed - {"HEAD"}), allow


def head_then_get(server, path):
    """HEAD path then GET path pipelined on one connection: (the HEAD's
    status line and headers, the bytes after them). A body after the HEAD's
    headers would be taken for the GET's response."""
    with server.connect() as s:
        s.sendall(request_bytes("HEAD", path, [("Authorization", MOD)]) +
                  request_bytes("GET", path, [("Authorization", MOD)]))
        s.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data or b"\r\n\r\n" not in data.split(b"\r\n\r\n", 1)[1]:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    return data.split(b"\r\n\r\n", 1)


def content_length(head):
    m = re.search(rb"(?im)^content-length: *(\d+)", head)
    return int(m.group(1)) if m else None


# RFC 9110 9.3.2: HEAD wherever GET is served, with GET's status and
# headers and no body; load balancers probe /healthz with it.
@pytest.mark.parametrize("path,status", [
    ("/healthz", 200),
    ("/readyz", 200),
    ("/v1/keys", 200),
    ("/v1/queue", 200),
    ("/v1/comments/0190c6d4-0000-7000-8000-000000000000", 404),
    ("/v1/articles/a-1/comments", 200),
])
def test_head_is_get_without_a_body(server, path, status):
    head, rest = head_then_get(server, path)
    assert head.startswith(b"HTTP/1.1 %d" % status), head
    get_head = rest.split(b"\r\n\r\n", 1)[0]
    assert rest.startswith(b"HTTP/1.1 %d" % status), rest[:80]   # no body in between
    assert content_length(head) == content_length(get_head) > 0, (head, get_head)


def test_head_where_only_post_is_405_with_allow(server):
    head, rest = head_then_get(server, "/v1/comments")
    assert head.startswith(b"HTTP/1.1 405"), head
    assert re.search(rb"(?im)^allow: POST$", head), head
    assert rest.startswith(b"HTTP/1.1 405"), rest[:80]   # the GET's, with no body between


@pytest.mark.parametrize("ctype,expect_415", [
    ("text/plain", True),
    ("application/xml", True),
    ("application/x-www-form-urlencoded", True),
    ("application/json", False),
    ("application/json; charset=utf-8", False),
    ("Application/JSON", False),
])
def test_media_type_of_request_body(server, ctype, expect_415):
    req = request_bytes("POST", "/v1/comments",
                        [("Authorization", SITE), ("Content-Type", ctype)], CHECK_BODY)
    resps, s = exchange(server, req)
    s.close()
    if expect_415:
        problem(resps[0], 415, "unsupported_media_type")
    else:
        assert resps[0][0] != 415, resps[0]


# ----------------------------------------------------------- malformed HTTP

MALFORMED = [
    ("garbage-line", b"GARBAGE\r\n\r\n"),
    ("binary-junk", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
    ("bad-method-chars", b"G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad-version", b"GET /healthz HTTP/x.y\r\nHost: x\r\n\r\n"),
    ("space-in-header-name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n"),
    ("header-without-colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
    ("bad-content-length", b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
     MOD.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"),
    ("negative-content-length", b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
     MOD.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: -2\r\n\r\n{}"),
    ("conflicting-content-lengths", b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
     MOD.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
     b"Content-Length: 3\r\n\r\n{} "),
    ("content-length-and-chunked", b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
     MOD.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    ("bad-chunk-size", b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
     MOD.encode() + b"\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
]


@pytest.mark.parametrize("name,data", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_request_is_400_then_close(server, name, data):
    # A valid request pipelined behind must not be answered.
    resps, s = exchange(server, data + get("/healthz", rid="behind"))
    with s:
        doc = problem(resps[0], 400, "bad_request")
        assert resps[0][1].get("connection", "").lower() == "close"
        # refused before routing, still traceable in the logs
        assert re.fullmatch(r"[0-9a-f]{16}", resps[0][1].get("x-request-id", ""))
        assert peer_closed(s, 2.0), "connection stayed open after a 400"
    assert doc["status"] == 400
    # the detail is a sentence for a human, not a parser's fragment
    assert doc["detail"][0].isupper() and doc["detail"].endswith("."), doc["detail"]
    # The server is fine afterwards.
    assert server.get("/healthz").status_code == 200


@pytest.mark.parametrize("name,data", [
    ("http11-without-host", b"GET /healthz HTTP/1.1\r\n\r\n"),
    ("two-host-headers", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
], ids=["http11-without-host", "two-host-headers"])
def test_host_header_is_required_once_in_http11(server, name, data):
    """RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request
    without Host or with more than one Host line."""
    resps, s = exchange(server, data)
    with s:
        problem(resps[0], 400, "bad_request")
        assert peer_closed(s, 2.0)


def test_http10_without_host_is_fine(server):
    resps, s = exchange(server, b"GET /healthz HTTP/1.0\r\n\r\n")
    s.close()
    assert resps[0][0] == 200


@pytest.mark.parametrize("te", ["gzip, chunked", "deflate, chunked", "gzip", "chunked, gzip",
                                "identity"])
def test_unsupported_transfer_coding_is_refused(server, te):
    """modgate decodes no transfer coding but chunked. RFC 9112 section 6.1:
    an unknown coding gets 501 (or 400, as malformed), and since the body
    cannot be delimited, the connection closes. It must not reach routing or
    authentication (here: an unauthenticated POST would otherwise get 401)."""
    req = (b"POST /v1/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: " + te.encode() + b"\r\n\r\n"
           b"2\r\n{}\r\n0\r\n\r\n")
    resps, s = exchange(server, req + get("/healthz"))
    with s:
        status, headers, _ = resps[0]
        assert status in (400, 501), resps[0]
        assert headers["content-type"].startswith("application/problem+json")
        assert peer_closed(s, 2.0)


def test_request_line_without_version_is_refused_and_closed(server):
    """An HTTP/0.9-style request line: 400 or 505 are both fair answers."""
    resps, s = exchange(server, b"GET /healthz\r\nHost: x\r\n\r\n" + get("/healthz"))
    with s:
        assert resps[0][0] in (400, 505), resps[0]
        assert resps[0][1]["content-type"].startswith("application/problem+json")
        assert peer_closed(s, 2.0)


def test_http2_request_line_is_505(server):
    resps, s = exchange(server, b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n")
    s.close()
    assert resps[0][0] == 505, resps[0]


# ------------------------------------------------------------------ limits

def test_headers_over_8k_are_431(server):
    req = request_bytes("GET", "/healthz", [("X-Big", "a" * 9000)])
    resps, s = exchange(server, req)
    s.close()
    problem(resps[0], 431, "headers_too_large")


def test_many_small_headers_over_8k_are_431(server):
    req = request_bytes("GET", "/healthz", [("X-H%d" % i, "v" * 40) for i in range(200)])
    resps, s = exchange(server, req)
    s.close()
    problem(resps[0], 431, "headers_too_large")


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("POST", "/v1/check"),
                                         ("DELETE", "/v1/bans/ip/192.0.2.1")])
def test_the_8k_head_limit_is_exact(server, method, path):
    # docs/api.md: "request line and headers", 8 KiB: the whole head, from the method
    # to the blank line that ends it, counted to the byte
    base = len(request_bytes(method, path, [("Authorization", MOD), ("X-Big", "")]))
    for size, refused in ((8192, False), (8193, True)):
        req = request_bytes(method, path, [("Authorization", MOD),
                                           ("X-Big", "a" * (size - base))])
        assert len(req) == size
        resps, s = exchange(server, req)
        s.close()
        if refused:
            problem(resps[0], 431, "headers_too_large")
        else:
            assert resps[0][0] != 431, (size, resps[0])


def test_headers_just_under_8k_are_accepted(server):
    base = len(request_bytes("GET", "/healthz", [("X-Big", "")]))
    req = request_bytes("GET", "/healthz", [("X-Big", "a" * (8192 - base - 64))])
    assert len(req) < 8192
    resps, s = exchange(server, req)
    s.close()
    assert resps[0][0] == 200


def test_content_length_over_16k_is_413_right_after_headers(server):
    head = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("Content-Length", "16385")])
    with server.connect() as s:
        s.sendall(head)  # and no body at all
        t0 = time.monotonic()
        (resp,) = read_responses(s, 1, timeout=3.0)
        assert time.monotonic() - t0 < 2.0
        problem(resp, 413, "body_too_large")
        assert resp[1].get("connection", "").lower() == "close"
        assert peer_closed(s, 2.0)


def test_chunked_body_over_16k_is_413(server):
    head = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("Transfer-Encoding", "chunked")])
    with server.connect() as s:
        s.sendall(head + chunked(b"x" * 16385, 4096))
        (resp,) = read_responses(s, 1)
        problem(resp, 413, "body_too_large")
        assert peer_closed(s, 2.0)


def json_of_size(n):
    pad = n - len(json.dumps({"article_id": "a-1", "author_id": "u-1", "body": ""}))
    doc = json.dumps({"article_id": "a-1", "author_id": "u-1", "body": "b" * pad}).encode()
    assert len(doc) == n
    return doc


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize("token,path", [(None, "/v1/comments"), (MOD, "/v1/check")],
                         ids=["unauthenticated", "authorised"])
def test_body_of_exactly_16384_bytes_is_accepted(server, framing, token, path):
    body = json_of_size(16384)
    headers = [("Content-Type", JSON), ("X-Request-Id", "exact")]
    if token:
        headers.append(("Authorization", token))
    if framing == "chunked":
        req = request_bytes("POST", path, headers + [("Transfer-Encoding", "chunked")]) \
            + chunked(body, 1000)
    else:
        req = request_bytes("POST", path, headers, body)
    resps, s = exchange(server, req + get("/healthz", rid="next"), 2)
    s.close()
    assert resps[0][0] != 413, resps[0]
    if token is None:
        assert resps[0][0] == 401
    assert resps[1][0] == 200 and resps[1][1].get("x-request-id") == "next"


@pytest.mark.parametrize("limits,request_factory,status,code", [
    ("body_bytes: 100", lambda: request_bytes(
        "POST", "/v1/check", [("Authorization", MOD), ("Content-Type", JSON)], b"x" * 101),
     413, "body_too_large"),
    ("body_bytes: 100", lambda: request_bytes(
        "POST", "/v1/check", [("Authorization", MOD), ("Content-Type", JSON),
                              ("Transfer-Encoding", "chunked")]) + chunked(b"x" * 101, 50),
     413, "body_too_large"),
    ("header_bytes: 1024", lambda: request_bytes("GET", "/healthz", [("X-Big", "a" * 1100)]),
     431, "headers_too_large"),
], ids=["body-content-length", "body-chunked", "headers"])
def test_limits_are_configurable(redis, start_modgate, limits, request_factory, status, code):
    m = start_modgate(redis.url, config="limits:\n  %s\n" % limits)
    resps, s = exchange(m, request_factory())
    s.close()
    problem(resps[0], status, code)


def test_configured_body_limit_is_inclusive(redis, start_modgate):
    m = start_modgate(redis.url, config="limits:\n  body_bytes: 100\n")
    req = request_bytes("POST", "/v1/check",
                        [("Authorization", MOD), ("Content-Type", JSON)], b"x" * 100)
    resps, s = exchange(m, req)
    s.close()
    assert resps[0][0] != 413, resps[0]


def test_configured_header_limit_allows_smaller_requests(redis, start_modgate):
    m = start_modgate(redis.url, config="limits:\n  header_bytes: 1024\n")
    resps, s = exchange(m, request_bytes("GET", "/healthz", [("X-Small", "a" * 600)]))
    s.close()
    assert resps[0][0] == 200


# ---------------------------------------------------------------- timeouts

@pytest.mark.parametrize("partial", [
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    b"GE",
    b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 20\r\n\r\n{\"a\":",
], ids=["half-headers", "half-request-line", "half-body"])
def test_stalled_request_gets_408_then_close(fast_server, partial):
    with fast_server.connect() as s:
        s.sendall(partial)
        t0 = time.monotonic()
        (resp,) = read_responses(s, 1, timeout=3.0)
        elapsed = time.monotonic() - t0
        problem(resp, 408, "timeout")
        assert 0.3 <= elapsed < 2.0, elapsed
        assert peer_closed(s, 2.0)


def test_request_trickling_in_slowly_still_times_out(fast_server):
    """The deadline is for the whole request, not per read."""
    with fast_server.connect() as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        t0 = time.monotonic()
        got = b""
        s.settimeout(0.1)
        while time.monotonic() - t0 < 3.0 and not got:
            try:
                s.sendall(b"X-Drip: 1\r\n")
            except OSError:
                break
            try:
                got = s.recv(65536)
            except socket.timeout:
                pass
            except ConnectionResetError:
                break
        assert got.startswith(b"HTTP/1.1 408"), got[:200]
        assert time.monotonic() - t0 < 2.0


def test_second_request_on_keep_alive_connection_also_times_out(fast_server):
    with fast_server.connect() as s:
        s.sendall(get("/healthz"))
        assert read_responses(s, 1)[0][0] == 200
        time.sleep(0.3)  # idle, but less than idle_timeout_ms
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        (resp,) = read_responses(s, 1, timeout=3.0)
        problem(resp, 408, "timeout")
        assert 0.15 <= time.monotonic() - t0 < 2.0
        assert peer_closed(s, 2.0)


def test_a_new_connection_that_sends_nothing_gets_408(fast_server):
    # docs/api.md: a whole request must arrive within 10 s: for a new
    # connection the clock starts when it opens (request_timeout_ms here)
    with fast_server.connect() as s:
        t0 = time.monotonic()
        (resp,) = read_responses(s, 1, timeout=3.0)
        problem(resp, 408, "timeout")
        assert 0.4 <= time.monotonic() - t0 < 2.0
        assert peer_closed(s, 2.0)


def test_idle_keep_alive_connection_closes_after_idle_timeout(fast_server):
    with fast_server.connect() as s:
        s.sendall(get("/healthz"))
        (resp,) = read_responses(s, 1)
        assert resp[0] == 200
        t0 = time.monotonic()
        assert peer_closed(s, 3.0), "idle connection still open after 3 s"
        elapsed = time.monotonic() - t0
        assert 0.3 <= elapsed < 2.0, elapsed


def test_active_connection_is_not_closed_by_idle_timeout(fast_server):
    with fast_server.connect() as s:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.2:  # longer than the 500 ms idle timeout
            s.sendall(get("/healthz"))
            (resp,) = read_responses(s, 1)
            assert resp[0] == 200
            time.sleep(0.2)


def test_default_idle_timeout_keeps_connection_open(server):
    with server.connect() as s:
        s.sendall(get("/healthz"))
        read_responses(s, 1)
        assert not peer_closed(s, 1.0)
        s.sendall(get("/healthz"))
        assert read_responses(s, 1)[0][0] == 200


# ------------------------------------------------------- Expect, request id

def test_expect_100_continue(server):
    head = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("Expect", "100-continue"),
                          ("Content-Length", str(len(CHECK_BODY)))])
    with server.connect() as s:
        s.sendall(head)
        s.settimeout(3.0)
        interim = s.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim
        assert interim.endswith(b"\r\n\r\n") and interim.count(b"\r\n\r\n") == 1, interim
        s.sendall(CHECK_BODY)
        (resp,) = read_responses(s, 1)
        assert resp[0] not in (100, 400, 408, 413, 417), resp


def test_expect_100_continue_with_too_large_body_gets_413_without_continue(server):
    head = request_bytes("POST", "/v1/check",
                         [("Authorization", MOD), ("Content-Type", JSON),
                          ("Expect", "100-continue"), ("Content-Length", "20000")])
    with server.connect() as s:
        s.sendall(head)
        (resp,) = read_responses(s, 1, timeout=3.0)
        problem(resp, 413, "body_too_large")


@pytest.mark.parametrize("sent,echoed", [
    (None, False),
    ("abc-123_x.y", True),
    ("A" * 64, True),
    ("A" * 65, False),
    ("has space", False),
    ("semi;colon", False),
    ("quote\"d", False),
])
def test_request_id(server, sent, echoed):
    extra = [("X-Request-Id", sent)] if sent is not None else []
    resps, s = exchange(server, get("/nope", extra=extra))  # errors carry it too
    s.close()
    rid = resps[0][1].get("x-request-id")
    assert rid, "no X-Request-Id in %r" % (resps[0][1],)
    if echoed:
        assert rid == sent
    else:
        assert rid != sent
        assert all(c.isalnum() or c in "._-" for c in rid) and len(rid) <= 64, rid


def test_generated_request_ids_are_unique(server):
    ids = {server.get("/healthz").headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20


def test_access_log_line_carries_request_id(server):
    server.get("/healthz", headers={"X-Request-Id": "log-me-123"})

    def found():
        return [l for l in server.log_lines()
                if l.get("event") == "access" and l.get("request_id") == "log-me-123"]
    (line,) = wait_until(found, timeout=3)
    assert line["method"] == "GET" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["route"]
    assert isinstance(line["duration_ms"], (int, float))
    for k in ("time", "level", "module"):
        assert k in line


def test_access_log_line_is_exact_json_even_for_a_path_that_is_not_utf8(server):
    # the line is written without a jansson tree (jsonw.h): still one JSON
    # object per line, members in order, and a path with bytes that are not
    # UTF-8 (which jansson could not log) says what it can, with U+FFFD
    server.raw(b"GET /v1/\xff\"x HTTP/1.1\r\nHost: t\r\nX-Request-Id: bad-path-1\r\n"
               b"Connection: close\r\n\r\n")

    def found():
        return [raw for raw in server.logs().splitlines()
                if '"request_id":"bad-path-1"' in raw]
    (raw,) = wait_until(found, timeout=3)
    line = json.loads(raw)
    assert list(line)[:4] == ["time", "level", "module", "event"]
    assert list(line)[4:] == ["request_id", "method", "route", "path", "status",
                              "duration_ms", "peer"]
    assert line["path"] == "/v1/\ufffd\"x" and line["event"] == "access"
    assert "log_error" not in line
    # compact, as json.dumps writes it with no spaces
    assert raw == json.dumps(line, ensure_ascii=False, separators=(",", ":")).replace(
        '"duration_ms":%s' % json.dumps(line["duration_ms"]),
        '"duration_ms":%s' % raw.split('"duration_ms":')[1].split(",")[0])
