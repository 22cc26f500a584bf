"""The shipped rules on the hand-written category sets of tests/data/categories
(tests/data/categories/README.md): for every kind of spam and abuse news
sites receive, in English and Korean, comments of that kind and news
comments that use the same words innocently. Offline, through
tests/eval/quality and eval_judge (no server).

Each category must keep recall >= 0.90 on its spam or abuse rows and flag
<= 0.03 of its innocent rows; the ordinary news comments (news_ordinary*)
must stay <= 0.03 flagged when each is a new reader's first comment
(history.new_commenter applied); and no obfuscation of tests/eval/transforms.py
may cost more than 0.05 of the recall on all the sets' spam and abuse
together (per category, with some 20 rows each, one comment is 0.05: the
per-category figures are in docs/quality.md). A category figure that
misses its target is recorded, with why, in not-yet-met.json beside the
sets and may not get worse. These sets guard against
regressions: they are not the data the rules are tuned on."""
import csv
import glob
import json
import os
import subprocess

import pytest

from conftest import BUILD, ROOT

QUALITY = os.path.join(ROOT, "tests", "eval", "quality")
SETS = os.path.join(ROOT, "tests", "data", "categories")
# A category figure that misses its target is recorded there, with why; it
# may not get worse, and its line goes when the target is met.
NOT_YET_MET = os.path.join(SETS, "not-yet-met.json")
RECALL, HAM_FLAGGED, FIRST_HELD, EVASION_DROP = 0.90, 0.03, 0.03, 0.05
EPSILON = 1e-9
MIN_ROWS = 15  # per label and category, as the issue asks


def category_files():
    return sorted(glob.glob(os.path.join(SETS, "*", "*.csv")))


def merged_csv(tmp_path):
    """Every set in one CSV, each row's source made '<lang>/<category>' (the
    English and Korean sets share some names); returns its path and the
    rows per (source, label)."""
    files = category_files()
    if not files:
        pytest.skip("no category sets under %s" % SETS)
    path = tmp_path / "categories.csv"
    counts = {}
    with open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["id", "source", "label", "text"])
        for name in files:
            lang = os.path.basename(os.path.dirname(name))
            with open(name, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    source = "%s/%s" % (lang, row["source"])
                    key = (source, row["label"])
                    counts[key] = counts.get(key, 0) + 1
                    w.writerow([row["id"], source, row["label"], row["text"]])
    return str(path), counts


def quality(path, *extra):
    r = subprocess.run(["/usr/bin/python3", QUALITY, "--build", BUILD, "--json"]
                       + list(extra) + [path], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    return merged_csv(tmp_path_factory.mktemp("categories"))


def is_news(source):
    return source.split("/", 1)[1].startswith("news_ordinary")


def test_every_category_has_enough_rows_of_each_kind(sets):
    _, counts = sets
    sources = {s for s, _ in counts}
    assert len(sources) >= 20, sorted(sources)
    short = []
    for source in sorted(sources):
        labels = ["ham"] if is_news(source) else ["ham", "spam" if
                                                    (source, "spam") in counts else "abuse"]
        for label in labels:
            n = counts.get((source, label), 0)
            if n < (100 if is_news(source) else MIN_ROWS):
                short.append("%s %s: %d rows" % (source, label, n))
    assert not short, short


def test_each_category_is_caught_and_its_news_twins_are_not(sets):
    path, _ = sets
    report = quality(path)
    with open(NOT_YET_MET, encoding="utf-8") as f:
        recorded = {(e["where"], e["figure"]): e["value"] for e in json.load(f)}
    missed = {}
    for source, f in report["sources"].items():
        recall = f["spam_recall"] if f["spam_recall"] is not None else f["abuse_recall"]
        if recall is not None and recall < RECALL - EPSILON:
            missed[(source, "recall")] = recall
        if f["ham_flagged"] is not None and f["ham_flagged"] > HAM_FLAGGED + EPSILON:
            missed[(source, "ham_flagged")] = f["ham_flagged"]
    problems = []
    for key, value in missed.items():
        floor = recorded.get(key)
        worse = floor is None or (value < floor - EPSILON if key[1] == "recall"
                                  else value > floor + EPSILON)
        if worse:
            problems.append("%s %s is %.3f (recorded: %s)" % (key[0], key[1], value, floor))
    problems += ["%s %s now meets its target: take it out of %s"
                 % (key[0], key[1], NOT_YET_MET) for key in recorded if key not in missed]
    assert not problems, "\n".join(problems)


def test_no_obfuscation_costs_more_than_5_points(sets, tmp_path):
    # every category's spam and abuse as one source
    path, _ = sets
    pooled = tmp_path / "pooled.csv"
    with open(path, newline="", encoding="utf-8") as f, \
            open(pooled, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        for n, row in enumerate(csv.reader(f)):
            if n and row[2] != "ham":
                row[1] = "all"
            w.writerow(row)
    ev = quality(str(pooled), "--evasion")["evasion"]["all"]
    assert ev["rows"] > 500, ev["rows"]
    # a transform that changed nothing would cost nothing: each rewrites
    # most comments (the Latin-letter ones leave Korean alone, a third)
    unchanged = {name: n for name, n in ev["changed"].items() if n < 0.5 * ev["rows"]}
    assert not unchanged, unchanged
    worse = {name: round(value, 3) for name, value in ev["transforms"].items()
             if value < ev["clean"] - EVASION_DROP - EPSILON}
    assert not worse, (ev["clean"], worse)


def test_ordinary_news_comments_publish_as_first_comments(sets):
    path, _ = sets
    report = quality(path, "--first-comment")
    news = {s: f for s, f in report["sources"].items() if is_news(s)}
    assert len(news) >= 2, sorted(report["sources"])  # English and Korean
    held = {s: f["ham_flagged"] for s, f in news.items()
            if f["ham_flagged"] > FIRST_HELD + EPSILON}
    assert not held, held
