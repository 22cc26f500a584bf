#!/usr/bin/env python3
"""Enforces the module map, the ```modmap block of docs/architecture.md:
which part of the code may include which, and which files may reach each
third-party library's headers. Fails, naming file and line, on

  - an #include from one part of a part it must never reach ("forbid");
  - a library's header included by a file that is not one of its wrappers,
    or reached through a wrapper's header by a file that is not one;
  - a header in <> that is neither C17, POSIX, a `system` line of the map
    nor any library's (a new library must be put on the map);
  - a quoted #include that names no file of the tree and no `generated` one;
  - a .c or .h file that belongs to no part.

A `temporary` line allows one file a library while a move is under way; a
line no longer needed is reported as a note (not a failure), so that it
is taken out.

    check_modmap.py MAP.md DIR...   check every .c/.h under the directories
    check_modmap.py --self-test     prove the checker catches what it should

The block, one statement a line, '#' to the end of a line a comment:

    part NAME GLOB...                    a file is in the first part one of
                                         whose globs matches it
    forbid PART -> PART...               the first part never includes the
                                         others' files
    library NAME <HEADER>... : GLOB...   only files the globs match (the
                                         wrappers) may include the headers,
                                         directly or through a header
    temporary LIBRARY FILE               FILE may include LIBRARY for now
    system <HEADER>...                   platform headers beyond C17, POSIX
    generated FILE...                    headers the build writes, as included

In globs and headers '*' and '?' stay within a path segment, '**' crosses
them and [ch] is a class: <unicode/*> is every ICU header, src/server/**
every file under src/server.
"""
import collections
import os
import re
import sys

from check_banned import strip_comments_and_strings

MAP_FENCE = re.compile(r"^```modmap[ \t]*\n(.*?)^```", re.M | re.S)
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(?:<([^>\n]+)>|"([^"\n]+)"|(\S.*))', re.M)

# ISO C17 (7.1.2) and POSIX.1-2017 (XBD 13): headers of the platform, never
# a library's.
C17 = """assert complex ctype errno fenv float inttypes iso646 limits locale math
setjmp signal stdalign stdarg stdatomic stdbool stddef stdint stdio stdlib
stdnoreturn string tgmath threads time uchar wchar wctype"""
POSIX = """aio arpa/inet cpio dirent dlfcn fcntl fmtmsg fnmatch ftw glob grp iconv
langinfo libgen monetary mqueue ndbm net/if netdb netinet/in netinet/tcp
nl_types poll pthread pwd regex sched search semaphore spawn strings stropts
sys/ipc sys/mman sys/msg sys/resource sys/select sys/sem sys/shm sys/socket
sys/stat sys/statvfs sys/time sys/times sys/types sys/uio sys/un sys/utsname
sys/wait syslog tar termios trace ulimit unistd utime utmpx wordexp"""
STANDARD = {name + ".h" for name in (C17 + " " + POSIX).split()}
INCLUDE_DIRS = ("include", "")  # -I of meson.build: include/ and the root
WHERE = "(docs/architecture.md, the module map)"


