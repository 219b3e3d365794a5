// licmint.mjs: the licmint verifier in JavaScript, through WebAssembly
// (licmint.wasm, built from the Go verifier; wasm_exec.js from Go beside
// it). No network and no file system: the verifier's state goes in and out
// as bytes, and the app keeps it where it likes.
//
//   import { createVerifier } from './licmint.mjs';
//   const v = await createVerifier({ product: 'PC', keys: [{ id: 1, public: publicKeyBytes }] });
//   const r = v.verify(code);
//   // r.status: 'valid', 'expiring', 'grace', 'expired', 'not_yet_valid',
//   //   'revoked', 'superseded', 'clock_rollback', or 'invalid' with
//   //   r.errorKind ('typo', 'bad_signature', ...), r.message, r.group, r.char
//   // r.edition, r.expires ('YYYY-MM-DD' or 'perpetual'), r.daysLeft,
//   // r.features ({update: true, ...}), r.inForce, r.serial, ...
//
// The Ed25519 signature check is Go's by default (v.signatureCheck ===
// 'go'), in Node and in browsers alike: with a field built for
// WebAssembly's 64-bit multiply it takes less time than Node's own
// crypto.verify, called through the boundary (BENCHMARKS.md). Node's
// ('native') or a synchronous check of the app's ('custom') can be chosen
// with the signatureCheck option.

let ready; // the module's API, once loaded

// MAX_INPUT_LEN bounds a code, in bytes (FORMAT.md section 6).
const MAX_INPUT_LEN = 1024;
// SCRATCH_LEN holds a code's signed message and signature (FORMAT.md
// section 4), through which the signature check gets them; a revocation
// list, larger, gets an array of its own.
const SCRATCH_LEN = 1024;

/** The catalog used when createVerifier is given none (FORMAT.md section 9). */
export const builtinCatalog = `{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}`;

// The catalog's limits and default terms, as formats/catalog has them.
const MAX_CATALOG_SIZE = 1 << 20;
const MAX_TERM_DAYS = 36500;
const TERMS = { trial_days: 30, maintenance_days: 365, warning_days: 60, grace_days: 30 };

/**
 * strictJSON refuses, in text that JSON.parse accepted, a member repeated
 * in one object (JSON.parse keeps the last), null and a number with a
 * fraction or exponent (JSON.parse reads 10.0 as the integer 10).
 * @param {string} text well-formed JSON
 * @param {function(string): never} bad throws the catalog's error
 */
function strictJSON(text, bad) {
  const stack = []; // per open container: its member names, or null for an array
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && expectName) {
        const name = JSON.parse(text.slice(i, j + 1));
        if (top.has(name)) bad(`member ${JSON.stringify(name)} appears twice in one object`);
        top.add(name);
        expectName = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectName = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectName = stack[stack.length - 1] instanceof Set;
    } else if (c === 'n') {
      bad('null is not a value here: leave the member out instead');
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < text.length && '-+0123456789.eE'.includes(text[j])) j++;
      if (/[.eE]/.test(text.slice(i, j))) bad(`${text.slice(i, j)}: want an integer, without fraction or exponent`);
      i = j - 1;
    }
  }
}

/**
 * Reads a catalog (FORMAT.md section 9) with the rules of Go's
 * catalog.Parse, which the module leaves out to stay small (its JSON
 * decoder is a quarter of the module): unknown fields, duplicate edition
 * names or numbers and terms out of range are errors, and so are what
 * JSON.parse lets through (FORMAT.md section 1): a member repeated in one
 * object, null, a number with a fraction or exponent. Field names match
 * exactly. testdata/vectors/catalogs.json holds both to the same answers.
 * @param {string} text the catalog's JSON
 * @returns {object} products by code, each {name, editions: [{name,
 *   number, features}], trial_days, maintenance_days, warning_days,
 *   grace_days}, terms with defaults applied
 */
