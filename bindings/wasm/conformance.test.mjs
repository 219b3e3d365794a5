// The JavaScript runner of testdata/conformance/cases.json, through
// licmint.wasm: node --test (with LICMINT_DIST naming the directory that
// holds licmint.mjs, licmint.wasm and wasm_exec.js, and LICMINT_CASES the
// cases file). The suite runs twice: with Node's Ed25519 (the default in
// Node) and with Go's. The other vectors are read from beside the cases'
// directory (testdata).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const dist = process.env.LICMINT_DIST ?? 'dist';
const casesFile = process.env.LICMINT_CASES ?? 'testdata/conformance/cases.json';
const { createVerifier, parseCatalog, builtinCatalog, nodeSignatureCheck } = await import(pathToFileURL(path.resolve(dist, 'licmint.mjs')));
const suite = JSON.parse(readFileSync(casesFile, 'utf8'));
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const keys = suite.keys.map((k) => ({ id: k.id, public: hex(k.public_key_hex) }));
const testdata = path.resolve(casesFile, '../..');

for (const [mode, want] of [['native', 'node'], ['go', 'go']]) for (const c of suite.cases) {
  test(`${c.name} (signatures: ${want})`, async () => {
    let state = c.state ? null : undefined;
    for (const [i, run] of c.runs.entries()) {
      const v = await createVerifier({
        product: c.product, keys, installId: run.install_id, now: new Date(run.now),
        warnDays: run.warn_days, graceDays: run.grace_days, state, signatureCheck: mode,
      });
      assert.equal(v.signatureCheck, want);
      for (const [j, step] of run.steps.entries()) {
        const where = `run ${i + 1} step ${j + 1}`;
        if ('code' in step) {
          const r = v.verify(step.code);
          const w = step.want;
          const ok = r.errorKind === '';
          const got = {
            status: r.status, error_kind: r.errorKind,
            group: w.group === null ? null : r.group, char: w.char === null ? null : r.char,
            product: r.product ?? '', edition: r.edition ?? '', edition_number: r.editionNumber ?? 0,
            trial: r.trial ?? false, install_bound: r.installBound ?? false, serial: r.serial ?? 0,
            generation: r.generation ?? 0, key_id: r.keyId ?? 0, issued: r.issued ?? '', expires: r.expires ?? '',
            days_left: r.daysLeft ?? 0,
            features_on: Object.entries(r.features ?? {}).filter(([, on]) => on).map(([f]) => f),
          };
          assert.deepEqual(got, w, where);
          assert.equal(r.inForce ?? false, ok && ['valid', 'expiring', 'grace'].includes(r.status), where);
        } else {
          const r = v.loadRevocationList(hex(step.revocation_list_hex));
          assert.equal(r.errorKind, step.want_list_error, `${where}: revocation list`);
        }
      }
      if (c.state) {
        const s = v.state();
        assert.equal(s.error, '');
        state = s.state;
      }
      v.close();
    }
  });
}

test('bad options are refused with a clear error', async () => {
  await assert.rejects(createVerifier({ product: 'PC', keys: [] }), /keys/);
  await assert.rejects(createVerifier({ product: 'PC', keys, now: 'tomorrow' }), /now: want a valid Date/);
  await assert.rejects(createVerifier({ product: 'P', keys }), /product/);
  await assert.rejects(createVerifier({ product: 'PC', keys: [{ id: 1, public: new Uint8Array(31) }] }), /key id 1/);
  const v = await createVerifier({ product: 'PC', keys, state: new Uint8Array([1, 2, 3]) });
  assert.match(v.state().error, /corrupt/);
  assert.equal(v.verify('x'.repeat(5000)).errorKind, 'malformed');
  v.close();
  assert.throws(() => v.verify('PC'), /closed/);
});

