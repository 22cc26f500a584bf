"""modctl's options, command by command, through the binary: for every
command `modctl help` lists, --help shows a usage and an option list, every
option in that list is refused without its value (or with one, for a flag)
and when abbreviated, an unknown option is refused with exit 2 and one line
saying which, and the man page and the bash completion name the same
options. No modgate is needed: all of this is refused before any request."""
import os
import re
import subprocess

import pytest

from conftest import MODCTL, ROOT
from test_cli_docs import complete

MAN = os.path.join(ROOT, "docs", "man", "modctl.1")


def modctl(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODGATE_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    env["MODGATE_URL"] = "http://127.0.0.1:1"  # were anything sent, it would fail
    return subprocess.run([MODCTL] + list(args), capture_output=True, text=True,
                          timeout=10, env=env)


def listed_commands():
    """Every command `modctl help` lists, "rules lint" and "article show"
    as two words."""
    out = modctl("help").stdout
    section = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    names = []
    for line in section.splitlines():
        m = re.match(r"  ([a-z]+)(?: ([a-z]+)\b)?", line)
        if not m:
            continue
        groups = ("rules", "article", "decisions", "model")
        name = m.group(1) + (" " + m.group(2) if m.group(1) in groups else "")
        if name not in names:
            names.append(name)
    return names


COMMANDS = listed_commands()


def test_the_commands_are_those_of_the_manual():
    # docs/man/modctl.1, COMMANDS
    assert set(COMMANDS) == {
        "queue", "review", "show", "approve", "reject", "remove", "rejected",
        "audit", "stats", "ban", "unban", "bans", "verify", "rules stats",
        "rules lint", "rules reload", "check", "keygen", "pubkey", "help",
        "article show", "article open", "article premoderate", "article close",
        "reported", "author", "watch", "unwatch", "erase", "webhooks",
        "decisions export", "model train"}


def help_options(name):
    """(letter, name, value name) of each option COMMAND --help lists."""
    r = modctl(*name.split(), "--help")
    assert r.returncode == 0 and r.stderr == "", (name, r)
    assert r.stdout.startswith("usage: modctl %s" % name), r.stdout
    section = r.stdout.split("\noptions:\n", 1)[1].split("global options", 1)[0]
    found = []
    for line in section.splitlines():
        m = re.match(r"  (?:-(\w), )?\s*--([a-z][a-z0-9-]*)(?: ([A-Z.]+))?  ", line)
        assert m, (name, line)
        found.append((m.group(1), m.group(2), m.group(3)))
    assert ("h", "help", None) in found
    return found


@pytest.mark.parametrize("name", COMMANDS)
def test_help_is_the_same_both_ways(name):
    a = modctl(*name.split(), "--help")
    b = modctl("help", *name.split())
    c = modctl(*name.split(), "-h")
    assert a.returncode == b.returncode == c.returncode == 0
    assert a.stdout == b.stdout == c.stdout and a.stdout


def refusal(r, name, why):
    """Exit 2, nothing on stdout, the reason on stderr's first line, then
    the command's usage."""
    assert r.returncode == 2, (name, r)
    assert r.stdout == "", (name, r.stdout)
    lines = r.stderr.splitlines()
    assert lines[0] == "modctl %s: %s" % (name, why), (name, r.stderr)
    assert lines[1].startswith("usage: modctl %s" % name), r.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_unknown_options_are_refused(name):
    words = name.split()
    refusal(modctl(*words, "--no-such-option"), name,
            "unknown option '--no-such-option'")
    refusal(modctl(*words, "--no-such-option=3"), name,
            "unknown option '--no-such-option'")
    refusal(modctl(*words, "-Z"), name, "unknown option '-Z'")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_needs_what_it_says(name):
    words = name.split()
    for letter, option, value in help_options(name):
        if option == "help":
            continue
        if value:
            refusal(modctl(*words, "--" + option), name, "--%s needs a value" % option)
            if letter:
                refusal(modctl(*words, "-" + letter), name, "-%s needs a value" % letter)
        else:
            refusal(modctl(*words, "--%s=1" % option), name,
                    "--%s takes no value" % option)
        # no abbreviations: a new option must never change what "--artic" means
        # (a one-letter option, --q, has none: "--" ends the options)
        short = "--" + option[:-1]
        if len(option) > 1:
            refusal(modctl(*words, short, "x"), name, "unknown option '%s'" % short)


def test_bad_values_are_refused():
    for bad in ("0", "100001", "ten", "", "-5"):
        refusal(modctl("audit", "--limit", bad), "audit",
                "--limit must be a number from 1 to 100000")
    for bad in ("0s", "soon", "2w", "3661d"):
        refusal(modctl("reject", "--older-than", bad), "reject",
                "--older-than wants a duration such as 30m, 2h, 7d")
    refusal(modctl("keygen", "--out="), "keygen", "--out needs a value")
    refusal(modctl("approve", "x", "--reason", "--json"), "approve",
            "--reason needs a value")


def test_usage_mistakes_name_the_way_out():
    refusal(modctl("ban", "--for", "2h"), "ban",
            "give one of --author, --ip, --subnet, --ip-of, --subnet-of")
    refusal(modctl("ban", "--author", "a", "--ip", "1.2.3.4"), "ban",
            "--ip cannot be given with --author")
    refusal(modctl("verify"), "verify", "give one of ID..., --article, --all")
    refusal(modctl("approve", "x", "--dry-run"), "approve",
            "--dry-run cannot be given with ID...")
    refusal(modctl("approve"), "approve", "which comments? give ids or predicates")
    refusal(modctl("keygen"), "keygen", "--out FILE is required")
    refusal(modctl("show", "a", "b"), "show", "unexpected 'b'")
    refusal(modctl("stats", "extra"), "stats", "takes no arguments")
    # modctl's own mistakes: the whole usage after the reason
    r = modctl("--no-such-option", "queue")
    assert r.returncode == 2 and r.stderr.startswith(
        "modctl: unknown option '--no-such-option'\n\nusage: modctl "), r.stderr
    r = modctl("rules", "frobnicate")
    assert r.returncode == 2 and r.stderr.startswith(
        'modctl rules: unknown subcommand "frobnicate"\nusage: modctl rules'), r.stderr


def man_names(option):
    """How the man page writes an option: \\-\\-older\\-than."""
    return "\\-\\-" + option.replace("-", "\\-")


@pytest.mark.parametrize("name", COMMANDS)
def test_man_page_and_completion_know_every_option(name):
    with open(MAN) as f:
        page = f.read()
    options = {o for _, o, _ in help_options(name)}
    offered = {w[2:] for w in complete("modctl %s --" % name)}
    for option in options - {"help"}:
        assert man_names(option) in page, (name, option)
    # what completion offers the parser takes, and it offers all of it
    assert offered == options, (name, offered ^ options)
