// licmint/keys: key files (FORMAT.md section 10), read and written as Go's
// package formats/keyring does: public key files ("key-id: N" and a PEM
// block of an Ed25519 SubjectPublicKeyInfo), keyrings of several, and JWK
// Sets; every key checked as checkPublicKey does. The keys it returns go
// straight to Verifier.create.
import { LicmintError } from './errors.js';
import { checkPublicKey } from './ed25519.js';
import { checkJSONNames, concat, decodeUTF8, encodeUTF8, goQuote } from './formats.js';

const MAX_FILE_SIZE = 1 << 20;
const SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const fail = (msg, kind = 'invalid') => new LicmintError(kind, 'keyring: ' + msg);

const b64 = (b) => btoa(String.fromCharCode(...b));
function unb64(s, url) {
  const std = url ? s.replace(/-/g, '+').replace(/_/g, '/') : s;
  const bin = atob(std);
  const b = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  // Strict, as Go's decoders: what decodes must encode back the same.
  const back = url ? b64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : b64(b);
  if (back !== s) throw new Error('not canonical base64');
  return b;
}

function keyring(keys) {
  if (keys.length === 0) throw fail('no keys');
  const ids = new Set();
  for (const k of keys) {
    if (ids.has(k.id)) throw fail(`key id ${k.id} appears twice`);
    ids.add(k.id);
  }
  return keys.sort((a, b) => a.id - b.id);
}

function checked(pub, where) {
  try {
    checkPublicKey(pub);
  } catch (e) {
    throw fail(`${where}: ${e.message}`);
  }
  return pub;
}

/**
 * parseKeyring reads a public key file, a keyring of several or a JWK Set
 * (or one JWK) and returns its keys, [{id, publicKey}], by id. Errors are
 * LicmintErrors of kind 'no_key_id' (a PEM block without a key-id line
 * before it) or 'invalid'.
 */
export function parseKeyring(input) {
  const text = typeof input === 'string' ? input : decodeUTF8(input);
  const size = encodeUTF8(text).length;
  if (size > MAX_FILE_SIZE) throw fail(`${size} bytes, more than ${MAX_FILE_SIZE}`);
  if (text.trim().startsWith('{')) {
    // JSON text is UTF-8 (FORMAT.md section 1): no byte read as U+FFFD.
    if (typeof input !== 'string') {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(input);
      } catch {
        throw fail('not UTF-8');
      }
    }
    return parseJWKS(text.trim());
  }
  // PEM is read line by line, exactly (FORMAT.md section 10): a damaged
  // block is an error, never skipped as text.
  const keys = [];
  const lines = text.split(/\r?\n/).map((l) => l.replace(/[ \t]+$/, ''));
  let id = null; // the value of the last key-id line since the last block
  for (let i = 0, n = 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('-----BEGIN')) {
      const where = `PEM block ${n++} (line ${i + 1})`;
      if (l !== '-----BEGIN PUBLIC KEY-----') {
        const hint = l.includes('PRIVATE') ? '; this is a private key: give the public key (.pub.pem) instead' : '';
        throw fail(`${where}: ${goQuote(l)}, want "-----BEGIN PUBLIC KEY-----"${hint}`);
      }
      let body = '';
      for (i++; lines[i] !== '-----END PUBLIC KEY-----'; i++) {
        if (i >= lines.length) throw fail(`${where}: no "-----END PUBLIC KEY-----" line`);
        if (!/^[A-Za-z0-9+/=]+$/.test(lines[i])) throw fail(`${where}: line ${i + 1}: want base64 only (no headers, blank lines or spaces) up to the END line`);
        body += lines[i];
      }
      if (id === null) throw fail(`${where}: no key-id line before it (write "key-id: N" on the line above -----BEGIN)`, 'no_key_id');
      if (!/^[0-9]+$/.test(id) || +id > 255) throw fail(`${where}: key-id ${goQuote(id)}: want a number from 0 to 255`);
      let der;
      try {
        der = unb64(body, false);
      } catch {
        throw fail(`${where}: the PEM body is not base64`);
      }
      if (der.length !== 44 || SPKI_PREFIX.some((b, i) => der[i] !== b)) {
        throw fail(`${where}: not an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410)`);
      }
      keys.push({ id: +id, publicKey: checked(der.slice(12), where) });
      id = null;
    } else if (l.startsWith('-----END')) {
      throw fail(`line ${i + 1}: ${goQuote(l)} outside a PEM block`);
    } else if (/^[ \t]*key-id:/.test(l)) id = l.replace(/^[ \t]*key-id:[ \t]*/, '');
  }
  if (keys.length === 0) throw fail('no PEM block and no JSON: want a .pub.pem file, PEM blocks or a JWK Set');
  return keyring(keys);
}

function parseJWKS(text) {
  let doc;
  try {
    doc = JSON.parse(text);
    checkJSONNames(text, () => ['keys', 'kty', 'crv', 'x', 'kid', 'alg', 'use', 'd']);
  } catch (e) {
    throw fail(`JSON: ${e.message}`);
  }
  const raw = doc?.keys ?? null;
  if (raw !== null && !Array.isArray(raw)) throw fail('JSON: keys: want an array');
  const list = raw ?? [doc];
  return keyring(list.map((j, i) => {
    const where = `JWK ${i + 1}`;
    const str = (k) => {
      const v = j?.[k];
      if (v !== undefined && v !== null && typeof v !== 'string') throw fail(`${where}: ${k}: want a string`);
      return v ?? '';
    };
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw fail(`${where}: want an object`);
    const [kty, crv, x, kid] = ['kty', 'crv', 'x', 'kid'].map(str);
    if ('d' in j) throw fail(`${where}: has a private part ("d"): give the public key only`);
    if (kty !== 'OKP' || crv !== 'Ed25519') throw fail(`${where}: kty ${goQuote(kty)} crv ${goQuote(crv)}, want OKP and Ed25519`);
    // alg and use may be left out, but not be null or anything else.
    if ('alg' in j && j.alg !== 'EdDSA') throw fail(`${where}: alg ${JSON.stringify(j.alg)}, want "EdDSA"`);
    if ('use' in j && j.use !== 'sig') throw fail(`${where}: use ${JSON.stringify(j.use)}, want "sig"`);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(kid) || +kid > 255) throw fail(`${where}: kid ${goQuote(kid)}: want a key id from 0 to 255 in decimal`);
    let pub = null;
    try {
      pub = unb64(x, true);
    } catch {}
    if (!pub || pub.length !== 32) throw fail(`${where}: "x" is not 32 bytes of unpadded base64url`);
    return { id: +kid, publicKey: checked(pub, where) };
  }));
}

/** keyringPEM writes keys as public key files, one after another, as Go's Keyring.AppendPEM. */
export function keyringPEM(keys) {
  return keyring([...keys]).map((k) => {
    const body = b64(concat(Uint8Array.from(SPKI_PREFIX), k.publicKey)).replace(/.{1,64}/g, '$&\n');
    return `key-id: ${k.id}\n-----BEGIN PUBLIC KEY-----\n${body}-----END PUBLIC KEY-----\n`;
  }).join('');
}

/** keyringJWKS writes keys as a JWK Set, as Go's Keyring.MarshalJWKS. */
export function keyringJWKS(keys) {
  const x = (k) => b64(k.publicKey).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return JSON.stringify({ keys: keyring([...keys]).map((k) => ({ kty: 'OKP', crv: 'Ed25519', x: x(k), kid: String(k.id), alg: 'EdDSA', use: 'sig' })) }, null, 2);
}
