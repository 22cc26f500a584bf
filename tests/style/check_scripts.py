#!/usr/bin/env python3
"""The store's Lua scripts against their argument tables. Each script names
its arguments in one "-- args:" line (src/server/scripts/embed.py makes
them the script's first locals and gives C an enum to fill them by); this
fails, naming the script, when

  - a script has no "-- args:" line, or a bad or repeated name in it;
  - a script reads ARGV itself (it would read by position again);
  - a declared argument is never used by the script (the table and the
    code have drifted apart);
  - an argument is never filled by the C that runs the script
    (MG_ARG_<SCRIPT>_<NAME> appears in no src/server/store_*.c).

    check_scripts.py SCRIPTS_DIR SERVER_DIR
    check_scripts.py --self-test     prove it catches what it should
"""
import glob
import os
import re
import sys

ARGS = re.compile(r"^-- args:(.*)$", re.M)
NAME = re.compile(r"[a-z][a-z0-9_]*\??")


def code_of(lua):
    """The script without its comments (-- to the end of a line) and its
    string literals, so that names in them do not count as uses."""
    lua = re.sub(r"--[^\n]*", "", lua)
    return re.sub(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", "''", lua)


def problems_of(script, lua, c_sources):
    out = []
    m = ARGS.search(lua)
    if not m:
        return ["%s: no '-- args:' line" % script]
    names = m.group(1).split()
    bare = [n.rstrip("?") for n in names]
    for n in names:
        if not NAME.fullmatch(n):
            out.append("%s: bad argument name %r" % (script, n))
    if len(set(bare)) != len(bare):
        out.append("%s: an argument is named twice" % script)
    code = code_of(lua)
    if re.search(r"\bARGV\b", code):
        out.append("%s: reads ARGV itself; use the names of its '-- args:' line" % script)
    for n in bare:
        if not re.search(r"(?<![\w.])%s\b" % re.escape(n), code):
            out.append("%s: argument '%s' is never used" % (script, n))
        enum = "MG_ARG_%s_%s" % (script.upper(), n.upper())
        if not re.search(r"\b%s\b" % enum, c_sources):
            out.append("%s: argument '%s' is filled by no C (%s)" % (script, n, enum))
    return out


def check(scripts_dir, server_dir):
    c_sources = ""
    for path in sorted(glob.glob(os.path.join(server_dir, "store_*.c"))):
        with open(path, encoding="utf-8") as f:
            c_sources += f.read()
    found = []
    paths = sorted(glob.glob(os.path.join(scripts_dir, "*.lua")))
    if not paths:
        return ["no scripts under %s" % scripts_dir]
    for path in paths:
        with open(path, encoding="utf-8") as f:
            found += problems_of(os.path.splitext(os.path.basename(path))[0], f.read(),
                                 c_sources)
    return found


def self_test():
    c = "args[MG_ARG_X_PREFIX] = p; args[MG_ARG_X_LIMIT] = l;"
    good = "-- args: prefix limit\nreturn redis.call('GET', prefix .. limit)\n"
    cases = [
        (good, 0),
        ("return 1\n", 1),                                            # no table
        ("-- args: prefix limit\nreturn ARGV[1] .. limit .. prefix\n", 1),  # ARGV
        ("-- args: prefix limit\nreturn prefix\n", 1),                # unused
        ("-- args: prefix limit\nreturn prefix -- limit\n", 1),       # only in a comment
        ("-- args: prefix limit\nreturn prefix .. 'limit'\n", 1),     # only in a string
        ("-- args: prefix limit extra\nreturn prefix .. limit .. extra\n", 1),  # no C
        ("-- args: prefix limit prefix\nreturn prefix .. limit\n", 1),  # twice
        ("-- args: prefix Limit\nreturn prefix .. Limit\n", 1),      # a bad name
    ]
    bad = 0
    for lua, want in cases:
        got = problems_of("x", lua, c)
        if (len(got) > 0) != (want > 0):
            print("self-test: %r gave %r" % (lua, got))
            bad += 1
    return bad


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 1 if self_test() else 0
    if len(argv) != 3:
        sys.exit(__doc__)
    found = check(argv[1], argv[2])
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
