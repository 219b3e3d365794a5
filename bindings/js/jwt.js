// licmint/jwt: license tokens (FORMAT.md section 14), checked as Go's
// package verifier/licjwt checks them: an EdDSA JWT signed by a trusted
// key, whose claims must agree with the Activation Code it carries; the
// license is that code's, from the core verifier.
import { LicmintError } from './errors.js';
import { signatureChecker } from './ed25519.js';
import { checkJSONNames, dayStartMs, goQuote, parseActivationCode, serialString } from './formats.js';

/** MAX_TOKEN_LEN bounds a token, in bytes. */
export const MAX_TOKEN_LEN = 16 << 10;

// A refused token is 'bad_token', unless a sentinel Go's token error also
// wraps comes first in Go's order: unknown_key, bad_signature,
// install_mismatch, wrong_product.
const PRIORITY = ['unknown_key', 'bad_signature', 'install_mismatch', 'wrong_product'];
const bad = (msg, also = '') => new LicmintError(PRIORITY.includes(also) ? also : 'bad_token', 'license token: ' + msg);

function b64url(s, what) {
  // Strict, as Go's base64.RawURLEncoding.Strict(): no padding, and the
  // unused bits of the last symbol zero.
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw bad(`not a well-formed JWT: could not base64 decode ${what}`);
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const back = btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (back !== s) throw bad(`not a well-formed JWT: could not base64 decode ${what}`);
  return out;
}

// A member named twice would be read by a last-wins decoder as its last
// value, and one named in another case ("EXP") by Go's as that member:
// both are refused, in the header and the claims, before anything else
// is read from them (FORMAT.md section 14).
const HEADER_NAMES = ['alg', 'kid', 'typ', 'crit'];
const CLAIM_TYPES = {
  iss: 'string', sub: 'string', aud: 'aud', exp: 'date', nbf: 'date', iat: 'date', jti: 'string', product: 'string',
  edition: 'string', edition_number: 'uint8', features: 'strings', trial: 'boolean', install_bound: 'boolean', install_id_sha256: 'string',
  generation: 'uint8', serial: 'any', activation_code: 'string', customer: 'object',
};

function json(bytes, what, names) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return [v, checkJSONNames(text, (depth) => (depth === 1 ? names : null))];
  } catch (e) {
    throw bad(`not a well-formed JWT: could not JSON decode ${what}: ${e.message}`);
  }
}

// claims reads the claims of the table by their exact names; a claim
// that is null is absent, and one of the wrong type makes the token
// malformed, before its signature is checked. Times keep their JSON text.
function claims(obj, numbers) {
  const c = {};
  for (const [k, v] of Object.entries(obj)) {
    const type = CLAIM_TYPES[k];
    if (!Object.hasOwn(CLAIM_TYPES, k) || v === null) continue;
    const fail = () => {
      throw bad(`not a well-formed JWT: could not JSON decode claim: claim ${k} of the wrong type`);
    };
    const strings = (a) => Array.isArray(a) && a.every((x) => typeof x === 'string');
    if (type === 'aud') {
      if (typeof v === 'string') c.aud = [v];
      else if (strings(v)) c.aud = v;
      else fail();
    } else if (type === 'date') {
      if (typeof v !== 'number') fail();
      c[k] = { value: v, text: numbers[k] };
    } else if (type === 'uint8') {
      if (!Number.isInteger(v) || v < 0 || v > 255 || !/^\d+$/.test(numbers[k])) fail();
      c[k] = v;
    } else if (type === 'strings') {
      if (!strings(v)) fail();
    } else if (type === 'object') {
      if (typeof v !== 'object' || Array.isArray(v) || !strings(Object.values(v))) fail();
    } else if (type === 'any') {
      if (typeof v !== 'string' && typeof v !== 'number') throw bad(`claim serial is ${typeof v === 'boolean' ? 'bool' : 'map[string]interface {}'}, want a string of 14 digits`);
      c[k] = typeof v === 'number' ? { number: numbers[k] } : v;
    } else if (typeof v !== type) fail();
    else c[k] = v;
  }
  return c;
}

const checkers = new WeakMap(); // verifier -> Map(kid -> check)

/**
 * verifyToken checks a license token with the core verifier v (its keys,
 * product, catalog, clock and install id) and resolves to the license of
 * the Activation Code it carries; refusals are LicmintErrors of kind
 * 'bad_token', 'unknown_key', 'bad_signature', 'install_mismatch' or
 * 'wrong_product'.
 */
