// Type declarations of 'licmint' (licmint.js): the verifier a product embeds.

/** Where a license stands on the verifier's clock (FORMAT.md section 7). */
export type Status =
  | 'valid' | 'expiring' | 'grace' | 'expired' | 'not_yet_valid'
  | 'revoked' | 'superseded' | 'clock_rollback';

/** The outcomes an error reports, as Go's verifier.ErrorKind names them, and this package's own. */
export type ErrorKind =
  | 'malformed' | 'typo' | 'unsigned' | 'wrong_product' | 'unknown_version'
  | 'unknown_key' | 'bad_signature' | 'install_mismatch' | 'not_renewal'
  | 'reset_used' | 'reset_not_locked' | 'reset_too_early'
  | 'list_replayed' | 'list_unknown_key' | 'list_bad_signature' | 'list_wrong_product' | 'list_malformed'
  | 'weak_key' | 'invalid' | 'unknown_product'
  | 'state_missing' | 'state_corrupt' | 'state';

/** Every refusal: a kind, Go's message, a hint for the product's user, and where the problem is. */
export class LicmintError extends Error {
  readonly name: 'LicmintError';
  readonly kind: ErrorKind;
  /** What the input was taken for: 'activation code', 'reset code', 'registration key', 'public key', or ''. */
  readonly input: string;
  /** What the product's user can do about it; '' if nothing. */
  readonly hint: string;
  /** Group (1 for the product code) and character (from 1) in the canonical form; 0 when unknown. */
  readonly group: number;
  readonly char: number;
  /** Line and column (from 1, in bytes) in the input; 0 when unknown. */
  readonly line: number;
  readonly column: number;
  /** For 'state_missing' and 'state_corrupt' from a store's load: the state to start from. */
  readonly state?: State;
}

/** A product's entry in a catalog (FORMAT.md section 9), terms in days. */
export interface CatalogProduct {
  name: string;
  editions: { name: string; number: number; features: string[] }[];
  trial_days: number;
  maintenance_days: number;
  warning_days: number;
  grace_days: number;
}
export interface Catalog {
  products: Record<string, CatalogProduct>;
}
/** The built-in catalog, Go's catalog.Default(). */
export const DEFAULT_CATALOG: Readonly<Catalog>;

