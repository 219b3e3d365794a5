// Type declarations of 'licmint/keys' (keys.js).
import type { Key } from './licmint.js';
/** Reads a public key file, a keyring or a JWK Set; throws a LicmintError 'no_key_id' or 'invalid'. */
export function parseKeyring(text: string | Uint8Array): Key[];
export function keyringPEM(keys: Key[]): string;
export function keyringJWKS(keys: Key[]): string;
