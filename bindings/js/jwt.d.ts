// Type declarations of 'licmint/jwt' (jwt.js).
import type { License, Verifier } from './licmint.js';
export const MAX_TOKEN_LEN: number;
/** Checks a license token with the core verifier's keys, product, catalog, clock and install id, as Go's licjwt.Verifier.Verify; rejects with a LicmintError ('bad_token', 'unknown_key', 'bad_signature', 'install_mismatch', 'wrong_product'). */
export function verifyToken(v: Verifier, token: string): Promise<License>;
