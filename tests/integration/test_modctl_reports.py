"""`modctl reported` (docs/man/modctl.1): the comments readers reported
enough as a table and as --json, its --limit, the site role refused, and
`modctl approve` / `remove` working a reported comment (approve dismisses
its reports, remove upholds them)."""
import pytest

from conftest import MOD_TOKEN, SITE_TOKEN, wait_until
from test_modctl_moderation import ok_json, run
from test_reports import publish, report


@pytest.fixture
def server(redis, start_modgate):
    m = start_modgate(redis.url, config="moderation:\n  decision_guard_ms: 0\n")
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    return m


def reported_three_times(server, reasons=("spam", "spam", "abuse")):
    cid = publish(server)
    for i, reason in enumerate(reasons):
        assert report(server, cid, "m-reader-%d" % i, reason).status_code == 201
    return cid


def test_reported_table_and_json(server):
    empty = run(server, "reported")
    assert empty.returncode == 0 and empty.stdout == "no reported comments\n"
    a = reported_three_times(server)
    b = reported_three_times(server, ("off_topic",) * 4)
    r = run(server, "reported")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "REPORTS", "WEIGHT", "REASONS", "STATUS", "BODY"]
    assert lines[1].startswith(b) and lines[2].startswith(a)
    assert "off_topic 4" in lines[1] and "published" in lines[1]
    assert "spam 2, abuse 1" in lines[2] or "abuse 1, spam 2" in lines[2]
    assert lines[3] == "2 of 2 reported comments"
    out = ok_json(run(server, "--json", "reported"))
    assert [i["comment"]["id"] for i in out["items"]] == [b, a] and out["total"] == 2
    assert out["items"][1]["reports"]["reasons"] == {"spam": 2, "abuse": 1}
    one = ok_json(run(server, "--json", "reported", "--limit", "1"))
    assert [i["comment"]["id"] for i in one["items"]] == [b]
    for bad in ("0", "ten"):
        r = run(server, "reported", "--limit", bad)
        assert r.returncode == 2 and "--limit" in r.stderr, (bad, r)
    refused = run(server, "reported", token=SITE_TOKEN)
    assert refused.returncode == 1 and refused.stdout == "", refused
    assert "role" in refused.stderr, refused.stderr


def test_approve_dismisses_and_remove_upholds(server):
    a = reported_three_times(server)
    b = reported_three_times(server)
    assert run(server, "approve", a, "--reason", "fair comment").returncode == 0
    record = server.get("/v1/comments/" + a, token=MOD_TOKEN).json()
    assert record["status"] == "published" and "reports" not in record
    assert run(server, "remove", b).returncode == 0
    assert server.get("/v1/comments/" + b, token=MOD_TOKEN).json()["status"] == "removed"
    assert ok_json(run(server, "--json", "reported"))["items"] == []
    audit = ok_json(run(server, "--json", "audit"))
    actions = {(e["action"], e["target"]) for e in audit["entries"]}
    assert ("dismiss_reports", a) in actions and ("remove", b) in actions


def test_show_prints_open_reports(server):
    cid = reported_three_times(server)
    r = run(server, "show", cid)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("reports ")]
    assert len(line) == 1, r.stdout
    assert line[0].split(None, 1)[1] in ("3: spam 2, abuse 1", "3: abuse 1, spam 2"), line
    # none open: no line
    plain = publish(server)
    assert not any(l.startswith("reports ") for l in
                   run(server, "show", plain).stdout.splitlines())
