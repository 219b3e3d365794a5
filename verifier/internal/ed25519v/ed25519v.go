// Package ed25519v verifies pure Ed25519 signatures (RFC 8032) against a
// pre-parsed public key, with the same strictness as crypto/ed25519.Verify.
package ed25519v

import (
	"bytes"
	"crypto/sha512"
	"errors"

	"filippo.io/edwards25519"
)

const (
	// PublicKeySize is the size, in bytes, of an encoded Ed25519 public key.
	PublicKeySize = 32
	// SignatureSize is the size, in bytes, of an Ed25519 signature.
	SignatureSize = 64
)

var (
	errKeySize = errors.New("ed25519v: bad public key length")
	errKey     = errors.New("ed25519v: invalid public key encoding")
)

// PublicKey is a decoded Ed25519 public key with precomputed tables (about
// 10 KiB). It is immutable after NewPublicKey returns, so it is safe for
// concurrent use. The zero value rejects every signature.
type PublicKey struct {
	// enc is the encoding of A, hashed into every challenge.
	enc [PublicKeySize]byte
	// negA is -A, decoded and negated once instead of on every call as
	// crypto/ed25519.Verify does.
	negA edwards25519.Point
	// tables holds multiples of -A, -2^64·A, -2^128·A and -2^192·A for
	// mulAdd; base is the shared tables for B, and nil in a zero PublicKey.
	tables keyTables
	base   *baseTables
}

// NewPublicKey decodes a 32-byte Ed25519 public key. It rejects exactly the
// keys crypto/ed25519 rejects: wrong length, or an encoding that
// edwards25519.Point.SetBytes refuses (y >= p is accepted by SetBytes and
// hence here, matching the standard library).
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, errKeySize
	}
	k := new(PublicKey)
	var a edwards25519.Point
	if _, err := a.SetBytes(b); err != nil {
		return nil, errKey
	}
	k.negA.Negate(&a)
	copy(k.enc[:], b)
	k.tables.init(&k.negA)
	k.base = getBaseTables()
	return k, nil
}

// PrimeOrder reports whether k's point A has prime order L: it is not the
// identity, and has no small-order component ([L]A is the identity, so
// [L-1](-A) is A). Callers
// that trust only such keys (FORMAT.md section 10) test it once, when a key
// is loaded, with the tables NewPublicKey built anyway.
func (k *PublicKey) PrimeOrder() bool {
	var out [32]byte
	if k.base == nil || !k.mulAdd(&out, orderMinus1[:], zero[:]) {
		return false
	}
	var a edwards25519.Point
	a.Negate(&k.negA)
	return a.Equal(edwards25519.NewIdentityPoint()) != 1 && bytes.Equal(out[:], a.Bytes())
}

// orderMinus1 is L-1, little-endian, L the order of the base point.
var orderMinus1 = [32]byte{
	0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}

var zero [32]byte

// Bytes returns a copy of the 32-byte encoding of k.
func (k *PublicKey) Bytes() []byte {
	b := k.enc
	return b[:]
}

// Verify reports whether sig is a valid Ed25519 signature of message by k.
// It mirrors crypto/ed25519.Verify (Go 1.26): 64-byte signatures only,
// canonical S < l, cofactorless check that [S]B - [k]A encodes to R.
func (k *PublicKey) Verify(message, sig []byte) bool {
	return k.VerifyPrefixed(nil, message, sig)
}

// VerifyPrefixed is Verify of the message prefix || message, without
// copying a large message to prepend a context string.
func (k *PublicKey) VerifyPrefixed(prefix, message, sig []byte) bool {
	if k.base == nil || len(sig) != SignatureSize {
		return false
	}
	// Cheap early reject the stdlib also does: S >= 2^253 cannot be < l.
	if sig[63]&224 != 0 {
		return false
	}

	// c = SHA-512(R || A || M) mod l, the challenge.
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(k.enc[:])
	h.Write(prefix)
	h.Write(message)
	var digest [sha512.Size]byte
	c, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	if err != nil {
		return false // unreachable: the digest is always 64 bytes
	}

	S, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}

	// [S]B = R + [k]A  <=>  [k](-A) + [S]B = R, compared by encoding as
	// the stdlib does (cofactorless, and a non-canonical R never matches).
	var R [32]byte
	if !k.mulAdd(&R, c.Bytes(), S.Bytes()) {
		return false
	}
	return bytes.Equal(sig[:32], R[:])
}