test('a signatureCheck function decides, and gets the key, message and signature', async () => {
  const code = suite.cases.flatMap((c) => c.runs.flatMap((r) => r.steps)).find((s) => s.want?.status === 'valid').code;
  const calls = [];
  const nodeCheck = await nodeSignatureCheck();
  const v = await createVerifier({
    product: 'PC', keys, now: new Date('2027-01-15T00:00:00Z'),
    signatureCheck: (pub, msg, sig) => calls.push([pub, msg, sig]) && nodeCheck(pub, msg, sig),
  });
  assert.equal(v.signatureCheck, 'custom');
  assert.equal(v.verify(code).errorKind, '');
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0][0], keys[0].public);
  assert.equal(calls[0][2].length, 64);
  const no = await createVerifier({ product: 'PC', keys, now: new Date('2027-01-15T00:00:00Z'), signatureCheck: () => false });
  assert.equal(no.verify(code).errorKind, 'bad_signature');
  const throws = await createVerifier({ product: 'PC', keys, signatureCheck: () => { throw new Error('boom'); } });
  assert.throws(() => throws.verify(code), /boom/);
  await assert.rejects(createVerifier({ product: 'PC', keys, signatureCheck: 'fast' }), /signatureCheck/);
});

test("Go's signature check is the default, in Node too", async () => {
  const v = await createVerifier({ product: 'PC', keys });
  assert.equal(v.signatureCheck, 'go');
  v.close();
});

// Node's Ed25519 must answer as Go's crypto/ed25519.Verify, which
// ed25519v matches: on Wycheproof's vectors, and on the "Taming the many
// EdDSAs" edge cases, where Go accepts cases 0 to 3 and 11 (their README);
// cases 0 to 3 have a small-order key, which verifier.New refuses, so
// only the rest count.
test('nodeSignatureCheck answers as Go on the Ed25519 edge-case vectors', async () => {
  const check = await nodeSignatureCheck();
  const wp = JSON.parse(readFileSync(path.join(testdata, 'wycheproof/ed25519_test.json'), 'utf8'));
  let n = 0;
  for (const g of wp.testGroups) {
    for (const t of g.tests) {
      assert.equal(check(hex(g.publicKey.pk), hex(t.msg), hex(t.sig)), t.result === 'valid', `wycheproof ${t.tcId}: ${t.comment}`);
      n++;
    }
  }
  assert.ok(n > 100);
  const lines = readFileSync(path.join(testdata, 'speccheck/cases.txt'), 'utf8').trim().split('\n');
  const field = (l) => hex(l.slice(l.indexOf('=') + 1).trim());
  for (let i = 4; i < Number(lines[0]); i++) {
    const [msg, pbk, sig] = lines.slice(1 + 3 * i, 4 + 3 * i).map(field);
    assert.equal(check(pbk, msg, sig), i === 11, `speccheck case ${i}`);
  }
});

// The catalog is read in JavaScript, by the rules of Go's catalog.Parse,
// which the module leaves out: both must give the published answers.
test('parseCatalog agrees with the catalog vectors', async () => {
  const vec = JSON.parse(readFileSync(path.join(testdata, 'vectors/catalogs.json'), 'utf8'));
  for (const c of vec.valid) assert.deepEqual(parseCatalog(c.json), c.products, c.comment);
  for (const c of vec.invalid) assert.throws(() => parseCatalog(c.json), /licmint: catalog: /, c.comment);
  assert.deepEqual(parseCatalog(builtinCatalog), vec.valid[0].products);
  assert.throws(() => parseCatalog('{"Products": {"PC": {"Editions": [{"Name": "a", "NUMBER": 7}]}}}'), /unknown field "Products"/);
  assert.deepEqual(Object.keys(parseCatalog('{"products": {"PC": {"editions": [{"name": "a", "number": 7}]}}}').PC), ['name', 'editions', 'trial_days', 'maintenance_days', 'warning_days', 'grace_days']);

  const catalog = '{"products": {"PD": {"name": "D", "editions": [{"name": "pro", "number": 1, "features": ["x", "y"]}], "grace_days": 5}}}';
  await assert.rejects(createVerifier({ product: 'PC', keys, catalog }), /unknown product "PC"; the catalog has PD/);
  await assert.rejects(createVerifier({ product: 'PC', keys, catalog: '{"products": {}}' }), /catalog: no products/);
  const code = suite.cases.flatMap((c) => c.runs.flatMap((r) => r.steps)).find((s) => s.want?.edition === 'standard' && s.want.status === 'valid').code;
  const own = '{"products": {"PC": {"name": "C", "editions": [{"name": "basic", "number": 1, "features": ["a"]}], "warning_days": 36500}}}';
  const r = (await createVerifier({ product: 'pc', keys, catalog: own, now: new Date('2027-01-15T00:00:00Z') })).verify(code);
  assert.deepEqual([r.status, r.edition, r.features], ['expiring', 'basic', { a: true }]);
});
