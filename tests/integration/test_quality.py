"""The regression guard of the shipped rule set: tests/eval/quality on
tests/data/dev/dev.csv (with --evasion) must meet every target of issue 6
(the TARGETS table at the top of tests/eval/quality), or, for a target not
met yet, stay at or beyond the figure recorded for it in
tests/eval/not-yet-met.json. So a rules change that lowers quality fails
here, and a target once met cannot be missed again: when one is met, its
line must leave not-yet-met.json, which this test also demands."""
import json
import os
import subprocess

import pytest

from conftest import BUILD, ROOT

EVAL_JUDGE = os.path.join(BUILD, "tests", "eval_judge")

QUALITY = os.path.join(ROOT, "tests", "eval", "quality")
DATA = os.path.join(ROOT, "tests", "data", "dev", "dev.csv")
NOT_YET_MET = os.path.join(ROOT, "tests", "eval", "not-yet-met.json")
SLACK = 1e-4  # the figures are printed rounded to 4 places


def run_quality():
    r = subprocess.run(["/usr/bin/python3", QUALITY, "--build", BUILD, "--evasion",
                        "--json", "--check", DATA],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr  # 2: it could not measure
    return json.loads(r.stdout)


def test_quality_targets_are_met_or_no_worse_than_recorded():
    if not os.path.exists(DATA):
        pytest.skip("no %s: the labeled data (tests/data/dev/README.md) is missing" % DATA)
    out = run_quality()
    assert out["rows"] == 20044 and out["seeds"]["sentences"] > 30, out["rows"]
    with open(NOT_YET_MET) as f:
        recorded = {(e["where"], e["figure"]): e["value"] for e in json.load(f)}
    missed = {(m["where"], m["figure"]): m for m in out.get("missed", [])}
    problems = []
    for key, m in missed.items():
        if key not in recorded:
            problems.append("%s %s is %s, target %s" % (key[0], key[1], m["value"],
                                                          m["target"]))
            continue
        floor = recorded[key]
        worse = (m["value"] < floor - SLACK if m["target"].startswith(">=")
                 else m["value"] > floor + SLACK)
        if worse:
            problems.append("%s %s fell to %s from %s (target %s)"
                            % (key[0], key[1], m["value"], floor, m["target"]))
    for key in recorded:
        if key not in missed:
            problems.append("%s %s now meets its target: take it out of %s"
                            % (key[0], key[1], os.path.basename(NOT_YET_MET)))
    assert not problems, "\n".join(problems)


def quality_on(tmp_path, csv_text, *extra):
    path = tmp_path / "rows.csv"
    path.write_text(csv_text, encoding="utf-8")
    return subprocess.run(["/usr/bin/python3", QUALITY, "--build", BUILD] + list(extra)
                          + [str(path)], capture_output=True, text=True, timeout=60)


def test_quality_refuses_what_it_cannot_measure(tmp_path):
    # a label outside ham/spam/abuse would fall out of every figure: exit 2
    r = quality_on(tmp_path, "id,source,label,text\n1,s,toxic,hello\n")
    assert r.returncode == 2 and "label 'toxic'" in r.stderr, r.stderr
    r = quality_on(tmp_path, "id,source,text\n1,s,hello\n")
    assert r.returncode == 2 and "no column label" in r.stderr, r.stderr
    # rules that do not load: eval_judge's errors, with their places
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "10-x.yaml").write_text("rules:\n  - id: x\n    when: {word: nope}\n")
    r = quality_on(tmp_path, "id,source,label,text\n1,s,ham,hello\n", "--rules", str(bad))
    assert r.returncode == 2 and "10-x.yaml:3:" in r.stderr, r.stderr


def test_quality_counts_a_small_csv_by_hand(tmp_path):
    # two ham rows, one held; a spam row held: figures a reader can check
    rows = ("id,source,label,text\n"
            "1,s,ham,Kim Jong Un met the minister.\n"
            "2,s,ham,what a stupid idea\n"
            "3,s,spam,get free money now\n")
    r = quality_on(tmp_path, rows, "--json", "--seeds", str(tmp_path))
    assert r.returncode == 0, r.stderr
    src = json.loads(r.stdout)["sources"]["s"]
    assert src["ham_flagged"] == 0.5 and src["spam_recall"] == 1.0, src
    assert src["counts"]["ham"]["publish"] == 1, src


