// Checks a modgate comment's signature, as a site would (docs/signatures.md).
//
//     node verify_example.mjs RECORD.json KEYS.json
//
// RECORD.json is a comment record as the API returns it; KEYS.json is the
// body of GET /v1/keys. Exit status: 0 the signature verifies, 1 it does not
// (or the record is unsigned, or its key is unknown), 2 usage.
//
// Needs Node.js 16 or later and nothing but its built-in modules.
import crypto from 'node:crypto';
import fs from 'node:fs';

// The members of the record that the signature covers, plus "v": 1.
const SIGNED_FIELDS = ['id', 'article_id', 'author_id', 'author_name', 'body',
  'parent_id', 'created_at', 'key_id'];
// Covered too when the author edited the comment (revision above 1); a
// record never edited (revision 1, or no such member) is signed without.
const EDIT_FIELDS = ['revision', 'edited_at'];

// The exact bytes modgate signed: RFC 8785 (JCS) of the signed object. For
// this object (strings, null and small integers), JCS is JSON.stringify with
// the members inserted in sorted order: JSON.stringify adds no spaces,
// escapes only '"', '\' and U+0000..U+001F (\b \t \n \f \r short, the rest
// as \u00xx in lowercase), and leaves '/' and all other text as it is.
function signedMessage(record) {
  const names = [...SIGNED_FIELDS, 'v'];
  if ((record.revision ?? 1) > 1)
    names.push(...EDIT_FIELDS);
  const obj = {};
  for (const name of names.sort())
    obj[name] = name === 'v' ? 1 : record[name];
  return Buffer.from(JSON.stringify(obj), 'utf8');
}

// Standard base64 with padding that decodes to exactly size bytes.
// (Buffer.from(s, 'base64') skips bad characters, so check the round trip.)
function strictBase64(text, size) {
  const raw = Buffer.from(String(text), 'base64');
  if (raw.length !== size || raw.toString('base64') !== text)
    throw new Error(`not ${size} bytes of canonical base64`);
  return raw;
}

// The Ed25519 public key listed under keyId, checked against its id (the
// first 8 bytes of its SHA-256, in hex); null when not listed.
function findKey(keys, keyId) {
  for (const k of keys.keys ?? []) {
    if (k.key_id !== keyId || k.algorithm !== 'Ed25519')
      continue;
    const pub = strictBase64(k.public_key, 32);
    const id = crypto.createHash('sha256').update(pub).digest()
      .subarray(0, 8).toString('hex');
    if (id !== keyId)
      throw new Error(`key ${keyId}: id does not match its public key`);
    // A raw Ed25519 key wrapped in the fixed SPKI DER header (RFC 8410).
    // A retired key still verifies what it signed while it was active.
    return crypto.createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]),
      format: 'der',
      type: 'spki',
    });
  }
  return null;
}

// null when record's signature is valid, else why not.
function verify(record, keys) {
  if (record.signature == null || record.key_id == null)
    return 'the record is not signed (it was never published)';
  const key = findKey(keys, record.key_id);
  if (key === null)
    return `unknown key_id ${record.key_id}`;
  const sig = strictBase64(record.signature, 64);
  // Ed25519 takes no separate hash: the algorithm argument is null.
  return crypto.verify(null, signedMessage(record), key, sig)
    ? null : 'bad signature';
}

function main(args) {
  if (args.length !== 2) {
    console.error('usage: node verify_example.mjs RECORD.json KEYS.json');
    return 2;
  }
  let record;
  let problem;
  try {
    record = JSON.parse(fs.readFileSync(args[0], 'utf8'));
    const keys = JSON.parse(fs.readFileSync(args[1], 'utf8'));
    problem = verify(record, keys);
  } catch (e) {
    problem = `cannot check: ${e.message}`;
  }
  if (problem) {
    console.log(`NOT VERIFIED: ${problem}`);
    return 1;
  }
  console.log(`verified: comment ${record.id} signed by key ${record.key_id}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
