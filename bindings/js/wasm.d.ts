/** A signatureCheck for Verifier.create: Ed25519 in WebAssembly, with tables per trusted key. */
export declare const wasm: {
  /** checker loads a trusted key and returns the check's name and the check. */
  checker(publicKey: Uint8Array): Promise<['wasm', (message: Uint8Array, signature: Uint8Array) => Promise<boolean>]>;
};
