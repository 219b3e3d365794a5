// The WebAssembly check (licmint/wasm) against two others, on inputs made
// from a fixed seed, so that a failure reproduces: Node's crypto.verify
// (OpenSSL) with the identity R refused, on thousands of signatures, valid
// and mutated; the check on @noble/ed25519's point arithmetic that answers
// as Go's crypto/ed25519.Verify, on a share of them; and checkPublicKey, on
// random, torsioned and non-canonical keys. The suite's vectors
// (Wycheproof, RFC 8032, the conformance cases) run through it in
// node.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Point } from '@noble/ed25519';
import { checkPublicKey, signatureChecker, verifyNoble } from '../ed25519.js';
import { wasm } from '../wasm.js';
import wasmHex from '../ed25519wasm.js';

// rand returns n bytes of a stream fixed by its label.
let counter = 0;
function rand(n, label = 'licmint wasm differential') {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 32) {
    const b = crypto.createHash('sha256').update(`${label} ${counter++}`).digest();
    out.set(b.subarray(0, Math.min(32, n - i)), i);
  }
  return out;
}
const randInt = (n) => new DataView(rand(4).buffer).getUint32(0) % n;

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const keyFromSeed = (seed) => {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const pub = new Uint8Array(crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12));
  return { priv, pub, spki: crypto.createPublicKey(priv) };
};

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const leToBig = (b) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
const bigToLe = (v, n) => Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 255n));

// The eight encodings of points of small order (FORMAT.md section 10.1).
const SMALL = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

// mutate returns sig and msg changed in one of eight ways, by kind.
function mutate(kind, msg, sig) {
  sig = sig.slice();
  msg = msg.slice();
  switch (kind) {
    case 0: // unchanged: valid
      break;
    case 1: // one bit of the signature
      sig[randInt(64)] ^= 1 << randInt(8);
      break;
    case 2: // one bit of the message, or one byte more
      if (msg.length > 0 && randInt(2)) msg[randInt(msg.length)] ^= 1 << randInt(8);
      else msg = Uint8Array.from([...msg, randInt(256)]);
      break;
    case 3: // S + L, S + 2L...: the same point, not canonical
      sig.set(bigToLe(leToBig(sig.subarray(32)) + BigInt(1 + randInt(15)) * L, 32).subarray(0, 32), 32);
      break;
    case 4: // R of small order, or the identity with S zero
      sig.set(SMALL[randInt(8)], 0);
      if (randInt(2)) sig.fill(0, 32);
      break;
    case 5: // S random, its top bits too
      sig.set(rand(32), 32);
      if (randInt(2)) sig[63] &= 0x1f;
      break;
    case 6: // all random
      sig = rand(64);
      break;
    case 7: // too short or too long
      sig = randInt(2) ? sig.subarray(0, randInt(64)) : Uint8Array.from([...sig, 0]);
      break;
  }
  return [msg, sig];
}

const isIdentity = (sig) => sig[0] === 1 && sig.subarray(1, 32).every((b) => b === 0);

test('wasm answers as crypto.verify (and the identity R refused) on 8,000 signatures, and as noble on 800', async () => {
  const keys = Array.from({ length: 6 }, (_, i) => keyFromSeed(rand(32, `key ${i}`)));
  const checks = await Promise.all(keys.map(async (k) => (await signatureChecker(k.pub, wasm))[1]));
  let valid = 0, noble = 0;
  for (let i = 0; i < 8000; i++) {
    const k = randInt(keys.length);
    const msg0 = rand(randInt(300));
    const sig0 = new Uint8Array(crypto.sign(null, msg0, keys[k].priv));
    const [msg, sig] = mutate(i % 8, msg0, sig0);
    const want = sig.length === 64 && !isIdentity(sig) && crypto.verify(null, msg, keys[k].spki, sig);
    const got = await checks[k](msg, sig);
    assert.equal(got, want, `case ${i}: key ${k}, message ${Buffer.from(msg).toString('hex')}, signature ${Buffer.from(sig).toString('hex')}`);
    if (want) valid++;
    if (i % 10 === 0 && sig.length === 64) {
      assert.equal(got, !isIdentity(sig) && (await verifyNoble(keys[k].pub, msg, sig)), `case ${i}: noble`);
      noble++;
    }
  }
  assert.ok(valid >= 1000 && valid < 2000, `${valid} valid signatures`);
  assert.ok(noble >= 700, `${noble} noble checks`);
});

