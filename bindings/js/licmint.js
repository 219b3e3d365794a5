// licmint: the verifier a product embeds, in JavaScript, as the Go package
// verifier has it: Activation Codes with their statuses, features, install
// binding and generations; revocation lists; the verifier state, in the
// same format as Go's; renewals, reset codes and renewal requests. No
// network; the state goes where the product's store puts it (FileStore
// from 'licmint/node' in Node, MemoryStore anywhere).
//
//   import { Verifier } from 'licmint';
//   const v = await Verifier.create({ product: 'PC', keys: [{ id: 1, publicKey }] });
//   const lic = await v.verify(code); // or throws a LicmintError: err.kind, err.group, err.char, err.hint
//   lic.status, lic.features.enabled('update'), lic.daysLeft ...
import { LicmintError, prefixed } from './errors.js';
import { checkPublicKey, signatureChecker } from './ed25519.js';
import {
  MAX_INPUT_LEN, PERPETUAL, acMessage, checkInstallID, dayOfMs, dayStartMs, dayString, goQuote,
  parseActivationCode, parseProduct, parseResetCode, parseRevocationList, resetMessage, serialString,
} from './formats.js';
import { State, ZERO_TIME } from './state.js';

export { LicmintError } from './errors.js';
export { checkPublicKey } from './ed25519.js';
export { dayString, parseActivationCode, parseResetCode, parseRevocationList, renewalRequest, serialString } from './formats.js';
export { MemoryStore, State, marshalState, unmarshalState, MAX_RESETS, MAX_SERIALS, ZERO_TIME } from './state.js';

/**
 * DEFAULT_CATALOG is the built-in catalog (Go's catalog.Default()), as
 * parseCatalog from 'licmint/catalog' reads it: pass
 * DEFAULT_CATALOG.products.PC as the catalog option to name the editions
 * standard (1) and premium (2), both with the features update and scan.
 */
export const DEFAULT_CATALOG = Object.freeze({
  products: {
    PC: {
      name: 'Example product',
      editions: [
        { name: 'standard', number: 1, features: ['update', 'scan'] },
        { name: 'premium', number: 2, features: ['update', 'scan'] },
      ],
      trial_days: 30, maintenance_days: 365, warning_days: 60, grace_days: 30,
    },
  },
});

/** The default rollback tolerance, a day, in milliseconds. */
export const DEFAULT_ROLLBACK_TOLERANCE_MS = 86400000;
/** The most features an edition may have. */
export const MAX_FEATURES = 64;
const SAVE_INTERVAL_MS = 3600000;
const MAX_TERM_DAYS = 36500;

const IN_FORCE = new Set(['valid', 'expiring', 'grace']);