export function parseCatalog(text) {
  const bad = (msg) => {
    throw new Error('licmint: catalog: ' + msg);
  };
  if (typeof text !== 'string') bad('want the JSON text');
  if (text.length > MAX_CATALOG_SIZE || (text.length > MAX_CATALOG_SIZE / 3 && new TextEncoder().encode(text).length > MAX_CATALOG_SIZE)) {
    bad(`more than ${MAX_CATALOG_SIZE} bytes`);
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(e.message);
  }
  strictJSON(text, bad);
  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  // fields returns o's fields by their names in want, in any case; null
  // stands for a field left out, as in Go.
  const fields = (o, want, where) => {
    if (o === null) return {};
    if (!isObject(o)) bad(`${where}: want an object`);
    const got = {};
    for (const [k, v] of Object.entries(o)) {
      if (!want.includes(k)) bad(`${where}: unknown field "${k}"`);
      got[k] = v;
    }
    return got;
  };
  const str = (v, where) => {
    if (v !== undefined && typeof v !== 'string') bad(`${where}: want a string`);
    return v ?? '';
  };
  const int = (v, min, max, where) => {
    if (v === undefined) return 0;
    if (!Number.isInteger(v) || v < min || v > max) bad(`${where} is ${JSON.stringify(v)}; want ${min} to ${max}`);
    return v;
  };
  const trimmed = (s) => s !== '' && s.trim() === s;
  const top = fields(doc, ['products'], 'the catalog');
  if (top.products !== undefined && !isObject(top.products)) bad('products: want an object');
  const codes = Object.keys(top.products ?? {});
  if (codes.length === 0) bad('no products; want {"products": {"PC": {...}}}');
  const products = {};
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code)) bad(`product code ${JSON.stringify(code)}: want two upper-case letters, such as PC`);
    const where = `product ${code}`;
    if (top.products[code] === null) bad(`product ${JSON.stringify(code)} is null`);
    const f = fields(top.products[code], ['name', 'editions', ...Object.keys(TERMS)], where);
    const p = { name: str(f.name, `${where}: name`), editions: [] };
    if (f.editions !== undefined && !Array.isArray(f.editions)) bad(`${where}: editions: want an array`);
    const names = new Set();
    const numbers = new Set();
    for (const [i, raw] of (f.editions ?? []).entries()) {
      const e = fields(raw, ['name', 'number', 'features'], `${where}: edition ${i + 1}`);
      const name = str(e.name, `${where}: edition ${i + 1}: name`);
      const number = int(e.number, 0, 255, `${where}: edition ${i + 1}: number`);
      if (!trimmed(name)) bad(`${where}: edition ${i + 1}: name ${JSON.stringify(name)} is empty or has surrounding spaces`);
      if (names.has(name)) bad(`${where}: edition name ${JSON.stringify(name)} appears twice`);
      if (numbers.has(number)) bad(`${where}: edition number ${number} appears twice`);
      names.add(name);
      numbers.add(number);
      if (e.features !== undefined && !Array.isArray(e.features)) bad(`${where}: edition ${name}: features: want an array`);
      const features = (e.features ?? []).map((x) => (x === null ? '' : str(x, `${where}: edition ${name}: feature`)));
      for (const x of features) {
        if (!trimmed(x)) bad(`${where}: edition ${name}: feature name ${JSON.stringify(x)} is empty or has surrounding spaces`);
      }
      p.editions.push({ name, number, features });
    }
    if (p.editions.length === 0) bad(`${where}: no editions`);
    for (const [term, def] of Object.entries(TERMS)) {
      p[term] = int(f[term], 0, MAX_TERM_DAYS, `${where}: ${term}`) || def;
    }
    products[code] = p;
  }
  return products;
}

/**
 * Returns, in Node, the check that signatureCheck 'native' uses: a
 * synchronous (publicKey, message, signature) => boolean by Node's own
 * Ed25519 (crypto.verify, OpenSSL), which answers as Go's
 * crypto/ed25519.Verify does for every key licmint trusts; elsewhere
 * undefined.
 */
export async function nodeSignatureCheck() {
  if (!globalThis.process?.versions?.node) return undefined;
  const { createPublicKey, verify } = await import('node:crypto');
  const imported = new WeakMap(); // KeyObjects by the array given
  return (publicKey, message, signature) => {
    let key = imported.get(publicKey);
    if (key === undefined) {
      key = null; // a key Node will not take verifies nothing
      if (publicKey.length === 32) {
        try {
          const x = Buffer.from(publicKey).toString('base64url');
          key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
        } catch {}
      }
      imported.set(publicKey, key);
    }
    return key !== null && signature.length === 64 && verify(null, message, key, signature);
  };
}

async function load(wasm) {
  await import('./wasm_exec.js'); // defines globalThis.Go
  if (wasm === undefined) {
    const url = new URL('./licmint.wasm', import.meta.url);
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      wasm = await readFile(url);
    } else {
      wasm = await (await fetch(url)).arrayBuffer();
    }
  }
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance); // runs until the page or process ends
  const api = globalThis.__licmint_v1;
  delete globalThis.__licmint_v1;
  if (!api) throw new Error('licmint: licmint.wasm did not start');
  return api;
}

function fail(msg) {
  throw new TypeError('licmint: ' + msg);
}

/**
 * Creates a verifier.
 * @param {object} o
 * @param {string} o.product two letters, such as 'PC'
 * @param {{id: number, public: Uint8Array}[]} o.keys trusted Ed25519 public keys (32 bytes) by key id
 * @param {string} [o.installId] this install's id, for install-bound codes
 * @param {Date} [o.now] a fixed clock; the system clock by default
 * @param {number} [o.warnDays] days before expiry reported as expiring (catalog's: 60)
 * @param {number} [o.graceDays] days after expiry still in force (catalog's: 30)
 * @param {string} [o.catalog] a catalog as JSON (FORMAT.md section 9); builtinCatalog by default
 * @param {Uint8Array|null} [o.state] the state from an earlier v.state(), or null to start one;
 *   without it the verifier remembers nothing (no superseded or clock_rollback)
 * @param {'native'|'go'|function} [o.signatureCheck] who checks Ed25519 signatures:
 *   'go' (the default) Go's, in the module; 'native' Node's crypto.verify
 *   where there is one, else Go's; or a synchronous function (publicKey, message,
 *   signature) => boolean, all Uint8Arrays, that must answer as RFC 8032
 *   (and Go's crypto/ed25519.Verify) does. v.signatureCheck says which is used.
 * @param {BufferSource} [o.wasm] licmint.wasm's bytes, if not beside this file
 */
