// The package's test suite, shared by the Node runner (node.test.mjs) and
// the browser page (browser.html): the conformance suite and every vector
// file of testdata, case for case with Go, and the oracle file a Go test
// writes (Go's own answers, messages and hints included, on the vectors'
// inputs and their single-character corruptions, on Ed25519 edge cases
// and on state files). tests(lib, data, opts) returns [{name, fn}]; each
// fn throws on a failure. data holds the parsed JSON files: cases,
// vectors (by file name without .json) and oracle.

import { signAsync } from '@noble/ed25519';

const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
function eq(got, want, where) {
  const g = show(got), w = show(want);
  if (g !== w) throw new Error(`${where}:\n  got  ${g}\n  want ${w}`);
}
function ok(cond, where) {
  if (!cond) throw new Error(where);
}
async function rejects(p, where) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error(`${where}: no error`);
}
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const ms = (s) => new Date(s).getTime();

// errorOf returns what a LicmintError says, as the oracle records it.
const errorOf = (e) => {
  if (e?.name !== 'LicmintError') throw e;
  return { kind: e.kind, message: e.message, hint: e.hint, group: e.group, char: e.char, line: e.line, column: e.column };
};
const licenseOf = (l) => ({
  status: l.status, product: l.product, edition: l.edition, edition_number: l.editionNumber, trial: l.trial,
  install_bound: l.bound, serial: l.serial, generation: l.generation, key_id: l.keyId, issued: l.issued,
  expires: l.expires, days_left: l.daysLeft, features_on: l.features.names().filter((f) => l.features.enabled(f)),
});

