#!/usr/bin/env python3
"""Source files stay readable in one sitting, functions on a screen or two
(docs/architecture.md, CONTRIBUTING.md): fails, naming file and line, on

  - a file under src/ or include/ over MAX_FILE lines;
  - a function over MAX_FUNCTION lines whose comment (the block right above
    it) does not say why it is long, with the word "long" in it.

    check_lengths.py DIR...
    check_lengths.py --self-test     prove it catches what it should
"""
import os
import re
import sys

MAX_FILE = 900
MAX_FUNCTION = 100

# a function definition: a line starting at column 0 with a name and "(",
# not a statement, and a "{" alone on the next line (the house style)
DEFINITION = re.compile(r"^[A-Za-z_][\w \*]*\b(\w+)\(.*\)\s*$")


def comment_above(lines, i):
    """The comment block that ends right above line i (its text), or ""."""
    j = i - 1
    block = []
    while j >= 0 and (lines[j].lstrip().startswith(("/*", "*", "//")) or
                      lines[j].rstrip().endswith("*/")):
        block.append(lines[j])
        j -= 1
    return "\n".join(reversed(block))


def problems_in(path, text):
    lines = text.split("\n")
    out = []
    if len(lines) - 1 > MAX_FILE:
        out.append("%s: %d lines, over %d: split it along a seam" % (path, len(lines) - 1,
                                                                     MAX_FILE))
    start = None
    for i, line in enumerate(lines):
        if (start is None and DEFINITION.match(line) and i + 1 < len(lines) and
                lines[i + 1] == "{" and not line.startswith(("return", "else"))):
            start = i
        elif start is not None and line == "}":
            length = i - start + 1
            if length > MAX_FUNCTION and not re.search(r"\blong\b",
                                                       comment_above(lines, start), re.I):
                out.append("%s:%d: %s is %d lines, over %d, and its comment does not say "
                           "why it is long" % (path, start + 1,
                                               DEFINITION.match(lines[start]).group(1),
                                               length, MAX_FUNCTION))
            start = None
    return out


def check(dirs):
    found = []
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    path = os.path.join(root, name)
                    with open(path, encoding="utf-8") as f:
                        found += problems_in(path, f.read())
    return found


def self_test():
    body = "    x++;\n" * (MAX_FUNCTION + 2)
    short = "static int f(void)\n{\n    return 1;\n}\n"
    long_fn = "static void g(int x)\n{\n" + body + "}\n"
    said = "/* Long: one table, read top to bottom. */\n" + long_fn
    big = "int x;\n" * (MAX_FILE + 1)
    cases = [(short, 0), (long_fn, 1), (said, 0), (big, 1)]
    bad = 0
    for text, want in cases:
        got = problems_in("x.c", text)
        if len(got) != want:
            print("self-test: want %d problems, got %r" % (want, got))
            bad += 1
    return bad


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 1 if self_test() else 0
    if len(argv) < 2:
        sys.exit(__doc__)
    found = check(argv[1:])
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
