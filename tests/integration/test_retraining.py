"""The retraining loop of issue 19, end to end against a real modgate and
Redis: a site whose comments are of a kind its model never saw replays them
as moderator decisions, exports them (`modctl decisions export`), retrains
(`modctl model train`), lints and reloads the new set, and the new model is
measured against the old on a held-back part of the same kind.

The site's kind is `fox_news_hate` (news comments; the kind the shipped set
does worst on). Its rows are split by a hash of their id: ~70% replayed,
~30% held back and never seen by either model. The base set is the shipped
rules with a model trained on every other source, so it never saw the
site's kind either.

What is measured on the held-back rows (figures in docs/quality.md,
"Retraining from the site's decisions"):
  - the set as written (model thresholds of 50-model.yaml): recall and ham
    flagged of the old model (R0, H0) and the new (R1, H1);
  - the new set at equal ham flagged: recall when the new model's abuse
    threshold is the lowest that flags no more held-back ham than the old
    set does (a like-for-like comparison, as tests/eval/train's "model"
    column, not a forecast);
  - how well each model's abuse score ranks abuse above ham (AUC).
At the thresholds as written, chosen for a model that never saw the kind,
the new model flags less of the site's ham rather than more of its abuse
(docs/quality.md), so the gain in recall is asserted at equal ham flagged.
The training is deterministic (same rows and seed, same bytes), so these
figures are the same on every run; the asserted margins are well inside
what was measured over several seeds and splits."""
import csv
import hashlib
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import MOD_TOKEN, MODCTL, ROOT, BUILD, post_comment, wait_until

DEV = os.path.join(ROOT, "tests", "data", "dev", "dev.csv")
EVAL_JUDGE = os.path.join(BUILD, "tests", "eval_judge")
KIND = "fox_news_hate"
# the split's hash salt and the training seed; other values only to measure
# how the figures vary (the asserted margins hold for the defaults)
SPLIT = os.environ.get("RETRAIN_SPLIT", "loop")
SEED = os.environ.get("RETRAIN_SEED", "1")
HELD_SHARE = 77  # of 256: ~30% held back
BOX = 300  # code points: what a submission may have, and what the judge sees
ARTICLE = "art-site"
FLAGGED = ("hold", "reject")
# the families whose rules make an unexplained rejection spam, and the model
# (src/cli/labels.c): a rejection without a reason is only replayed where
# none of them fired, so that its exported label is abuse
SPAMMY = ("spam.", "scam.", "lure.", "links.", "history.", "context.", "model.")


