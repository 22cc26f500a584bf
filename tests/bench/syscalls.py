"""System calls per submission: `strace -f -c` attached to modgate while N
POST /v1/comments run one after the other on one keep-alive connection
(each a new author and address, no rules, a private Redis), after 50 to
warm up. Prints each system call's count per submission and strace's
table.

    /usr/bin/python3 tests/bench/syscalls.py BUILD_DIR [N]

BUILD_DIR is a build directory (another commit's too, to compare)."""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import conftest  # noqa: E402


def post(conn, i):
    """One submission on the kept-alive connection; its status."""
    body = json.dumps({"article_id": "a-%d" % (i % 50), "author_id": "u-%d" % i,
                       "author_name": "Reader %d" % i,
                       "body": "A plain comment number %d, nothing more." % i,
                       "client_ip": "10.%d.%d.1" % (i // 256 % 256, i % 256)})
    conn.request("POST", "/v1/comments", body,
                 {"Content-Type": "application/json",
                  "Authorization": "Bearer " + conftest.SITE_TOKEN})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def main():
    build = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    conftest.MODGATE = os.path.join(build, "modgate")
    wd = tempfile.mkdtemp(prefix="mgsyscalls-")
    r = conftest.Redis(wd).start()
    m = conftest.Modgate(wd, r.url).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", m.port)
        for i in range(50):
            post(conn, i)
        out = os.path.join(wd, "strace.txt")
        st = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p", str(m.proc.pid)])
        time.sleep(1.0)  # attached
        statuses = {}
        for i in range(1000, 1000 + n):
            s = post(conn, i)
            statuses[s] = statuses.get(s, 0) + 1
        time.sleep(0.2)
        st.terminate()
        st.wait()
        print("%d submissions, statuses %s" % (n, statuses))
        with open(out) as f:
            table = f.read()
        for line in table.splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                errs = int(parts[4]) if len(parts) == 6 else 0
                print("%-16s %7.2f per submission (%d failed)"
                      % (parts[-1], int(parts[3]) / n, errs))
        print(table)
    finally:
        m.stop()
        r.stop()
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
