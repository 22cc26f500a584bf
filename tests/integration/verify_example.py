#!/usr/bin/env python3
"""Checks a modgate comment's signature, as a site would (docs/signatures.md).

    python3 verify_example.py RECORD.json KEYS.json

RECORD.json is a comment record as the API returns it; KEYS.json is the body
of GET /v1/keys. Exit status: 0 the signature verifies, 1 it does not (or the
record is unsigned, or its key is unknown), 2 usage.

Needs only the standard library and the `cryptography` package
(Debian: python3-cryptography; pip: cryptography).
"""
import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# The members of the record that the signature covers, plus "v": 1.
SIGNED_FIELDS = ("id", "article_id", "author_id", "author_name", "body",
                 "parent_id", "created_at", "key_id")
# Covered too when the author edited the comment (revision above 1); a
# record never edited (revision 1, or no such member) is signed without.
EDIT_FIELDS = ("revision", "edited_at")


def signed_message(record):
    """The exact bytes modgate signed: RFC 8785 (JCS) of the signed object.
    For this object (strings, null and small integers) JCS is what json.dumps
    gives with sorted keys, no spaces and raw (not \\u-escaped) Unicode."""
    obj = {name: record[name] for name in SIGNED_FIELDS}
    if record.get("revision", 1) > 1:
        for name in EDIT_FIELDS:
            obj[name] = record[name]
    obj["v"] = 1
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return text.encode("utf-8")


def strict_b64(text, size):
    """Standard base64 with padding that decodes to exactly size bytes."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not %d bytes of canonical base64" % size)
    return raw


def find_key(keys, key_id):
    """The Ed25519 public key listed under key_id, checked against its id
    (the first 8 bytes of its SHA-256, in hex). None when not listed."""
    for k in keys.get("keys", []):
        if k.get("key_id") != key_id or k.get("algorithm") != "Ed25519":
            continue
        raw = strict_b64(k["public_key"], 32)
        if hashlib.sha256(raw).digest()[:8].hex() != key_id:
            raise ValueError("key %s: id does not match its public key"
                             % key_id)
        # A retired key still verifies what it signed while it was active.
        return Ed25519PublicKey.from_public_bytes(raw)
    return None


def verify(record, keys):
    """None when record's signature is valid, else why not."""
    if record.get("signature") is None or record.get("key_id") is None:
        return "the record is not signed (it was never published)"
    key = find_key(keys, record["key_id"])
    if key is None:
        return "unknown key_id %s" % record["key_id"]
    try:
        key.verify(strict_b64(record["signature"], 64),
                   signed_message(record))
    except InvalidSignature:
        return "bad signature"
    return None


def main(argv):
    if len(argv) != 3:
        print("usage: verify_example.py RECORD.json KEYS.json",
              file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            record = json.load(f)
        with open(argv[2], encoding="utf-8") as f:
            keys = json.load(f)
        problem = verify(record, keys)
    except (OSError, ValueError, KeyError, TypeError, AttributeError,
            UnicodeError, binascii.Error) as e:
        problem = "cannot check: %s" % e
    if problem:
        print("NOT VERIFIED: %s" % problem)
        return 1
    print("verified: comment %s signed by key %s"
          % (record["id"], record["key_id"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