/** Features says which of an edition's features a license enables: all while in force, none otherwise. */
export class Features {
  #names;
  #on;
  constructor(names, on) {
    this.#names = names;
    this.#on = on;
  }
  /** enabled reports whether the feature called name is on; one the edition lacks is off. */
  enabled(name) {
    return this.#on && this.#names.includes(name);
  }
  /** names returns the edition's features, on or off, in catalog order. */
  names() {
    return [...this.#names];
  }
  /** map returns every feature of the edition and whether it is on. */
  map() {
    return Object.fromEntries(this.#names.map((n) => [n, this.#on]));
  }
}

/**
 * License is a verified Activation Code and where it stands: see the
 * fields' descriptions in licmint.d.ts.
 */
export class License {
  constructor(f) {
    Object.assign(this, f);
  }
  /** perpetual reports whether the license never expires. */
  get perpetual() {
    return this.expires === 'perpetual';
  }
  /** inForce reports whether the license is valid, expiring or in grace. */
  get inForce() {
    return IN_FORCE.has(this.status);
  }
}

// status applies FORMAT.md section 3.1 and the warning and grace windows.
function status(day, issued, expires, warn, grace) {
  let s;
  if (day < issued) s = 'not_yet_valid';
  else if (expires === PERPETUAL) return ['valid', 0];
  else {
    const left = expires - day;
    s = left > warn ? 'valid' : left > 0 ? 'expiring' : -left < grace ? 'grace' : 'expired';
  }
  if (expires === PERPETUAL) return [s, 0];
  return [s, Math.min(Math.max(expires - day, -(2 ** 30)), 2 ** 30)];
}

const acError = (kind, msg, hint) => new LicmintError(kind, 'activation code: ' + msg, { hint });
const resetError = (kind, msg, hint) => new LicmintError(kind, 'reset code: ' + msg, { hint });
const fail = (msg) => new LicmintError('invalid', 'verifier: ' + msg);
const dayOfTime = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * Verifier checks Activation Codes for one product against a fixed set of
 * trusted keys. Create one with Verifier.create.
 */
export class Verifier {
  #product;
  #keys = new Map(); // id -> {publicKey, check}
  #editions = [];
  #warn = 60;
  #grace = 30;
  #now;
  #installId = '';
  #list = null;
  #store = null;
  #tolerance = DEFAULT_ROLLBACK_TOLERANCE_MS;
  #seen = new State();
  #saved = 0;
  #stateErr = null;
  #saveErr = null;
  /** signatureCheck names what checks Ed25519 signatures: 'node', 'webcrypto', 'noble' or 'custom'. */
  signatureCheck = '';

  constructor(secret) {
    if (secret !== INTERNAL) throw new TypeError('licmint: use await Verifier.create(options)');
  }

  /**
   * create returns a verifier; see VerifierOptions in licmint.d.ts. It
   * fails on a product code that is not two letters, no keys, a key that
   * is not a valid Ed25519 key or one no key generator makes (kind
   * 'weak_key'), a duplicate key id, or an option out of range.
   */
  static async create(o = {}) {
    const v = new Verifier(INTERNAL);
    try {
      v.#product = parseProduct(o.product);
    } catch (e) {
      throw prefixed('verifier: ', e);
    }
    if (!Array.isArray(o.keys) || o.keys.length === 0) throw fail('no keys: a verifier needs at least one trusted key');
    if (o.now !== undefined && typeof o.now !== 'function' && !(o.now instanceof Date && Number.isFinite(o.now.getTime()))) {
      throw fail('now: want a function returning the time, or a valid Date');
    }
    const now = o.now ?? (() => new Date());
    v.#now = typeof now === 'function' ? () => +now() : () => +now;
    const custom = typeof o.signatureCheck === 'function' ? o.signatureCheck : null;
    for (const k of o.keys) {
      if (!Number.isInteger(k?.id) || k.id < 0 || k.id > 255) throw fail(`key id ${k?.id}: want 0 to 255`);
      if (v.#keys.has(k.id)) throw fail(`key id ${k.id} appears twice`);
      try {
        checkPublicKey(k.publicKey);
      } catch (e) {
        throw prefixed(`verifier: key id ${k.id}: `, e);
      }
      const publicKey = Uint8Array.from(k.publicKey);
      let name = 'custom', check;
      if (custom) check = async (msg, sig) => !!(await custom(publicKey.slice(), msg.slice(), sig.slice()));
      else [name, check] = await signatureChecker(publicKey, o.signatureCheck);
      v.signatureCheck = name;
      v.#keys.set(k.id, { publicKey, check });
    }
    if (o.installId !== undefined) {
      const bad = typeof o.installId === 'string' ? checkInstallID(o.installId) : 'install id: want a string';
      if (bad) throw fail(bad);
      v.#installId = o.installId;
    }
    if (o.catalog) {
      const c = o.catalog;
      for (const e of c.editions) {
        if (e.features.length > MAX_FEATURES) throw fail(`edition ${e.name} has ${e.features.length} features; at most ${MAX_FEATURES} are supported`);
        v.#editions[e.number] = { name: e.name, features: [...e.features] };
      }
      v.#warn = c.warning_days || 60;
      v.#grace = c.grace_days || 30;
    }
    if (o.warnDays !== undefined) v.#warn = o.warnDays;
    if (o.graceDays !== undefined) v.#grace = o.graceDays;
    const inRange = (d) => Number.isInteger(d) && d >= 0 && d <= MAX_TERM_DAYS;
    if (!inRange(v.#warn) || !inRange(v.#grace)) throw fail(`warning days ${v.#warn} and grace days ${v.#grace}: want 0 to ${MAX_TERM_DAYS}`);
    if (o.rollbackToleranceMs !== undefined) {
      if (!(o.rollbackToleranceMs >= 0)) throw fail(`rollback tolerance ${o.rollbackToleranceMs} ms is negative`);
      v.#tolerance = o.rollbackToleranceMs;
    }
    if (o.store) await v.#attachState(o.store);
    return v;
  }

  /** product returns the product code the verifier accepts. */
  get product() {
    return this.#product;
  }

  /** publicKey returns a copy of the trusted key with that id, or undefined. */
  publicKey(id) {
    return this.#keys.get(id)?.publicKey.slice();
  }

  /**
   * verify checks a signed Activation Code, as typed or pasted, and
   * resolves to its License whatever its status; a code that does not
   * decode or verify rejects with a LicmintError.
   */
  async verify(code) {
    return this.#check(verifierKind(() => parseActivationCode(code, { product: this.#product })), true);
  }

  async #check(c, record) {
    const key = this.#keys.get(c.keyId);
    if (!key) {
      throw acError('unknown_key', `signed with key id ${c.keyId}, which this verifier does not trust`,
        'the code may come from another vendor, or be signed with a newer key than this version of the product knows: ask the vendor for a code it accepts');
    }
    if (c.bound && this.#installId === '') {
      throw acError('install_mismatch', 'this code is bound to an install, and no install id was given',
        'this code is bound to one install, and the product did not say which install it is on: ask the vendor for help');
    }
    if (!(await key.check(acMessage(c, this.#installId), c.signature))) {
      if (c.bound) {
        throw acError('install_mismatch', 'the signature does not verify with this install id: the code is bound to another install, or was altered',
          'enter the code on the install it was issued for, or ask the vendor for a code for this install');
      }
      throw acError('bad_signature', `the signature does not verify with key id ${c.keyId}: the code was altered or forged`,
        'copy the code again from the original; a code that still fails is not genuine');
    }
    const now = this.#now();
    let [st, left] = status(dayOfMs(now), c.issued, c.expires, this.#warn, this.#grace);
    let superseded = false, lastSeen = null;
    if (this.#store) [superseded, lastSeen] = await this.#observe(c.serial, c.generation, now, record);
    if (this.#list?.revoked(c.serial, c.generation)) st = 'revoked';
    else if (superseded) st = 'superseded';
    else if (lastSeen !== null) st = 'clock_rollback';
    const ed = this.#editions[c.edition];
    return new License({
      product: c.product, edition: ed?.name ?? String(c.edition), editionNumber: c.edition, trial: c.trial, bound: c.bound,
      serial: c.serial, generation: c.generation, keyId: c.keyId, issued: dayString(c.issued), expires: dayString(c.expires),
      daysLeft: left, status: st, lastSeen: st === 'clock_rollback' ? new Date(lastSeen) : null,
      features: new Features(ed?.features ?? [], IN_FORCE.has(st)),
    });
  }

  // observe compares a verified code with the state and, with record,
  // records it; it saves when something worth remembering changed.
  async #observe(serial, gen, now, record) {
    const s = this.#seen;
    const key = BigInt(serial);
    const highest = s.generations.get(key);
    const superseded = highest !== undefined && highest > gen;
    const rolledBackFrom = now < s.lastSeen - this.#tolerance ? s.lastSeen : null;
    let save = false;
    if (record) {
      if (highest === undefined || gen > highest) {
        s.seeGeneration(key, gen);
        save = true;
      }
      if (now > s.lastSeen) {
        s.lastSeen = now;
        save = save || now - this.#saved >= SAVE_INTERVAL_MS;
      }
    }
    if (save) await this.#save();
    return [superseded, rolledBackFrom];
  }

  async #save() {
    const snap = this.#seen.clone();
    let merged;
    try {
      await this.#store.update((s) => {
        s.merge(snap);
        merged = s.clone();
      });
      this.#saveErr = null;
    } catch (e) {
      if (e?.kind !== 'state_corrupt' || !merged) {
        this.#saveErr = e;
        return;
      }
      this.#saveErr = null;
      this.#stateErr ??= e;
    }
    this.#seen.merge(merged);
    if (snap.lastSeen > this.#saved) this.#saved = snap.lastSeen;
  }

  async #attachState(store) {
    if (typeof store.load !== 'function' || typeof store.update !== 'function') throw fail('store: want an object with load and update');
    this.#store = store;
    let st, err = null;
    try {
      st = await store.load();
    } catch (e) {
      st = e?.kind === 'state_corrupt' && e.state ? e.state : new State();
      if (e?.kind !== 'state_missing') err = e;
    }
    this.#seen = st;
    this.#saved = st.lastSeen;
    this.#stateErr = err;
    if (st.list) {
      try {
        const l = await this.#parseList(st.list);
        if (l.sequence < st.listSequence) {
          this.#joinStateErr(`the saved revocation list has sequence ${l.sequence}, below the ${st.listSequence} accepted`);
        } else this.#list = l;
      } catch (e) {
        this.#joinStateErr(`the saved revocation list does not load: ${e.message}`);
      }
    }
  }

  #joinStateErr(msg) {
    const e = new LicmintError('state', this.#stateErr ? this.#stateErr.message + '\n' + msg : msg);
    this.#stateErr = e;
  }

  /**
   * stateError reports what went wrong with the store: a corrupt or
   * unreadable state found at create or by a later save (the verifier
   * then started afresh), and the latest save failure. null without a
   * store, and after a missing state, as on a first run.
   */
  stateError() {
    const errs = [this.#stateErr, this.#saveErr].filter(Boolean);
    if (errs.length === 0) return null;
    if (errs.length === 1) return errs[0];
    return new LicmintError(errs[0].kind, errs.map((e) => e.message).join('\n'));
  }

  #parseList(data) {
    return parseRevocationList(data, this.#product, async (id, msg, sig) => {
      const key = this.#keys.get(id);
      if (!key) return 'unknown_key';
      return (await key.check(msg, sig)) ? 'ok' : 'bad_signature';
    });
  }

  /**
   * loadRevocationList checks a signed revocation list (FORMAT.md section
   * 11) and puts it in force; it resolves to its ListInfo. A list of a
   * lower sequence than one accepted, here or (with a store) in an
   * earlier run, is refused ('list_replayed'); the last good list stays in
   * force after any refusal. The verifier keeps data, which must not be
   * modified afterwards.
   */
  async loadRevocationList(data) {
    const l = await this.#parseList(data);
    let highest = this.#list ? this.#list.sequence : 0n;
    if (this.#store && this.#seen.listSequence > highest) highest = this.#seen.listSequence;
    if (l.sequence < highest) {
      throw new LicmintError('list_replayed', `revocation list replayed: its sequence ${l.sequence} is lower than sequence ${highest}, already accepted; keeping the newer list`);
    }
    // The same sequence with other entries is refused too (FORMAT.md
    // section 11): a sequence names one list, and the one in force stays.
    const held = [this.#list?.sequence === l.sequence && this.#list.data];
    if (this.#store && this.#seen.listSequence === l.sequence) held.push(this.#seen.list);
    if (held.some((d) => d && !sameBytes(d, data))) {
      throw new LicmintError('list_replayed', `revocation list replayed: sequence ${l.sequence} was accepted with other entries; keeping that list`);
    }
    this.#list = l;
    if (this.#store) {
      const s = this.#seen;
      if (l.sequence > s.listSequence || s.list === null) {
        s.listSequence = l.sequence;
        s.list = data;
        await this.#save();
      }
    }
    return this.revocationList();
  }

  /** revocationList describes the list in force: {keyId, sequence (bigint), issued, entries}, or undefined. */
  revocationList() {
    const l = this.#list;
    return l ? { keyId: l.keyId, sequence: l.sequence, issued: dayString(l.issued), entries: l.count } : undefined;
  }

  /**
   * verifyRenewal checks that next, a code the vendor issued at renewal,
   * may replace current, the code installed now, and resolves to next's
   * license: the same serial, the same or a higher generation, a later
   * expiry, and not revoked or superseded. Refusals are 'not_renewal';
   * a code that does not verify gives verify's error, prefixed by which
   * code it is. Only an accepted renewal is recorded in the state.
   */
  async verifyRenewal(current, next) {
    const one = async (code, which) => {
      try {
        return await this.#check(verifierKind(() => parseActivationCode(code, { product: this.#product })), false);
      } catch (e) {
        throw e instanceof LicmintError ? prefixed(which, e) : e;
      }
    };
    const cur = await one(current, 'installed code: ');
    const l = await one(next, 'new code: ');
    const refuse = (hint, msg) => new LicmintError('not_renewal', 'activation code: not a renewal: ' + msg, { hint });
    const ask = 'ask the vendor for a renewal of the installed code';
    if (l.serial !== cur.serial) throw refuse(ask, `the new code is for serial ${serialString(l.serial)}, the installed one for serial ${serialString(cur.serial)}`);
    if (l.generation < cur.generation) {
      throw refuse('keep the installed code: the new one is older', `the new code is generation ${l.generation}, lower than the installed generation ${cur.generation}`);
    }
    if (cur.perpetual) throw refuse('keep the installed code', 'the installed code is perpetual: nothing extends it');
    if (!l.perpetual && l.expires <= cur.expires) {
      throw refuse(ask, `the new code expires ${l.expires}, which does not extend the installed code's expiry, ${cur.expires}`);
    }
    if (l.status === 'revoked') throw refuse(ask, 'the new code is revoked by the revocation list in force');
    if (l.status === 'superseded') {
      throw refuse('enter the latest code the vendor issued for this serial',
        `a higher generation of serial ${serialString(l.serial)} than the new code's ${l.generation} has been seen here`);
    }
    if (this.#store) await this.#observe(l.serial, l.generation, this.#now(), true);
    return l;
  }

  /**
   * reset applies a reset code (FORMAT.md section 16) from the vendor: it
   * clears a clock_rollback lock at the day the code names, once, on the
   * install it was issued for. It needs a store and an install id.
   * Refusals are LicmintErrors: the code's decoding errors, 'unknown_key',
   * 'install_mismatch', 'reset_used', 'reset_not_locked' and
   * 'reset_too_early'; the state is then as it was.
   */
  async reset(code) {
    if (!this.#store) throw new LicmintError('invalid', 'verifier: reset needs a state (the store option): without one there is no remembered time to clear');
    const c = verifierKind(() => parseResetCode(code, this.#product));
    const key = this.#keys.get(c.keyId);
    const id = this.#installId;
    if (!key) throw resetError('unknown_key', `signed with key id ${c.keyId}, which this verifier does not trust`, 'ask the vendor for a reset code signed with a key this product trusts');
    if (id === '') {
      throw resetError('install_mismatch', 'a reset code is for one install, and no install id was given',
        'a reset code is for one install, and the product did not say which install it is on: ask the vendor for help');
    }
    if (!(await key.check(resetMessage(c, id), c.signature))) {
      throw resetError('install_mismatch', `the signature does not verify with install id ${goQuote(id)}: the code was issued for another install, or altered`,
        `ask the vendor for a reset code for install ${goQuote(id)}, or copy the code again from the original`);
    }
    const now = this.#now();
    const issued = dayStartMs(c.issued);
    const tol = this.#tolerance;
    const snap = this.#seen.clone();
    let result = null;
    try {
      await this.#store.update((s) => {
        s.merge(snap);
        const seen = s.lastSeen;
        if (s.resets.has(c.id)) {
          throw resetError('reset_used', 'this reset code was already used on this install; a reset code clears one lock once',
            `if this install is locked again, ask the vendor for a new reset code for install ${goQuote(id)} and the day it remembers`);
        }
        if (seen === ZERO_TIME) {
          throw resetError('reset_not_locked', 'this install remembers no time: there is no lock to clear', 'nothing needs resetting');
        }
        if (dayOfMs(seen) !== c.remembered) {
          throw resetError('reset_not_locked', `the code clears a lock at ${dayString(c.remembered)}, but this install remembers ${dayOfTime(seen)}`,
            `if the clock is right, ask the vendor for a reset code for install ${goQuote(id)} and day ${dayOfTime(seen)}`);
        }
        if (!(now < seen - tol)) {
          throw resetError('reset_not_locked', `the clock reads ${dayOfTime(now)}, not behind the remembered ${dayOfTime(seen)}: there is no lock to clear`,
            'nothing needs resetting; keep the code in case the clock is set back');
        }
        if (now < issued - tol) {
          throw resetError('reset_too_early', `the clock reads ${dayOfTime(now)}, before ${dayString(c.issued)}, the day the code was issued: the clock is wrong`,
            'set the clock right, then give the same reset code again');
        }
        s.lastSeen = issued > now ? issued : now;
        s.addReset(c.id, dayStartMs(c.remembered));
        result = s.clone();
      });
    } catch (e) {
      if (!(result && e?.kind === 'state_corrupt')) throw e;
      this.#joinStateErr(e.message);
    }
    this.#seen.merge(result);
    this.#saved = this.#seen.lastSeen;
  }
}

const INTERNAL = Symbol('licmint');

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// verifierKind runs a parser and reports an unknown format version as the
// verifier's kinds have it, 'malformed': to a verifier, a code of a newer
// format is no code (Go's verifier.ErrorKind).
function verifierKind(parse) {
  try {
    return parse();
  } catch (e) {
    if (e?.kind === 'unknown_version') e.kind = 'malformed';
    throw e;
  }
}
export { MAX_INPUT_LEN };
