// licmint/formats: the bit-level codecs of FORMAT.md, as Go's package formats has them:
// Activation Codes, reset codes and Registration Keys in Crockford base32
// (or digits), their CRC-30 and Damm checks with the typo locator, days,
// install ids, revocation lists and renewal requests. Every parser reads
// the input's UTF-8 bytes, so positions, lengths and messages are Go's.
import { LicmintError, formatError } from './errors.js';

export const MAX_INPUT_LEN = 1024;
export const MAX_INSTALL_ID_LEN = 255;
export const MAX_SERIAL = 99_999_999_999_999;
export const PERPETUAL = 0xffff;
export const MAX_DAY = PERPETUAL - 1;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const INVALID = 0xff;
const SEPARATOR = 0xfe;
const SYMBOL = new Uint8Array(256).fill(INVALID);
for (let v = 0; v < 32; v++) {
  const c = ALPHABET.charCodeAt(v);
  SYMBOL[c] = v;
  if (c >= 65) SYMBOL[c + 32] = v;
}
for (const [c, v] of [['O', 0], ['o', 0], ['I', 1], ['i', 1], ['L', 1], ['l', 1]]) SYMBOL[c.charCodeAt(0)] = v;
for (const c of ' \t\r\n-') SYMBOL[c.charCodeAt(0)] = SEPARATOR;
const ALPHA = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

const utf8 = new TextEncoder();
const enc = (s) => utf8.encode(s);
export const encodeUTF8 = enc;
export const decodeUTF8 = (b) => new TextDecoder().decode(b);

// bytesOf returns the UTF-8 bytes of a string, or the bytes given.
export function bytesOf(s) {
  if (s instanceof Uint8Array) return s;
  if (typeof s !== 'string') throw new TypeError('licmint: want a string or a Uint8Array');
  return enc(s);
}

// CRC-30/CDMA (FORMAT.md section 3.2): polynomial 0x2030B9C7, initial
// value and final XOR 0x3FFFFFFF, no reflection.
const CRC_MASK = 0x3fffffff;
const CRC_INIT = CRC_MASK;
const CRC_TABLE = new Uint32Array(256);
const CRC_INV_LOW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = i << 22;
  for (let k = 0; k < 8; k++) r = r & (1 << 29) ? ((r << 1) ^ 0x2030b9c7) & CRC_MASK : (r << 1) & CRC_MASK;
  CRC_TABLE[i] = r;
  CRC_INV_LOW[r & 0xff] = i;
}
const crcByte = (reg, b) => ((reg << 8) & CRC_MASK) ^ CRC_TABLE[((reg >>> 22) ^ b) & 0xff];
function crcUpdate(reg, bytes, from = 0, to = bytes.length) {
  for (let i = from; i < to; i++) reg = crcByte(reg, bytes[i]);
  return reg;
}
const crcSum = (reg) => (reg ^ CRC_MASK) >>> 0;
const crcZero = (reg) => ((reg << 8) & CRC_MASK) ^ CRC_TABLE[(reg >>> 22) & 0xff];
const crcUnstep = (reg) => {
  const t = CRC_INV_LOW[reg & 0xff];
  return ((reg ^ CRC_TABLE[t]) >>> 8) | (t << 22);
};
// crcSymbols feeds the canonical characters of symbol values.
function crcSymbols(reg, syms, from, to) {
  for (let i = from; i < to; i++) reg = crcByte(reg, ALPHA[syms[i]]);
  return reg;
}
function checkValue(syms, at) {
  let v = 0;
  for (let i = at; i < at + 6; i++) v = v * 32 + syms[i];
  return v;
}

// packSymbols writes 5-bit values, most significant bit first.
function packSymbols(syms, from, to, size) {
  const out = new Uint8Array(size);
  let acc = 0, n = 0, j = 0;
  for (let i = from; i < to; i++) {
    acc = ((acc << 5) | syms[i]) & 0xffff;
    n += 5;
    if (n >= 8) {
      n -= 8;
      out[j++] = (acc >> n) & 0xff;
    }
  }
  if (n > 0) out[j] = (acc << (8 - n)) & 0xff;
  return out;
}

// bits reads n bits (n <= 48) of b from bit offset at, most significant first.
function bits(b, at, n) {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 2 + ((b[i >> 3] >> (7 - (i & 7))) & 1);
  return v;
}

