// Package licjwt verifies licmint license tokens: JSON Web Tokens (RFC 7519)
// signed with EdDSA (RFC 8037) that carry a signed Activation Code, for
// products that receive licenses as tokens rather than typed codes.
//
// A token is accepted only if its header says alg EdDSA and names, as kid,
// a key id the verifier trusts; its signature verifies with that key; it
// has exp and iat claims and an aud that includes the product; and the
// Activation Code in its activation_code claim verifies through the core
// verifier, is not perpetual, and agrees with the token's other claims:
// exp, iat, nbf, jti and edition_number must be exactly those a licmint
// signer derives from the code, and the edition name the catalog's when the
// core verifier has one that lists the edition. The license, its
// status and its features are those of that code, so a token and the code
// it carries always give the same answer: a token whose exp has passed
// reports the code's expired or grace status rather than failing, as the
// product keeps running without its features.
package licjwt
