// The Deno runner: deno run --allow-read --allow-env test/deno.mjs, with
// LICMINT_TESTDATA and LICMINT_ORACLE as for the Node runner (js_test.go's
// TestDeno sets them). Deno resolves @noble/ed25519 from the package's
// node_modules, as it does for a product with a package.json. It runs
// test/suite.mjs once per Ed25519 check Deno has and prints a TAP-like
// summary.
import * as main from '../licmint.js';
import * as formats from '../formats.js';
import * as catalog from '../catalog.js';
import * as jwt from '../jwt.js';
import * as keyfiles from '../keys.js';
import { tests } from './suite.mjs';
import { signatureChecks } from './checks.mjs';

const testdata = Deno.env.get('LICMINT_TESTDATA');
const read = (p) => JSON.parse(Deno.readTextFileSync(p));
const names = ['activation_codes', 'catalogs', 'jwts', 'key_files', 'registration_keys', 'renewal_requests', 'renewals', 'reset_codes', 'revocation_lists', 'state_files'];
const data = {
  cases: read(`${testdata}/conformance/cases.json`),
  vectors: Object.fromEntries(names.map((n) => [n, read(`${testdata}/vectors/${n}.json`)])),
  oracle: read(Deno.env.get('LICMINT_ORACLE')),
};
const checks = await signatureChecks();
const lib = { ...formats, ...catalog, ...jwt, ...keyfiles, ...main, signatureChecks: checks };
let pass = 0, fail = 0;
for (const check of checks) {
  for (const t of tests(lib, data, { signatureCheck: check.option })) {
    try {
      await t.fn();
      pass++;
    } catch (e) {
      fail++;
      console.log(`not ok - ${t.name} (signatures: ${check.name}): ${e?.stack ?? e}`);
    }
  }
}
console.log(`# checks ${checks.map((c) => c.name).join(' ')}\n# pass ${pass}\n# fail ${fail}`);
