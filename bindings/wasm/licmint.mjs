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

let ready; // the module's API, once loaded

// MAX_INPUT_LEN bounds a code, in bytes (FORMAT.md section 6).
const MAX_INPUT_LEN = 1024;

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
 * @param {string} [o.catalog] a catalog as JSON (FORMAT.md section 9); the built-in one by default
 * @param {Uint8Array|null} [o.state] the state from an earlier v.state(), or null to start one;
 *   without it the verifier remembers nothing (no superseded or clock_rollback)
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
  if (o.state !== undefined && o.state !== null && !(o.state instanceof Uint8Array)) fail('state: want a Uint8Array or null');

  ready ??= load(o.wasm);
  const api = await ready;
  const r = api.newVerifier({
    product: o.product,
    keys: o.keys.map((k) => ({ id: k.id, public: k.public })),
    installId: o.installId,
    nowMs: o.now?.getTime(),
    warnDays: o.warnDays,
    graceDays: o.graceDays,
    catalog: o.catalog,
    state: o.state,
  });
  if (r.error) throw new Error('licmint: ' + r.error);
  const id = r.id;
  let closed = false;
  const live = () => closed && fail('the verifier is closed');
  return {
    /** Checks a signed Activation Code, as typed or pasted. */
    verify(code) {
      live();
      if (typeof code !== 'string') fail('verify: want the code as a string');
      // A longer string is longer still in UTF-8: not copied into Go.
      return api.verify(id, code.length > MAX_INPUT_LEN ? null : code);
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
