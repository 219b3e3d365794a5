// The JavaScript runner of testdata/conformance/cases.json, through
// licmint.wasm: node --test (with LICMINT_DIST naming the directory that
// holds licmint.mjs, licmint.wasm and wasm_exec.js, and LICMINT_CASES the
// cases file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const dist = process.env.LICMINT_DIST ?? 'dist';
const casesFile = process.env.LICMINT_CASES ?? 'testdata/conformance/cases.json';
const { createVerifier } = await import(pathToFileURL(path.resolve(dist, 'licmint.mjs')));
const suite = JSON.parse(readFileSync(casesFile, 'utf8'));
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const keys = suite.keys.map((k) => ({ id: k.id, public: hex(k.public_key_hex) }));

for (const c of suite.cases) {
  test(c.name, async () => {
    let state = c.state ? null : undefined;
    for (const [i, run] of c.runs.entries()) {
      const v = await createVerifier({
        product: c.product, keys, installId: run.install_id, now: new Date(run.now),
        warnDays: run.warn_days, graceDays: run.grace_days, state,
      });
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
