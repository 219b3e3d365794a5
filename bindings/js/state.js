// The verifier's memory between runs (FORMAT.md section 13), as Go's
// package verifier/state keeps it: the same State, the same merge, and the
// same file text, so that a product can move between the Go and the
// JavaScript verifier without losing it.
import { LicmintError } from './errors.js';
import { sha256Hex } from './ed25519.js';
import { decodeUTF8, encodeUTF8, formatRFC3339, parseDate, parseRFC3339 } from './formats.js';

/** MAX_SERIALS bounds the serials a state remembers; beyond it the lowest goes. */
export const MAX_SERIALS = 10000;
/** MAX_RESETS bounds the reset codes a state remembers; the earliest-day one goes. */
export const MAX_RESETS = 100;
/** MAX_FILE_SIZE bounds the state's text; MAX_LIST_SIZE the list kept beside it. */
export const MAX_FILE_SIZE = 1 << 20;
export const MAX_LIST_SIZE = 2 ** 27 + 2 ** 10;
/** ZERO_TIME is Go's zero time.Time (0001-01-01T00:00:00Z) in milliseconds: no time seen. */
export const ZERO_TIME = -62135596800000;
const HEADER = 'licmint verifier state v1';

/**
 * State is what a verifier has seen: lastSeen (ms), listSequence (bigint),
 * list (the signed list accepted, or null), generations (serial as bigint
 * to the highest generation seen) and resets (reset code id to the start,
 * in ms, of the day it cleared).
 */
export class State {
  constructor() {
    this.lastSeen = ZERO_TIME;
    this.listSequence = 0n;
    this.list = null;
    this.generations = new Map();
    this.resets = new Map();
  }

  clone() {
    const s = Object.assign(new State(), this);
    s.generations = new Map(this.generations);
    s.resets = new Map(this.resets);
    return s;
  }

  /** seeGeneration records generation g of serial (a bigint) and returns the highest seen. */
  seeGeneration(serial, g) {
    const old = this.generations.get(serial);
    if (old !== undefined && old >= g) return old;
    if (old === undefined && this.generations.size >= MAX_SERIALS) {
      let lowest = null;
      for (const k of this.generations.keys()) if (lowest === null || k < lowest) lowest = k;
      this.generations.delete(lowest);
    }
    this.generations.set(serial, g);
    return g;
  }

  /** addReset records reset code id, which cleared the day starting at dayMs. */
  addReset(id, dayMs) {
    if (this.resets.has(id)) return;
    if (this.resets.size >= MAX_RESETS) {
      let oldest = '';
      for (const [k, d] of this.resets) {
        const o = this.resets.get(oldest);
        if (oldest === '' || d < o || (d === o && k < oldest)) oldest = k;
      }
      this.resets.delete(oldest);
    }
    this.resets.set(id, dayMs);
  }

  /**
   * merge folds o into this state, taking the larger of each field; a
   * reset one side accepted and the other does not know clears the
   * other's lastSeen if it is at or after the day the reset cleared.
   */
  merge(o) {
    let mine = this.lastSeen, theirs = o.lastSeen;
    if (clearedBy(o.resets, this.resets, mine)) mine = ZERO_TIME;
    if (clearedBy(this.resets, o.resets, theirs)) theirs = ZERO_TIME;
    this.lastSeen = theirs > mine ? theirs : mine;
    for (const [id, day] of o.resets) this.addReset(id, day);
    if (o.listSequence > this.listSequence || (o.listSequence === this.listSequence && this.list === null)) this.list = o.list;
    if (o.listSequence > this.listSequence) this.listSequence = o.listSequence;
    for (const [serial, g] of o.generations) this.seeGeneration(serial, g);
  }
}

function clearedBy(resets, known, t) {
  for (const [id, day] of resets) if (!known.has(id) && t >= day) return true;
  return false;
}

/** stateError is how stores report a missing or corrupt state (with .state, a usable default) or a failure. */
export function stateError(kind, message, state) {
  const e = new LicmintError(kind, message);
  if (state) e.state = state;
  return e;
}

const U64_MAX = 2n ** 64n - 1n;
// Numbers are plain decimal, without leading zeros, as a writer writes them.
const parseUint = (s, max) => (/^(0|[1-9][0-9]{0,19})$/.test(s) && BigInt(s) <= max ? BigInt(s) : null);

/**
 * decodeState reads the state file's text (bytes), strictly (FORMAT.md
 * section 13); it returns [state, listSum] or throws a plain Error saying
 * which line is wrong.
 */
