"""The manual pages and the bash completion: they render without groff
warnings, name every command `modctl help` lists, complete what they should,
and `meson install` puts them where man and bash-completion look."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, MODCTL, ROOT

MAN = {"modctl.1": os.path.join(ROOT, "docs", "man", "modctl.1"),
       "modgate.8": os.path.join(ROOT, "docs", "man", "modgate.8")}
COMPLETION = os.path.join(ROOT, "deploy", "completion", "modctl.bash")


def help_commands():
    """The command names `modctl help` lists (first word of each line)."""
    out = subprocess.run([MODCTL, "help"], capture_output=True, text=True,
                         timeout=10).stdout
    section = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    names = set()
    for line in section.splitlines():
        m = re.match(r"  ([a-z]+)(?:\|[a-z]+)?\b", line)
        if m and not line.startswith("   "):
            names.add(m.group(1))
    assert {"queue", "review", "verify", "ban", "rules"} <= names, names
    return names - {"help"}


@pytest.mark.parametrize("page", sorted(MAN))
def test_man_pages_render_without_warnings(page):
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN[page]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = subprocess.run(["groff", "-man", "-Tutf8", MAN[page]], capture_output=True,
                          text=True, timeout=30).stdout
    text = re.sub(r".\x08", "", text)  # grotty's overstruck bold and underline
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "SEE ALSO"):
        assert re.search(r"^%s" % section, text, re.M), (page, section)


def test_modctl_page_and_completion_name_every_command():
    with open(MAN["modctl.1"]) as f:
        page = f.read()
    with open(COMPLETION) as f:
        completion = f.read()
    for name in help_commands():
        assert re.search(r"\\fB%s\b|^\.B %s\b" % (name, name), page, re.M), name
        assert re.search(r"\b%s\b" % re.escape(name), completion), name


def complete(line):
    """What the completion offers for the line, cursor at its end."""
    script = """
source %s
COMP_LINE=%s
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_POINT=${#COMP_LINE}
_modctl modctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
""" % (COMPLETION, "'" + line.replace("'", "'\\''") + "'")
    r = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_completion_script_parses_and_completes():
    assert subprocess.run(["bash", "-n", COMPLETION]).returncode == 0
    assert complete("modctl qu") == {"queue"}
    assert complete("modctl re") >= {"review", "reject", "rejected", "remove"}
    assert complete("modctl rules ") == {"lint", "reload", "stats"}
    assert complete("modctl --json ver") == {"verify"}
    assert {"--article", "--all"} <= complete("modctl verify --")
    assert {"--author", "--ip", "--subnet", "--for", "--reason"} <= complete("modctl ban --")
    assert {"--dry-run", "--rule", "--older-than"} <= complete("modctl reject --")
    assert complete("modctl check x --author u --") == {"--author-name", "--article",
                                                       "--help"}
    assert complete("modctl help qu") == {"queue"}
    assert complete("modctl help rules ") == {"lint", "reload", "stats"}
    assert complete("modctl article ") == {"show", "open", "premoderate", "close"}
    assert complete("modctl article close art-1 --") == {"--at", "--help"}


def test_meson_install_puts_pages_and_completion_in_place(tmp_path):
    r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", str(tmp_path),
                        "--no-rebuild", "--quiet"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    found = {os.path.relpath(os.path.join(d, f), tmp_path)
             for d, _, files in os.walk(tmp_path) for f in files}
    assert any(p.endswith("share/man/man1/modctl.1") for p in found), found
    assert any(p.endswith("share/man/man8/modgate.8") for p in found), found
    assert any(p.endswith("share/bash-completion/completions/modctl") for p in found), found
    assert any(p.endswith("bin/modctl") for p in found), found
