"""The learned model through the server: a tiny rule set and a tiny model
file in a temporary rules directory. A comment the model scores high is
held by a `model:` rule and /v1/check shows the model's match with its
features and their spans; a reload with a corrupt model answers the
model file's located error and keeps the set in force; `modctl rules lint`
prints the same place. The buckets are computed here with FNV-1a written
in Python, independently of the C (docs/rules.md, "The model file")."""
import json
import os
import subprocess

import pytest

from conftest import MOD_TOKEN, MODCTL, SITE_TOKEN, post_comment, problem, wait_until

BUCKETS = 1024


def fnv1a(text):
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def bucket(feature):
    return fnv1a(feature) & (BUCKETS - 1)


def model_text(extra=""):
    # abuse: sigmoid(-4 + 6) = 0.88 for a comment with "scumbag"
    return ("modgate-model 1\n"
            "buckets %d\n"
            "features word1 word2\n"
            "heads abuse\n"
            "bias abuse -4\n"
            "w %d abuse 6\n%s" % (BUCKETS, bucket("w1:scumbag"), extra))


RULES_YAML = """\
model: {file: model/model.txt, weight: 5}
rules:
  - id: model.abuse
    reason: the learned model finds it abusive
    when: {model: {abuse: ">= 0.8"}}
    action: hold
    score: 1
"""


@pytest.fixture
def model_server(redis, start_modgate, workdir):
    rules = os.path.join(workdir, "rules")
    os.makedirs(os.path.join(rules, "model"))
    with open(os.path.join(rules, "50-model.yaml"), "w") as f:
        f.write(RULES_YAML)
    with open(os.path.join(rules, "model", "model.txt"), "w") as f:
        f.write(model_text())
    m = start_modgate(redis.url, args=("--rules", rules))
    wait_until(lambda: m.get("/readyz").status_code == 200, timeout=10)
    m.rules_dir = rules
    return m


def check(server, body):
    r = server.post("/v1/check", token=SITE_TOKEN,
                    headers={"Content-Type": "application/json"},
                    data=json.dumps({"article_id": "a-1", "author_id": "u-1",
                                     "body": body}).encode())
    assert r.status_code == 200, r.text
    return r.json()


def test_model_holds_and_explains(model_server):
    server = model_server
    assert check(server, "what a fine day")["verdict"] == "publish"
    body = "you SCUMBAG, go away"
    out = check(server, body)
    assert out["verdict"] == "hold", out
    match = out["matches"][0]
    assert match["rule"] == "model.abuse" and match["score"] == 1
    said = match["model"][0]
    assert said["head"] == "abuse" and abs(said["score"] - 0.8807970779778823) < 1e-9
    feature = said["features"][0]
    assert feature["feature"] == "w1:scumbag" and feature["weight"] == 6
    start, end = feature["span"]
    assert body[start:end] == "SCUMBAG"
    # a submission is held the same way
    r = post_comment(server, {"article_id": "a-1", "author_id": "u-2", "body": body})
    assert r.status_code == 202, r.text
    assert r.json()["matches"][0]["model"][0]["features"][0]["feature"] == "w1:scumbag"


def test_corrupt_model_is_refused_with_its_place(model_server):
    server = model_server
    version = check(server, "x")["rules_version"]
    path = os.path.join(server.rules_dir, "model", "model.txt")
    with open(path, "a") as f:
        f.write("w %d abuse 1\n" % BUCKETS)  # line 7: out of range
    r = server.post("/v1/rules/reload", token=MOD_TOKEN)
    err = problem(r, 422, "invalid_rules")["errors"][0]
    assert (err["file"], err["line"], err["column"]) == ("model/model.txt", 7, 3), err
    assert "out of range" in err["message"]
    # the old set, model and all, still judges
    out = check(server, "you scumbag")
    assert out["rules_version"] == version and out["verdict"] == "hold"
    lint = subprocess.run([MODCTL, "rules", "lint", server.rules_dir],
                          capture_output=True, text=True, timeout=20)
    assert lint.returncode == 1
    assert "model/model.txt:7:3" in lint.stdout + lint.stderr
    # a fixed model reloads, and its bytes change the version
    with open(path, "w") as f:
        f.write(model_text("# retrained\n"))
    r = server.post("/v1/rules/reload", token=MOD_TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["rules_version"] != version
    # switched off: the `model:` line and the rules using it removed
    with open(os.path.join(server.rules_dir, "50-model.yaml"), "w") as f:
        f.write("rules: []\n")
    assert server.post("/v1/rules/reload", token=MOD_TOKEN).status_code == 200
    assert check(server, "you scumbag")["verdict"] == "publish"
