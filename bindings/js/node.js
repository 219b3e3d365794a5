// licmint/node: the verifier state in a file, for Node (and Deno's Node
// compatibility), in the format and at the paths Go's state.File uses:
// the text at path, the revocation list beside it at path + '.list'.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './ed25519.js';
import { MAX_FILE_SIZE, MAX_LIST_SIZE, State, decodeState, encodeState, stateError } from './state.js';

// readBounded reads the regular file at path, stopping one byte past limit
// rather than trusting its size; anything else (a FIFO, a device) is
// refused unread.
function readBounded(path, limit) {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) {
      const e = new Error(`${path}: not a regular file`);
      e.code = 'ENOTREG';
      throw e;
    }
    const chunks = [];
    let n = 0;
    for (;;) {
      const b = Buffer.allocUnsafe(Math.min(65536, limit + 1 - n));
      const got = readSync(fd, b, 0, b.length, null);
      if (got === 0) break;
      chunks.push(b.subarray(0, got));
      n += got;
      if (n > limit) {
        const e = new Error(`${path}: too large: more than ${limit} bytes`);
        e.code = 'ETOOLARGE';
        throw e;
      }
    }
    return new Uint8Array(Buffer.concat(chunks, n));
  } finally {
    closeSync(fd);
  }
}

// writeAtomic replaces path with data through a temporary file, fsynced
// and renamed, then fsyncs the directory: a crash leaves the old content
// or the new, never a part.
function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw stateError('state', `saving verifier state: ${e.message}`);
  }
  try {
    const d = openSync(dirname(path), constants.O_RDONLY);
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename stands.
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * FileStore keeps the verifier state in a file (FORMAT.md section 13), as
 * Go's state.NewFile(path) does. Node has no flock, so Node processes
 * serialise their updates with a lock file of their own, path +
 * '.jslock', created exclusively and removed after; one left by a crashed
 * process is taken over once it is older than lockTimeoutMs.
 */
export class FileStore {
  /** @param {string} path @param {{lockTimeoutMs?: number}} [o] */
  constructor(path, o = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeError('licmint: FileStore: want a path');
    this.path = path;
    this.lockTimeoutMs = o.lockTimeoutMs ?? 10000;
  }

  async load() {
    let data;
    try {
      data = readBounded(this.path, MAX_FILE_SIZE);
    } catch (e) {
      if (e.code === 'ENOENT') throw stateError('state_missing', `no saved verifier state: ${this.path} does not exist`, new State());
      if (e.code === 'ETOOLARGE') throw stateError('state_corrupt', `verifier state is corrupt: ${e.message}`, new State());
      throw stateError('state', `reading verifier state: ${e.message}`);
    }
    let s, listSum;
    try {
      [s, listSum] = decodeState(data);
    } catch (e) {
      throw stateError('state_corrupt', `verifier state is corrupt: ${this.path}: ${e.message}`, new State());
    }
    if (listSum !== '') {
      let list = null;
      try {
        list = readBounded(this.path + '.list', MAX_LIST_SIZE);
      } catch {}
      if (!list || (await sha256Hex(list)) !== listSum) {
        throw stateError('state_corrupt', `verifier state is corrupt: ${this.path}.list: the revocation list saved with it is missing or altered`, s);
      }
      s.list = list;
    }
    return s;
  }

  async #lock() {
    const path = this.path + '.jslock';
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
        return () => rmSync(path, { force: true });
      } catch (e) {
        if (e.code !== 'EEXIST') throw stateError('state', `locking verifier state: ${e.message}`);
      }
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > this.lockTimeoutMs) {
        rmSync(path, { force: true }); // left by a process that died
        continue;
      }
      if (Date.now() > deadline) throw stateError('state', `locking verifier state ${path}: held too long (is another process stuck updating it?)`);
      await sleep(5);
    }
  }

  /**
   * update applies fn to the saved state and saves the result atomically;
   * if fn throws, nothing is saved. A corrupt state is renamed to path +
   * '.corrupt' and replaced, and update then throws 'state_corrupt' after
   * saving, so the caller learns of it.
   */
  async update(fn) {
    const unlock = await this.#lock();
    try {
      let s, loadErr = null;
      try {
        s = await this.load();
      } catch (e) {
        if (e.kind === 'state_missing') s = e.state;
        else if (e.kind === 'state_corrupt') {
          try {
            renameSync(this.path, this.path + '.corrupt');
          } catch (r) {
            throw stateError('state', `setting aside corrupt verifier state: ${r.message}`);
          }
          s = e.state;
          loadErr = e;
        } else throw e;
      }
      const old = s.list ? await sha256Hex(s.list) : '';
      await fn(s);
      const sum = s.list ? await sha256Hex(s.list) : '';
      // The list goes first, so that the state never names a list that is not there yet.
      if (s.list && sum !== old) writeAtomic(this.path + '.list', s.list);
      writeAtomic(this.path, encodeState(s, sum));
      if (loadErr) throw loadErr;
    } finally {
      unlock();
    }
  }
}
