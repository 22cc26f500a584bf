"""deploy/bootstrap's two sets: `run` (build modgate and run a dev instance)
holds none of the test toolchain, `test` holds all of `run`, every package
named is one Debian 12 has, and the scripts ask for the set they need:
deploy/dev-up for `run`, tests/run-all for `test`."""
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT

BOOTSTRAP = os.path.join(ROOT, "deploy", "bootstrap")

# Tools only the tests use: none may be in what running needs.
TEST_ONLY = {"clang-14", "libclang-rt-14-dev", "valgrind", "wrk", "nodejs",
             "libcmocka-dev", "python3-pytest", "faketime"}


def listed(name):
    r = subprocess.run([BOOTSTRAP, "--list", name], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    packages = r.stdout.split("\n")
    assert packages[-1] == "", "the list must end with a newline"
    packages = packages[:-1]
    for p in packages:
        assert re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", p), "not a package name: %r" % p
    assert len(packages) == len(set(packages)), "a package listed twice"
    return packages


def test_run_holds_what_building_and_running_need_and_no_test_tool():
    run = set(listed("run"))
    assert not run & TEST_ONLY, run & TEST_ONLY
    # DESIGN.md's libraries, the build tools and the local Redis
    assert {"meson", "ninja-build", "pkg-config", "build-essential", "redis-server",
            "libuv1-dev", "libhttp-parser-dev", "libhiredis-dev", "libsodium-dev",
            "libjansson-dev", "libfyaml-dev", "libpcre2-dev", "libicu-dev",
            "libcurl4-openssl-dev"} <= run


def test_test_is_run_and_the_test_tools():
    run, test = set(listed("run")), set(listed("test"))
    assert run < test
    assert TEST_ONLY <= test


def test_every_package_exists_in_debian():
    names = sorted(set(listed("test")))
    known = subprocess.run(["apt-cache", "pkgnames"], capture_output=True, text=True,
                           timeout=60).stdout.split()
    if not known:
        pytest.skip("the apt cache is empty here (apt-get update has not run)")
    missing = [n for n in names if n not in set(known)]
    assert not missing, "not Debian packages: %s" % missing
    r = subprocess.run(["apt-cache", "show", "--no-all-versions"] + names,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    shown = set(re.findall(r"^Package: (\S+)$", r.stdout, re.M))
    assert shown == set(names), set(names) - shown


@pytest.mark.parametrize("args", [["--list", "bogus"], ["bogus"], ["--list"],
                                  ["-x"], ["run", "test"]])
def test_a_bad_argument_is_refused(args):
    r = subprocess.run([BOOTSTRAP] + args, capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and r.stdout == ""
    assert "deploy/bootstrap run" in r.stderr  # the usage


def script_calls(path):
    """The bootstrap commands a script runs: its lines (comments dropped)
    that start with deploy/bootstrap, as argument lists."""
    calls = []
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            code = line.split("#", 1)[0].strip()
            if code.startswith("deploy/bootstrap"):
                calls.append(code.split("||")[0].split())
    return calls


def test_dev_up_asks_for_run_and_run_all_for_test():
    assert script_calls("deploy/dev-up") == [["deploy/bootstrap", "run"]]
    assert script_calls("tests/run-all") == [["deploy/bootstrap", "test"]]


def installed(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True,
                       text=True)
    return r.stdout.strip() == "install ok installed"


def test_with_everything_present_it_only_checks():
    packages = listed("run")
    if not all(installed(p) for p in packages):
        pytest.skip("not every package of 'run' is installed here")
    t0 = time.monotonic()
    r = subprocess.run([BOOTSTRAP, "run"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 2.0
    assert r.stdout == "bootstrap: all %d packages of 'run' present\n" % len(packages)
