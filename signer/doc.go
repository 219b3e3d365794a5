// Package signer turns registrations into signed Activation Codes
// (FORMAT.md sections 3 and 4) and JWT license tokens (RFC 8037), with the
// vendor's Ed25519 key kept encrypted at rest with age.
package signer