export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export function unhex(s) {
  if (s.length % 2 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError('licmint: not hexadecimal');
  return Uint8Array.from(s.match(/../g) ?? [], (x) => parseInt(x, 16));
}
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// quoteByte shows an input byte as Go's %q of a rune does, or its value.
export function quoteByte(c) {
  if (c >= 0x20 && c < 0x7f) return c === 0x27 ? "'\\''" : c === 0x5c ? "'\\\\'" : `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

// goQuote is Go's %q of a string, for the ASCII it escapes.
export function goQuote(s) {
  const esc = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  return '"' + s.replace(/["\\\x00-\x1f\x7f]/g, (c) => esc[c] ?? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"';
}

function lineColumn(s, off) {
  let line = 1, col = 1;
  for (let i = 0; i < off && i < s.length; i++) {
    if (s[i] === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return [line, col];
}

// foldName maps a JSON member name as Go's encoding/json matches names:
// A-Z to a-z, U+017F to s, U+212A to k (FORMAT.md section 1).
const foldName = (s) => s.replace(/[A-Z\u017f\u212a]/g, (c) => (c === '\u017f' ? 's' : c === '\u212a' ? 'k' : c.toLowerCase()));

/**
 * checkJSONNames throws an Error unless, in the JSON text (already
 * parsed, so well formed), no object repeats a member name, and no member
 * of an object at a depth where known(depth) lists names has a name
 * other than one of them that folds to one of them. It returns the JSON
 * text of the top-level members whose values are numbers, by name.
 */
export function checkJSONNames(text, known) {
  const stack = [];
  const numbers = {};
  let key = false, name = '';
  for (const [t] of text.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\],:]|-?\d[\d.eE+-]*/g)) {
    const top = stack.at(-1);
    if (t === '{' || t === '[') {
      stack.push(t === '{' ? new Set() : null);
      key = t === '{';
    } else if (t === '}' || t === ']') stack.pop();
    else if (t === ',') key = !!top;
    else if (t === ':') key = false;
    else if (key) {
      name = JSON.parse(t);
      if (top.has(name)) throw new Error(`member ${goQuote(name)} appears twice`);
      top.add(name);
      const names = known(stack.length) ?? [];
      if (!names.includes(name) && names.includes(foldName(name))) throw new Error(`member ${goQuote(name)}: names are matched exactly; did you mean ${goQuote(foldName(name))}?`);
    } else if (stack.length === 1 && top && t[0] !== '"') numbers[name] = t;
  }
  return numbers;
}

const isLetter = (c) => (c | 0x20) >= 97 && (c | 0x20) <= 122;
const upper = (c) => c & ~0x20;

// Days (FORMAT.md section 3.1) count from 2020-01-01, UTC.
export const EPOCH_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 86400000;
const dayStrings = new Map(); // every verify names two days; formatting one costs more than the rest of parsing
/** dayString returns a day number as YYYY-MM-DD, or 'perpetual'. */
export function dayString(d) {
  if (d === PERPETUAL) return 'perpetual';
  let s = dayStrings.get(d);
  if (s === undefined) {
    s = new Date(EPOCH_MS + d * DAY_MS).toISOString().slice(0, 10);
    if (dayStrings.size < 4096) dayStrings.set(d, s);
  }
  return s;
}
// dayOfMs returns the (unbounded) day number of a time in milliseconds.
export const dayOfMs = (ms) => Math.floor((ms - EPOCH_MS) / DAY_MS);
export const dayStartMs = (d) => EPOCH_MS + d * DAY_MS;

// parseDate reads YYYY-MM-DD as Go's time.Parse(time.DateOnly) does; null if not.
export function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const d = new Date(t);
  if (+m[1] < 100) d.setUTCFullYear(+m[1]);
  if (d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return null;
  return d.getTime();
}

// parseRFC3339 reads a time in the one grammar of FORMAT.md section 1
// (Go's formats.ParseTime): YYYY-MM-DDTHH:MM:SS, an optional fraction,
// then Z or +HH:MM / -HH:MM; it returns milliseconds, truncated to the
// second, or null.
export function parseRFC3339(s) {
  const m = s.length < 65 && /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|([+-])(\d\d):(\d\d))$/.exec(s);
  const day = m ? parseDate(m[1]) : null;
  if (day === null || m[2] > 23 || m[3] > 59 || m[4] > 59 || m[7] > 23 || m[8] > 59) return null;
  return day + ((m[2] * 60 + +m[3]) * 60 + +m[4]) * 1000 - (m[6] ? (m[6] + 1) * (m[7] * 60 + +m[8]) * 60000 : 0);
}

// formatRFC3339 writes a UTC time to the second, as Go's time.RFC3339.
export function formatRFC3339(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** checkProduct returns a product code in upper case, or throws. */
export function parseProduct(s) {
  if (typeof s !== 'string' || s.length !== 2 || !isLetter(s.charCodeAt(0)) || !isLetter(s.charCodeAt(1))) {
    throw new LicmintError('invalid', `product code ${goQuote(String(s))}: want two letters A-Z, such as PC`);
  }
  return s.toUpperCase();
}

const isSpaceOrLineEnd = (c) => c === 32 || c === 9 || c === 13 || c === 10;

/** checkInstallID returns an error message if id cannot bind a code, else ''. */
export function checkInstallID(id) {
  const b = enc(id);
  if (b.length === 0 || b.length > MAX_INSTALL_ID_LEN) {
    return `install id is ${b.length} bytes; an install-bound code needs 1 to ${MAX_INSTALL_ID_LEN}`;
  }
  if (isSpaceOrLineEnd(b[0]) || isSpaceOrLineEnd(b[b.length - 1])) {
    return `install id ${goQuote(id)} begins or ends with white space, which copying could lose; products must pass it trimmed`;
  }
  if (b.includes(0)) return 'install id contains a NUL byte, which a C string cannot carry';
  return '';
}

// The text forms (FORMAT.md sections 3, 4 and 16): symbol counts, where
// each CRC check ends, and the group and character of each symbol.
const HEADER_SYMBOLS = 23;
const SIG_SYMBOLS = 103;
export const SHORT_SYMBOLS = HEADER_SYMBOLS + 6;
export const SIGNED_SYMBOLS = SHORT_SYMBOLS + SIG_SYMBOLS + 6;
const RESET_HEADER_SYMBOLS = 16;
const RESET_SYMBOLS = RESET_HEADER_SYMBOLS + SIG_SYMBOLS + 6;
const RESET_LEN = 2 + RESET_SYMBOLS + RESET_SYMBOLS / 5;
const SIGNED_LEN = 2 + 1 + SIGNED_SYMBOLS + Math.floor(SIGNED_SYMBOLS / 5);
const SHORT_LEN = 2 + SHORT_SYMBOLS + 6;

const acPosition = (n) => (n < 0 ? [1, n + 3] : n < 4 ? [2, n + 1] : [3 + Math.floor((n - 4) / 5), ((n - 4) % 5) + 1]);
const resetPosition = (n) => (n < 0 ? [1, n + 3] : [2 + Math.floor(n / 5), (n % 5) + 1]);
const AC = 'activation code';
const RESET = 'reset code';
const acShort = { kind: AC, a: 'an activation code', longest: SIGNED_SYMBOLS, checks: [HEADER_SYMBOLS - 1], position: acPosition };
const acSigned = { ...acShort, checks: [HEADER_SYMBOLS - 1, SHORT_SYMBOLS + SIG_SYMBOLS - 1] };
const resetForm = { kind: RESET, a: 'a reset code', longest: RESET_SYMBOLS, checks: [RESET_HEADER_SYMBOLS + SIG_SYMBOLS - 1], position: resetPosition };

function charError(s, off, n, f, msg, hint) {
  const [g, c] = f.position(n);
  const [l, col] = lineColumn(s, off);
  return formatError(f.kind, 'malformed', msg, hint, g, c, l, col);
}

// scanSymbols reads the product code and the symbols after it, skipping
// separators; it returns [product, symbol values].
function scanSymbols(s, f) {
  const syms = new Uint8Array(SIGNED_SYMBOLS);
  let p = '';
  let n = -2;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const v = SYMBOL[ch];
    if (v === SEPARATOR) continue;
    if (n < 0) {
      if (!isLetter(ch)) throw charError(s, i, n, f, `${quoteByte(ch)}: ${f.a} starts with the two-letter product code`, '');
      p += String.fromCharCode(upper(ch));
    } else if (v === INVALID) {
      const hint = ch === 85 || ch === 117 ? `U is never used in ${f.a}: check the original` : `${f.kind}s use digits and the letters A-Z except I, L, O and U`;
      throw charError(s, i, n, f, `${quoteByte(ch)} is not a base32 symbol`, hint);
    } else if (n >= SIGNED_SYMBOLS) {
      throw charError(s, i, n, f, `more than ${f.longest} symbols`, 'is there more than one code, or other text, in the input?');
    } else syms[n] = v;
    n++;
  }
  return [p, syms.subarray(0, Math.max(n, 0))];
}

// wrongProduct locates a code for another product at its first letter.
function wrongProduct(s, kind, what, a, p, product) {
  let i = 0;
  while (SYMBOL[s[i]] === SEPARATOR) i++;
  return formatError(kind, 'wrong_product', `this ${what} is for product ${p}, not ${product}`, `give ${a} for ${product}`, 1, 1, ...lineColumn(s, i));
}

const productBytes = (p) => [p.charCodeAt(0), p.charCodeAt(1)];

function checksPass(p, syms, checks) {
  let reg = crcUpdate(CRC_INIT, productBytes(p));
  let from = 0;
  for (const last of checks) {
    reg = crcSymbols(reg, syms, from, last + 1);
    if (crcSum(reg) !== checkValue(syms, last + 1)) return false;
    from = last + 1;
  }
  return true;
}

// The typo locator, as Go's locateTypo: the syndrome of each check, run
// back through the CRC to each symbol, tells in a few operations whether a
// one-symbol change or a swap of neighbours makes every check pass.
function locateTypo(p, syms, checks) {
  const sy = checks.map((last, k) => ({ last, syn: 0, back: new Uint32Array(syms.length) }));
  let reg = crcUpdate(CRC_INIT, productBytes(p));
  let from = 0;
  for (const c of sy) {
    reg = crcSymbols(reg, syms, from, c.last + 1);
    c.syn = (crcSum(reg) ^ checkValue(syms, c.last + 1)) >>> 0;
    let syn = c.syn;
    for (let i = c.last; i >= 0; i--) {
      c.back[i] = syn;
      syn = crcUnstep(syn);
    }
    from = c.last + 1;
  }
  const substitute = (i, orig) => {
    for (const c of sy) {
      if (i <= c.last) {
        const d = CRC_INV_LOW[c.back[i] & 0xff];
        const v = SYMBOL[ALPHA[orig] ^ d];
        return [v, d !== 0 && v < 32 && ALPHA[v] === (ALPHA[orig] ^ d)];
      }
      if (i <= c.last + 6) {
        const d = (c.syn >>> (25 - 5 * (i - c.last - 1))) & 31;
        return [orig ^ d, d !== 0];
      }
    }
    return [0, false];
  };
  const cancels = (c, pos, olds, news) => {
    let crcDiff = 0, checkDiff = 0, end = -1;
    for (let j = 0; j < olds.length; j++) {
      const k = pos + j;
      if (k <= c.last) {
        crcDiff = crcZero(crcDiff) ^ CRC_TABLE[ALPHA[olds[j]] ^ ALPHA[news[j]]];
        end = k;
      } else if (k <= c.last + 6) {
        checkDiff = (checkDiff ^ ((olds[j] ^ news[j]) << (25 - 5 * (k - c.last - 1)))) >>> 0;
      }
    }
    if (end < 0) return checkDiff === c.syn;
    if (checkDiff !== 0) return end === c.last && ((crcDiff ^ checkDiff) >>> 0) === c.syn;
    return crcDiff === c.back[end];
  };
  const cancelledBy = (pos, olds, news) => sy.every((c) => cancels(c, pos, olds, news));
  let hits = 0, pos = 0, fix = '';
  const hit = (at, desc) => {
    if (++hits === 1) [pos, fix] = [at, desc];
  };
  const ch = (v) => quoteByte(ALPHA[v]);
  for (let i = 0; i < syms.length; i++) {
    const orig = syms[i];
    const [v, ok] = substitute(i, orig);
    if (ok && cancelledBy(i, [orig], [v])) hit(i, `perhaps ${ch(orig)} should be ${ch(v)}`);
  }
  for (let i = 0; i + 1 < syms.length; i++) {
    const a = syms[i], b = syms[i + 1];
    if (a !== b && cancelledBy(i, [a, b], [b, a])) hit(i, `perhaps ${ch(a)} and ${ch(b)} are swapped`);
  }
  for (let j = 0; j < 2; j++) {
    for (let c = 65; c <= 90; c++) {
      const q = j === 0 ? String.fromCharCode(c) + p[1] : p[0] + String.fromCharCode(c);
      if (c !== p.charCodeAt(j) && checksPass(q, syms, checks)) {
        hit(j - 2, `perhaps product letter ${quoteByte(p.charCodeAt(j))} should be ${quoteByte(c)}`);
      }
    }
  }
  return hits === 1 ? [pos, fix] : null;
}

function symbolOffset(s, n) {
  let k = -2;
  for (let i = 0; i < s.length; i++) {
    if (SYMBOL[s[i]] === SEPARATOR) continue;
    if (k === n) return i;
    k++;
  }
  return -1;
}

function typoError(s, p, syms, f) {
  const hint = 'a character is probably mistyped, or two swapped; compare the code with the original';
  const found = locateTypo(p, syms, f.checks);
  if (!found) return formatError(f.kind, 'typo', 'check symbols do not match', hint);
  const [g, c] = f.position(found[0]);
  const off = symbolOffset(s, found[0]);
  const [l, col] = off >= 0 ? lineColumn(s, off) : [0, 0];
  return formatError(f.kind, 'typo', 'check symbols do not match: ' + found[1], hint, g, c, l, col);
}

function tooLong(s, kind, hint) {
  return formatError(kind, 'malformed', `input is ${s.length} bytes, more than ${MAX_INPUT_LEN}`, hint);
}

function canonical(p, syms, first) {
  let out = p;
  for (let i = 0; i < syms.length; ) {
    const n = i === 0 ? first : 5;
    out += '-' + Array.from(syms.subarray(i, i + n), (v) => ALPHABET[v]).join('');
    i += n;
  }
  return out;
}

const CONTEXT_AC = enc('licmint/activation-code/v1\0');
const CONTEXT_RESET = enc('licmint/reset-code/v1\0');
const NOT_OURS = 'this code was not made by a licmint encoder';

/**
 * parseActivationCode decodes an Activation Code without checking its
 * signature, as Go's formats.ParseSigned (signed true) or
 * ParseActivationCode; product '' accepts any.
 */
export function parseActivationCode(input, { signed = true, product = '' } = {}) {
  const s = bytesOf(input);
  if (s.length > MAX_INPUT_LEN) throw tooLong(s, AC, 'give one activation code');
  const [p, syms] = scanSymbols(s, acSigned);
  const n = syms.length;
  let isSigned = false;
  if (n === SHORT_SYMBOLS) {
    if (signed) {
      throw formatError(AC, 'unsigned', `this is the ${SHORT_LEN}-character short form, without the signature`, `give the whole ${SIGNED_LEN}-character code`);
    }
  } else if (n === SIGNED_SYMBOLS) isSigned = true;
  else {
    let hint = 'check that the whole code was copied';
    if (n === SHORT_SYMBOLS - 1 || n === SIGNED_SYMBOLS - 1) hint = 'one character is missing';
    if (n === SHORT_SYMBOLS + 1 || n === SIGNED_SYMBOLS + 1) hint = 'one character too many';
    throw formatError(AC, 'malformed', `${n} symbols after the product code; a short code has ${SHORT_SYMBOLS}, a signed code ${SIGNED_SYMBOLS}`, hint);
  }
  const form = isSigned ? acSigned : acShort;
  if (!checksPass(p, syms, form.checks)) throw typoError(s, p, syms, form);

  const hb = packSymbols(syms, 0, HEADER_SYMBOLS, 15);
  const c = {
    product: p,
    version: bits(hb, 0, 4),
    keyId: bits(hb, 4, 8),
    edition: bits(hb, 12, 8),
    trial: bits(hb, 20, 1) === 1,
    bound: bits(hb, 21, 1) === 1,
    generation: bits(hb, 22, 8),
    issued: bits(hb, 30, 16),
    expires: bits(hb, 46, 16),
    serial: bits(hb, 62, 47),
    signed: isSigned,
    header: hb,
    signature: null,
    // The text forms are made when asked for: verify never needs them.
    get canonical() {
      return canonical(p, syms, 4);
    },
    get short() {
      return this.canonical.slice(0, SHORT_LEN);
    },
  };
  const bad = (kind, msg, hint = NOT_OURS) => formatError(AC, kind, msg, hint);
  if (c.version !== 1) throw bad('unknown_version', `format version ${c.version}; this licmint reads version 1`, 'a newer licmint may read it');
  if (c.serial > MAX_SERIAL) throw bad('malformed', `serial ${c.serial} has more than 14 digits`);
  if (c.issued > MAX_DAY) throw bad('malformed', 'issue day is not a date');
  if (c.expires !== PERPETUAL && c.expires <= c.issued) throw bad('malformed', `expires ${dayString(c.expires)}, not after issued ${dayString(c.issued)}`);
  if (bits(hb, 109, 6) !== 0) throw bad('malformed', 'reserved header bits are set');
  if (isSigned) {
    const sb = packSymbols(syms, SHORT_SYMBOLS, SHORT_SYMBOLS + SIG_SYMBOLS, 65);
    if (sb[64] !== 0) throw bad('malformed', "the signature's 3 spare bits are not zero");
    c.signature = sb.subarray(0, 64);
  }
  if (product && product !== p) {
    throw wrongProduct(s, AC, 'code', 'an activation code', p, product);
  }
  return c;
}

/** acMessage returns the message an Activation Code's signature covers (FORMAT.md 4.2). */
export function acMessage(c, installId) {
  const parts = [CONTEXT_AC, enc(c.product), c.header];
  if (c.bound) parts.push(enc(installId));
  return concat(...parts);
}

/** parseResetCode decodes a reset code (FORMAT.md section 16) without checking its signature. */
export function parseResetCode(input, product = '') {
  const s = bytesOf(input);
  if (s.length > MAX_INPUT_LEN) throw tooLong(s, RESET, 'give one reset code');
  const [p, syms] = scanSymbols(s, resetForm);
  const n = syms.length;
  if (n === SHORT_SYMBOLS || n === SIGNED_SYMBOLS) {
    throw formatError(RESET, 'malformed', 'this is an activation code, not a reset code', `give the ${RESET_LEN}-character reset code the vendor issued for this install`);
  }
  if (n !== RESET_SYMBOLS) {
    const hint = n === RESET_SYMBOLS - 1 ? 'one character is missing' : n === RESET_SYMBOLS + 1 ? 'one character too many' : 'check that the whole code was copied';
    throw formatError(RESET, 'malformed', `${n} symbols after the product code; a reset code has ${RESET_SYMBOLS}`, hint);
  }
  if (!checksPass(p, syms, resetForm.checks)) throw typoError(s, p, syms, resetForm);
  const hint = 'this reset code was not made by a licmint encoder';
  const hb = packSymbols(syms, 0, RESET_HEADER_SYMBOLS, 10);
  const c = {
    product: p,
    version: bits(hb, 0, 4),
    keyId: bits(hb, 4, 8),
    remembered: bits(hb, 12, 16),
    issued: bits(hb, 28, 16),
    nonce: bits(hb, 44, 32),
    header: hb,
    id: hex(hb),
  };
  if (c.version !== 1) throw formatError(RESET, 'unknown_version', `reset code version ${c.version}; this licmint reads version 1`, 'a newer licmint may read it');
  if (c.remembered > MAX_DAY) throw formatError(RESET, 'malformed', 'remembered day is not a date', hint);
  if (c.issued > MAX_DAY) throw formatError(RESET, 'malformed', 'issue day is not a date', hint);
  if (bits(hb, 76, 4) !== 0) throw formatError(RESET, 'malformed', 'reserved header bits are set', hint);
  const sb = packSymbols(syms, RESET_HEADER_SYMBOLS, RESET_HEADER_SYMBOLS + SIG_SYMBOLS, 65);
  if (sb[64] !== 0) throw formatError(RESET, 'malformed', "the signature's 3 spare bits are not zero", hint);
  c.signature = sb.subarray(0, 64);
  if (product && product !== p) {
    throw wrongProduct(s, RESET, 'reset code', 'a reset code', p, product);
  }
  c.canonical = canonical(p, syms, 5);
  return c;
}

/** resetMessage returns the message a reset code's signature covers (FORMAT.md 16.2). */
export const resetMessage = (c, installId) => concat(CONTEXT_RESET, enc(c.product), c.header, enc(installId));

const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/** parseRegistrationKey decodes a Registration Key (FORMAT.md section 2). */
export function parseRegistrationKey(input) {
  const s = bytesOf(input);
  const RK = 'registration key';
  const fail = (kind, off, n, msg, hint) => {
    const [l, col] = off >= 0 ? lineColumn(s, off) : [0, 0];
    const [g, c] = n < 0 ? [0, 0] : n < 2 ? [1, n + 1] : [2 + Math.floor((n - 2) / 4), ((n - 2) % 4) + 1];
    return formatError(RK, kind, msg, hint, g, c, l, col);
  };
  if (s.length > MAX_INPUT_LEN) throw fail('malformed', -1, -1, `input is ${s.length} bytes, more than ${MAX_INPUT_LEN}`, 'give one key, such as PC-0123-4567-8901-2345');
  const d = [];
  let p = '';
  let n = 0;
  let first = 0; // where the type digit is
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const v = SYMBOL[c];
    if (v === SEPARATOR) continue;
    if (n === 2) first = i;
    if (n < 2) {
      if (!isLetter(c)) throw fail('malformed', i, n, `${quoteByte(c)}: the product code is two letters`, 'a registration key looks like PC-0123-4567-8901-2345');
      p += String.fromCharCode(upper(c));
    } else if (n < 18) {
      if (v > 9) throw fail('malformed', i, n, `${quoteByte(c)} is not a digit`, 'after the two-letter product code a registration key has only digits');
      d.push(v);
    } else if (v > 9) {
      throw fail('malformed', i, -1, `${quoteByte(c)} after the last digit`, 'a registration key ends with its 16th digit; remove what follows it');
    } else throw fail('malformed', i, n, 'more than 16 digits', 'a registration key has four groups of four digits');
    n++;
  }
  if (n < 18) throw fail('malformed', -1, -1, `${Math.max(n - 2, 0)} digits, want 16`, 'a registration key has four groups of four digits; is one missing?');
  if (d.reduce((x, v) => DAMM[x][v], 0) !== 0) {
    throw fail('typo', -1, -1, 'check digit does not match', 'one digit is probably mistyped, or two neighbours swapped; compare the key with the original');
  }
  if (d[0] > 1) throw fail('malformed', first, 2, `type digit ${d[0]} is neither 0 (full) nor 1 (trial)`, 'this is not a registration key this version of licmint issues');
  const digits = d.join('');
  return {
    product: p,
    trial: d[0] === 1,
    serial: Number(digits.slice(1, 15)),
    canonical: `${p}-${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8, 12)}-${digits.slice(12)}`,
  };
}

/** serialString writes a serial as 14 digits, as keys, codes and lists do. */
export const serialString = (s) => String(s).padStart(14, '0');

// Revocation lists (FORMAT.md section 11).
export const LIST_HEADER_SIZE = 28;
export const LIST_MAX_ENTRIES = 1 << 24;
export const CONTEXT_LIST = enc('licmint/revocation-list/v1\0');
const MAGIC = [0x4c, 0x4d, 0x52, 0x4c, 0, 0, 0, 1];
const listError = (kind, msg) => new LicmintError(kind, msg);
const MALFORMED_LIST = 'malformed revocation list';

/**
 * parseRevocationList checks a list's shape and product, calls verify(keyId,
 * message, signature) (which returns 'ok', 'unknown_key' or
 * 'bad_signature', maybe as a Promise), then the entries' order, as Go's
 * revocation.Parse.
 */
export async function parseRevocationList(data, product, verify) {
  if (!(data instanceof Uint8Array)) throw new TypeError('licmint: a revocation list is a Uint8Array');
  if (data.length < LIST_HEADER_SIZE + 64) {
    throw listError('list_malformed', `${MALFORMED_LIST}: ${data.length} bytes, shorter than any list (truncated?)`);
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (MAGIC.some((b, i) => data[i] !== b)) {
    if (data[0] === 0x4c && data[1] === 0x4d && data[2] === 0x52 && data[3] === 0x4c) {
      throw listError('list_malformed', `${MALFORMED_LIST}: format version ${dv.getUint32(4)}; this licmint reads version 1`);
    }
    throw listError('list_malformed', `${MALFORMED_LIST}: not a licmint revocation list`);
  }
  const l = {
    product: String.fromCharCode(data[8], data[9]),
    keyId: data[10],
    sequence: dv.getBigUint64(12),
    issued: dv.getUint16(20),
    count: dv.getUint32(24),
  };
  const want = LIST_HEADER_SIZE + l.count * 8 + 64;
  if (data.length !== want) {
    throw listError('list_malformed', `${MALFORMED_LIST}: ${data.length} bytes, but its header promises ${l.count} entries (${want} bytes): truncated or padded`);
  }
  const valid = /^[A-Z]{2}$/.test(l.product);
  if (data[11] !== 0 || data[22] !== 0 || data[23] !== 0 || !valid || l.issued > MAX_DAY || l.count > LIST_MAX_ENTRIES) {
    throw listError('list_malformed', `${MALFORMED_LIST}: header fields out of range`);
  }
  if (product && l.product !== product) {
    throw listError('list_wrong_product', `revocation list for another product: list for ${l.product}, not ${product}`);
  }
  const body = data.subarray(0, data.length - 64);
  const got = await verify(l.keyId, concat(CONTEXT_LIST, body), data.subarray(data.length - 64));
  if (got === 'unknown_key') throw listError('list_unknown_key', `revocation list signed by an unknown key: key id ${l.keyId}`);
  if (got !== 'ok') {
    throw listError('list_bad_signature', `revocation list signature does not verify: the list was altered, or signed by an untrusted key under key id ${l.keyId}`);
  }
  let prev = -1;
  for (let i = 0; i < l.count; i++) {
    const at = LIST_HEADER_SIZE + i * 8;
    const serial = dv.getUint32(at) * 0x1000000 + (dv.getUint32(at + 4) >>> 8);
    if (serial > MAX_SERIAL || serial <= prev) throw listError('list_malformed', `${MALFORMED_LIST}: entry ${i + 1} out of order or out of range`);
    prev = serial;
  }
  l.data = data;
  // revoked looks a serial up by binary search in place.
  l.revoked = (serial, gen) => {
    let lo = 0, hi = l.count;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const at = LIST_HEADER_SIZE + m * 8;
      const s = dv.getUint32(at) * 0x1000000 + (dv.getUint32(at + 4) >>> 8);
      if (s < serial) lo = m + 1;
      else if (s > serial) hi = m;
      else {
        const below = data[at + 7];
        return below === 0 || gen < below;
      }
    }
    return false;
  };
  return l;
}

// Renewal requests (FORMAT.md section 12).
const BEGIN = '-----BEGIN LICMINT RENEWAL REQUEST-----';
const END = '-----END LICMINT RENEWAL REQUEST-----';
const RENEWAL_MAX = 4096;
const renewalError = (msg) => new LicmintError('malformed', 'malformed renewal request: ' + msg);

function checkRenewalInstallId(id) {
  if (enc(id).length > MAX_INSTALL_ID_LEN || /[\r\n]/.test(id) || goTrimSpace(id) !== id) {
    return `renewal request: install id must be at most ${MAX_INSTALL_ID_LEN} bytes on one line, without surrounding spaces`;
  }
  return '';
}

// goTrimSpace trims what Go's strings.TrimSpace does: Unicode white space.
// JavaScript's \s has U+FEFF, which Go's lacks, and lacks U+0085.
const goTrimSpace = (s) => s.replace(/^(?:[^\S\uFEFF]|\x85)+|(?:[^\S\uFEFF]|\x85)+$/g, '');

/**
 * renewalRequest returns the text of a renewal request (FORMAT.md section
 * 12) for a signed code: the request a product gives its customer to send
 * to the vendor. The install id goes in only for an install-bound code.
 */
export function renewalRequest(code, installId = '', now = new Date()) {
  const c = parseActivationCode(code);
  const ms = now instanceof Date ? now.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new TypeError('licmint: renewalRequest: now: want a valid Date');
  return formatRenewalRequest({ code: c, installId: c.bound ? installId : '', time: ms });
}

/** formatRenewalRequest writes a request {code (decoded, signed), installId, time (ms)} as Go's Request.MarshalText. */
export function formatRenewalRequest(r) {
  const bad = checkRenewalInstallId(r.installId ?? '');
  if (bad) throw new LicmintError('invalid', bad);
  let text = `${BEGIN}\nproduct: ${r.code.product}\ncode: ${r.code.canonical}\n`;
  if (r.installId) text += `install-id: ${r.installId}\n`;
  return text + `time: ${formatRFC3339(r.time)}\n${END}\n`;
}

/**
 * parseRenewalRequest reads a renewal request, ignoring text around its
 * block, as Go's renewal.Parse; it returns {product, code (the decoded
 * code), installId, time (ms, UTC, to the second)}.
 */
export function parseRenewalRequest(text) {
  if (typeof text !== 'string') text = decodeUTF8(bytesOf(text));
  const size = enc(text).length;
  if (size > RENEWAL_MAX * 4) throw renewalError(`${size} bytes, too long`);
  const s = text.replaceAll('\r\n', '\n');
  const i = s.indexOf(BEGIN);
  let j = i >= 0 ? s.indexOf(END, i + BEGIN.length) : -1;
  if (j < 0) throw renewalError(`no ${goQuote(BEGIN)} ... ${goQuote(END)} block`);
  const seen = new Set();
  const r = { product: '', code: null, installId: '', time: 0 };
  for (const [n, raw] of s.slice(i + BEGIN.length, j).split('\n').entries()) {
    const line = goTrimSpace(raw);
    if (line === '') continue;
    const at = line.indexOf(':');
    const key = goTrimSpace(at < 0 ? line : line.slice(0, at));
    const val = goTrimSpace(at < 0 ? '' : line.slice(at + 1));
    if (at < 0 || seen.has(key)) throw renewalError(`line ${n} of the block: want each of product, code, install-id, time once as "name: value"`);
    seen.add(key);
    let err = '';
    switch (key) {
      case 'product':
        r.product = val;
        break;
      case 'code':
        try {
          r.code = parseActivationCode(val);
        } catch (e) {
          err = e.message;
        }
        break;
      case 'install-id':
        r.installId = val;
        err = checkRenewalInstallId(val);
        break;
      case 'time':
        r.time = parseRFC3339(val);
        if (r.time === null) err = `parsing time ${goQuote(val)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`;
        break;
      default:
        err = `unknown field ${goQuote(key)}`;
    }
    if (err) throw renewalError(`${key}: ${err}`);
  }
  if (!seen.has('code') || !seen.has('time') || !seen.has('product')) throw renewalError('product, code and time are required');
  if (r.product !== r.code.product) throw renewalError(`product ${goQuote(r.product)} does not match the code's ${r.code.product}`);
  r.time = Math.floor(r.time / 1000) * 1000;
  return r;
}
