package formats

import (
	"bytes"
	"fmt"

	"filippo.io/edwards25519"
)

// PublicKeySize is the size of an Ed25519 public key (RFC 8032).
const PublicKeySize = 32

const pubKind = "public key"

// CheckPublicKey reports whether pub may be trusted as a signing key: an
// Ed25519 public key of PublicKeySize bytes, the canonical encoding of a
// point A of prime order L: not of small order ([8]A is not the identity)
// and with no small-order component ([L]A is the identity). That is
// libsodium's crypto_core_ed25519_is_valid_point, so that a product
// verifying with libsodium, OpenSSL, WebCrypto or Go trusts the same keys
// (FORMAT.md section 10). It is the one check of every place a public key
// enters: package keyring, the verifier and the CLI.
//
// crypto/ed25519 accepts small-order keys, under which signatures can be
// forged without a private key (with the identity, R = identity and S = 0
// verify for any message), and non-canonical encodings (y >= p, or x = 0
// with the sign bit set), which no encoder writes, and mixed-order keys,
// under which cofactored and cofactorless verifiers disagree. None can be
// a key made by a key generator, so refusing them affects no honest key.
//
// The error is a *FormatError of Kind "public key" wrapping ErrMalformed
// (wrong length, not a curve point) or ErrWeakKey; it never repeats the key.
func CheckPublicKey(pub []byte) error {
	a, err := decodePublicKey(pub)
	if err != nil {
		return err
	}
	// [L-1]A + A is [L]A, the identity exactly when A has no torsion part.
	lMinus1, _ := edwards25519.NewScalar().SetCanonicalBytes(orderMinus1[:])
	var la edwards25519.Point
	la.ScalarMult(lMinus1, a)
	if la.Add(&la, a).Equal(edwards25519.NewIdentityPoint()) != 1 {
		return MixedOrderKeyError()
	}
	return nil
}

// CheckPublicKeyEncoding is CheckPublicKey without the test for a
// small-order component, for a caller that makes that test ([L]A is the
// identity) with its own curve arithmetic and reports MixedOrderKeyError:
// package verifier, whose binary would grow by three pages if it linked
// edwards25519's scalar multiplication for it.
func CheckPublicKeyEncoding(pub []byte) error {
	_, err := decodePublicKey(pub)
	return err
}

// MixedOrderKeyError is CheckPublicKey's error for a key whose point has a
// small-order component.
func MixedOrderKeyError() error {
	return keyError(ErrWeakKey, "of mixed order (a small-order component: [L]A is not the identity); no key made by licmint keygen is")
}

func decodePublicKey(pub []byte) (*edwards25519.Point, error) {
	if len(pub) != PublicKeySize {
		return nil, keyError(ErrMalformed, fmt.Sprintf("%d bytes, want %d (an Ed25519 public key)", len(pub), PublicKeySize))
	}
	a := new(edwards25519.Point)
	if _, err := a.SetBytes(pub); err != nil {
		return nil, keyError(ErrMalformed, "not a point on the Ed25519 curve")
	}
	c := a.Bytes()
	if isSmallOrder(c) {
		return nil, keyError(ErrWeakKey, "of small order ([8]A is the identity): anyone can forge signatures that verify under it; no key made by licmint keygen is")
	}
	if !bytes.Equal(c, pub) {
		why := "y is not reduced modulo 2^255-19"
		if bytes.Equal(c[:31], pub[:31]) {
			why = "x is zero but its sign bit is set" // only the sign bit differs
		}
		return nil, keyError(ErrWeakKey, "not canonically encoded ("+why+"); no key made by licmint keygen is")
	}
	return a, nil
}

func keyError(err error, msg string) error {
	return &FormatError{Kind: pubKind, Err: err, Msg: msg,
		Hint: "the key file was altered or holds no key made by licmint keygen: take the .pub.pem that keygen wrote"}
}

// smallOrder holds the canonical encodings of the eight points A with [8]A
// the identity: the identity, (0, -1), the two points with y = 0 and the
// four of order 8. Comparing a key's canonical encoding with them is
// [8]A == identity without linking point doubling into products, whose
// binary size budget (BENCHMARKS.md) it would exceed; TestSmallOrderTable
// checks the list against the torsion subgroup.
var smallOrder = [8][PublicKeySize]byte{
	{0x01},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{},
	{31: 0x80},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa},
}

func isSmallOrder(c []byte) bool {
	for _, s := range smallOrder {
		if bytes.Equal(c, s[:]) {
			return true
		}
	}
	return false
}

// orderMinus1 is L-1, L the order of the Ed25519 base point, little-endian.
var orderMinus1 = [32]byte{
	0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}

// SmallOrderR reports whether sig, an Ed25519 signature R || S, has an R
// that encodes a point of small order. FORMAT.md section 10 refuses such
// signatures, as libsodium does and crypto/ed25519 does not: with a key
// of prime order only R = identity can pass the cofactorless equation,
// and only with S = k·a, which says nothing a verifier needs, but
// refusing it lets every library give one answer.
func SmallOrderR(sig []byte) bool {
	return len(sig) >= PublicKeySize && isSmallOrder(sig[:PublicKeySize])
}
