// The Node runner: node --test test/node.test.mjs, with LICMINT_TESTDATA naming the
// repository's testdata directory and LICMINT_ORACLE the file Go's
// TestNode writes (go test ./bindings/js runs it so). The suite runs once
// per Ed25519 check Node has: its own crypto.verify (the default),
// WebCrypto, and the JavaScript one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as main from '../licmint.js';
import * as formats from '../formats.js';
import * as catalog from '../catalog.js';
import * as jwt from '../jwt.js';
import * as keyfiles from '../keys.js';
import { FileStore } from '../node.js';
import { tests } from './suite.mjs';
import { signatureChecks } from './checks.mjs';

const testdata = process.env.LICMINT_TESTDATA ?? new URL('../../../testdata', import.meta.url).pathname;
const read = (f) => JSON.parse(readFileSync(path.join(testdata, f), 'utf8'));
const names = ['activation_codes', 'catalogs', 'jwts', 'key_files', 'registration_keys', 'renewal_requests', 'renewals', 'reset_codes', 'revocation_lists', 'state_files'];
const data = {
  cases: read('conformance/cases.json'),
  vectors: Object.fromEntries(names.map((n) => [n, read(`vectors/${n}.json`)])),
  oracle: JSON.parse(readFileSync(process.env.LICMINT_ORACLE, 'utf8')),
};
const checks = await signatureChecks();
const lib = { ...formats, ...catalog, ...jwt, ...keyfiles, ...main };
const all = { ...lib, signatureChecks: checks };
for (const check of checks) {
  for (const t of tests(all, data, { signatureCheck: check.option })) test(`${t.name} (signatures: ${check.name})`, t.fn);
}

test('the default check in Node is crypto.verify', async () => {
  const keys = data.cases.keys.map((k) => ({ id: k.id, publicKey: Uint8Array.from(Buffer.from(k.public_key_hex, 'hex')) }));
  assert.equal((await lib.Verifier.create({ product: 'PC', keys })).signatureCheck, 'node');
});

test('FileStore keeps the state in the file Go writes, and sets a corrupt one aside', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'licmint-js-'));
  try {
    const file = path.join(dir, 'state');
    const store = new FileStore(file);
    await assert.rejects(store.load(), (e) => e.kind === 'state_missing');
    const st = new lib.State();
    st.lastSeen = Date.parse('2027-01-15T10:00:00Z');
    st.seeGeneration(31415926535897n, 2);
    st.list = Uint8Array.from([1, 2, 3]);
    st.listSequence = 7n;
    await store.update((s) => s.merge(st));
    const want = await lib.marshalState(st);
    const text = readFileSync(file);
    assert.deepEqual(new Uint8Array(Buffer.concat([text, Buffer.from('\n'), readFileSync(file + '.list')])), want);
    assert.deepEqual(await lib.marshalState(await store.load()), want);
    // A refused update saves nothing.
    await assert.rejects(store.update((s) => { s.listSequence = 9n; throw new Error('no'); }), /no/);
    assert.equal((await store.load()).listSequence, 7n);
    // An altered list is corruption; the update after it sets the file aside and says so.
    writeFileSync(file + '.list', 'x');
    await assert.rejects(store.load(), (e) => e.kind === 'state_corrupt');
    await assert.rejects(store.update(() => {}), (e) => e.kind === 'state_corrupt');
    assert.ok(existsSync(file + '.corrupt'));
    assert.equal((await store.load()).list, null);
    assert.ok(!existsSync(file + '.jslock'));
    // Concurrent updates each see the other's.
    await Promise.all([1, 2, 3, 4].map((g) => new FileStore(file).update((s) => { s.seeGeneration(BigInt(g), g); })));
    assert.equal((await store.load()).generations.size, 5);
    // A directory is no state file: refused unread, not set aside.
    const odd = new FileStore(dir);
    await assert.rejects(odd.load(), (e) => e.kind === 'state');
    // The Go state file of the oracle reads back byte for byte.
    writeFileSync(file, Buffer.from(data.oracle.state_file, 'hex'));
    rmSync(file + '.list', { force: true });
    const got = await new FileStore(file).load();
    assert.equal(Buffer.from(await lib.marshalState(got)).toString('hex'), data.oracle.state_file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