export function decodeState(data) {
  if (data.length > MAX_FILE_SIZE) throw new Error(`${data.length} bytes, more than ${MAX_FILE_SIZE}`);
  let text = decodeUTF8(data);
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const lines = text.split('\n');
  if (lines[0] !== HEADER) throw new Error(`first line is not "${HEADER}"`);
  const s = new State();
  let listSum = '';
  const seen = new Set();
  for (const [n, line] of lines.slice(1).entries()) {
    const at = line.indexOf(': ');
    const key = at < 0 ? line : line.slice(0, at);
    const val = line.slice(at + 2);
    if (at < 0 || (key !== 'generation' && key !== 'reset' && seen.has(key))) {
      throw new Error(`line ${n + 2}: want "name: value", each name once`);
    }
    seen.add(key);
    let err = '';
    let m;
    switch (key) {
      case 'last-seen':
        m = parseRFC3339(val);
        if (m === null) err = 'not a time';
        else s.lastSeen = m;
        break;
      case 'list-sequence':
        s.listSequence = parseUint(val, U64_MAX);
        if (s.listSequence === null) err = `"${val}" is not a 64-bit number`;
        break;
      case 'list-sha256':
        if (!/^[0-9a-f]{64}$/.test(val)) err = 'want 64 hexadecimal digits';
        listSum = val;
        break;
      case 'reset':
        m = /^(\S+) ([0-9a-f]{20})$/.exec(val);
        if (!m || parseDate(m[1]) === null) err = 'want "YYYY-MM-DD ID"';
        else if (s.resets.has(m[2]) || s.resets.size >= MAX_RESETS) err = 'a repeated or 101st reset';
        else s.addReset(m[2], parseDate(m[1]));
        break;
      case 'generation':
        m = /^(0|[1-9][0-9]{0,13}) (0|[1-9][0-9]{0,2})$/.exec(val);
        if (!m || +m[2] > 255) err = 'want "SERIAL GENERATION"';
        else if (s.generations.has(BigInt(m[1])) || s.generations.size >= MAX_SERIALS) err = 'a repeated or 10001st serial';
        else s.seeGeneration(BigInt(m[1]), +m[2]);
        break;
      default:
        err = `unknown name "${key}"`;
    }
    if (err) throw new Error(`line ${n + 2}: ${err}`);
  }
  return [s, listSum];
}

/** encodeState writes the state file's text, naming the list by listSum. */
export function encodeState(s, listSum) {
  let t = `${HEADER}\nlast-seen: ${formatRFC3339(s.lastSeen)}\nlist-sequence: ${s.listSequence}\n`;
  if (s.list !== null) t += `list-sha256: ${listSum}\n`;
  for (const serial of [...s.generations.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    t += `generation: ${serial} ${s.generations.get(serial)}\n`;
  }
  for (const id of [...s.resets.keys()].sort()) {
    t += `reset: ${formatRFC3339(s.resets.get(id)).slice(0, 10)} ${id}\n`;
  }
  return encodeUTF8(t);
}

/**
 * marshalState returns the state as one byte string, as Go's
 * state.Marshal: the file's text and, if it keeps a list, an empty line
 * and the list's bytes.
 */
export async function marshalState(s) {
  const text = encodeState(s, s.list ? await sha256Hex(s.list) : '');
  if (!s.list) return text;
  const out = new Uint8Array(text.length + 1 + s.list.length);
  out.set(text);
  out[text.length] = 10;
  out.set(s.list, text.length + 1);
  return out;
}

/** unmarshalState reads what marshalState wrote; any fault is a 'state_corrupt' LicmintError. */
export async function unmarshalState(data) {
  const corrupt = (msg) => stateError('state_corrupt', 'verifier state is corrupt: ' + msg);
  let cut = -1;
  for (let i = 0; i + 1 < data.length; i++) {
    if (data[i] === 10 && data[i + 1] === 10) {
      cut = i;
      break;
    }
  }
  let text = data, list = null;
  if (cut >= 0) {
    text = new Uint8Array(cut + 1);
    text.set(data.subarray(0, cut + 1));
    list = data.slice(cut + 2);
  }
  if (list && list.length > MAX_LIST_SIZE) throw corrupt(`the revocation list is ${list.length} bytes, more than ${MAX_LIST_SIZE}`);
  let s, listSum;
  try {
    [s, listSum] = decodeState(text);
  } catch (e) {
    throw corrupt(e.message);
  }
  if (listSum === '' && list) throw corrupt('a revocation list follows the state, which names none');
  if (listSum !== '' && (!list || (await sha256Hex(list)) !== listSum)) throw corrupt('the revocation list is missing or does not match its list-sha256');
  s.list = list;
  return s;
}

/**
 * MemoryStore keeps the state in memory: for tests, and for products that
 * keep it themselves (in a browser, say), through bytes() and the
 * constructor, which take what marshalState writes.
 */
export class MemoryStore {
  #s = new State();
  #ok = false;
  #pending; // the bytes given to the constructor, read at the first load

  /** @param {Uint8Array} [bytes] a state from bytes() or Go's state.Marshal */
  constructor(bytes) {
    this.#pending = bytes;
  }

  async #init() {
    const b = this.#pending;
    this.#pending = undefined;
    if (b === undefined || b === null) return;
    // A corrupt state is reported once, as a file's would be, and replaced by the first save.
    this.#s = await unmarshalState(b);
    this.#ok = true;
  }

  async load() {
    await this.#init();
    if (!this.#ok) throw stateError('state_missing', 'no saved verifier state', new State());
    return this.#s.clone();
  }

  async update(fn) {
    let corrupt = null;
    try {
      await this.#init();
    } catch (e) {
      corrupt = e;
    }
    const s = this.#s.clone();
    await fn(s);
    this.#s = s;
    this.#ok = true;
    if (corrupt) throw corrupt;
  }

  /** bytes returns the state as marshalState writes it, or null before anything was saved. */
  async bytes() {
    await this.load().catch(() => {});
    return this.#ok ? marshalState(this.#s) : null;
  }
}
