"""modctl: --version, keygen, usage errors. The key file is checked
independently with python3-cryptography."""
import base64
import json
import hashlib
import os
import re
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest import MODCTL


def modctl(*args, env=None):
    return subprocess.run([MODCTL] + list(args), capture_output=True, text=True, timeout=10,
                          env=dict(os.environ, **(env or {})))


def read_key_file(path):
    fields = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, sep, v = line.partition(":")
            assert sep, "not a key: value line: %r" % line
            fields[k.strip()] = v.strip()
    return fields


def test_version():
    r = modctl("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == "modctl 0.1.0"


def test_keygen_writes_private_key_file(workdir):
    path = os.path.join(workdir, "signing.key")
    r = modctl("keygen", "--out", path)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    fields = read_key_file(path)
    assert fields["algorithm"] == "Ed25519"
    assert re.fullmatch(r"[0-9a-f]{16}", fields["key_id"]), fields
    seed = base64.b64decode(fields["seed"], validate=True)
    assert len(seed) == 32
    assert fields["key_id"] in r.stdout + r.stderr  # says which key it made


def test_keygen_key_id_is_sha256_of_public_key(workdir):
    path = os.path.join(workdir, "k")
    assert modctl("keygen", "--out", path).returncode == 0
    fields = read_key_file(path)
    priv = Ed25519PrivateKey.from_private_bytes(base64.b64decode(fields["seed"]))
    pub = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert fields["key_id"] == hashlib.sha256(pub).digest()[:8].hex()
    # and the key works
    sig = priv.sign(b"message")
    priv.public_key().verify(sig, b"message")


def test_keygen_makes_a_new_key_each_time(workdir):
    seeds = set()
    for i in range(3):
        path = os.path.join(workdir, "k%d" % i)
        assert modctl("keygen", "--out", path).returncode == 0
        seeds.add(read_key_file(path)["seed"])
    assert len(seeds) == 3


def test_keygen_created_at_is_rfc3339_utc(workdir):
    path = os.path.join(workdir, "k")
    assert modctl("keygen", "--out", path).returncode == 0
    created = read_key_file(path).get("created_at")
    if created is not None:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created), created


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_keygen_refuses_to_overwrite(workdir, mode):
    path = os.path.join(workdir, "existing.key")
    with open(path, "w") as f:
        f.write("precious\n")
    os.chmod(path, mode)
    r = modctl("keygen", "--out", path)
    assert r.returncode != 0
    assert path in r.stderr
    with open(path) as f:
        assert f.read() == "precious\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


def test_keygen_refuses_to_follow_symlink(workdir):
    target = os.path.join(workdir, "target")
    link = os.path.join(workdir, "link.key")
    os.symlink(target, link)
    r = modctl("keygen", "--out", link)
    assert r.returncode != 0
    assert not os.path.exists(target)


def test_keygen_into_missing_directory_fails(workdir):
    path = os.path.join(workdir, "no", "such", "dir", "k")
    r = modctl("keygen", "--out", path)
    assert r.returncode != 0
    assert r.stderr.strip()


@pytest.mark.parametrize("args", [
    ["bogus-command"],
    ["keygen"],
    ["keygen", "--out"],
    ["keygen", "--bogus", "x"],
    ["--bogus-flag", "keygen"],
], ids=["unknown-command", "keygen-no-out", "keygen-out-no-value", "keygen-bad-flag",
        "bad-global-flag"])
def test_usage_errors_exit_2(workdir, args):
    r = modctl(*args)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip()


def test_no_command_is_usage_error():
    r = modctl()
    assert r.returncode == 2
    assert "usage" in (r.stdout + r.stderr).lower()


def test_help():
    r = modctl("help")
    assert r.returncode == 0
    assert "keygen" in r.stdout


def test_pubkey_json_has_the_yaml_entry_fields(workdir):
    key = os.path.join(workdir, "k")
    assert modctl("keygen", "--out", key).returncode == 0
    yaml_out = modctl("pubkey", "--key", key)
    json_out = modctl("--json", "pubkey", "--key", key)
    assert yaml_out.returncode == 0 and json_out.returncode == 0
    entry = {}
    for line in yaml_out.stdout.splitlines():
        k, _, v = line.lstrip("- ").partition(": ")
        entry[k] = v
    assert set(entry) == {"key_id", "public_key", "created_at"}
    assert json.loads(json_out.stdout) == entry