def test_eval_judge_usage_and_unreadable_input(tmp_path):
    r = subprocess.run([EVAL_JUDGE], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "usage" in r.stderr
    r = subprocess.run([EVAL_JUDGE, os.path.join(ROOT, "rules"), str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "none" in r.stderr, r.stderr
    # invalid UTF-8 is one "error" line, and the texts after it still count
    f = tmp_path / "bodies"
    f.write_bytes(b"fine\0\xff\xfe\0what a stupid idea\0")
    r = subprocess.run([EVAL_JUDGE, os.path.join(ROOT, "rules"), str(f)],
                       capture_output=True, text=True, timeout=10)
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and len(lines) == 3, r.stdout
    assert lines[0].startswith("publish\t") and lines[1] == "error\t0\t-\terror"
    assert lines[2].startswith("hold\t") and "abuse.insult" in lines[2]


def test_eval_judge_says_what_a_first_comment_gets(tmp_path):
    # the fourth column applies history.new_commenter (published_below 3,
    # min_score 4 here): 3 publishes either way, 4 is held only as a first
    # comment, 6 is held either way
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "00.yaml").write_text(
        "history:\n  new_commenter: {published_below: 3, min_score: 4}\n"
        "rules:\n"
        "  - {id: t.three, reason: r, when: {regex: three}, score: 3}\n"
        "  - {id: t.four, reason: r, when: {regex: four}, score: 4}\n"
        "  - {id: t.six, reason: r, when: {regex: six}, score: 6}\n")
    f = tmp_path / "bodies"
    f.write_bytes(b"three\0four\0six\0")
    r = subprocess.run([EVAL_JUDGE, str(rules), str(f)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    assert [l.split("\t") for l in r.stdout.splitlines()] == [
        ["publish", "3.00", "t.three", "publish"],
        ["publish", "4.00", "t.four", "hold"],
        ["hold", "6.00", "t.six", "hold"]]
    # and quality --first-comment counts the second as held by new_commenter
    rows = "id,source,label,text\n1,s,ham,three\n2,s,ham,four\n3,s,ham,six\n4,s,ham,none\n"
    out = quality_on(tmp_path, rows, "--json", "--first-comment", "--rules", str(rules),
                     "--seeds", str(tmp_path))
    assert out.returncode == 0, out.stderr
    src = json.loads(out.stdout)["sources"]["s"]
    assert src["ham_flagged"] == 0.5 and src["ham_new_commenter"] == 0.25, src


def test_first_comments_of_news_readers_are_rarely_held():
    # judged as each reader's first comment, at most 3% of the ordinary
    # comments of the news sources are held by history.new_commenter
    if not os.path.exists(DATA):
        pytest.skip("no %s: the labeled data (tests/data/dev/README.md) is missing" % DATA)
    r = subprocess.run(["/usr/bin/python3", QUALITY, "--build", BUILD, "--first-comment",
                        "--json", "--check", DATA], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode in (0, 1), r.stderr
    out = json.loads(r.stdout)
    figures = {s: out["sources"][s]["ham_new_commenter"]
               for s in ("fox_news_hate", "kmhas_ko", "beep_ko")}
    assert all(v <= 0.03 for v in figures.values()), figures
    assert out["missed"] == [], out["missed"]


WORD_MODEL = os.path.join(ROOT, "tests", "eval", "word-model")


def word_model_on(tmp_path, csv_text, *extra):
    """tests/eval/word-model's figures: {(source, way): (recall, ham)}."""
    path = tmp_path / "rows.csv"
    path.write_text(csv_text, encoding="utf-8")
    r = subprocess.run(["/usr/bin/python3", WORD_MODEL, "--build", BUILD] + list(extra)
                       + [str(path)], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return r
    figures, source = {}, None
    for line in r.stdout.splitlines()[3:]:
        cells = line.split()
        if len(cells) == 4:  # the first line of a source names it
            source, cells = cells[0], cells[1:]
        way = " ".join(cells[:-2])
        figures[(source, way)] = (float(cells[-2]), float(cells[-1]))
    return figures


def separable_rows(n, marker):
    """n abuse rows that say marker and n ham rows that do not."""
    rows = ["id,source,label,text"]
    for i in range(n):
        rows.append("a%d,s,abuse,the %s said it again today %d" % (i, marker, i))
        rows.append("h%d,s,ham,the minister said it again today %d" % (i, i))
    return "\n".join(rows) + "\n"


def test_word_model_learns_a_word_the_rules_do_not_know(tmp_path):
    figures = word_model_on(tmp_path, separable_rows(20, "qqzzy"), "--sources", "s")
    assert figures[("s", "rules")] == (0.0, 0.0), figures
    assert figures[("s", "model")] == (1.0, 0.0), figures
    assert figures[("s", "rules or model")] == (1.0, 0.0), figures


def test_word_model_keeps_ham_within_the_limit(tmp_path):
    # four ham rows say what the abuse rows say: with no ham allowed, the
    # threshold must sit at their score, so no abuse row is flagged either
    text = separable_rows(20, "qqzzy")
    for i in range(4):
        text += "x%d,s,ham,the qqzzy said it again today x%d\n" % (i, i)
    figures = word_model_on(tmp_path, text, "--sources", "s", "--ham-limit", "0")
    assert figures[("s", "model")][1] == 0.0, figures
    assert figures[("s", "model")][0] == 0.0, figures
    # with a fifth of the ham allowed (4 of 24 rows), they may be flagged
    figures = word_model_on(tmp_path, text, "--sources", "s", "--ham-limit", "0.2")
    assert 0.0 < figures[("s", "model")][1] <= 0.2 and figures[("s", "model")][0] == 1.0, figures


def test_word_model_refuses_a_source_it_has_no_rows_for(tmp_path):
    r = word_model_on(tmp_path, separable_rows(3, "qqzzy"), "--sources", "s,nowhere")
    assert r.returncode == 2 and "nowhere" in r.stderr, r.stderr