export async function createVerifier(o) {
  if (typeof o !== 'object' || o === null) fail('createVerifier needs an options object');
  if (typeof o.product !== 'string') fail('product: want two letters, such as "PC"');
  if (!Array.isArray(o.keys) || o.keys.length === 0) fail('keys: want [{id: 1, public: Uint8Array(32)}, ...]');
  for (const k of o.keys) {
    if (!Number.isInteger(k?.id) || k.id < 0 || k.id > 255) fail('keys: each id must be an integer 0 to 255');
    if (!(k.public instanceof Uint8Array)) fail(`keys: key ${k.id}: public must be a Uint8Array of 32 bytes`);
  }
  if (o.now !== undefined && !(o.now instanceof Date && !isNaN(o.now))) fail('now: want a valid Date');
  for (const name of ['warnDays', 'graceDays']) {
    if (o[name] !== undefined && !Number.isInteger(o[name])) fail(`${name}: want a whole number of days`);
  }
  if (o.installId !== undefined && typeof o.installId !== 'string') fail('installId: want a string');
  if (o.catalog !== undefined && typeof o.catalog !== 'string') fail('catalog: want the JSON text');
  const sc = o.signatureCheck ?? 'go';
  if (sc !== 'native' && sc !== 'go' && typeof sc !== 'function') fail("signatureCheck: want 'native', 'go' or a function");
  if (o.state !== undefined && o.state !== null && !(o.state instanceof Uint8Array)) fail('state: want a Uint8Array or null');

  // The product's catalog entry: from the catalog given, which must list
  // it, or from the built-in one if it does (else editions go by number).
  const products = parseCatalog(o.catalog ?? builtinCatalog);
  const entry = products[o.product.toUpperCase()] ?? null;
  if (entry === null && o.catalog !== undefined) {
    throw new Error(`licmint: unknown product ${JSON.stringify(o.product)}; the catalog has ${Object.keys(products).sort().join(', ')}`);
  }

  let check = typeof sc === 'function' ? sc : undefined;
  let signatureCheck = check ? 'custom' : 'go';
  if (sc === 'native' && (check = await nodeSignatureCheck())) signatureCheck = 'node';
  // Copies, which the app cannot change behind the verifier's back.
  const pubs = o.keys.map((k) => k.public.slice());

  ready ??= load(o.wasm);
  const api = await ready;
  const r = api.newVerifier({
    product: o.product,
    keys: o.keys.map((k, i) => ({ id: k.id, public: pubs[i] })),
    installId: o.installId,
    nowMs: o.now?.getTime(),
    warnDays: o.warnDays,
    graceDays: o.graceDays,
    entry,
    // Go calls check(key's index in keys, bytes, message length, length):
    // the message and then the signature, in scratch for a code.
    check: check && ((i, bytes, n, len) => check(pubs[i], bytes.subarray(0, n), bytes.subarray(n, len)) === true),
    scratch: check && new Uint8Array(SCRATCH_LEN),
    state: o.state,
  });
  if (r.error) throw new Error('licmint: ' + r.error);
  const id = r.id;
  let closed = false;
  const live = () => closed && fail('the verifier is closed');
  return {
    /** Who checks signatures: 'node', 'go' or 'custom' (see signatureCheck). */
    signatureCheck,
    /** Checks a signed Activation Code, as typed or pasted. */
    verify(code) {
      live();
      if (typeof code !== 'string') fail('verify: want the code as a string');
      // A longer string is longer still in UTF-8: not copied into Go.
      const res = api.verify(id, code.length > MAX_INPUT_LEN ? null : code);
      if (typeof res !== 'string') throw new Error('licmint: ' + res.error);
      return JSON.parse(res);
    },
    /** Checks a signed revocation list and puts it in force:
     *  {errorKind: '', message: ''} if accepted, else why not. */
    loadRevocationList(bytes) {
      live();
      if (!(bytes instanceof Uint8Array)) fail('loadRevocationList: want a Uint8Array');
      return api.loadRevocationList(id, bytes);
    },
    /** The state to keep and pass to the next createVerifier (null if it
     *  was made without one), and what went wrong with it, if anything. */
    state() {
      live();
      const s = api.state(id);
      if (s.error && s.state === undefined) throw new Error('licmint: ' + s.error);
      return { state: s.state, error: s.error };
    },
    /** Releases the verifier. */
    close() {
      if (!closed) api.free(id);
      closed = true;
    },
  };
}
