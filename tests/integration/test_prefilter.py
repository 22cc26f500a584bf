"""The regex prefilter (src/rules/prefilter.h) only saves work: every
verdict is the same with it and without it (MODGATE_REGEX_NO_PREFILTER=1
runs every pattern). Judged offline through eval_judge on every hand-written
comment of tests/data/categories, on each of them rewritten by every
obfuscation of tests/eval/transforms.py (the prefilter must see through
case, fullwidth and look-alike letters just as the patterns do), and on
hand-made texts aimed at the prefilter's edges."""
import csv
import glob
import os
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "eval"))
import transforms  # noqa: E402

EVAL_JUDGE = os.path.join(BUILD, "tests", "eval_judge")
RULES = os.path.join(ROOT, "rules")
SETS = os.path.join(ROOT, "tests", "data", "categories")

# Texts at the prefilter's edges: the two non-ASCII letters a caseless
# ASCII letter matches (U+017F, U+212A), digits that are not ASCII, upper
# case, words split by a line break, and patterns' words at the very end.
EDGES = [
    "I will \u212aILL you", "I'll \u212aill your family", "buy viagra \u017fafe and cheap",
    "I WILL KILL YOU", "invest \u0661\u0662\u0660\u0660 get \u0663\u0660\u0660\u0660\u0660 in a week",
    "earn \uff15\uff10\uff10 a day from home", "kill\nyou", "text me", "k",
    "\u017f", "4111 1111 1111 1111", "win \u00a3500 now", "\u2192 @cheap_pills_shop",
]


def texts():
    files = sorted(glob.glob(os.path.join(SETS, "*", "*.csv")))
    if not files:
        pytest.skip("no category sets under %s" % SETS)
    plain = []
    for name in files:
        with open(name, newline="", encoding="utf-8") as f:
            plain.extend(row["text"] for row in csv.DictReader(f))
    out = list(plain) + EDGES
    for name in transforms.TRANSFORMS:
        out.extend(transforms.obfuscate(t, name)[:300] for t in plain)
    return out


def judge(path, prefilter):
    env = dict(os.environ)
    env["MODGATE_REGEX_NO_PREFILTER"] = "0" if prefilter else "1"
    r = subprocess.run([EVAL_JUDGE, RULES, path], capture_output=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode().splitlines()


def test_verdicts_are_the_same_with_and_without_the_prefilter(tmp_path):
    all_texts = texts()
    assert len(all_texts) > 5000
    path = tmp_path / "bodies"
    path.write_bytes(b"".join(t.replace("\0", "").encode() + b"\0" for t in all_texts))
    with_it, without = judge(str(path), True), judge(str(path), False)
    assert len(with_it) == len(all_texts)
    differ = [(all_texts[i], a, b) for i, (a, b) in enumerate(zip(with_it, without)) if a != b]
    assert not differ, differ[:5]
    # the set must exercise the regex rules, or the comparison says little
    assert sum("threat." in line or "scam." in line for line in with_it) > 500