test('wasm signs off on R the identity with S = k·a only as crypto/ed25519 does, and refuses it as FORMAT.md says', async () => {
  // With R the identity, [S]B - [k]A = R holds for S = k·a mod L: Go's
  // crypto/ed25519 accepts it, FORMAT.md section 10.1 refuses it.
  const seed = rand(32, 'identity');
  const { pub } = keyFromSeed(seed);
  const h = crypto.createHash('sha512').update(seed).digest();
  h[0] &= 248, h[31] &= 127, h[31] |= 64;
  const a = leToBig(h.subarray(0, 32));
  const msg = rand(40);
  const R = SMALL[0];
  const k = leToBig(crypto.createHash('sha512').update(R).update(pub).update(msg).digest()) % L;
  const sig = Uint8Array.from([...R, ...bigToLe((k * a) % L, 32)]);
  assert.equal(await verifyNoble(pub, msg, sig), true, 'the equation holds');
  assert.equal(await (await signatureChecker(pub, wasm))[1](msg, sig), false, 'refused');
});

// code returns what the module's load_key says of pub, with its own
// instance: a handle (> 0) or why it refuses it.
const mod = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(wasmHex.match(/../g), (b) => parseInt(b, 16)))).exports;
function code(pub) {
  new Uint8Array(mod.memory.buffer, mod.buffer(32), 32).set(pub);
  const h = mod.load_key();
  return h > 0 ? 0 : h;
}

// want returns what checkPublicKey says of pub, as load_key's codes.
function want(pub) {
  try {
    checkPublicKey(pub);
    return 0;
  } catch (e) {
    const m = e.message;
    if (m.includes('not a point')) return -1;
    if (m.includes('of small order')) return -2;
    if (m.includes('of mixed order')) return -3;
    if (m.includes('x is zero')) return -4;
    if (m.includes('y is not reduced')) return -5;
    throw e;
  }
}

test('wasm refuses exactly the keys checkPublicKey refuses, for the same reason', () => {
  const cases = [];
  for (let i = 0; i < 100; i++) cases.push(['random', rand(32)]);
  const torsion = SMALL.map((b) => Point.fromBytes(b, true));
  for (let i = 0; i < 6; i++) {
    const A = Point.fromBytes(keyFromSeed(rand(32, `torsion ${i}`)).pub);
    cases.push(['prime order', A.toBytes()], ['negated', A.negate().toBytes()]);
    for (const T of torsion) cases.push(['torsioned', A.add(T).toBytes()]);
  }
  for (const b of SMALL) {
    cases.push(['small order', b]);
    const s = b.slice();
    s[31] ^= 0x80; // the other sign: for x = 0, not canonical
    cases.push(['small order, other sign', s]);
  }
  // y >= p: p + d for d < 19, either sign.
  for (let d = 0; d < 19; d++) {
    for (const sign of [0, 0x80]) {
      const b = bigToLe(2n ** 255n - 19n + BigInt(d), 32);
      b[31] |= sign;
      cases.push([`y = p + ${d}`, b]);
    }
  }
  // x = 0 only at y = 1 or -1, of small order, and no point of prime order
  // has y < 19: so the two non-canonical refusals (-4, -5) are never
  // reached, small order and mixed order come first; both sides agree.
  const seen = new Set();
  for (const [name, pub] of cases) {
    const w = want(pub);
    seen.add(w);
    assert.equal(code(pub), w, `${name}: ${Buffer.from(pub).toString('hex')}`);
  }
  assert.deepEqual([...seen].sort(), [-1, -2, -3, 0], 'every reachable outcome is met');
});

test('without WebAssembly (a page whose policy forbids it), the check says what to allow, and works once it may', async () => {
  // A module instance of its own, which has not instantiated the module yet.
  const { wasm: fresh } = await import('../wasm.js?without-webassembly');
  const { pub } = keyFromSeed(rand(32, 'no wasm'));
  const saved = globalThis.WebAssembly;
  try {
    delete globalThis.WebAssembly;
    await assert.rejects(fresh.checker(pub), (e) => e instanceof TypeError && e.message.includes("'wasm-unsafe-eval'"));
  } finally {
    globalThis.WebAssembly = saved;
  }
  const [name, check] = await fresh.checker(pub);
  assert.equal(name, 'wasm');
  assert.equal(await check(new Uint8Array(0), new Uint8Array(64)), false);
});
