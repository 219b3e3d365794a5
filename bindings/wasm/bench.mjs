// bench.mjs times verify through licmint.wasm: node bench.mjs DIST
// PUBLIC_KEY_HEX CODE N [SIGNATURE_CHECK] prints the mean nanoseconds of N
// verifies, after a warm-up of 2,000 (by then V8 has compiled the module's
// hot code with its optimising tier), excluding the module's start: the
// elapsed time, and then the process's CPU time, which a busy machine
// inflates less.
// SIGNATURE_CHECK is createVerifier's option: go (the default) or native.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [dist, publicKeyHex, code, n, signatureCheck = 'go'] = process.argv.slice(2);
const { createVerifier } = await import(pathToFileURL(path.resolve(dist, 'licmint.mjs')));
const v = await createVerifier({
  product: 'PC',
  keys: [{ id: 1, public: Uint8Array.from(publicKeyHex.match(/../g), (b) => parseInt(b, 16)) }],
  now: new Date('2027-01-15T00:00:00Z'),
  signatureCheck,
});
for (let i = 0; i < 2000; i++) v.verify(code);
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < Number(n); i++) {
  if (v.verify(code).errorKind !== '') throw new Error('verify failed');
}
const wall = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(c0); // microseconds
console.log(wall / Number(n), ((cpu.user + cpu.system) * 1000) / Number(n));
