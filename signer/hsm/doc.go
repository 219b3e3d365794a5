// Package hsm signs with Ed25519 keys kept in a hardware security
// module, or any PKCS#11 token (SoftHSM2 for tests), named by RFC 7512
// URIs. A Key is a crypto.Signer for signer.NewKeyFromSigner; it signs
// with CKM_EDDSA and never sees the private key.
//
// Reaching a token needs cgo (github.com/miekg/pkcs11 loads the vendor's
// library). Built without cgo, the package still parses URIs, and Open,
// Generate and Import give ErrNotSupported. The verifier never imports it.
//
// The licmint key id lives with the key: Generate and Import store it as
// the one-byte CKA_ID of both key objects, and Key.KeyID reads it back.
package hsm
