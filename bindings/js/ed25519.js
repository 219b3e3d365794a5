// Ed25519 as the Go verifier checks it (FORMAT.md section 5): a trusted
// key must be a canonical encoding of a point not of small order
// (formats.CheckPublicKey), and a signature verifies as Go's
// crypto/ed25519.Verify decides: S < L, and the encoding of [S]B - [k]A
// equal to R's bytes (cofactorless; k = SHA-512(R || A || M) mod L).
//
// The check is the platform's own where it has one: Node's crypto.verify
// (OpenSSL, synchronous and the fastest in Node), else WebCrypto's
// Ed25519 (browsers, Deno); both answer as Go's for every key the first
// rule lets in (the vector tests hold them to it). Elsewhere it is
// computed here with @noble/ed25519's point arithmetic: not noble's own
// verify, which is cofactored and so accepts signatures Go refuses.
import { Point } from '@noble/ed25519';
import { LicmintError } from './errors.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le = (b) => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};

const keyHint = 'the key file was altered or holds no key made by licmint keygen: take the .pub.pem that keygen wrote';
const keyError = (kind, msg) => new LicmintError(kind, 'public key: ' + msg, { input: 'public key', hint: keyHint });

// The canonical encodings of the eight points of small order, as Go's
// formats.smallOrder lists them.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];
const hexOf = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * checkPublicKey throws a LicmintError ('malformed' or 'weak_key') unless
 * pub may be trusted as a signing key, as Go's formats.CheckPublicKey.
 */
export function checkPublicKey(pub) {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) {
    throw keyError('malformed', `${pub?.length ?? 0} bytes, want 32 (an Ed25519 public key)`);
  }
  let a;
  try {
    // ZIP-215 decoding takes what Go's edwards25519 SetBytes takes: y
    // unreduced, and x = 0 with the sign bit set.
    a = Point.fromBytes(pub, true);
  } catch {
    throw keyError('malformed', 'not a point on the Ed25519 curve');
  }
  const c = a.toBytes();
  if (SMALL_ORDER.includes(hexOf(c))) {
    throw keyError('weak_key', 'of small order ([8]A is the identity): anyone can forge signatures that verify under it; no key made by licmint keygen is');
  }
  if (hexOf(c) !== hexOf(pub)) {
    const why = hexOf(c.subarray(0, 31)) === hexOf(pub.subarray(0, 31)) ? 'x is zero but its sign bit is set' : 'y is not reduced modulo 2^255-19';
    throw keyError('weak_key', `not canonically encoded (${why}); no key made by licmint keygen is`);
  }
}

const subtle = globalThis.crypto?.subtle;

async function sha512(...parts) {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const b = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    b.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await subtle.digest('SHA-512', b));
}

/** verifyNoble is Go's crypto/ed25519.Verify in JavaScript, for a key checkPublicKey accepts. */
export async function verifyNoble(pub, msg, sig) {
  if (sig.length !== 64) return false;
  const s = le(sig.subarray(32));
  if (s >= L) return false;
  const A = Point.fromBytes(pub, false);
  const k = le(await sha512(sig.subarray(0, 32), pub, msg)) % L;
  const R = Point.BASE.multiply(s, false).subtract(A.multiply(k, false)).toBytes();
  return hexOf(R) === hexOf(sig.subarray(0, 32));
}

// nodeCrypto is Node's crypto module, reached without an import statement
// so that browsers and bundlers never see it.
const nodeCrypto = globalThis.process?.getBuiltinModule?.('node:crypto');

let webcrypto; // a Promise: does WebCrypto here verify Ed25519?
async function hasWebCryptoEd25519() {
  try {
    const k = await subtle.importKey('raw', unhexed(RFC8032_TEST1_PUB), 'Ed25519', false, ['verify']);
    return await subtle.verify('Ed25519', k, unhexed(RFC8032_TEST1_SIG), new Uint8Array(0));
  } catch {
    return false;
  }
}
const RFC8032_TEST1_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC8032_TEST1_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
const unhexed = (s) => Uint8Array.from(s.match(/../g), (x) => parseInt(x, 16));

/**
 * signatureChecker returns the check for one trusted key:
 * (message, signature) => Promise<boolean>, and the name of what does it:
 * 'node', 'webcrypto' or 'noble'. prefer forces one of them.
 */
export async function signatureChecker(pub, prefer) {
  const want = prefer ?? (nodeCrypto ? 'node' : 'webcrypto');
  if (want === 'node') {
    if (!nodeCrypto) throw new TypeError("licmint: signatureCheck 'node' needs Node.js");
    const key = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) }, format: 'jwk' });
    return ['node', async (msg, sig) => sig.length === 64 && nodeCrypto.verify(null, msg, key, sig)];
  }
  if (!subtle) throw new TypeError('licmint: needs WebCrypto (crypto.subtle): in a browser, a secure context (https or localhost)');
  if (want === 'webcrypto') {
    webcrypto ??= hasWebCryptoEd25519();
    if (await webcrypto) {
      const key = await subtle.importKey('raw', pub, 'Ed25519', false, ['verify']);
      return ['webcrypto', async (msg, sig) => sig.length === 64 && subtle.verify('Ed25519', key, sig, msg)];
    }
    if (prefer) throw new TypeError("licmint: signatureCheck 'webcrypto': this platform's WebCrypto has no Ed25519");
  } else if (want !== 'noble') {
    throw new TypeError(`licmint: signatureCheck ${JSON.stringify(want)}: want 'node', 'webcrypto' or 'noble'`);
  }
  return ['noble', (msg, sig) => verifyNoble(pub, msg, sig)];
}

function b64url(b) {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** sha256Hex returns the SHA-256 of b in lower-case hex. */
export async function sha256Hex(b) {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(b).digest('hex');
  return hexOf(new Uint8Array(await subtle.digest('SHA-256', b)));
}
