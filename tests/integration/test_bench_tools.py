"""The tools tests/bench/cpu measures with: the floor server (build/tests/floor)
and the open-loop load generator (build/tests/openloop). Their figures mean
something only if the floor answers HTTP correctly and openloop sends at
the rate asked whether or not answers come, and times what it gets."""
import os
import re
import signal
import socket
import subprocess

import pytest

from conftest import BUILD, free_port, read_responses, wait_until

FLOOR = os.path.join(BUILD, "tests", "floor")
OPENLOOP = os.path.join(BUILD, "tests", "openloop")


def connectable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def floor():
    port = free_port()
    proc = subprocess.Popen([FLOOR, str(port)])
    try:
        wait_until(lambda: connectable(port))
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def openloop(port, rate, seconds, conns):
    out = subprocess.run([OPENLOOP, str(port), str(rate), str(seconds), str(conns)],
                         capture_output=True, text=True, timeout=30)
    fig = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out.stdout)}
    return out.returncode, fig


def test_floor_answers_pipelined_keepalive_requests(floor):
    with socket.create_connection(("127.0.0.1", floor), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
                  b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
        got = read_responses(s, 2)
        assert [(status, body) for status, _, body in got] == [(200, b"ok"), (200, b"ok")]
        assert got[0][1]["content-length"] == "2"
        # still open: a third request on the same connection is answered
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert read_responses(s, 1)[0][0] == 200


def test_floor_rejects_usage():
    assert subprocess.run([FLOOR], capture_output=True).returncode == 2
    assert subprocess.run([FLOOR, "port"], capture_output=True).returncode == 2


def test_openloop_against_floor_sends_the_rate_and_times_answers(floor):
    code, fig = openloop(floor, 200, 1, 4)
    assert code == 0, fig
    assert 195 <= fig["sent"] <= 201, fig
    assert fig["answered"] == fig["sent"]
    assert fig["errors"] == 0 and fig["non2xx"] == 0 and fig["unanswered"] == 0
    assert 190 <= fig["rate"] <= 210
    # a loopback answer from an idle server: well under 50 ms, and ordered
    assert 0 < fig["p50_us"] <= fig["p90_us"] <= fig["p99_us"] <= fig["max_us"] < 50000, fig


def test_openloop_keeps_sending_when_nothing_answers():
    """Open loop: a server that accepts and never answers still gets every
    request on schedule; none is counted as answered."""
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(16)  # the kernel completes the connections; nobody reads
        code, fig = openloop(mute.getsockname()[1], 200, 1, 4)
    assert code == 1
    assert 195 <= fig["sent"] <= 201, fig
    assert fig["answered"] == 0 and fig["unanswered"] == fig["sent"]


def test_openloop_rejects_usage():
    assert subprocess.run([OPENLOOP, "1", "0", "1", "1"], capture_output=True).returncode == 2
    assert subprocess.run([OPENLOOP, "1"], capture_output=True).returncode == 2
