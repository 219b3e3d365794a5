// The browser runner: browser.html loads it, it fetches the suite's data
// from the server that serves the package (js_test.go's TestChromium:
// /testdata/ and /oracle.json), runs test/suite.mjs once per Ed25519
// check the browser offers (WebCrypto, and the JavaScript one), and leaves
// the outcome in window.licmintResult and on the page.
import * as main from '../licmint.js';
import * as formats from '../formats.js';
import * as catalog from '../catalog.js';
import * as jwt from '../jwt.js';
import * as keyfiles from '../keys.js';
import { tests } from './suite.mjs';
import { signatureChecks } from './checks.mjs';

const out = document.getElementById('out');
try {
  const get = async (p) => (await fetch(p)).json();
  const names = ['activation_codes', 'catalogs', 'jwts', 'key_files', 'registration_keys', 'renewal_requests', 'renewals', 'reset_codes', 'revocation_lists', 'state_files'];
  const data = {
    cases: await get('/testdata/conformance/cases.json'),
    vectors: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await get(`/testdata/vectors/${n}.json`)]))),
    oracle: await get('/oracle.json'),
  };
  const checks = await signatureChecks();
  const lib = { ...formats, ...catalog, ...jwt, ...keyfiles, ...main, signatureChecks: checks };
  const result = { passed: 0, failed: [], checks: checks.map((c) => c.name), defaultCheck: '' };
  const keys = data.cases.keys.map((k) => ({ id: k.id, publicKey: Uint8Array.from(k.public_key_hex.match(/../g), (b) => parseInt(b, 16)) }));
  result.defaultCheck = (await main.Verifier.create({ product: 'PC', keys })).signatureCheck;
  for (const check of checks) {
    for (const t of tests(lib, data, { signatureCheck: check.option })) {
      try {
        await t.fn();
        result.passed++;
      } catch (e) {
        result.failed.push(`${t.name} (signatures: ${check.name}): ${e?.stack ?? e}`);
      }
    }
  }
  window.licmintResult = result;
  out.textContent = JSON.stringify(result, null, 1);
} catch (e) {
  window.licmintResult = { passed: 0, failed: [`the runner: ${e?.stack ?? e}`] };
  out.textContent = String(e?.stack ?? e);
}
