"""A rules directory whose model file is big enough that loading it takes a
noticeable time (about 0.25 s on this machine, more under ASan): 2^24 buckets, so
the weights go into a hash table, and ~600,000 `w` lines (about 12.5 MB,
under the loader's 16 MB per file). The file is valid (docs/rules.md,
"The model file"), so a reload of it succeeds. Used by test_reload_async.py
and tests/bench/reload_stall.py."""
import os

from test_model import RULES_YAML  # the same one-rule set, on its model

BUCKETS = 1 << 24
LINES = 600_000


def model_text(lines=LINES, salt=0):
    """The model file's text: `lines` distinct buckets spread over the
    table (an odd multiplier modulo 2^24 never repeats one); salt changes
    the weights, and with them rules_version."""
    out = ["modgate-model 1", "buckets %d" % BUCKETS, "features word1 word2",
           "heads abuse", "bias abuse -4"]
    out += ["w %d abuse 0.%d" % ((i * 2654435761) % BUCKETS, (i + salt) % 10 + 1)
            for i in range(lines)]
    return "\n".join(out) + "\n"


def prepare(rules_dir, lines=LINES, salt=0):
    """Writes the rule set and a big model beside the model file; returns a
    function that puts the model in place at once (a rename), so that a
    test can change the set on disk at a moment of its choosing."""
    os.makedirs(os.path.join(rules_dir, "model"), exist_ok=True)
    with open(os.path.join(rules_dir, "50-model.yaml"), "w") as f:
        f.write(RULES_YAML)
    path = os.path.join(rules_dir, "model", "model.txt")
    staged = "%s.%d-%d" % (path, lines, salt)
    with open(staged, "w") as f:
        f.write(model_text(lines, salt))
    return lambda: os.replace(staged, path)


def write(rules_dir, lines=LINES, salt=0):
    """Writes (or rewrites) the rule set and its big model in rules_dir."""
    prepare(rules_dir, lines, salt)()
    return rules_dir
