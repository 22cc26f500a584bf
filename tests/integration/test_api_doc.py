"""docs/api.md and docs/openapi.yaml describe the same API: the same
operations, and for each the same status codes; and no document in the
repository links to a file outside it (or to one that does not exist)."""
import os
import re
import subprocess
from urllib.parse import unquote

import yaml

from conftest import ROOT

API_MD = os.path.join(ROOT, "docs", "api.md")
OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# The statuses modgate answers; a number in api.md that is one of them is
# taken as a status code.
STATUSES = {100, 200, 201, 202, 204, 400, 401, 403, 404, 405, 408, 409, 410, 413, 415,
            422, 429, 431, 501, 503, 505}


def openapi_operations():
    """{(METHOD, path): {status codes}} from openapi.yaml."""
    with open(OPENAPI) as f:
        spec = yaml.safe_load(f)
    ops = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                ops[(method.upper(), path)] = {int(c) for c in op["responses"]}
    return ops


def api_md_sections():
    """{(METHOD, path): text} of the endpoint sections of api.md, whose
    headings are "### `METHOD /path`"; a section runs to the next heading."""
    with open(API_MD) as f:
        text = f.read()
    sections = {}
    parts = re.split(r"^(#{1,3} .*)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2]):
        m = re.fullmatch(r"### `([A-Z]+) (/\S*)`", heading.strip())
        if m:
            key = (m.group(1), m.group(2))
            assert key not in sections, "api.md has two sections for %s %s" % key
            sections[key] = body
    return sections


def test_the_same_operations():
    ops, sections = openapi_operations(), api_md_sections()
    assert len(ops) >= 19  # the router's table, at the time of writing
    assert set(ops) - set(sections) == set(), "in openapi.yaml, not in api.md"
    assert set(sections) - set(ops) == set(), "in api.md, not in openapi.yaml"


def test_each_operation_names_the_same_status_codes():
    ops, sections = openapi_operations(), api_md_sections()
    problems = []
    for key, codes in sorted(ops.items()):
        if key not in sections:
            continue  # test_the_same_operations says so
        named = {int(n) for n in re.findall(r"(?<![\w.])(\d{3})(?!\w|\.\d)", sections[key])}
        named &= STATUSES
        if codes - named:
            problems.append("%s %s: api.md does not name %s" % (key + (sorted(codes - named),)))
        if named - codes:
            problems.append("%s %s: openapi.yaml does not list %s" % (key + (sorted(named - codes),)))
    assert not problems, "\n".join(problems)


def test_the_router_serves_what_the_docs_describe():
    with open(os.path.join(ROOT, "src", "server", "router.c")) as f:
        routes = set(re.findall(r'\{MG_ROUTE_\w+, "([A-Z]+)", "([^"]+)"', f.read()))
    assert routes and routes == set(api_md_sections())


def markdown_files():
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "--cached", "--others",
                        "--exclude-standard", "*.md"], capture_output=True,
                       text=True)
    if r.returncode == 0 and r.stdout.strip():
        return [os.path.join(ROOT, p) for p in r.stdout.split()]
    out = []
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if not x.startswith((".", "build"))]
        out += [os.path.join(d, f) for f in files if f.endswith(".md")]
    return out


def slug(heading):
    """The anchor GitHub gives a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    with open(path) as f:
        text = re.sub(r"^```.*?^```", "", f.read(), flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.*)$", text, re.M)}


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_every_link_stays_in_the_repository_and_resolves():
    files = markdown_files()
    assert os.path.join(ROOT, "docs", "api.md") in files
    root = os.path.realpath(ROOT)
    bad = []
    for md in files:
        with open(md) as f:
            text = re.sub(r"^```.*?^```", "", f.read(), flags=re.M | re.S)
        for target in LINK.findall(text):
            if re.match(r"(https?|mailto):", target):
                continue
            where = "%s: %s" % (os.path.relpath(md, ROOT), target)
            path, _, anchor = target.partition("#")
            if path.startswith("/") or re.match(r"\w+:", path):
                bad.append(where + " (not a relative link)")
                continue
            dest = os.path.realpath(os.path.join(os.path.dirname(md), unquote(path))) \
                if path else os.path.realpath(md)
            if os.path.commonpath([dest, root]) != root:
                bad.append(where + " (outside the repository)")
            elif not os.path.exists(dest):
                bad.append(where + " (no such file)")
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                bad.append(where + " (no such heading)")
    assert not bad, "\n".join(bad)


def test_the_readme_links_the_contract_first():
    with open(os.path.join(ROOT, "README.md")) as f:
        row = next(line for line in f if line.startswith("| HTTP API"))
    assert LINK.findall(row)[0] == "docs/api.md", row
