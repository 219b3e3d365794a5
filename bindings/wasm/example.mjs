// Verify an Activation Code from JavaScript:
//   node example.mjs PUBLIC_KEY_HEX CODE   (beside licmint.mjs, licmint.wasm, wasm_exec.js)
import { createVerifier } from './licmint.mjs';

const [publicKeyHex, code] = process.argv.slice(2);
const publicKey = Uint8Array.from(publicKeyHex.match(/../g), (b) => parseInt(b, 16));

const v = await createVerifier({
  product: 'PC',
  keys: [{ id: 1, public: publicKey }], // the vendor's public key with id 1
  now: new Date(),
});
const r = v.verify(code);
if (r.errorKind) {
  console.log(`${r.errorKind}: ${r.message}`); // typo: r.group and r.char say where
} else {
  console.log(`${r.status} ${r.edition}, ${r.daysLeft} days left, update ${r.features.update ? 'on' : 'off'}`);
}
process.exitCode = r.inForce ? 0 : 1;
