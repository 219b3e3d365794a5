// signatureChecks returns every Ed25519 check this platform offers, each a
// (publicKey, message, signature) => Promise<boolean> named after it, with
// the signatureCheck option that selects it as option, so that the suite
// holds each to Go's answers.
import { signatureChecker } from '../ed25519.js';
import { wasm } from '../wasm.js';

export async function signatureChecks() {
  const out = [];
  for (const option of ['node', 'webcrypto', 'noble', wasm]) {
    const name = option === wasm ? 'wasm' : option;
    try {
      await signatureChecker(new Uint8Array([0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a]), option);
    } catch {
      continue; // not on this platform
    }
    const f = async (pub, msg, sig) => (await signatureChecker(pub, option))[1](msg, sig);
    Object.defineProperty(f, 'name', { value: name });
    f.option = option;
    out.push(f);
  }
  return out;
}
