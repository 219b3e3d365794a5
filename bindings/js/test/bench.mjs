// bench.mjs times verify in Node: node test/bench.mjs PUBLIC_KEY_HEX CODE
// N [SIGNATURE_CHECK] prints the mean nanoseconds of N verifies, after a
// warm-up of 2,000 (by then V8 has optimised the hot code): the elapsed
// time, and then the process's CPU time, which a busy machine inflates
// less. SIGNATURE_CHECK is Verifier.create's option: node (the default in
// Node), webcrypto, noble or wasm (licmint/wasm); or crypto.verify, to time Node's
// crypto.verify alone on the code's message, the floor of a verify in
// Node. js_test.go's BenchmarkNodeVsGo runs it.
import { createPublicKey, verify } from 'node:crypto';
import { Verifier, DEFAULT_CATALOG } from '../licmint.js';
import { wasm } from '../wasm.js';
import { acMessage, concat, parseActivationCode } from '../formats.js';

const [publicKeyHex, code, n, signatureCheck] = process.argv.slice(2);
let v = await Verifier.create({
  product: 'PC',
  keys: [{ id: 1, publicKey: Uint8Array.from(publicKeyHex.match(/../g), (b) => parseInt(b, 16)) }],
  catalog: DEFAULT_CATALOG.products.PC,
  now: new Date('2027-01-15T00:00:00Z'),
  signatureCheck: signatureCheck === 'wasm' ? wasm : signatureCheck === 'crypto.verify' ? undefined : signatureCheck,
});
if (signatureCheck === 'crypto.verify') {
  const c = parseActivationCode(code);
  const msg = acMessage(c, '');
  const spki = concat(Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00), v.publicKey(1));
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  v = { verify: async () => ({ inForce: verify(null, msg, key, c.signature) }) };
}
const warm = signatureCheck === 'noble' ? 50 : 2000;
for (let i = 0; i < warm; i++) await v.verify(code);
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < Number(n); i++) {
  if (!(await v.verify(code)).inForce) throw new Error('verify failed');
}
const wall = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(c0); // microseconds
console.log(wall / Number(n), ((cpu.user + cpu.system) * 1000) / Number(n));
