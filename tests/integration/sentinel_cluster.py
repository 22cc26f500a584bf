"""A Redis Sentinel set for the black-box tests: a primary, replicas and
sentinels, each a real redis-server process (the sentinels run
redis-sentinel, Debian's redis-sentinel package) on a free loopback port.

    cluster = SentinelCluster(workdir, replicas=1, sentinels=3).start()
    cluster.url()                   # redis+sentinel://127.0.0.1:P1,.../mymaster/0
    cluster.primary()               # the Redis the sentinels name now
    cluster.failover()              # SENTINEL FAILOVER, waits for the new primary
    cluster.kill(cluster.servers[0])  # SIGKILL one process; .start() brings it back
    cluster.stop()

Each sentinel writes its own config file in the work directory (sentinels
rewrite theirs as they learn). Every process is a Node with start(), stop()
(SIGTERM), kill() (SIGKILL), pause()/resume() (SIGSTOP/SIGCONT) and
alive(); servers keep their port across a restart, so a killed primary
comes back as the same address."""
import os
import shutil
import signal
import subprocess
import time

from conftest import free_port, wait_until

MASTER_NAME = "mymaster"


def have_sentinel():
    """redis-sentinel and redis-server are installed."""
    return bool(shutil.which("redis-sentinel") and shutil.which("redis-server"))


class Node:
    """One redis-server or redis-sentinel process on 127.0.0.1:port."""

    def __init__(self, workdir, kind, port=None, password=None):
        self.kind = kind  # "server" or "sentinel"
        self.port = port or free_port()
        self.password = password  # what clients AUTH with, or None
        self.dir = os.path.join(workdir, "%s-%d" % (kind, self.port))
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.args = []

    def start(self):
        self.log = open(os.path.join(self.dir, "log"), "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log,
                                     cwd=self.dir)
        wait_until(self.ping, timeout=10)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ping(self):
        try:
            return self.cli("PING").strip() == "PONG"
        except (subprocess.SubprocessError, OSError):
            return False

    def cli(self, *args, timeout=5):
        cmd = ["redis-cli", "-p", str(self.port)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        return subprocess.run(cmd + [str(a) for a in args], capture_output=True,
                              text=True, timeout=timeout, check=True).stdout

    def _end(self, sig):
        if self.alive():
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        if self.proc is not None:
            self.log.close()
        self.proc = None

    def stop(self):
        self._end(signal.SIGTERM)

    def kill(self):
        self._end(signal.SIGKILL)

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def __repr__(self):
        return "<%s 127.0.0.1:%d>" % (self.kind, self.port)


class Server(Node):
    def __init__(self, workdir, password=None, replica_of=None):
        super().__init__(workdir, "server", password=password)
        self.args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", self.dir,
                     "--daemonize", "no", "--loglevel", "warning"]
        if password:
            # the replicas authenticate to the primary with it too
            self.args += ["--requirepass", password, "--masterauth", password]
        if replica_of is not None:
            self.args += ["--replicaof", "127.0.0.1", str(replica_of.port)]

    def role(self):
        return self.cli("ROLE").split("\n")[0].strip()


class Sentinel(Node):
    def __init__(self, workdir, primary, quorum, password=None, server_password=None,
                 down_after_ms=1000, failover_timeout_ms=3000):
        super().__init__(workdir, "sentinel", password=password)
        conf = os.path.join(self.dir, "sentinel.conf")
        lines = ["port %d" % self.port, "bind 127.0.0.1", "daemonize no",
                 "dir %s" % self.dir, "loglevel notice",
                 "sentinel monitor %s 127.0.0.1 %d %d" % (MASTER_NAME, primary.port, quorum),
                 "sentinel down-after-milliseconds %s %d" % (MASTER_NAME, down_after_ms),
                 "sentinel failover-timeout %s %d" % (MASTER_NAME, failover_timeout_ms),
                 "sentinel parallel-syncs %s 1" % MASTER_NAME]
        if server_password:
            lines.append("sentinel auth-pass %s %s" % (MASTER_NAME, server_password))
        if password:
            # the sentinels talk to each other with it as well
            lines += ["requirepass %s" % password, "sentinel sentinel-pass %s" % password]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.args = ["redis-sentinel", conf]

    def primary_addr(self):
        """(host, port) this sentinel names as the primary now."""
        out = self.cli("SENTINEL", "get-master-addr-by-name", MASTER_NAME).split()
        return (out[0], int(out[1])) if len(out) == 2 else None


