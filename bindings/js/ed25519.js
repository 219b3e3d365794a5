// Ed25519 as the Go verifier checks it (FORMAT.md section 5): a trusted
// key must be a canonical encoding of a point of prime order L
// (formats.CheckPublicKey, FORMAT.md section 10.1), and a signature verifies as Go's
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
import { concat, hex as hexOf } from './formats.js';

// SPKI_PREFIX begins the DER of an Ed25519 public key (RFC 8410).
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (b) => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};

const keyHint = 'the key file was altered or holds no key made by licmint keygen: take the .pub.pem that keygen wrote';
const keyError = (kind, msg) => new LicmintError(kind, 'public key: ' + msg, { input: 'public key', hint: keyHint });


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
  // A key of small order lets anyone forge signatures; one with a
  // small-order component makes verifiers that check differently disagree.
  if (a.isSmallOrder() || !a.isTorsionFree()) {
    throw keyError('weak_key', `of ${a.isSmallOrder() ? 'small' : 'mixed'} order, not the prime order L; no key made by licmint keygen is`);
  }
  if (hexOf(c) !== hexOf(pub)) {
    const why = hexOf(c.subarray(0, 31)) === hexOf(pub.subarray(0, 31)) ? 'x is zero but its sign bit is set' : 'y is not reduced modulo 2^255-19';
    throw keyError('weak_key', `not canonically encoded (${why}); no key made by licmint keygen is`);
  }
}

const subtle = globalThis.crypto?.subtle;

const sha512 = async (...parts) => new Uint8Array(await subtle.digest('SHA-512', concat(...parts)));

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

/**
 * signatureChecker returns the check for one trusted key:
 * (message, signature) => Promise<boolean>, and the name of what does it:
 * 'node', 'webcrypto' or 'noble'. prefer forces one of them, or is an
 * object whose checker(pub) returns both (licmint/wasm's wasm).
 */
export async function signatureChecker(pub, prefer) {
  const [name, check] = await checker(pub, prefer);
  // R the identity (01 00 .. 00), of small order, is refused (FORMAT.md
  // section 5): for a key of prime order it is the only small-order R
  // that the equation can let through.
  return [name, (msg, sig) => !isIdentity(sig) && check(msg, sig)];
}

const isIdentity = (sig) => sig[0] === 1 && sig.subarray(1, 32).every((b) => b === 0);

async function checker(pub, prefer) {
  // An object with a checker method, as licmint/wasm exports, makes its own.
  if (typeof prefer?.checker === 'function') return prefer.checker(pub);
  const want = prefer ?? (nodeCrypto ? 'node' : 'webcrypto');
  if (want === 'node') {
    if (!nodeCrypto) throw new TypeError("licmint: signatureCheck 'node' needs Node.js");
    const key = nodeCrypto.createPublicKey({ key: concat(SPKI_PREFIX, pub), format: 'der', type: 'spki' });
    return ['node', async (msg, sig) => sig.length === 64 && nodeCrypto.verify(null, msg, key, sig)];
  }
  if (!subtle) throw new TypeError('licmint: needs WebCrypto (crypto.subtle): in a browser, a secure context (https or localhost)');
  if (want === 'webcrypto') {
    // A platform whose WebCrypto lacks Ed25519 refuses to import the key.
    const key = await subtle.importKey('raw', pub, 'Ed25519', false, ['verify']).catch(() => null);
    if (key) return ['webcrypto', async (msg, sig) => sig.length === 64 && subtle.verify('Ed25519', key, sig, msg)];
    if (prefer) throw new TypeError("licmint: signatureCheck 'webcrypto': this platform's WebCrypto has no Ed25519");
  } else if (want !== 'noble') {
    throw new TypeError(`licmint: signatureCheck ${JSON.stringify(want)}: want 'node', 'webcrypto' or 'noble'`);
  }
  return ['noble', (msg, sig) => verifyNoble(pub, msg, sig)];
}

/** sha256Hex returns the SHA-256 of b in lower-case hex. */
export async function sha256Hex(b) {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(b).digest('hex');
  return hexOf(new Uint8Array(await subtle.digest('SHA-256', b)));
}