def glob_regex(pattern):
    """A compiled regex for a glob: '**' any path, '*' and '?' within one
    segment, [..] a class."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            j = pattern.index("]", i)
            out.append(pattern[i:j + 1])
            i = j + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches_any(path, regexes):
    return any(r.match(path) for r in regexes)


# A library: the regexes of its headers and of its wrappers, and the
# wrappers' globs as the map writes them (for messages).
Library = collections.namedtuple("Library", "headers wrappers wrapper_globs")


class ModMap:
    """The parsed block. errors: what is wrong with the block itself."""

    def __init__(self, text):
        self.parts = []      # (name, [glob regex]) in order
        self.forbid = {}     # part -> set of parts
        self.libraries = {}  # name -> Library
        self.temporary = {}  # library -> set of files
        self.system = []     # header regexes
        self.generated = set()
        self.errors = []
        for lineno, line in enumerate(text.splitlines(), 1):
            words = line.split("#", 1)[0].split()
            if words:
                self.statement(lineno, words)
        part_names = {name for name, _ in self.parts}
        for part, others in self.forbid.items():
            for p in {part} | others:
                if p not in part_names:
                    self.errors.append("modmap: forbid names no part %r" % p)
        for lib in self.temporary:
            if lib not in self.libraries:
                self.errors.append("modmap: temporary names no library %r" % lib)

    def statement(self, lineno, words):
        kind, args = words[0], words[1:]
        if kind == "part" and len(args) >= 2:
            self.parts.append((args[0], [glob_regex(g) for g in args[1:]]))
        elif kind == "forbid" and len(args) >= 3 and args[1] == "->":
            self.forbid.setdefault(args[0], set()).update(args[2:])
        elif kind == "library" and len(args) >= 2 and ":" in args:
            colon = args.index(":")
            headers = args[1:colon]
            if args[0] in self.libraries:
                self.errors.append("modmap line %d: library %s twice" % (lineno, args[0]))
            if not headers or not all(h[0] == "<" and h[-1] == ">" for h in headers):
                self.errors.append("modmap line %d: headers go in <>" % lineno)
            globs = args[colon + 1:]
            self.libraries[args[0]] = Library([glob_regex(h[1:-1]) for h in headers],
                                              [glob_regex(g) for g in globs], globs)
        elif kind == "temporary" and len(args) == 2:
            self.temporary.setdefault(args[0], set()).add(args[1])
        elif kind == "system" and args:
            self.system += [glob_regex(h.strip("<>")) for h in args]
        elif kind == "generated" and args:
            self.generated.update(args)
        else:
            self.errors.append("modmap line %d: cannot read %r" % (lineno, " ".join(words)))

    def part_of(self, path):
        for name, regexes in self.parts:
            if matches_any(path, regexes):
                return name
        return None

    def library_of(self, header):
        for name, lib in self.libraries.items():
            if matches_any(header, lib.headers):
                return name
        return None

    def is_platform(self, header):
        return header in STANDARD or matches_any(header, self.system)

    def may_reach(self, path, lib):
        return (matches_any(path, self.libraries[lib].wrappers) or
                path in self.temporary.get(lib, ()))

    def wrapper_list(self, lib):
        """The wrappers of lib as the map writes them, for messages."""
        return ", ".join(self.libraries[lib].wrapper_globs) or "none: no file may"


def includes_of(text):
    """(line, '<' or '"', name) of each #include outside comments; '?' for
    a computed one."""
    clean = strip_comments_and_strings(text, keep_strings=True)
    found = []
    for m in INCLUDE.finditer(clean):
        line = clean.count("\n", 0, m.start()) + 1
        if m.group(1):
            found.append((line, "<", m.group(1).strip()))
        elif m.group(2):
            found.append((line, '"', m.group(2).strip()))
        else:
            found.append((line, "?", m.group(3).strip()))
    return found


class Checker:
    """Checks files ({path: text}, paths relative to the root) against a
    map: problems (failures) and notes."""

    def __init__(self, files, modmap):
        self.files = files
        self.map = modmap
        self.problems = list(modmap.errors)
        self.notes = []
        self.resolved = {}  # path -> [(line, kind, name, target)]
        self.reach_memo = {}

    def resolve(self, path, kind, name):
        """The project file an include names, or None (a library's or the
        platform's header, or a generated one)."""
        here = os.path.dirname(path)
        dirs = ((here,) if kind == '"' else ()) + INCLUDE_DIRS
        for d in dirs:
            candidate = os.path.normpath(os.path.join(d, name))
            if candidate in self.files:
                return candidate
        return None

    def includes(self, path):
        if path not in self.resolved:
            self.resolved[path] = [(line, kind, name, self.resolve(path, kind, name))
                                   for line, kind, name in includes_of(self.files[path])]
        return self.resolved[path]

    def reach(self, path, seen=()):
        """{library: header} that path reaches, directly or through the
        project's headers."""
        if path in self.reach_memo:
            return self.reach_memo[path]
        if path in seen:
            return {}
        out = {}
        for _, kind, name, target in self.includes(path):
            if target:
                for lib, header in self.reach(target, seen + (path,)).items():
                    out.setdefault(lib, header)
            elif kind == "<":
                lib = self.map.library_of(name)
                if lib:
                    out.setdefault(lib, "<%s>" % name)
        self.reach_memo[path] = out
        return out

    def check_file(self, path):
        where = self.map.part_of(path)
        if where is None:
            self.problems.append("%s: belongs to no part %s" % (path, WHERE))
        for line, kind, name, target in self.includes(path):
            problem = self.include_problem(path, where, kind, name, target)
            if problem:
                self.problems.append("%s:%d: %s %s" % (path, line, problem, WHERE))

    def include_problem(self, path, where, kind, name, target):
        """What is wrong with path (of part where) including name, which is
        the project's file target (or None), or None when nothing is."""
        if kind == "?":
            return "computed #include %s: the map cannot check it" % name
        if target or (kind == '"' and name in self.map.generated):
            return (self.part_problem(where, target or name) or
                    (self.through_problem(path, target) if target else None))
        if kind == '"':
            return '"%s" names no file of the tree and no generated one' % name
        lib = self.map.library_of(name)
        if lib and not self.map.may_reach(path, lib):
            return "includes <%s> of %s, which only its wrappers may include: %s" % (
                name, lib, self.map.wrapper_list(lib))
        if not lib and not self.map.is_platform(name):
            return "<%s> is no C17 or POSIX header and no library on the map claims it" % name
        return None

    def part_problem(self, where, target):
        theirs = self.map.part_of(target)
        if where and theirs and theirs in self.map.forbid.get(where, ()):
            return "%s includes %s, of %s: %s never reaches %s" % (
                where, target, theirs, where, theirs)
        return None

    def through_problem(self, path, target):
        """A wrapper's header hands its library to whoever includes it; a
        header that is no wrapper is reported at its own include instead."""
        for lib, header in sorted(self.reach(target).items()):
            if self.map.may_reach(target, lib) and not self.map.may_reach(path, lib):
                return "reaches %s (%s) through %s, which only its wrappers may: %s" % (
                    lib, header, target, self.map.wrapper_list(lib))
        return None

    def check_temporary(self):
        for lib, files in sorted(self.map.temporary.items()):
            for path in sorted(files):
                if path in self.files and lib not in self.reach(path):
                    self.notes.append("note: %s no longer includes %s: take its `temporary` "
                                      "line out of the map" % (path, lib))

    def run(self):
        for path in sorted(self.files):
            self.check_file(path)
        self.check_temporary()
        return self.problems, self.notes


def read_map(markdown):
    m = MAP_FENCE.search(markdown)
    if not m:
        return None
    return m.group(1)


def check_tree(map_path, dirs):
    with open(map_path, encoding="utf-8") as f:
        block = read_map(f.read())
    if block is None:
        print("%s: no ```modmap block" % map_path)
        return 1
    files = {}
    for top in dirs:
        for dirpath, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    path = os.path.normpath(os.path.join(dirpath, name))
                    with open(path, encoding="utf-8") as f:
                        files[path] = f.read()
    checker = Checker(files, ModMap(block))
    problems, notes = checker.run()
    for line in problems + notes:
        print(line)
    count = sum(len(checker.includes(p)) for p in files)
    print("%d files, %d includes checked against the module map: %d problems"
          % (len(files), count, len(problems)))
    return 1 if problems else 0


SELF_TEST_MAP = """
part rules  src/rules/*.[ch] include/m/rules.h   # first match wins
part server src/server/** include/m/store.h
part cli    src/cli/*.[ch]
part core   src/core/*.[ch] include/m/*.h
forbid core -> rules server cli
forbid rules -> server cli
forbid cli -> server
library ICU     <unicode/*>  : src/core/unicode.c
library PCRE2   <pcre2.h>    : src/rules/ruleset.h src/rules/judge.c
library hiredis <hiredis/*>  : src/server/store*.[ch]
library jansson <jansson.h>  : **
library yaml    <libfyaml.h> : src/core/yaml.c
library systemd <systemd/*>  :
temporary yaml src/core/config.c
temporary yaml src/core/keys.c
system <sys/ioctl.h>
generated v.h src/server/scripts/scripts.h
"""

# A tree that keeps the map: wrappers, a wrapper's header included by
# wrappers only, includes in comments, platform and generated headers, a
# temporary exception in use and one no longer needed (a note).
SELF_TEST_TREE = {
    "include/m/rules.h": "#include <jansson.h>\n",
    "include/m/text.h": "#include <stdint.h>\n",
    "include/m/store.h": '#include "m/rules.h"\n',
    "src/core/unicode.c": '#include "m/text.h"\n#include <unicode/uchar.h>\n',
    "src/core/yaml.c": "#include <libfyaml.h>\n",
    "src/core/config.c": "#  include <libfyaml.h>\n",
    "src/core/keys.c": '#include "m/text.h"\n',
    "src/rules/ruleset.h": "#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\n"
                           '#include "m/rules.h"\n',
    "src/rules/judge.c": '#include "src/rules/ruleset.h"\n#include "m/text.h"\n'
                         "/* #include <unicode/uchar.h>\n */\n"
                         '// #include "m/store.h"\n'
                         'const char *s = "/* not a comment";\n#include <pthread.h>\n',
    "src/server/store_internal.h": '#include <hiredis/async.h>\n#include "m/store.h"\n',
    "src/server/store_ops.c": '#include "store_internal.h"\n'
                              '#include "src/server/scripts/scripts.h"\n#include "v.h"\n',
    "src/cli/term.c": '#include <sys/ioctl.h>\n#include "m/rules.h"\n#include "v.h"\n',
}

# Each: the files a violation adds to the tree, and what the one problem it
# makes must say.
SELF_TEST_BAD = [
    ({"src/core/bad.c": '#include "m/text.h"\n#include "m/rules.h"\n'},
     ["src/core/bad.c:2:", "core never reaches rules"]),
    ({"src/cli/x.c": '#include "m/store.h"\n'}, ["src/cli/x.c:1:", "cli never reaches server"]),
    # a comment opener in a string hides nothing after it
    ({"src/cli/s.c": 'const char *s = "/*";\n#include "m/store.h"\n'}, ["src/cli/s.c:2:"]),
    ({"src/rules/detect.c": "#include <string.h>\n\n#include <unicode/uchar.h>\n"},
     ["src/rules/detect.c:3:", "<unicode/uchar.h> of ICU", "src/core/unicode.c"]),
    ({"src/rules/load.c": '#include "src/rules/ruleset.h"\n'},
     ["src/rules/load.c:1:", "reaches PCRE2 (<pcre2.h>) through src/rules/ruleset.h"]),
    ({"src/server/handle.c": '#include "store_internal.h"\n'},
     ["src/server/handle.c:1:", "reaches hiredis", "src/server/store*.[ch]"]),
    # a header that is no wrapper is the one reported, not its includers
    ({"src/rules/scan.h": "#include <unicode/utf8.h>\n",
      "src/rules/d.c": '#include "src/rules/scan.h"\n'}, ["src/rules/scan.h:1:", "ICU"]),
    ({"src/server/main.c": "#include <systemd/sd-daemon.h>\n"}, ["none: no file may"]),
    ({"src/cli/y.c": "#include <openssl/ssl.h>\n"},
     ["src/cli/y.c:1:", "<openssl/ssl.h> is no C17"]),
    ({"src/rules/w.c": '#include "nowhere.h"\n'}, ["src/rules/w.c:1:", "names no file"]),
    ({"src/core/c.c": "#include HEADER\n"}, ["src/core/c.c:1:", "computed"]),
    ({"src/extra/z.c": "int z;\n"}, ["src/extra/z.c: belongs to no part"]),
    ({"src/rules/sub/z.c": "int z;\n"}, ["src/rules/sub/z.c: belongs to no part"]),
]


def self_test():
    problems, notes = Checker(dict(SELF_TEST_TREE), ModMap(SELF_TEST_MAP)).run()
    assert problems == [], problems
    assert len(notes) == 1 and "src/core/keys.c no longer includes yaml" in notes[0], notes
    for added, wanted in SELF_TEST_BAD:
        files = dict(SELF_TEST_TREE, **added)
        problems, _ = Checker(files, ModMap(SELF_TEST_MAP)).run()
        assert len(problems) == 1, (added, problems)
        for w in wanted:
            assert w in problems[0], (w, problems[0])
    bad_map = ModMap(SELF_TEST_MAP + "forbid core -> nowhere\ntemporary nolib src/x.c\nparts x\n")
    assert len(bad_map.errors) == 3, bad_map.errors
    assert read_map("text\n```modmap\npart a b\n```\n") == "part a b\n"
    assert read_map("```c\npart a b\n```\n") is None
    print("self-test: ok (%d violations caught)" % len(SELF_TEST_BAD))
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__)
        return 2
    return check_tree(argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