class SentinelCluster:
    def __init__(self, workdir, replicas=1, sentinels=3, quorum=2, password=None,
                 sentinel_password=None, down_after_ms=1000, failover_timeout_ms=3000):
        self.workdir = workdir
        self.password = password
        self.sentinel_password = sentinel_password
        first = Server(workdir, password=password)
        self.servers = [first] + [Server(workdir, password=password, replica_of=first)
                                  for _ in range(replicas)]
        self.sentinels = [Sentinel(workdir, first, quorum, password=sentinel_password,
                                   server_password=password, down_after_ms=down_after_ms,
                                   failover_timeout_ms=failover_timeout_ms)
                          for _ in range(sentinels)]

    def start(self, timeout=20):
        """Starts every server, then every sentinel, and waits until the
        replicas are in sync and each sentinel knows every replica and
        every other sentinel (so that a failover can pick a replica)."""
        for s in self.servers:
            s.start()
        n = len(self.servers) - 1
        wait_until(lambda: all("master_link_status:up" in s.cli("INFO", "replication")
                               for s in self.servers[1:]), timeout=timeout)
        for s in self.sentinels:
            s.start()

        def known():
            for s in self.sentinels:
                if len(self._table(s, "replicas")) < n:
                    return False
                if len(self._table(s, "sentinels")) < len(self.sentinels) - 1:
                    return False
            return True
        wait_until(known, timeout=timeout, interval=0.2)
        return self

    @staticmethod
    def _table(sentinel, what):
        """SENTINEL replicas|sentinels: one entry per "name" field."""
        out = sentinel.cli("SENTINEL", what, MASTER_NAME).split("\n")
        return [out[i + 1] for i, v in enumerate(out[:-1]) if v.strip() == "name"]

    def url(self, sentinels=None, db=0, with_password=True):
        """The redis+sentinel:// URL naming sentinels (default: all), in
        that order; sentinels may hold (host, port) pairs of nodes that do
        not exist."""
        hosts = []
        for s in sentinels if sentinels is not None else self.sentinels:
            hosts.append("127.0.0.1:%d" % (s.port if isinstance(s, Node) else s))
        auth = ":%s@" % self.password if self.password and with_password else ""
        return "redis+sentinel://%s%s/%s/%d" % (auth, ",".join(hosts), MASTER_NAME, db)

    def live_sentinel(self):
        return next(s for s in self.sentinels if s.alive())

    def server_at(self, port):
        return next(s for s in self.servers if s.port == port)

    def primary(self):
        """The server the (first live) sentinel names as primary."""
        return self.server_at(self.live_sentinel().primary_addr()[1])

    def failover(self, timeout=15):
        """SENTINEL FAILOVER (a planned one: no agreement needed); returns
        (old primary, new primary) once every live sentinel names the new
        one and it says it is a master."""
        old = self.primary()
        self.live_sentinel().cli("SENTINEL", "FAILOVER", MASTER_NAME)
        return old, self.wait_new_primary(old, timeout)

    def wait_new_primary(self, old, timeout=15):
        def moved():
            addrs = {s.primary_addr() for s in self.sentinels if s.alive()}
            if len(addrs) != 1:
                return None
            port = addrs.pop()[1]
            if port == old.port:
                return None
            new = self.server_at(port)
            return new if new.alive() and new.role() == "master" else None
        return wait_until(moved, timeout=timeout, interval=0.05)

    def kill(self, node):
        node.kill()

    def stop(self):
        for n in self.sentinels + self.servers:
            try:
                n.stop()
            except (subprocess.SubprocessError, OSError):
                n.kill()

    def logs(self):
        """The last lines of every process's log, for failure messages."""
        out = []
        for n in self.sentinels + self.servers:
            path = os.path.join(n.dir, "log")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    tail = f.read().decode("utf-8", "replace").splitlines()[-15:]
                out.append("== %r\n%s" % (n, "\n".join(tail)))
        return "\n".join(out)


def wait_for(pred, timeout, interval=0.02):
    """Like wait_until, and returns the seconds it took as well."""
    t0 = time.monotonic()
    value = wait_until(pred, timeout=timeout, interval=interval)
    return value, time.monotonic() - t0
