"""modctl article show|open|premoderate|close ID [--at TIME] (docs/man/
modctl.1): what each sets, --at, --json, and errors (a bad time, a site
token, no modgate)."""
import json


from conftest import MOD_TOKEN, SITE_TOKEN, post_comment
from test_modctl_moderation import ok_json, run  # server: conftest's

WHEN = "2031-05-01T08:00:00.000Z"


def settings(server, article):
    r = server.get("/v1/articles/%s/settings" % article, token=MOD_TOKEN)
    assert r.status_code == 200
    return r.json()


def test_show_defaults_text_and_json(server):
    r = run(server, "article", "show", "art-1")
    assert r.returncode == 0 and r.stdout == "art-1: open\n", r
    assert ok_json(run(server, "--json", "article", "show", "art-1")) == {
        "mode": "open", "closes_at": None}


def test_premoderate_then_close_at_keeps_mode(server):
    assert ok_json(run(server, "article", "premoderate", "art-2", "--json")) == {
        "mode": "premoderated", "closes_at": None}
    # close --at: the mode stays until then
    r = run(server, "article", "close", "art-2", "--at", WHEN)
    assert r.returncode == 0 and r.stdout == "art-2: premoderated, closes at %s\n" % WHEN, r
    assert settings(server, "art-2") == {"mode": "premoderated", "closes_at": WHEN}
    # premoderate again keeps the closing time
    run(server, "article", "open", "art-2", "--at", WHEN)
    assert ok_json(run(server, "--json", "article", "premoderate", "art-2")) == {
        "mode": "premoderated", "closes_at": WHEN}
    r = run(server, "article", "show", "art-2")
    assert r.stdout == "art-2: premoderated, closes at %s\n" % WHEN


def test_close_now_and_open(server):
    run(server, "article", "premoderate", "art-3", "--at", WHEN)
    r = run(server, "article", "close", "art-3")
    assert r.returncode == 0 and r.stdout.startswith("art-3: closed"), r
    assert settings(server, "art-3")["mode"] == "closed"
    c = {"article_id": "art-3", "author_id": "u-1", "body": "Closed, is it?"}
    assert post_comment(server, c).json()["code"] == "comments_closed"
    # open clears the closing time: comments are taken again
    assert ok_json(run(server, "--json", "article", "open", "art-3")) == {
        "mode": "open", "closes_at": None}
    assert post_comment(server, c).status_code == 201


def test_article_id_is_escaped(server):
    assert ok_json(run(server, "--json", "article", "close", "a/b?c")) == {
        "mode": "closed", "closes_at": None}
    assert settings(server, "a%2Fb%3Fc")["mode"] == "closed"
    assert settings(server, "art-other")["mode"] == "open"


def test_errors(server):
    r = run(server, "article", "close", "art-4", "--at", "next tuesday")
    assert r.returncode == 1 and "closes_at" in r.stderr, r
    assert settings(server, "art-4")["mode"] == "open"
    r = run(server, "--json", "article", "close", "art-4", "--at", "2026-13-01T00:00:00Z")
    assert r.returncode == 1 and json.loads(r.stdout)["code"] == "invalid_closes_at"
    r = run(server, "article", "close", "art-4", token=SITE_TOKEN)
    assert r.returncode == 1 and settings(server, "art-4")["mode"] == "open"
    r = run(server, "article", "show")
    assert r.returncode == 2 and "usage:" in r.stderr
    r = run(server, "article", "shut", "art-4")
    assert r.returncode == 2
    r = run(server, "article", "show", "art-4", "--at", WHEN)
    assert r.returncode == 2
    r = run(None, "article", "show", "art-4")
    assert r.returncode == 2 and r.stderr
