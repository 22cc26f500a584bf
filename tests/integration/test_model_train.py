"""`modctl model train`, offline, as an operator runs it: the shipped model
is exactly what the repository's data and the recorded command make, byte
for byte; a trained set is a whole rule set that loads; and every mistake
(a base without a model, an --out in use, a bad CSV, a bad number) gets a
clear error and leaves no model behind. The retraining loop from a
server's decisions is test_retraining.py."""
import filecmp
import os
import shutil
import subprocess

import pytest

from conftest import MODCTL, ROOT

RULES = os.path.join(ROOT, "rules")
DEV = os.path.join(ROOT, "tests", "data", "dev", "dev.csv")


def train(*args):
    return subprocess.run([MODCTL, "model", "train", *args], capture_output=True, text=True,
                          timeout=300)


def small_csv(path, rows):
    import csv
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "source", "label", "text"])
        out.writerows(rows)
    return path


SMALL = [("1", "site", "ham", "The minister spoke about the budget today."),
         ("2", "site", "spam", "Cheap pills, buy now at our shop, free shipping!"),
         ("3", "site", "abuse", "You are a worthless idiot and everyone hates you."),
         ("4", "site", "ham", "Thanks for the clear reporting on the floods.")]


@pytest.mark.skipif(not os.path.exists(DEV), reason="tests/data/dev/dev.csv is missing "
                    "(the repository's training data): nothing to reproduce the model from")
def test_the_shipped_model_is_what_the_data_and_the_command_make(tmp_path):
    out = tmp_path / "new"
    r = train("--from", DEV, "--shipped-data", "none", "--site-weight", "1", "--seed", "1",
              "--base", RULES, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "20044 rows (ham 8441, spam 1051, abuse 10552)" in r.stdout
    # rules/model/ATTRIBUTION.md gives this very command
    assert filecmp.cmp(out / "model" / "model.txt", os.path.join(RULES, "model", "model.txt"),
                       shallow=False), "rules/model/model.txt is not what its data makes"
    # the rest of the set is copied as it is, and the copy loads
    for sub in ("00-thresholds.yaml", "50-model.yaml", os.path.join("lists", "news-sites.txt"),
                os.path.join("model", "ATTRIBUTION.md")):
        assert filecmp.cmp(out / sub, os.path.join(RULES, sub), shallow=False), sub
    lint = subprocess.run([MODCTL, "rules", "lint", str(out)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_a_site_file_alone_trains_and_the_seed_is_the_only_chance(tmp_path):
    data = small_csv(tmp_path / "site.csv", SMALL * 5)
    outs = []
    (tmp_path / "a").mkdir()  # an empty --out is taken
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        out = tmp_path / name
        r = train("--from", data, "--shipped-data", "none", "--seed", seed, "--base", RULES,
                  "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert "20 rows (ham 10, spam 5, abuse 5)" in r.stdout
        outs.append((out / "model" / "model.txt").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]
    # what it learned is written down in its first lines
    assert outs[0].startswith(b"# trained by modctl model train: 20 rows (ham 10, spam 5, "
                              b"abuse 5),\n# site weight 3, seed 3, passes 8")


def test_site_rows_and_shipped_rows_together(tmp_path):
    shipped = small_csv(tmp_path / "shipped.csv", SMALL * 3)
    site = small_csv(tmp_path / "site.csv", [("9", "site", "spam", "Visit my channel for "
                                              "free subscribers and likes")])
    r = train("--from", site, "--shipped-data", shipped, "--base", RULES,
              "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "13 rows (ham 6, spam 4, abuse 3)" in r.stdout


@pytest.mark.parametrize("make, args, status, says", [
    # the base set must name a model to train
    ("base-without-model", ("--base", "{tmp}/nomodel"), 1, "has no model"),
    # --out must be new or empty: nothing of an earlier set is overwritten
    ("out-in-use", ("--out", "{tmp}/used"), 1, "must be a new or empty directory"),
    # the CSV's problems at their row
    ("bad-label", ("--from", "{tmp}/bad.csv"), 1, "bad.csv:3: the label 'toxic' is not ham"),
    ("no-file", ("--from", "{tmp}/absent.csv"), 1, "absent.csv"),
    ("only-ham", ("--from", "{tmp}/ham.csv"), 1, "at least one spam and one abuse"),
    # numbers
    ("", ("--seed", "x"), 2, "--seed wants a number"),
    ("", ("--seed", "1.5"), 2, "--seed wants a whole number"),
    ("", ("--passes", "0"), 2, "--passes wants a number from 1 to 100"),
    ("", ("--site-weight", "-1"), 2, "--site-weight wants a number"),
    ("", ("--l1", "nan"), 2, "--l1 wants a number"),
])
def test_mistakes_are_refused_clearly(tmp_path, make, args, status, says):
    tmp = str(tmp_path)
    good = small_csv(tmp_path / "site.csv", SMALL)
    if make == "base-without-model":
        shutil.copytree(RULES, tmp_path / "nomodel")
        os.remove(tmp_path / "nomodel" / "50-model.yaml")
    elif make == "out-in-use":
        (tmp_path / "used").mkdir()
        (tmp_path / "used" / "keep.yaml").write_text("rules: []\n")
    elif make == "bad-label":
        small_csv(tmp_path / "bad.csv", [SMALL[0], ("2", "site", "toxic", "x")])
    elif make == "only-ham":
        small_csv(tmp_path / "ham.csv", [SMALL[0], SMALL[3]])
    base = {"--from": good, "--base": RULES, "--out": tmp + "/out", "--shipped-data": "none"}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v.format(tmp=tmp)
    argv = [x for kv in base.items() for x in kv]
    r = train(*argv)
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    assert says in r.stderr, r.stderr
    # nothing written: no --out, no half-made set beside it
    assert not os.path.exists(os.path.join(tmp, "out"))
    assert not [n for n in os.listdir(tmp) if ".partial-" in n]
    if make == "out-in-use":
        assert os.listdir(tmp_path / "used") == ["keep.yaml"]
