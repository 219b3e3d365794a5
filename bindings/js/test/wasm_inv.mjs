// wasm_inv.mjs checks the module's variable-time inversion against the
// Fermat one on random and edge field elements: node test/wasm_inv.mjs
// MODULE.js N, MODULE.js built by wasm/build.sh with CFLAGS=-DTEST.
// wasm_test.go's TestWasmInversion runs it.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const [file, n] = process.argv.slice(2);
const hex = readFileSync(file, 'utf8').match(/'([0-9a-f]+)'/)[1];
const x = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16)))).exports;
const io = x.buffer(32);
const P = 2n ** 255n - 19n;
const le = (v) => Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 255n));
const edges = [1n, 2n, 19n, P - 1n, P - 2n, (P + 1n) / 2n, 2n ** 30n, 2n ** 240n, 2n ** 254n, 2n ** 255n - 20n, P + 1n, 2n ** 255n - 1n].map(le);
let bad = 0;
for (let i = 0; i < edges.length + Number(n); i++) {
  let b = edges[i];
  if (!b) {
    // Random, some with long runs of zero or one bits, some >= p.
    b = crypto.randomBytes(32);
    if (i % 5 === 0) b.fill(i % 2 ? 0 : 255, 1 + (i % 30));
    b[31] &= 0x7f;
    if (b.every((c) => c === 0)) continue;
  }
  new Uint8Array(x.memory.buffer, io, 32).set(b);
  if (x.test_inv() !== 1) {
    bad++;
    console.error('inversions differ for', Buffer.from(b).toString('hex'));
  }
}
console.log(bad ? `fail ${bad}` : 'ok');
