// licmint/wasm: Ed25519 signatures checked in WebAssembly (wasm/ed25519.c,
// built into ed25519wasm.js), five times faster than Node's OpenSSL, at
// the price of about 6.5 KB more (minified and gzipped) than the main
// entry:
//
//   import { wasm } from 'licmint/wasm';
//   const v = await Verifier.create({ product: 'PC', keys, signatureCheck: wasm });
//
// The module precomputes tables for each trusted key when it is loaded
// (1.6 MB of memory, about 10 ms), as Go's verifier does, so a check is
// SHA-512, a sum of 52 table entries and one inversion, with no doublings.
// It answers as Go's crypto/ed25519.Verify with the rules of FORMAT.md
// section 10.1: S < L, the encoding of [S]B - [k]A equal to R
// (cofactorless), R the identity refused; and it refuses the keys
// checkPublicKey refuses.
import { checkPublicKey } from './ed25519.js';
import { hex as hexOf } from './formats.js';
import wasmHex from './ed25519wasm.js';

let x; // the module's exports
let made; // the promise of them, made on first use (again after a failure)

// io returns the module's buffer for n bytes: a key, or a signature and a
// message. Memory grows as keys are loaded, so it is looked up anew.
const io = (n) => {
  const p = x.buffer(n);
  if (!p) throw new RangeError('licmint/wasm: no memory left');
  return new Uint8Array(x.memory.buffer, p, n);
};

// handles maps a key (hex) to its tables in the module: each is built once.
const handles = new Map();

async function instantiate() {
  try {
    return (await WebAssembly.instantiate(Uint8Array.from(wasmHex.match(/../g), (b) => parseInt(b, 16)))).instance.exports;
  } catch (e) {
    throw new TypeError(`licmint/wasm: this platform refused WebAssembly (${e?.message ?? e}); in a page, the Content Security Policy must allow 'wasm-unsafe-eval'`);
  }
}

async function load(pub) {
  made ??= instantiate();
  try {
    x = await made;
  } catch (e) {
    made = undefined; // to try again, where a policy may have changed
    throw e;
  }
  const k = hexOf(pub);
  let h = handles.get(k);
  if (h === undefined) {
    io(32).set(pub);
    h = x.load_key();
    if (h > 0) handles.set(k, h);
  }
  // The module refuses what checkPublicKey refuses (and says -6 when out
  // of memory); checkPublicKey says why.
  if (h < 0) {
    checkPublicKey(pub);
    throw new RangeError(`licmint/wasm: the module refused the key (${h})`);
  }
  return h;
}

function verify(h, msg, sig) {
  if (sig.length !== 64) return false;
  const b = io(64 + msg.length);
  b.set(sig);
  b.set(msg, 64);
  return x.verify(h, msg.length) === 1;
}

/**
 * wasm is a signatureCheck for Verifier.create. Its checker(pub) loads a
 * trusted key and returns ['wasm', (message, signature) => Promise<boolean>].
 */
export const wasm = Object.freeze({
  async checker(pub) {
    const key = Uint8Array.from(pub);
    const h = await load(key);
    return ['wasm', async (msg, sig) => verify(h, msg, sig)];
  },
});
