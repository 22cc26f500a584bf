"""modctl author ID [--limit N], modctl watch ID [--reason TEXT], modctl
unwatch ID, modctl erase ID (docs/man/modctl.1): text and --json, and
errors (an unknown author, a site token)."""


from conftest import SITE_TOKEN, created, post_comment
from test_modctl_moderation import ok_json, run  # server: conftest's


def post(server, author, n):
    return created(post_comment(server, {"article_id": "art-1", "author_id": author,
                                         "body": "A fair point, well made (%d)." % n}))


def test_author_text_and_json(server):
    ids = [post(server, "ann", n)["id"] for n in range(3)]
    r = run(server, "author", "ann")
    assert r.returncode == 0, r.stderr
    assert "author:      ann" in r.stdout
    assert "3 published, 0 pending, 0 rejected, 0 removed, 0 deleted" in r.stdout
    assert "watched:     no" in r.stdout
    assert r.stdout.index(ids[2]) < r.stdout.index(ids[0])  # newest first
    v = ok_json(run(server, "--json", "author", "ann", "--limit", "2"))
    assert [c["id"] for c in v["comments"]] == ids[:0:-1]
    assert v["counts"]["published"] == 3


def test_watch_and_unwatch(server):
    r = run(server, "watch", "bob", "--reason", "new account, links")
    assert r.returncode == 0 and "watching bob" in r.stdout, r
    held = post_comment(server, {"article_id": "art-1", "author_id": "bob",
                                 "body": "A fair point, well made."})
    assert held.status_code == 202
    v = ok_json(run(server, "--json", "author", "bob"))
    assert v["watch"]["reason"] == "new account, links" and v["watch"]["by"] == "alice"
    assert "watched:     since" in run(server, "author", "bob").stdout
    assert ok_json(run(server, "--json", "unwatch", "bob")) == {"author_id": "bob",
                                                                "watched": False}
    # not watched any more: 404, exit 1
    r = run(server, "unwatch", "bob")
    assert r.returncode == 1 and "not_found" in r.stderr + r.stdout
    w = ok_json(run(server, "--json", "watch", "carl"))
    assert w["watch"]["reason"] is None


def test_unknown_author_and_site_token(server):
    r = run(server, "author", "nobody")
    assert r.returncode == 1 and "not_found" in r.stderr + r.stdout
    r = run(server, "author", "nobody", token=SITE_TOKEN)
    assert r.returncode == 1 and "forbidden" in r.stderr + r.stdout


def test_erase(server):
    ids = [post(server, "dora", n)["id"] for n in range(2)]
    r = run(server, "erase", "dora")
    assert r.returncode == 0 and "erased dora: 2 comments" in r.stdout, r
    assert "0 published, 0 pending, 0 rejected, 0 removed, 2 deleted" in \
        run(server, "author", "dora").stdout
    rec = server.get("/v1/comments/%s" % ids[0], token=SITE_TOKEN).json()
    assert rec["status"] == "deleted" and rec["body"] is None
    assert ok_json(run(server, "--json", "erase", "dora")) == {"author_id": "dora",
                                                               "comments_erased": 0}
    # the site's token may not, by default: 403, exit 1
    r = run(server, "erase", "dora", token=SITE_TOKEN)
    assert r.returncode == 1 and "forbidden" in r.stderr + r.stdout
