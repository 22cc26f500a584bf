#!/usr/bin/env python3
"""Fails on calls modgate's C code must not make (curl's checksrc, smaller):
unbounded string functions, atoi-style parsing without error checks, and raw
allocation outside src/core/alloc.c (mg_malloc & co. abort on failure, so an
allocation is never left unchecked).

    check_banned.py DIR...      check every .c/.h under the directories
    check_banned.py --self-test prove the checker catches what it should
"""
import os
import re
import sys

BANNED = {
    "sprintf": "use snprintf",
    "vsprintf": "use vsnprintf",
    "strcpy": "use memcpy with a known length or snprintf",
    "strcat": "use snprintf or struct mg_buf",
    "strncpy": "use memcpy or snprintf (strncpy may not terminate)",
    "strtok": "not reentrant: use strchr/strspn",
    "gets": "never",
    "atoi": "use strtol with full error checks",
    "atol": "use strtol with full error checks",
    "atoll": "use strtoll with full error checks",
}
ALLOC = {"malloc", "calloc", "realloc", "strdup", "strndup", "reallocarray"}
ALLOC_HOME = os.path.join("src", "core", "alloc.c")

CALL = re.compile(r"(?<![\w.>])(" + "|".join(sorted(set(BANNED) | ALLOC)) + r")\s*\(")


def strip_comments_and_strings(text, keep_strings=False):
    """Blanks comments and, unless keep_strings, the insides of string and
    char literals, keeping line numbers. A literal ends at its quote or, if
    it is left open, at the end of its line (check_modmap.py shares this:
    an #include in a comment is no include)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] not in (c, "\n"):
                j += 2 if text[j] == "\\" else 1
            closed = j < n and text[j] == c
            inside = text[i + 1:min(j, n)]
            if not keep_strings:
                inside = re.sub(r"[^\n]", " ", inside)
            out.append(c + inside + (c if closed else ""))
            i = j + 1 if closed else min(j, n)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_text(path, text):
    problems = []
    clean = strip_comments_and_strings(text)
    for lineno, line in enumerate(clean.splitlines(), 1):
        for m in CALL.finditer(line):
            name = m.group(1)
            if name in ALLOC:
                if path.endswith(ALLOC_HOME):
                    continue
                why = "raw allocation: use mg_%s from alloc.h (aborts on failure)" % (
                    name if name != "reallocarray" else "realloc")
            else:
                why = BANNED[name]
            problems.append("%s:%d: %s() is banned: %s" % (path, lineno, name, why))
    return problems


def self_test():
    bad = ('int f(void) { char b[8]; sprintf(b, "x"); strcpy(b, "y");\n'
           ' int n = atoi("3"); char *p = malloc(3); strtok(b, " "); return n; }\n')
    good = ('/* sprintf( in a comment */ int g(void) { char b[8];\n'
            ' snprintf(b, 8, "sprintf("); char *p = mg_malloc(3); s.malloc(1);\n'
            ' return (int)strtol("3", 0, 10); }\n')
    found = check_text("src/x.c", bad)
    names = sorted(re.search(r"(\w+)\(\) is banned", p).group(1) for p in found)
    assert names == ["atoi", "malloc", "sprintf", "strcpy", "strtok"], names
    assert check_text("src/y.c", good) == [], check_text("src/y.c", good)
    assert check_text("src/core/alloc.c", "void *p = malloc(1);") == []
    print("self-test: ok")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    problems, files = [], 0
    for top in argv[1:]:
        for dirpath, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    path = os.path.join(dirpath, name)
                    with open(path, encoding="utf-8") as f:
                        problems += check_text(os.path.relpath(path), f.read())
                    files += 1
    for p in problems:
        print(p)
    print("%d files checked, %d banned calls" % (files, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