export function tests(lib, data, { signatureCheck } = {}) {
  const { Verifier, MemoryStore, DEFAULT_CATALOG } = lib;
  const out = [];
  const add = (name, fn) => out.push({ name, fn });
  const suite = data.cases;
  const keys = suite.keys.map((k) => ({ id: k.id, publicKey: hex(k.public_key_hex) }));
  const catalogFor = (p) => DEFAULT_CATALOG.products[p.toUpperCase()];

  for (const c of suite.cases) {
    add(`conformance: ${c.name}`, async () => {
      let bytes = null;
      for (const [i, run] of c.runs.entries()) {
        // Between runs the state goes through its byte form, as a product
        // keeping it itself (or in a file) does.
        const store = c.state ? new MemoryStore(bytes ?? undefined) : undefined;
        const v = await Verifier.create({
          product: c.product, keys, installId: run.install_id || undefined, now: new Date(run.now),
          warnDays: run.warn_days ?? undefined, graceDays: run.grace_days ?? undefined, store, signatureCheck,
          catalog: catalogFor(c.product),
        });
        for (const [j, step] of run.steps.entries()) {
          const where = `run ${i + 1} step ${j + 1}`;
          if ('code' in step) {
            const w = step.want;
            let got;
            try {
              // A step with renew_from renews that installed code with this one.
              const l = 'renew_from' in step ? await v.verifyRenewal(step.renew_from, step.code) : await v.verify(step.code);
              got = { error_kind: '', group: 0, char: 0, ...licenseOf(l) };
            } catch (e) {
              const x = errorOf(e);
              got = { status: 'invalid', error_kind: x.kind, group: x.group, char: x.char, product: '', edition: '', edition_number: 0,
                trial: false, install_bound: false, serial: 0, generation: 0, key_id: 0, issued: '', expires: '', days_left: 0, features_on: [] };
            }
            if (w.group === null) [got.group, got.char] = [null, null];
            const order = Object.keys(w);
            eq(Object.fromEntries(order.map((k) => [k, got[k]])), w, where);
          } else {
            let kind = '';
            try {
              await v.loadRevocationList(hex(step.revocation_list_hex));
            } catch (e) {
              kind = errorOf(e).kind;
            }
            eq(kind, step.want_list_error, `${where}: revocation list`);
          }
        }
        if (store) {
          eq(v.stateError(), null, `run ${i + 1}: state error`);
          bytes = await store.bytes();
        }
      }
      if (c.state) eq(toHex(bytes), data.oracle.case_states[c.name], "the state, as Go's state.Marshal writes Go's");
    });
  }

  const vec = data.vectors;
  add('vectors: activation_codes.json', async () => {
    const f = vec.activation_codes;
    const pub = hex(f.test_key.public_key_hex);
    for (const c of f.valid) {
      for (const s of [c.signed, ...c.other_spellings]) {
        const a = lib.parseActivationCode(s);
        const fields = { product: a.product, version: a.version, key_id: a.keyId, edition: a.edition, trial: a.trial,
          install_bound: a.bound, generation: a.generation, issued: lib.dayString(a.issued), expires: lib.dayString(a.expires),
          serial: lib.serialString(a.serial) };
        eq(fields, c.fields, c.comment);
        eq(a.canonical, c.signed, `${c.comment}: canonical form`);
        eq(a.short, c.short, `${c.comment}: short form`);
      }
      eq(lib.parseActivationCode(c.short, { signed: false }).short, c.short, `${c.comment}: short form parsed`);
      eq(lib.parseRegistrationKey(c.registration_key).serial, Number(c.fields.serial), `${c.comment}: registration key`);
      const v = await Verifier.create({ product: c.fields.product, keys: [{ id: c.fields.key_id, publicKey: pub }],
        installId: c.install_id || undefined, now: new Date(`${c.fields.issued}T00:00:00Z`), signatureCheck });
      const l = await v.verify(c.signed);
      eq([l.serial, l.generation, l.bound], [Number(c.fields.serial), c.fields.generation, c.fields.install_bound], `${c.comment}: verified`);
    }
    for (const c of f.invalid) {
      const e = errorOf(await rejects((async () => lib.parseActivationCode(c.input, { signed: c.want === 'signed', product: c.product ?? '' }))(), c.comment));
      eq(e.kind, c.error, c.comment);
      eq([e.group, e.char, e.line, e.column], [c.group ?? 0, c.char ?? 0, c.line ?? 0, c.column ?? 0], `${c.comment}: position`);
    }
    for (const c of f.install_ids) {
      // An install id is a string here: ids that are not UTF-8 cannot be given.
      let id;
      try {
        id = new TextDecoder('utf-8', { fatal: true }).decode(hex(c.install_id_hex));
      } catch {
        continue;
      }
      const made = Verifier.create({ product: 'PC', keys: [{ id: 1, publicKey: pub }], installId: id, signatureCheck });
      if (c.valid) await made;
      else ok(/install id/.test((await rejects(made, c.comment)).message), c.comment);
    }
  });

  add('vectors: registration_keys.json', async () => {
    for (const c of vec.registration_keys.vectors) {
      if (c.error) {
        const e = errorOf(await rejects((async () => lib.parseRegistrationKey(c.input))(), c.comment));
        eq([e.kind, e.group, e.char, e.line, e.column], [c.error, c.group ?? 0, c.char ?? 0, c.line ?? 0, c.column ?? 0], c.comment);
        continue;
      }
      const k = lib.parseRegistrationKey(c.input);
      eq([k.canonical, k.product, k.trial, lib.serialString(k.serial)], [c.canonical, c.product, c.trial ?? false, c.serial], c.comment);
    }
  });

  add('vectors: catalogs.json', async () => {
    for (const c of vec.catalogs.valid) eq(lib.parseCatalog(c.json).products, c.products, c.comment);
    for (const c of vec.catalogs.invalid) eq(errorOf(await rejects((async () => lib.parseCatalog(c.json))(), c.comment)).kind, 'invalid', c.comment);
    eq(lib.parseCatalog(lib.BUILTIN_CATALOG), DEFAULT_CATALOG, 'the built-in catalog');
    eq(DEFAULT_CATALOG.products, vec.catalogs.valid[0].products, 'the built-in catalog');
    eq(lib.catalogProduct(DEFAULT_CATALOG, 'pc'), DEFAULT_CATALOG.products.PC, 'a product by code');
  });

  add('vectors: revocation_lists.json', async () => {
    const f = vec.revocation_lists;
    const pub = hex(f.test_key.public_key_hex);
    const make = () => Verifier.create({ product: 'PC', keys: [{ id: 1, publicKey: pub }], now: new Date('2027-01-15T00:00:00Z'), signatureCheck });
    const byName = {};
    for (const c of f.valid) {
      byName[c.name] = hex(c.hex);
      const v = await make();
      const info = await v.loadRevocationList(hex(c.hex));
      eq(info, { keyId: c.key_id, sequence: BigInt(c.sequence), issued: c.issued, entries: c.entries.length }, c.comment);
    }
    for (const c of f.invalid) {
      const v = await Verifier.create({ product: c.product, keys: [{ id: 1, publicKey: pub }], signatureCheck });
      eq(errorOf(await rejects(v.loadRevocationList(hex(c.hex)), c.comment)).kind, 'list_' + c.error, c.comment);
    }
    for (const c of f.replays) {
      const v = await make();
      await v.loadRevocationList(byName[c.accepted]);
      let kind = '';
      try {
        await v.loadRevocationList(byName[c.then]);
      } catch (e) {
        kind = errorOf(e).kind;
      }
      eq(kind, c.error ? 'list_' + c.error : '', c.comment);
    }
  });

  add('vectors: revocation_lists.json checks', async () => {
    for (const c of vec.revocation_lists.valid) {
      const l = await lib.parseRevocationList(hex(c.hex), c.product, () => 'ok');
      for (const k of c.checks) eq(l.revoked(Number(k.serial), k.generation), k.revoked, `${c.name}: serial ${k.serial} generation ${k.generation}`);
    }
  });

  add('vectors: reset_codes.json', async () => {
    const f = vec.reset_codes;
    const pub = hex(f.test_key.public_key_hex);
    for (const c of f.valid) {
      for (const s of [c.code, ...c.other_spellings]) {
        const r = lib.parseResetCode(s);
        eq({ product: r.product, version: r.version, key_id: r.keyId, remembered: lib.dayString(r.remembered), issued: lib.dayString(r.issued), nonce: r.nonce },
          c.fields, c.comment);
        eq([r.id, r.canonical], [c.header_hex, c.code], c.comment);
      }
    }
    for (const c of f.invalid) {
      const e = errorOf(await rejects((async () => lib.parseResetCode(c.input, c.product ?? ''))(), c.comment));
      eq(e.kind, c.error, c.comment);
      eq([e.group, e.char, e.line, e.column], [c.group ?? 0, c.char ?? 0, c.line ?? 0, c.column ?? 0], `${c.comment}: position`);
    }
    const code = f.valid[0];
    const kinds = { accepted: '', install_mismatch: 'install_mismatch', wrong_product: 'wrong_product', used: 'reset_used', not_locked: 'reset_not_locked', too_early: 'reset_too_early' };
    for (const tc of f.acceptance) {
      const before = new lib.State();
      if (tc.last_seen) before.lastSeen = ms(tc.last_seen);
      for (const id of tc.used) before.addReset(id, ms(`${code.fields.remembered}T00:00:00Z`));
      const store = new MemoryStore(await lib.marshalState(before));
      const v = await Verifier.create({ product: tc.product, keys: [{ id: code.fields.key_id, publicKey: pub }], store, installId: tc.install_id,
        now: new Date(tc.now), rollbackToleranceMs: tc.tolerance_seconds * 1000, signatureCheck });
      let kind = '';
      try {
        await v.reset(code.code);
      } catch (e) {
        kind = errorOf(e).kind;
      }
      eq(kind, kinds[tc.result], tc.comment);
      const after = await store.load();
      if (tc.result === 'accepted') {
        eq(after.lastSeen, ms(tc.new_last_seen), `${tc.comment}: last seen`);
        ok(after.resets.has(code.header_hex), `${tc.comment}: the reset is recorded`);
      } else eq(await lib.marshalState(after), await lib.marshalState(before), `${tc.comment}: the state is as it was`);
    }
  });

  add('vectors: renewal_requests.json', async () => {
    for (const c of vec.renewal_requests.valid) {
      const r = lib.parseRenewalRequest(c.text);
      eq([r.product, r.code.canonical, r.installId, new Date(r.time).toISOString().replace('.000', '')], [c.product, c.code, c.install_id, c.time], c.comment);
      eq(lib.formatRenewalRequest(r), c.canonical, `${c.comment}: canonical`);
    }
    for (const c of vec.renewal_requests.invalid) {
      eq(errorOf(await rejects((async () => lib.parseRenewalRequest(c.text))(), c.comment)).kind, c.error, c.comment);
    }
  });

  add('vectors: jwts.json', async () => {
    const f = vec.jwts;
    const pub = hex(f.test_key.public_key_hex);
    const make = (c) => Verifier.create({ product: 'PC', keys: [{ id: 1, publicKey: pub }, { id: 2, publicKey: pub }], catalog: catalogFor('PC'),
      now: new Date(`${c.verify_at}T00:00:00Z`), installId: c.install_id || undefined, signatureCheck });
    for (const c of f.valid) {
      const l = await lib.verifyToken(await make(c), c.token);
      const w = c.license;
      eq({ status: l.status, days_left: l.daysLeft, product: l.product, edition: l.edition, edition_number: l.editionNumber, trial: l.trial,
        install_bound: l.bound, serial: lib.serialString(l.serial), generation: l.generation, key_id: l.keyId, issued: l.issued, expires: l.expires,
        features: Object.fromEntries(Object.entries(l.features.map()).sort()) },
      { ...w, features: Object.fromEntries(Object.entries(w.features).sort()) }, c.comment);
    }
    for (const c of f.invalid) {
      const e = errorOf(await rejects(lib.verifyToken(await make(c), c.token), c.comment));
      eq(e.kind, c.error, `${c.comment}: ${e.message}`);
    }
    // A member named exp inside another is not the claim: the token's own
    // exp is read, wherever the other stands.
    const b64u = (b) => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const c = f.valid[0];
    const [h, p] = c.token.split('.');
    const claims = new TextDecoder().decode(Uint8Array.from(atob(p.replace(/-/g, '+').replace(/_/g, '/')), (x) => x.charCodeAt(0)));
    const body = b64u(new TextEncoder().encode(`${claims.slice(0, -1)},"x":{"exp":1}}`));
    const sig = await signAsync(new TextEncoder().encode(`${h}.${body}`), hex(f.test_key.seed_hex));
    eq((await lib.verifyToken(await make(c), `${h}.${body}.${b64u(sig)}`)).serial, (await lib.verifyToken(await make(c), c.token)).serial, 'exp nested in another member');
  });

  add('vectors: key_files.json', async () => {
    const f = vec.key_files;
    for (const c of f.valid) {
      const keys = lib.parseKeyring(c.text);
      eq(keys.map((k) => ({ key_id: k.id, public_key_hex: toHex(k.publicKey) })), c.keys, c.comment);
      if (c.canonical === 'pem') eq(lib.keyringPEM(keys), c.text, `${c.comment}: written`);
      if (c.canonical === 'jwks') eq(lib.keyringJWKS(keys), c.text, `${c.comment}: written`);
      const v = await Verifier.create({ product: 'PC', keys, signatureCheck });
      eq(v.product, 'PC', `${c.comment}: trusted`);
    }
    for (const c of f.invalid) eq(errorOf(await rejects((async () => lib.parseKeyring(c.text))(), c.comment)).kind, c.error, c.comment);
    // JSON text is UTF-8: a JWK Set read from bytes with one that is not
    // is refused, never read with U+FFFD (which vectors, being JSON, cannot carry).
    const valid = new TextEncoder().encode(f.valid.find((c) => c.canonical === 'jwks').text);
    eq(lib.parseKeyring(valid).length > 0, true, 'a JWK Set as bytes');
    // A member the format does not define, ignored, holding é and then 0xff.
    const other = (b) => Uint8Array.from([0x7b, ...new TextEncoder().encode('"x":"'), ...b, 0x22, 0x2c, ...valid.slice(1)]);
    eq(lib.parseKeyring(other([0xc3, 0xa9])).length > 0, true, 'a JWK Set with é in a member of its own');
    eq(errorOf(await rejects((async () => lib.parseKeyring(other([0xff])))(), 'byte 0xff')).kind, 'invalid', 'a JWK Set with byte 0xff');
  });

  add('vectors: state_files.json', async () => {
    const f = vec.state_files;
    // A state with its list is read as marshalState writes it: the text, an empty line, the list.
    const read = (text, list) => lib.unmarshalState(list ? hex(toHex(new TextEncoder().encode(text.replace(/\n?$/, '\n\n'))) + list) : new TextEncoder().encode(text));
    const text = async (s) => {
      const b = await lib.marshalState(s);
      const cut = s.list ? b.length - s.list.length - 1 : b.length;
      return [new TextDecoder().decode(b.subarray(0, cut)), s.list ? toHex(s.list) : undefined];
    };
    for (const c of f.valid) {
      const s = await read(c.text, c.list_hex);
      const w = c.fields;
      eq({ last_seen: s.lastSeen === lib.ZERO_TIME ? '' : lib.formatRFC3339(s.lastSeen), list_sequence: Number(s.listSequence), list_sha256: s.list ? toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', s.list))) : '',
        generations: [...s.generations].map(([k, g]) => [Number(k), g]).sort((a, b) => a[0] - b[0]),
        resets: [...s.resets].map(([id, d]) => [lib.dayString(lib.dayOfMs(d)), id]).sort() },
      w, c.comment);
      eq(await text(s), [c.canonical, c.list_hex], `${c.comment}: written`);
    }
    for (const c of f.invalid) {
      eq(errorOf(await rejects(read(c.text, c.list_hex), c.comment)).kind, 'state_corrupt', c.comment);
    }
    for (const c of f.merges) {
      const into = await read(c.into, c.into_list_hex);
      into.merge(await read(c.from, c.from_list_hex));
      eq(await text(into), [c.merged, c.merged_list_hex], c.comment);
    }
  });

  add('vectors: renewals.json', async () => {
    const f = vec.renewals;
    const pub = hex(f.test_key.public_key_hex);
    for (const c of f.cases) {
      const v = await Verifier.create({ product: 'PC', keys: [{ id: 1, publicKey: pub }], catalog: catalogFor('PC'), store: new MemoryStore(),
        now: new Date(c.now), installId: c.install_id || undefined, signatureCheck });
      if (c.revocation_list_hex) await v.loadRevocationList(hex(c.revocation_list_hex));
      for (const s of c.seen ?? []) await v.verify(s);
      const w = c.want;
      let got;
      try {
        const l = await v.verifyRenewal(c.installed, c.new);
        got = { error_kind: '', status: l.status, generation: l.generation, edition_number: l.editionNumber, trial: l.trial, install_bound: l.bound, expires: l.expires };
      } catch (e) {
        got = { error_kind: errorOf(e).kind, status: '', generation: 0, edition_number: 0, trial: false, install_bound: false, expires: '' };
      }
      got.installed_after = await v.verify(c.installed).then((l) => l.status, (e) => (errorOf(e), 'invalid'));
      eq(got, w, c.comment);
    }
  });

  const oracle = data.oracle;
  add("oracle: every code as Go's verifier answers it, messages and hints included", async () => {
    const verifiers = new Map();
    for (const c of oracle.codes) {
      const id = `${c.product}|${c.install_id}|${c.now}`;
      if (!verifiers.has(id)) {
        verifiers.set(id, await Verifier.create({ product: c.product, keys, installId: c.install_id || undefined, now: new Date(c.now),
          catalog: catalogFor(c.product), signatureCheck }));
      }
      let got;
      try {
        got = licenseOf(await verifiers.get(id).verify(c.input));
      } catch (e) {
        got = errorOf(e);
      }
      eq(got, c.want, `code ${JSON.stringify(c.input)}`);
    }
  });

  add("oracle: reset codes and Registration Keys as Go's parsers answer them", async () => {
    for (const c of oracle.resets) {
      let got;
      try {
        got = lib.parseResetCode(c.input, c.product).id;
      } catch (e) {
        got = errorOf(e);
      }
      eq(got, c.want, `reset code ${JSON.stringify(c.input)}`);
    }
    for (const c of oracle.rks) {
      let got;
      try {
        got = lib.parseRegistrationKey(c.input).canonical;
      } catch (e) {
        got = errorOf(e);
      }
      eq(got, c.want, `registration key ${JSON.stringify(c.input)}`);
    }
  });

  add("oracle: Ed25519 keys and signatures as Go's verifier takes them", async () => {
    let checked = 0;
    for (const c of oracle.ed25519) {
      let kind = '';
      try {
        lib.checkPublicKey(hex(c.public_key));
      } catch (e) {
        kind = errorOf(e).kind;
      }
      eq(kind, c.key_error, `${c.name}: key`);
      if (kind) continue;
      for (const check of lib.signatureChecks) {
        eq(await check(hex(c.public_key), hex(c.message), hex(c.signature)), c.valid, `${c.name}: ${check.name}`);
        checked++;
      }
    }
    ok(checked > 100, `only ${checked} checks`);
  });

  add("oracle: state files as Go's state package reads and writes them", async () => {
    for (const c of oracle.states) {
      let got;
      try {
        got = toHex(await lib.marshalState(await lib.unmarshalState(hex(c.bytes))));
      } catch (e) {
        got = errorOf(e).kind;
      }
      eq(got, c.want, c.name);
    }
  });

  add("oracle: renewals as Go's VerifyRenewal answers them", async () => {
    const v = await Verifier.create({ product: 'PC', keys, now: new Date(oracle.renewals[0].now), catalog: catalogFor('PC'), signatureCheck });
    for (const c of oracle.renewals) {
      let got;
      try {
        got = licenseOf(await v.verifyRenewal(c.current, c.next));
      } catch (e) {
        got = errorOf(e);
      }
      eq(got, c.want, `renewal of ${c.current.slice(0, 30)} by ${c.next.slice(0, 30)}`);
    }
  });

  add('bad options are refused with a clear error', async () => {
    const cases = [
      [{ product: 'PC', keys: [] }, /no keys/],
      [{ product: 'P', keys }, /product code "P"/],
      [{ product: 'PC', keys: [{ id: 1, publicKey: new Uint8Array(31) }] }, /key id 1: public key: 31 bytes/],
      [{ product: 'PC', keys: [{ id: 1, publicKey: new Uint8Array(32) }] }, /small order/],
      [{ product: 'PC', keys: [keys[0], keys[0]] }, /appears twice/],
      [{ product: 'PC', keys, now: 'tomorrow' }, /now:/],
      [{ product: 'PC', keys, installId: ' x' }, /white space/],
      [{ product: 'PC', keys, warnDays: -1 }, /warning days -1/],
      [{ product: 'PC', keys, signatureCheck: 'fast' }, /signatureCheck "fast"/],
    ];
    for (const [o, re] of cases) {
      const e = await rejects(Verifier.create(o), re.source);
      ok(re.test(e.message), `${re}: got ${e.message}`);
    }
    const v = await Verifier.create({ product: 'PC', keys, signatureCheck });
    const e = errorOf(await rejects(v.verify('x'.repeat(5000)), 'a long input'));
    eq([e.kind, e.message], ['malformed', 'activation code: input is 5000 bytes, more than 1024'], 'a long input');
    const r = errorOf(await rejects(v.reset('PC'), 'reset without a store'));
    eq(r.kind, 'invalid', 'reset without a store');
    const bad = new MemoryStore(new Uint8Array([1, 2, 3]));
    const w = await Verifier.create({ product: 'PC', keys, store: bad, signatureCheck });
    eq(w.stateError()?.kind, 'state_corrupt', 'a corrupt state is reported');
  });

  add('a signatureCheck function decides, and gets the key, message and signature', async () => {
    const code = oracle.codes.find((c) => c.want.status === 'valid' && c.product === 'PC' && !c.install_id);
    const calls = [];
    const v = await Verifier.create({ product: 'PC', keys, now: new Date(code.now), signatureCheck: (...a) => calls.push(a) > 0 });
    eq(v.signatureCheck, 'custom', 'name');
    eq((await v.verify(code.input)).status, 'valid', 'verified');
    eq([calls.length, toHex(calls[0][0]), calls[0][2].length], [1, suite.keys[0].public_key_hex, 64], 'the call');
    const no = await Verifier.create({ product: 'PC', keys, now: new Date(code.now), signatureCheck: () => false });
    eq(errorOf(await rejects(no.verify(code.input), 'refused')).kind, 'bad_signature', 'a check that says no');
  });

  add('renewal requests round-trip', async () => {
    const code = oracle.codes.find((c) => c.want.status === 'valid' && c.want.install_bound);
    const text = lib.renewalRequest(code.input, code.install_id, new Date('2027-10-01T09:30:00.750Z'));
    const r = lib.parseRenewalRequest(text);
    eq([r.installId, r.time, r.code.canonical], [code.install_id, ms('2027-10-01T09:30:00Z'), lib.parseActivationCode(code.input).canonical], 'parsed');
  });
  return out;
}
