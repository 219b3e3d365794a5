// Type declarations of 'licmint/formats' (formats.js): the codecs, and the
// parsers a product rarely needs (Registration Keys, renewal requests).
import type { ActivationCode } from './licmint.js';
export { parseActivationCode, parseResetCode, parseRevocationList, renewalRequest, dayString, serialString } from './licmint.js';
export interface RegistrationKey {
  product: string;
  trial: boolean;
  serial: number;
  canonical: string;
}
export function parseRegistrationKey(key: string | Uint8Array): RegistrationKey;
export interface RenewalRequest {
  product?: string;
  code: ActivationCode;
  installId: string;
  /** ms, UTC, to the second */
  time: number;
}
export function parseRenewalRequest(text: string | Uint8Array): RenewalRequest;
export function formatRenewalRequest(r: RenewalRequest): string;