export interface Key {
  /** The key id codes name it by, 0 to 255. */
  id: number;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** A store keeps the verifier state between runs (FORMAT.md section 13). */
export interface Store {
  /** Resolves to the saved state; rejects with a LicmintError 'state_missing' or 'state_corrupt' (with .state) or 'state'. */
  load(): Promise<State>;
  /** Applies fn to the saved state and saves the result; if fn throws, nothing is saved. */
  update(fn: (s: State) => void | Promise<void>): Promise<void>;
}

export interface VerifierOptions {
  /** Two letters, such as 'PC', in any case. */
  product: string;
  /** The trusted keys, with distinct ids. */
  keys: Key[];
  /** The product's catalog entry: names editions and their features, and sets the warning and grace days. Without it editions show by number and have no features. */
  catalog?: CatalogProduct;
  /** Days before expiry reported as expiring (the catalog's, or 60). */
  warnDays?: number;
  /** Days after expiry still in force, as grace (the catalog's, or 30); 0 means none. */
  graceDays?: number;
  /** The clock: a function returning the time, or a fixed Date; the system clock by default. Only its UTC day matters. */
  now?: (() => Date | number) | Date;
  /** This install's id, 1 to 255 bytes without white space at either end or a NUL byte: what install-bound codes and reset codes are bound to. */
  installId?: string;
  /** A memory between runs: FileStore (from 'licmint/node'), MemoryStore, or the product's own. With it verify reports superseded and clock_rollback, and replayed lists are refused across runs. */
  store?: Store;
  /** How far the clock may go back behind the latest time seen before clock_rollback; a day by default. */
  rollbackToleranceMs?: number;
  /** Who checks Ed25519 signatures: Node's crypto.verify ('node', the default in Node), WebCrypto ('webcrypto', the default elsewhere, with 'noble' where WebCrypto lacks Ed25519), this package's JavaScript ('noble'), WebAssembly (`wasm` from 'licmint/wasm', the fastest), or a function that answers as Go's crypto/ed25519.Verify. */
  signatureCheck?: 'node' | 'webcrypto' | 'noble' | SignatureChecker | ((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>);
}

/** A signature check that loads each trusted key itself, as `wasm` from 'licmint/wasm'. */
export interface SignatureChecker {
  checker(publicKey: Uint8Array): Promise<[string, (message: Uint8Array, signature: Uint8Array) => Promise<boolean>]>;
}

/** Which of an edition's features a license enables: all while in force, none otherwise. */
export class Features {
  enabled(name: string): boolean;
  /** The edition's features, on or off, in catalog order. */
  names(): string[];
  map(): Record<string, boolean>;
}

/** A verified Activation Code and where it stands. */
export class License {
  readonly product: string;
  /** The edition's name from the catalog, or its number in decimal. */
  readonly edition: string;
  readonly editionNumber: number;
  readonly trial: boolean;
  /** An install-bound code, verified against the install id. */
  readonly bound: boolean;
  /** The Registration Key's serial; serialString writes it as 14 digits. */
  readonly serial: number;
  readonly generation: number;
  readonly keyId: number;
  /** The first day the code covers, YYYY-MM-DD. */
  readonly issued: string;
  /** The first day it no longer covers, YYYY-MM-DD, or 'perpetual'. */
  readonly expires: string;
  /** Days from today (UTC) to expires: 1 on the last day in force, 0 or negative after; 0 if perpetual. */
  readonly daysLeft: number;
  readonly status: Status;
  /** For clock_rollback, the latest time the state has seen: the day a reset code must name. */
  readonly lastSeen: Date | null;
  readonly features: Features;
  readonly perpetual: boolean;
  /** valid, expiring or grace. */
  readonly inForce: boolean;
}

export interface ListInfo {
  keyId: number;
  sequence: bigint;
  /** YYYY-MM-DD */
  issued: string;
  entries: number;
}

export class Verifier {
  private constructor();
  /** Rejects with a LicmintError on a bad product, key or option. */
  static create(options: VerifierOptions): Promise<Verifier>;
  readonly product: string;
  /** 'node', 'webcrypto', 'noble' or 'custom'. */
  readonly signatureCheck: string;
  publicKey(id: number): Uint8Array | undefined;
  /** Resolves to the license of an authentic code, whatever its status; rejects with a LicmintError otherwise. */
  verify(code: string | Uint8Array): Promise<License>;
  /** Puts a signed revocation list in force; the verifier keeps data. */
  loadRevocationList(data: Uint8Array): Promise<ListInfo>;
  revocationList(): ListInfo | undefined;
  /** Checks that next may replace current (same serial, same or higher generation, later expiry) and resolves to next's license. */
  verifyRenewal(current: string, next: string): Promise<License>;
  /** Applies a reset code: clears a clock_rollback lock, once. Needs a store and an install id. */
  reset(code: string): Promise<void>;
  /** What went wrong with the store, or null. */
  stateError(): LicmintError | null;
}

/** What a verifier has seen (FORMAT.md section 13). */
export class State {
  /** The latest time seen, in ms; ZERO_TIME for none. */
  lastSeen: number;
  listSequence: bigint;
  list: Uint8Array | null;
  generations: Map<bigint, number>;
  resets: Map<string, number>;
  clone(): State;
  merge(o: State): void;
  seeGeneration(serial: bigint, generation: number): number;
  addReset(id: string, dayMs: number): void;
}
/** Keeps the state in memory; bytes() and the constructor take Go's state.Marshal form. */
export class MemoryStore implements Store {
  constructor(bytes?: Uint8Array | null);
  load(): Promise<State>;
  update(fn: (s: State) => void | Promise<void>): Promise<void>;
  bytes(): Promise<Uint8Array | null>;
}
export function marshalState(s: State): Promise<Uint8Array>;
/** Rejects with a 'state_corrupt' LicmintError on any fault. */
export function unmarshalState(data: Uint8Array): Promise<State>;
export const MAX_SERIALS: number;
export const MAX_RESETS: number;
export const ZERO_TIME: number;
export const MAX_INPUT_LEN: number;
export const MAX_FEATURES: number;
export const DEFAULT_ROLLBACK_TOLERANCE_MS: number;

/** Throws a LicmintError ('malformed' or 'weak_key') unless pub may be trusted as a signing key: the canonical encoding of a point of prime order (FORMAT.md section 10.1). */
export function checkPublicKey(pub: Uint8Array): void;

/** A decoded Activation Code, its signature not checked. */
export interface ActivationCode {
  product: string;
  version: number;
  keyId: number;
  edition: number;
  trial: boolean;
  bound: boolean;
  generation: number;
  /** Days since 2020-01-01; dayString writes them. */
  issued: number;
  expires: number;
  serial: number;
  signed: boolean;
  signature: Uint8Array | null;
  /** The canonical form, and its first 37 characters. */
  canonical: string;
  short: string;
}
export function parseActivationCode(code: string | Uint8Array, options?: { signed?: boolean; product?: string }): ActivationCode;
export interface ResetCode {
  product: string;
  version: number;
  keyId: number;
  remembered: number;
  issued: number;
  nonce: number;
  signature: Uint8Array;
  /** The id the state records it by. */
  id: string;
  canonical: string;
}
export function parseResetCode(code: string | Uint8Array, product?: string): ResetCode;
export interface RevocationList {
  product: string;
  keyId: number;
  sequence: bigint;
  issued: number;
  count: number;
  revoked(serial: number, generation: number): boolean;
}
/** verify answers 'ok', 'unknown_key' or 'bad_signature'. */
export function parseRevocationList(data: Uint8Array, product: string,
  verify: (keyId: number, message: Uint8Array, signature: Uint8Array) => string | Promise<string>): Promise<RevocationList>;
/** The text of a renewal request (FORMAT.md section 12) for a signed code. */
export function renewalRequest(code: string, installId?: string, now?: Date): string;
/** YYYY-MM-DD of a day number, or 'perpetual'. */
export function dayString(day: number): string;
/** A serial as 14 digits. */
export function serialString(serial: number): string;