def modctl(*args, url=None):
    """Runs modctl (against url when given), which must exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    cmd = [MODCTL] + (["--url", url, "--token", MOD_TOKEN] if url else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
    assert r.returncode == 0, (cmd, r.returncode, r.stderr.decode())
    return r


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "source", "label", "text"])
        out.writerows(rows)


def held_back(row_id):
    return hashlib.sha256(("%s:%s" % (SPLIT, row_id)).encode()).digest()[0] < HELD_SHARE


@pytest.fixture(scope="module")
def loop_data(tmp_path_factory):
    """The split and the base set: {dir, other, replay, held, base}."""
    if not os.path.exists(DEV):
        pytest.skip("tests/data/dev/dev.csv is missing: no labeled rows to replay")
    with open(DEV, newline="", encoding="utf-8") as f:
        rows = [(r["id"], r["source"], r["label"], r["text"]) for r in csv.DictReader(f)]
    kind = [r for r in rows if r[1] == KIND]
    assert len(kind) > 500, "dev.csv has %d %s rows" % (len(kind), KIND)
    d = str(tmp_path_factory.mktemp("retraining"))
    data = {"dir": d, "other": os.path.join(d, "other.csv"),
            "replay": [r for r in kind if not held_back(r[0])],
            "held": [r for r in kind if held_back(r[0])],
            "base": os.path.join(d, "base")}
    write_csv(data["other"], [r for r in rows if r[1] != KIND])
    # the site's starting point: the shipped rules, their model trained on
    # every source but the site's kind
    modctl("model", "train", "--from", data["other"], "--shipped-data", "none",
           "--site-weight", "1", "--base", os.path.join(ROOT, "rules"), "--out",
           data["base"], "--seed", SEED)
    yield data
    shutil.rmtree(d, ignore_errors=True)


def judge(rules, texts, workdir):
    """(flagged by the set, abuse score) per text, from eval_judge."""
    path = os.path.join(workdir, "bodies")
    with open(path, "wb") as f:
        for t in texts:
            f.write(t[:BOX].encode("utf-8") + b"\0")
    r = subprocess.run([EVAL_JUDGE, "--model-scores", rules, path], capture_output=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    out = []
    for line in r.stdout.decode().splitlines():
        cols = line.split("\t")
        out.append((cols[0] in FLAGGED, float(cols[5]) if cols[5] != "-" else 0.0))
    assert len(out) == len(texts)
    return out


def share(flags):
    return sum(flags) / len(flags)


def figures(held, judged):
    """Recall, ham flagged and AUC of the abuse score on the held-back rows."""
    bad = [j for r, j in zip(held, judged) if r[2] != "ham"]
    ham = [j for r, j in zip(held, judged) if r[2] == "ham"]
    auc = sum((b[1] > h[1]) + 0.5 * (b[1] == h[1]) for b in bad for h in ham)
    return {"recall": share([b[0] for b in bad]), "ham": share([h[0] for h in ham]),
            "auc": auc / (len(bad) * len(ham))}


THRESHOLD = 'abuse: ">= 0.999"'  # model.abuse's, in 50-model.yaml


def with_threshold(rules, threshold, into):
    """A copy of rules whose model.abuse holds at threshold (None: the model
    switched off, the rules alone)."""
    shutil.copytree(rules, into)
    path = os.path.join(into, "50-model.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert THRESHOLD in text
    if threshold is None:
        text = "model: off\n" + text.split("\nmodel: {", 1)[1].split("\n", 1)[1]
    else:
        text = text.replace(THRESHOLD, 'abuse: ">= %.6f"' % threshold)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return into


def at_ham_flagged(rules, held, judged, budget, workdir):
    """The set in rules with model.abuse at the lowest threshold whose held-
    back ham flagged is within budget: {threshold, recall, ham}, or None.
    Thresholds are tried on the scores (the rules alone, or the model at
    it), and the one kept is judged again with it written in the set."""
    workdir = tempfile.mkdtemp(dir=workdir)
    texts = [r[3] for r in held]
    alone = judge(with_threshold(rules, None, os.path.join(workdir, "alone")), texts, workdir)
    is_ham = [r[2] == "ham" for r in held]
    for n, t in enumerate(sorted({s for _, s in judged if s > 0})):
        flags = [a or s >= t for (a, _), (_, s) in zip(alone, judged)]
        if share([f for f, h in zip(flags, is_ham) if h]) > budget + 1e-9:
            continue
        exact = judge(with_threshold(rules, t, os.path.join(workdir, "at-%d" % n)), texts,
                      workdir)
        got = figures(held, exact)
        if got["ham"] <= budget + 1e-9:
            return dict(got, threshold=t)
    return None


def replay(server, rows):
    """Submits every row and decides it as its label says; returns the
    labels the export must carry by comment id, and the ids by row id."""
    expected, ids, skipped, reasons = {}, {}, [], []
    for n, (row_id, _, label, text) in enumerate(rows):
        r = post_comment(server, {"article_id": ARTICLE, "author_id": "reader-%d" % n,
                                  "body": text[:BOX]})
        record = r.json()
        if r.status_code == 422 and record["code"] != "rejected":
            skipped.append((row_id, record["code"]))  # e.g. too_short: never stored
            continue
        assert r.status_code in (202, 422), (r.status_code, record)
        status = "rejected" if r.status_code == 422 else record["status"]
        assert status in ("pending", "rejected"), record  # premoderated: nothing published
        cid = record["id"]
        ids[row_id] = cid
        if label == "ham":
            decide(server, cid, "approve")
            expected[cid] = "ham"
        elif status == "pending":
            fired = [m["rule"] for m in
                     server.get("/v1/comments/" + cid, token=MOD_TOKEN).json()["matches"]]
            quiet = not any(rule.startswith(SPAMMY) for rule in fired)
            # half the rejections with a reason, the rest as a busy
            # moderator leaves them where the label is clear anyway
            reason = None if quiet and n % 2 else "abusive"
            decide(server, cid, "reject", reason)
            expected[cid] = "abuse"
            reasons.append(reason)
        # an abusive row the rules rejected needs no moderator: no decision
    assert len(skipped) <= len(rows) // 50, skipped
    # both ways of rejecting were replayed
    assert reasons.count(None) >= 20 and reasons.count("abusive") >= 20, reasons
    return expected, ids


def decide(server, cid, verb, reason=None):
    r = server.post("/v1/comments/%s/%s" % (cid, verb), token=MOD_TOKEN,
                    json={"reason": reason} if reason else None)
    assert r.status_code == 200, r.text


def test_the_loop_from_a_real_servers_decisions(loop_data, redis, start_modgate, workdir):
    held, replayed = loop_data["held"], loop_data["replay"]
    # the site's rules directory: the base set, replaced in place later
    site_rules = os.path.join(workdir, "site-rules")
    shutil.copytree(loop_data["base"], site_rules)
    server = start_modgate(redis.url, args=("--rules", site_rules),
                           config="rate_limits:\n  article: []\n")
    wait_until(lambda: server.get("/readyz").status_code == 200, timeout=10)
    assert server.put("/v1/articles/%s/settings" % ARTICLE, token=MOD_TOKEN,
                      json={"mode": "premoderated"}).status_code == 200

    expected, ids = replay(server, replayed)
    site_csv = os.path.join(workdir, "site.csv")
    err = modctl("decisions", "export", "--out", site_csv, url=server.base).stderr.decode()
    with open(site_csv, newline="", encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    assert {r["id"]: r["label"] for r in exported} == expected
    text_of = {r[0]: r[3][:BOX] for r in replayed}
    by_comment = {cid: text_of[row_id] for row_id, cid in ids.items()}
    assert all(r["text"] == by_comment[r["id"]] for r in exported)
    ham = sum(v == "ham" for v in expected.values())
    assert err.startswith("exported %d decisions (%d ham, 0 spam, %d abuse); skipped 0"
                          % (len(expected), ham, len(expected) - ham)), err

    # retrain from the export, the other sources as the shipped data
    new = os.path.join(workdir, "new")
    modctl("model", "train", "--from", site_csv, "--shipped-data", loop_data["other"],
           "--base", loop_data["base"], "--out", new, "--seed", SEED)
    modctl("rules", "lint", new)  # exits 0

    old = judge(loop_data["base"], [r[3] for r in held], workdir)
    now = judge(new, [r[3] for r in held], workdir)
    f0, f1 = figures(held, old), figures(held, now)
    eq = at_ham_flagged(new, held, now, f0["ham"], workdir)
    print("\nreplayed %d rows: %s" % (len(replayed), err.strip()))
    print("held back: %d rows (%d abuse)" % (len(held), sum(r[2] != "ham" for r in held)))
    print("old: recall %.3f, ham flagged %.3f, AUC %.3f" % (f0["recall"], f0["ham"], f0["auc"]))
    print("new: recall %.3f, ham flagged %.3f, AUC %.3f" % (f1["recall"], f1["ham"], f1["auc"]))
    print("new at the old ham flagged: recall %.3f, ham flagged %.3f, abuse >= %.4f"
          % (eq["recall"], eq["ham"], eq["threshold"]))
    for name, rules, judged in (("old", loop_data["base"], old), ("new", new, now)):
        b = at_ham_flagged(rules, held, judged, 0.05, workdir)
        print("%s within the source's budget (ham flagged <= 0.05): %s" % (name, (
            "recall %.3f, ham flagged %.3f, abuse >= %.4f"
            % (b["recall"], b["ham"], b["threshold"])) if b else "at no abuse threshold"))
    # Measured with the defaults, and (in brackets) the least of 4 seeds and
    # splits: the ranking improves, AUC 0.600 -> 0.655 (+0.044) ...
    assert f1["auc"] >= f0["auc"] + 0.03, (f0, f1)
    # ... so at the thresholds as written it flags less of the site's ham,
    # 0.095 -> 0.075 (-0.020), recall going either way (+0.026; -0.070) ...
    assert f1["ham"] <= f0["ham"] - 0.01, (f0, f1)
    # ... and at equal ham flagged it catches more, 0.179 -> 0.244 (+0.036)
    assert eq["recall"] >= f0["recall"] + 0.025, (f0, eq)

    # put it in force: the new model file in the site's directory, reloaded
    pick = [r for r, o, n in zip(held, old, now) if r[2] != "ham" and not o[0] and n[0]]
    assert pick, "no held-back abusive comment the old set publishes and the new holds"
    body = {"article_id": ARTICLE, "body": pick[0][3][:BOX]}
    r = server.post("/v1/check", token=MOD_TOKEN, json=body)
    assert r.status_code == 200 and r.json()["verdict"] == "publish", r.text
    version = r.json()["rules_version"]
    shutil.copyfile(os.path.join(new, "model", "model.txt"),
                    os.path.join(site_rules, "model", "model.txt"))
    out = modctl("rules", "reload", url=server.base).stdout.decode()
    r = server.post("/v1/check", token=MOD_TOKEN, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["rules_version"] != version and r.json()["rules_version"] in out, out
    assert r.json()["verdict"] == "hold", r.json()
    assert "model.abuse" in [m["rule"] for m in r.json()["matches"]], r.json()


def test_training_is_reproducible(loop_data):
    # an export's form: the replayed rows as the site, labeled by the data
    d = loop_data["dir"]
    site = os.path.join(d, "site-replay.csv")
    write_csv(site, [(r[0], "site", r[2], r[3][:BOX]) for r in loop_data["replay"]])
    some_other = os.path.join(d, "some-other.csv")
    with open(loop_data["other"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    write_csv(some_other, rows[1::10])
    models = []
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        out = os.path.join(d, "repro-" + name)
        # a tenth of the other sources' rows beside the site's: the same
        # code as with all of them (the shipped model's own bytes are
        # test_model_train's), a fraction of the time under ASan
        modctl("model", "train", "--from", site, "--shipped-data", some_other,
               "--base", loop_data["base"], "--out", out, "--seed", seed)
        with open(os.path.join(out, "model", "model.txt"), "rb") as f:
            models.append(f.read())
    assert models[0] == models[1]
    assert models[0] != models[2]
    assert len(models[0]) > 1000
