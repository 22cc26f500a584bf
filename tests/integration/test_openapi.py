"""docs/openapi.yaml: a valid OpenAPI 3.1 document that says what the server
routes (src/server/router.c) and serves (src/server/handlers.c), and the
response checker behind the conftest hook (openapi_check.py) catching what it
should. Needs no running server."""
import copy
import json
import os
import re

import pytest
import yaml
from jsonschema import Draft202012Validator, RefResolver

import openapi_check
from openapi_check import Exchange, Spec

ROOT = openapi_check.ROOT
ROUTER_C = os.path.join(ROOT, "src", "server", "router.c")
HANDLERS_C = os.path.join(ROOT, "src", "server", "handlers.c")
ROLE_NAMES = {"MG_ROLE_SITE": {"site"}, "MG_ROLE_MODERATOR": {"moderator"},
              "ANY_ROLE": {"site", "moderator"}, "0": set()}

# The problem codes of docs/api.md (and docs/operations.md), by status.
CODES_BY_STATUS = {
    400: {"invalid_request", "bad_request"},
    401: {"unauthorized"},
    403: {"forbidden", "banned", "comments_closed", "not_author"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    408: {"timeout"},
    409: {"idempotency_conflict", "conflict", "address_expired", "edit_window_closed"},
    410: {"cursor_expired"},
    413: {"body_too_large"},
    415: {"unsupported_media_type"},
    422: {"too_short", "too_long", "invalid_parent", "rejected", "invalid_rules",
          "invalid_mode", "invalid_closes_at",
          "own_comment"},
    429: {"rate_limited"},
    431: {"headers_too_large"},
    501: {"unsupported_transfer_coding"},
    503: {"unavailable", "outcome_unknown"},
    505: {"http_version_not_supported"},
}

COMMENT = {
    "id": "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a",
    "article_id": "2024-10-28-nk-troops-kursk",
    "author_id": "u-48121",
    "author_name": "Minji",
    "body": "Hard to believe they are being moved in civilian Kamaz trucks.",
    "parent_id": None,
    "created_at": "2026-11-29T18:49:26.123Z",
    "status": "published",
    "score": 0.0,
    "matches": [],
    "key_id": "5f1c9a3e0d2b7c44",
    "signature": "A" * 86 + "==",
    "rules_version": "r-e3b0c44298fc",
    "decision": None,
}


@pytest.fixture(scope="module")
def spec():
    return openapi_check.load_spec()


@pytest.fixture(scope="module")
def doc(spec):
    return spec.doc


def router_table():
    """[(route id, METHOD, pattern, {roles})] from router.c's route table."""
    with open(ROUTER_C, encoding="utf-8") as f:
        text = f.read()
    rows = re.findall(r'\{\s*(MG_ROUTE_[A-Z0-9_]+)\s*,\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,'
                      r'\s*([^{}]*?)\s*\}', text)
    assert len(rows) >= 10, "could not parse the route table of %s" % ROUTER_C
    out = []
    for rid, method, pattern, roles in rows:
        names = set()
        for part in roles.split("|"):
            part = part.strip().strip("()")
            assert part in ROLE_NAMES, "unknown role expression %r in %s" % (part, rid)
            names |= ROLE_NAMES[part]
        out.append((rid, method, pattern, names))
    return out


def served_routes():
    """The route ids with a handler in handlers.c's table."""
    with open(HANDLERS_C, encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"handlers\[MG_ROUTE_COUNT\]\s*=\s*\{(.*?)\};", text, re.S)
    assert table, "could not find the handler table in %s" % HANDLERS_C
    return set(re.findall(r"\[(MG_ROUTE_[A-Z0-9_]+)\]\s*=", table.group(1)))


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in openapi_check.HTTP_METHODS:
                yield path, method, op


def walk(obj, path=""):
    """Yields (json pointer, value) for every node of obj."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, "%s/%s" % (path, str(k).replace("~", "~0").replace("/", "~1")))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, "%s/%d" % (path, i))


def schemas_in(doc):
    """Every schema object of the document: components.schemas and each
    `schema` of a parameter, header or media type (as pointer, schema)."""
    for name, schema in doc["components"]["schemas"].items():
        yield "#/components/schemas/" + name, schema
    for pointer, node in walk(doc):
        if pointer.startswith("/components/schemas/"):
            continue
        if isinstance(node, dict) and isinstance(node.get("schema"), dict):
            yield "#" + pointer + "/schema", node["schema"]


def codes_of(spec, schema):
    """The problem codes a response schema allows (from code const/enum,
    through $ref, allOf and oneOf); None when it does not constrain code."""
    schema = spec.resolve(schema)
    found = None
    code = (schema.get("properties") or {}).get("code")
    if code:
        found = {code["const"]} if "const" in code else set(code.get("enum", [])) or None
    for sub in schema.get("allOf", []):
        c = codes_of(spec, sub)
        if c is not None:
            found = c if found is None else found & c
    branches = [codes_of(spec, sub) for sub in schema.get("oneOf", []) + schema.get("anyOf", [])]
    if branches and all(b is not None for b in branches):
        union = set().union(*branches)
        found = union if found is None else found & union
    return found


def response_codes(spec, responses):
    """{status: codes} for the problem responses of a responses object."""
    out = {}
    for status, resp in responses.items():
        resp = spec.resolve(resp)
        media = (resp.get("content") or {}).get("application/problem+json")
        if media:
            out[int(status)] = codes_of(spec, media["schema"])
    return out


# ---- the document --------------------------------------------------------

def test_document_parses_as_openapi_3_1():
    with open(openapi_check.SPEC_PATH, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict)
    assert re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi"))), doc.get("openapi")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["paths"] and doc["components"]["schemas"]
    # JSON-compatible: string keys, no YAML dates or other Python objects
    for pointer, node in walk(doc):
        if isinstance(node, dict):
            assert all(isinstance(k, str) for k in node), "non-string key at %s" % pointer
        else:
            assert isinstance(node, (str, int, float, bool, list, type(None))), \
                "%s is a %s (quote it)" % (pointer, type(node).__name__)


def test_every_route_is_in_the_spec_and_nothing_else(doc):
    routed = {(pattern, method.lower()) for _, method, pattern, _ in router_table()}
    documented = {(path, method) for path, method, _ in operations(doc)}
    assert routed - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - routed == set(), "operations the server does not route"


def test_roles_and_security_follow_the_route_table(doc):
    bearer = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearerAuth": []}]
    for rid, method, pattern, roles in router_table():
        op = doc["paths"][pattern][method.lower()]
        assert set(op.get("x-roles", ())) == roles, (rid, op.get("x-roles"))
        responses = op["responses"]
        if roles:
            assert "security" not in op or op["security"] == [{"bearerAuth": []}], rid
            assert "401" in responses and "403" in responses, rid
            for role in roles:
                assert "`%s`" % role in op["description"], \
                    "%s: the description should name the role %s" % (rid, role)
        else:
            assert op.get("security") == [], "%s needs no token: security: []" % rid
            assert "401" not in responses and "403" not in responses, rid


def test_every_route_is_served_and_none_says_otherwise(spec, doc):
    served = served_routes()
    for rid, method, pattern, _ in router_table():
        op = doc["paths"][pattern][method.lower()]
        assert rid in served, "%s %s has no handler" % (method, pattern)
        assert "Not served yet" not in op["description"], (method, pattern)


def test_operations_are_complete(spec, doc):
    ids = set()
    for path, method, op in operations(doc):
        where = "%s %s" % (method.upper(), path)
        assert op.get("operationId") and op["operationId"] not in ids, where
        ids.add(op["operationId"])
        params = [spec.resolve(p) for p in op.get("parameters", [])]
        declared = {p["name"] for p in params if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), where
        statuses = {int(s) for s in op["responses"]}
        assert any(200 <= s < 300 for s in statuses), where
        # what any request can get before routing
        assert {400, 408, 413, 415, 431, 501, 505} <= statuses, where
        if "{" in path:
            assert 404 in statuses, "%s: a bad percent-escape is a 404" % where
        for status, resp in op["responses"].items():
            resp = spec.resolve(resp)
            assert resp.get("description"), (where, status)
            if int(status) >= 400:
                assert list(resp.get("content", {})) == ["application/problem+json"], \
                    (where, status)


def test_problem_codes_by_status_are_those_of_the_api(spec, doc):
    seen = {}
    tables = [op["responses"] for _, _, op in operations(doc)]
    tables.append(doc["x-unrouted-responses"])
    for responses in tables:
        for status, codes in response_codes(spec, responses).items():
            assert codes, "status %d: the response schema must constrain code" % status
            assert codes <= CODES_BY_STATUS[status], (status, codes)
            seen.setdefault(status, set()).update(codes)
    assert seen == CODES_BY_STATUS
    problem_codes = set(doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    assert problem_codes == set().union(*CODES_BY_STATUS.values())


def test_headers_of_the_api_are_documented(spec, doc):
    submit = doc["paths"]["/v1/comments"]["post"]
    names = {spec.resolve(p)["name"] for p in submit["parameters"]}
    assert "Idempotency-Key" in names
    assert "Location" in spec.resolve(submit["responses"]["201"])["headers"]
    assert "Retry-After" in spec.resolve(submit["responses"]["429"])["headers"]
    assert "Retry-After" in spec.resolve(submit["responses"]["503"])["headers"]
    assert "WWW-Authenticate" in spec.resolve(submit["responses"]["401"])["headers"]
    assert "Allow" in spec.resolve(doc["x-unrouted-responses"]["405"])["headers"]
    for path, method, op in operations(doc):
        for status, resp in op["responses"].items():
            if 200 <= int(status) < 300:
                assert "X-Request-Id" in spec.resolve(resp).get("headers", {}), (path, status)


def test_every_ref_resolves(spec, doc):
    refs = [(p, node["$ref"]) for p, node in walk(doc)
            if isinstance(node, dict) and isinstance(node.get("$ref"), str)]
    assert len(refs) > 100
    resolver = RefResolver(base_uri="", referrer=doc)
    for pointer, ref in refs:
        assert ref.startswith("#/components/"), "%s: %s is not local" % (pointer, ref)
        spec.pointer(ref)  # raises KeyError when it does not resolve
        resolver.resolve(ref)  # as the validators resolve it


def test_schemas_are_valid_draft_2020_12(spec, doc):
    assert doc.get("jsonSchemaDialect", "https://json-schema.org/draft/2020-12/schema") \
        == "https://json-schema.org/draft/2020-12/schema"
    count = 0
    for where, schema in schemas_in(doc):
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # jsonschema.SchemaError
            pytest.fail("%s is not a valid 2020-12 schema: %s" % (where, e))
        spec.validator(schema)
        count += 1
    assert count > 50


def test_examples_validate(spec, doc):
    checked = 0
    for pointer, node in walk(doc):
        if not isinstance(node, dict) or not isinstance(node.get("schema"), dict):
            continue
        for name, example in (node.get("examples") or {}).items():
            value = spec.resolve(example)["value"]
            assert spec.schema_errors(node["schema"], value) == [], (pointer, name)
            checked += 1
    for name, schema in doc["components"]["schemas"].items():
        for value in schema.get("examples", []):
            assert spec.schema_errors(schema, value) == [], (name, value)
            checked += 1
    assert checked >= 3


# ---- the records ---------------------------------------------------------

def test_a_good_comment_validates(spec):
    assert spec.schema_errors("#/components/schemas/Comment", COMMENT) == []
    held = dict(COMMENT, status="pending", key_id=None, signature=None, parent_id=COMMENT["id"],
                author_name=None, score=4.5,
                matches=[{"rule": "links.shortener", "score": 3.0, "action": "hold",
                          "reason": "link through a URL shortener", "span": [3, 17]},
                         {"rule": "words.mild", "score": 1.5, "reason": "mild", "span": None,
                          "action": None}])
    assert spec.schema_errors("#/components/schemas/Comment", held) == []
    decided = dict(COMMENT, status="removed", decision={
        "action": "remove", "by": "alice", "at": "2026-11-29T19:00:00.000Z", "reason": None})
    assert spec.schema_errors("#/components/schemas/Comment", decided) == []


@pytest.mark.parametrize("change", [
    {"score": "0.0"},                    # a number as a string
    {"extra": 1},                        # a stray member
    {"status": "erased"},                # not a status
    {"created_at": "2026-11-29T18:49:26Z"},  # no milliseconds
    {"key_id": 5},
    {"matches": [{"rule": "x", "score": 1, "reason": "r", "span": [1, 2, 3]}]},
    {"matches": [{"rule": "x", "score": 1, "reason": "r", "action": "ban"}]},
    {"decision": {"action": "approve", "by": "alice", "at": "2026-11-29T19:00:00.000Z"}},
    {"decision": "approved"},
], ids=lambda c: ",".join(c))
def test_a_wrong_comment_fails(spec, change):
    bad = dict(COMMENT, **change)
    assert spec.schema_errors("#/components/schemas/Comment", bad) != []


@pytest.mark.parametrize("member", sorted(COMMENT))
def test_every_member_of_the_comment_is_required(spec, member):
    bad = {k: v for k, v in COMMENT.items() if k != member}
    assert spec.schema_errors("#/components/schemas/Comment", bad) != []


def test_keys_entries_are_strict(spec):
    key = {"key_id": "21fe31dfa154a261", "algorithm": "Ed25519", "public_key": "A" * 43 + "=",
           "status": "active", "created_at": None}
    assert spec.schema_errors("#/components/schemas/Keys", {"keys": [key]}) == []
    for change in ({"algorithm": "RSA"}, {"status": "old"}, {"comment": "x"},
                   {"created_at": "yesterday"}):
        assert spec.schema_errors("#/components/schemas/Keys",
                                  {"keys": [dict(key, **change)]}) != [], change
    assert spec.schema_errors("#/components/schemas/Keys", {"keys": [], "more": 1}) != []


# ---- the checker behind the hook -----------------------------------------

JSON = {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": "abc"}
PROBLEM = {"Content-Type": "application/problem+json; charset=utf-8", "X-Request-Id": "abc"}


def problem(status, code, **extra):
    return json.dumps(dict({"type": "about:blank", "title": "t", "status": status,
                            "detail": "d", "code": code}, **extra)).encode()


def check(spec, *args, **kw):
    # A fresh Spec over the same document, so the session's counters stay
    # about the real responses.
    return Spec(spec.doc).check(Exchange(*args, **kw))


def test_checker_passes_good_responses(spec):
    comment = json.dumps(COMMENT).encode()
    assert check(spec, "POST", "/v1/comments", 201,
                 dict(JSON, Location="/v1/comments/" + COMMENT["id"]), comment) == []
    assert check(spec, "GET", "/v1/comments/" + COMMENT["id"], 200, JSON, comment) == []
    assert check(spec, "GET", "/v1/articles/a%2Fb/comments?limit=2", 200, JSON,
                 b'{"comments":[],"total":0,"next_cursor":null,"mode":"open",'
                 b'"closes_at":null}') == []
    assert check(spec, "POST", "/v1/comments", 422, PROBLEM,
                 problem(422, "too_long", limit=300, length=301, unit="characters")) == []
    assert check(spec, "GET", "/v1/queue", 200, JSON,
                 b'{"items":[],"total":0,"next_cursor":null}') == []
    assert check(spec, "GET", "/nothing", 404, PROBLEM, problem(404, "not_found")) == []
    assert check(spec, "DELETE", "/healthz", 405, dict(PROBLEM, Allow="GET, HEAD"),
                 problem(405, "method_not_allowed")) == []
    # HEAD: the GET operation's status and headers, no body
    assert check(spec, "HEAD", "/v1/comments/" + COMMENT["id"], 200, JSON, b"") == []
    assert check(spec, "GET", "/metrics", 200,
                 {"Content-Type": "text/plain; version=0.0.4; charset=utf-8",
                  "X-Request-Id": "abc"}, b"# nothing\n") == []


def test_checker_catches_a_wrong_body(spec):
    bad = json.dumps(dict(COMMENT, score="0.0")).encode()
    errors = check(spec, "GET", "/v1/comments/" + COMMENT["id"], 200, JSON, bad)
    assert len(errors) == 1 and "score" in errors[0], errors
    stray = json.dumps(dict(COMMENT, stray=True)).encode()
    assert check(spec, "GET", "/v1/comments/" + COMMENT["id"], 200, JSON, stray) != []
    pending = json.dumps(dict(COMMENT, status="pending")).encode()
    assert check(spec, "POST", "/v1/comments", 201,
                 dict(JSON, Location="/v1/comments/x"), pending) != []
    assert check(spec, "GET", "/v1/comments/x", 200, JSON, b"{not json") != []


def test_checker_catches_head_mistakes(spec):
    # a body after HEAD, an Allow without HEAD beside GET, a status GET lacks
    assert check(spec, "HEAD", "/healthz", 200, JSON, b'{"status":"ok"}') != []
    assert check(spec, "DELETE", "/healthz", 405, dict(PROBLEM, Allow="GET"),
                 problem(405, "method_not_allowed")) != []
    assert check(spec, "HEAD", "/healthz", 418, JSON, b"") != []


def test_checker_catches_an_undocumented_status(spec):
    assert check(spec, "GET", "/healthz", 418, PROBLEM, problem(418, "teapot")) != []
    assert check(spec, "GET", "/healthz", 401, PROBLEM, problem(401, "unauthorized")) != []
    assert check(spec, "GET", "/nothing", 200, JSON, b'{"status":"ok"}') != []
    assert check(spec, "POST", "/healthz", 200, JSON, b'{"status":"ok"}') != []


def test_checker_catches_wrong_problems(spec):
    # a code that does not belong to the status, or to the operation
    assert check(spec, "POST", "/v1/comments", 422, PROBLEM, problem(422, "invalid_rules",
                 errors=[])) != []
    assert check(spec, "GET", "/v1/comments/x", 501, PROBLEM,
                 problem(501, "not_implemented")) != []
    # the members a code names
    assert check(spec, "POST", "/v1/comments", 422, PROBLEM, problem(422, "too_short")) != []
    assert check(spec, "POST", "/v1/comments", 422, PROBLEM, problem(422, "rejected")) != []
    # a problem's status member that is not the response's
    assert check(spec, "GET", "/nothing", 404, PROBLEM, problem(400, "not_found")) != []
    # a problem without code
    body = json.loads(problem(404, "not_found"))
    del body["code"]
    assert check(spec, "GET", "/nothing", 404, PROBLEM, json.dumps(body).encode()) != []


def test_checker_catches_wrong_headers_and_media_types(spec):
    comment = json.dumps(COMMENT).encode()
    # 201 without Location; a 503 without Retry-After; 401 without WWW-Authenticate
    assert check(spec, "POST", "/v1/comments", 201, JSON, comment) != []
    assert check(spec, "GET", "/readyz", 503, PROBLEM,
                 problem(503, "unavailable", checks={"redis": "down"})) != []
    assert check(spec, "POST", "/v1/comments", 401, PROBLEM, problem(401, "unauthorized")) != []
    # a 405 whose Allow is not the path's methods
    assert check(spec, "DELETE", "/healthz", 405, dict(PROBLEM, Allow="GET, POST"),
                 problem(405, "method_not_allowed")) != []
    # an error as application/json, a record as problem+json, text as JSON
    assert check(spec, "GET", "/nothing", 404, JSON, problem(404, "not_found")) != []
    assert check(spec, "GET", "/v1/comments/x", 200, PROBLEM, comment) != []
    assert check(spec, "GET", "/metrics", 200, JSON, b'{"a":1}') != []
    # no Content-Type at all, or a body where none is documented
    assert check(spec, "GET", "/healthz", 200, {"X-Request-Id": "a"}, b'{"status":"ok"}') != []
    assert check(spec, "DELETE", "/v1/bans/ip/203.0.113.9", 204, JSON, b"{}") != []


def test_checker_matches_paths_like_the_router(spec):
    s = Spec(spec.doc)
    assert s.match("GET", "/v1/comments/abc")[0] == "/v1/comments/{id}"
    assert s.match("POST", "/v1/comments/abc/approve")[0] == "/v1/comments/{id}/approve"
    assert s.match("POST", "/v1/comments?x=1")[0] == "/v1/comments"
    assert s.match("DELETE", "/v1/bans/subnet/203.0.113.0%2F24")[0] == "/v1/bans/{kind}/{value}"
    assert s.match("GET", "/v1/comments/")[0] is None        # an empty segment
    assert s.match("GET", "/v1/comments/a/b")[0] is None
    assert s.match("GET", "/v1/articles/x/comments/")[0] is None
    template, op = s.match("PUT", "/v1/comments/abc")
    assert template == "/v1/comments/{id}" and op is None


def test_the_hook_records_what_the_helpers_return(server, openapi_responses):
    before = len(openapi_responses)  # the server fixture's /readyz polls
    r = server.get("/healthz", headers={"X-Request-Id": "openapi-hook"})
    assert r.status_code == 200
    server.post("/v1/comments", data="{}")
    server.delete("/v1/bans/ip/203.0.113.9")
    got = [(x.method, x.path, x.status) for x in openapi_responses[before:]]
    assert got == [("GET", "/healthz", 200), ("POST", "/v1/comments", 401),
                   ("DELETE", "/v1/bans/ip/203.0.113.9", 401)]
    first = openapi_responses[before]
    assert first.headers["x-request-id"] == "openapi-hook"
    assert first.content_type.startswith("application/json")
    assert json.loads(first.body) == {"status": "ok"}


def test_the_document_is_loaded_once():
    assert openapi_check.load_spec() is openapi_check.load_spec()


def test_a_mutated_spec_is_caught(spec):
    """The checker reads the document, not a copy of its own: dropping the
    comment's `score` from the spec makes a real record fail."""
    doc = copy.deepcopy(spec.doc)
    doc["components"]["schemas"]["Comment"]["properties"].pop("score")
    errors = Spec(doc).check(Exchange("GET", "/v1/comments/x", 200, JSON,
                                      json.dumps(COMMENT).encode()))
    assert errors and "score" in errors[0]