export async function verifyToken(v, token) {
  if (typeof token !== 'string') throw new TypeError('licmint: a token is a string');
  token = token.trim();
  const size = new TextEncoder().encode(token).length;
  if (size > MAX_TOKEN_LEN) throw bad(`${size} bytes, more than ${MAX_TOKEN_LEN}`);
  const parts = token.split('.');
  if (parts.length !== 3) throw bad('not a signed JWT (want three base64url parts separated by dots)');
  const [header] = json(b64url(parts[0], 'header'), 'header', HEADER_NAMES);
  const c = claims(...json(b64url(parts[1], 'claims'), 'claims', Object.keys(CLAIM_TYPES)));
  const sig = b64url(parts[2], 'signature');
  if (header.alg !== 'EdDSA') throw bad(`alg ${goQuote(String(header.alg))}: license tokens are signed with EdDSA only`);
  if (!('kid' in header)) throw bad('no kid in the header: it must name a trusted key id');
  const kid = header.kid;
  if (typeof kid !== 'string') throw bad(`kid ${JSON.stringify(kid)} is not a string`);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(kid) || +kid > 255) throw bad(`kid ${goQuote(kid)} is not a key id from 0 to 255`);
  const pub = v.publicKey(+kid);
  if (!pub) throw bad(`kid ${kid} is not a trusted key id`, 'unknown_key');
  if ('crit' in header) throw bad('crit header: no JWS extensions are supported');
  let byKid = checkers.get(v);
  if (!byKid) checkers.set(v, (byKid = new Map()));
  if (!byKid.has(kid)) {
    const prefer = ['node', 'webcrypto', 'noble'].includes(v.signatureCheck) ? v.signatureCheck : undefined;
    byKid.set(kid, (await signatureChecker(pub, prefer))[1]);
  }
  const signed = new TextEncoder().encode(parts[0] + '.' + parts[1]);
  if (!(await byKid.get(kid)(signed, sig))) {
    throw bad(`the signature does not verify with key id ${kid}: the token was altered or forged`, 'bad_signature');
  }
  const product = v.product;
  if (!c.exp) throw bad('no exp claim');
  if (!c.iat) throw bad('no iat claim');
  if (c.exp.value < c.iat.value) throw bad('exp is before iat');
  if (!(c.aud ?? []).includes(product)) throw bad(`audience ${JSON.stringify(c.aud ?? [])} does not include product ${product}`, 'wrong_product');
  if (!c.activation_code) throw bad('no activation_code claim');

  let l;
  try {
    l = await v.verify(c.activation_code);
  } catch (e) {
    if (e.kind === 'install_mismatch') throw e;
    throw bad(`activation_code claim: ${e.message}`, e.kind);
  }
  agree(c, l);
  return l;
}

// agree checks that the claims say what the Activation Code says.
function agree(c, l) {
  const serial = serialString(l.serial);
  const mismatch = (claim, got, want) => bad(`claim ${claim} is ${got} but the activation code says ${want}`);
  const missing = (claim) => bad(`no ${claim} claim`);
  if (l.perpetual) throw bad('activation_code claim: the code is perpetual, and a license token must expire (exp)');
  const secs = (day) => String(Math.floor(dayStartMs(day) / 1000));
  const code = parseActivationCode(c.activation_code);
  if (c.exp.text !== secs(code.expires)) throw mismatch('exp', c.exp.text, secs(code.expires));
  if (c.iat.text !== secs(code.issued)) throw mismatch('iat', c.iat.text, secs(code.issued));
  if (!c.nbf) throw missing('nbf');
  if (c.nbf.text !== secs(code.issued)) throw mismatch('nbf', c.nbf.text, secs(code.issued));
  if (!c.jti) throw missing('jti');
  if (c.jti !== code.short) throw mismatch('jti', goQuote(c.jti), goQuote(code.short));
  if (c.edition_number === undefined) throw missing('edition_number');
  if (c.edition_number !== l.editionNumber) throw mismatch('edition_number', c.edition_number, l.editionNumber);
  if (c.edition === undefined) throw missing('edition');
  // An edition the verifier's catalog does not name shows as its number:
  // the signer's name for it cannot be checked here.
  if (l.edition !== String(l.editionNumber) && c.edition !== l.edition) throw mismatch('edition', goQuote(c.edition), goQuote(l.edition));
  if (c.product !== undefined && c.product !== l.product) throw mismatch('product', c.product, l.product);
  if (c.trial !== undefined && c.trial !== l.trial) throw mismatch('trial', c.trial, l.trial);
  if (c.install_bound !== undefined && c.install_bound !== l.bound) throw mismatch('install_bound', c.install_bound, l.bound);
  if (c.generation !== undefined && c.generation !== l.generation) throw mismatch('generation', c.generation, l.generation);
  if (c.sub && c.sub !== serial) throw mismatch('sub', c.sub, serial);
  if (typeof c.serial === 'string' && c.serial !== serial) throw mismatch('serial', c.serial, serial);
  if (typeof c.serial === 'object' && c.serial.number !== String(l.serial)) throw mismatch('serial', c.serial.number, serial);
}
