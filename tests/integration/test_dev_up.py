"""deploy/dev-up's arguments: the port it runs modgate on (--port N or
MODGATE_LISTEN), and a port in use said at once, before anything is
installed or built, as the first and only thing printed. (Running it in
full installs packages and builds: the quick start's own check is
fresh-check, see CONTRIBUTING.md.)"""
import os
import socket
import subprocess

import pytest

from conftest import ROOT

DEV_UP = os.path.join(ROOT, "deploy", "dev-up")


def run(args, env=None):
    return subprocess.run([DEV_UP] + args, capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


@pytest.fixture
def taken_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_port_in_use_is_said_first(taken_port):
    r = run(["--port", str(taken_port)])
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "127.0.0.1:%d is in use" % taken_port in lines[0]
    assert "--port N" in lines[0]


def test_modgate_listen_in_use_is_said_first(taken_port):
    r = run([], env={"MODGATE_LISTEN": "127.0.0.1:%d" % taken_port})
    assert r.returncode == 1 and r.stdout == ""
    assert "127.0.0.1:%d is in use" % taken_port in r.stderr


@pytest.mark.parametrize("args,env", [
    (["--port", "0"], None),
    (["--port", "65536"], None),
    (["--port=http"], None),
    ([], {"MODGATE_LISTEN": "8080"}),
    ([], {"MODGATE_LISTEN": ":8080"}),
])
def test_a_bad_port_is_refused(args, env):
    r = run(args, env)
    assert r.returncode == 2 and r.stdout == ""
    assert "not HOST:PORT" in r.stderr


def test_an_unknown_argument_is_refused():
    r = run(["--prot", "9000"])
    assert r.returncode == 2 and r.stdout == ""
    assert "unknown argument '--prot'" in r.stderr


def test_help_names_the_port_options():
    r = run(["--help"])
    assert r.returncode == 0
    assert "--port N" in r.stdout and "MODGATE_LISTEN=HOST:PORT" in r.stdout
