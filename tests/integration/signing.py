"""Independent signature checks for the tests: the signed message built from
docs/api.md's description alone, verified with python3-cryptography (not
libsodium, which the server uses)."""
import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNED_FIELDS = ("id", "article_id", "author_id", "author_name", "body",
                 "parent_id", "created_at", "key_id")


def signed_message(record):
    obj = {k: record[k] for k in SIGNED_FIELDS}
    if record.get("revision", 1) > 1:  # an edited record signs these too
        obj["revision"] = record["revision"]
        obj["edited_at"] = record["edited_at"]
    obj["v"] = 1
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def public_keys(keys_json):
    """{key_id: Ed25519PublicKey} from a GET /v1/keys body."""
    out = {}
    for k in keys_json["keys"]:
        raw = base64.b64decode(k["public_key"], validate=True)
        assert len(raw) == 32
        assert k["key_id"] == hashlib.sha256(raw).digest()[:8].hex()
        out[k["key_id"]] = Ed25519PublicKey.from_public_bytes(raw)
    return out


def verifies(record, keys):
    """True when record's signature is valid under keys[record.key_id]."""
    key = keys.get(record["key_id"])
    if key is None:
        return False
    try:
        sig = base64.b64decode(record["signature"], validate=True)
        key.verify(sig, signed_message(record))
        return True
    except (InvalidSignature, ValueError):
        return False
