// Package torsion gives tests the small-order points of edwards25519 and
// every 32-byte string that decodes to one, for the tests of every package
// that must refuse or withstand such keys.
package torsion

import (
	"encoding/hex"

	"filippo.io/edwards25519"
)

// gen8 generates the torsion subgroup: a point of order 8 (the x > 0 one
// of the pair that "Taming the many EdDSAs" and libsodium list).
const gen8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"

// Points returns the eight points of order dividing 8, Points()[i] = [i]T
// for a generator T of order 8, so [k]Points()[i] = Points()[k·i mod 8].
func Points() [8]*edwards25519.Point {
	b, err := hex.DecodeString(gen8)
	if err != nil {
		panic(err)
	}
	t, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		panic(err)
	}
	var ps [8]*edwards25519.Point
	ps[0] = edwards25519.NewIdentityPoint()
	for i := 1; i < 8; i++ {
		ps[i] = new(edwards25519.Point).Add(ps[i-1], t)
	}
	return ps
}

// Encoding is a 32-byte string that edwards25519.Point.SetBytes decodes to
// Points()[Index].
type Encoding struct {
	Bytes     []byte
	Index     int
	Canonical bool
}

// Encodings returns every encoding of every small-order point: the 8
// canonical ones, and the 6 non-canonical ones, where y + p < 2^255 (y is
// 0 or 1, so y + p is a second spelling of y) or x = 0 with the sign bit set.
func Encodings() []Encoding {
	var out []Encoding
	for i, p := range Points() {
		c := p.Bytes()
		out = append(out, Encoding{Bytes: c, Index: i, Canonical: true})
		var alts [][]byte
		if isZeroX(c) {
			alts = append(alts, withSign(c))
		}
		if y, ok := plusP(c); ok {
			alts = append(alts, y)
			if isZeroX(c) {
				alts = append(alts, withSign(y))
			}
		}
		for _, a := range alts {
			if _, err := new(edwards25519.Point).SetBytes(a); err == nil {
				out = append(out, Encoding{Bytes: a, Index: i})
			}
		}
	}
	return out
}

// isZeroX reports whether the canonical encoding c is of a point with
// x = 0, the identity or (0, -1), whose sign bit must be clear.
func isZeroX(c []byte) bool {
	p, _ := new(edwards25519.Point).SetBytes(c)
	return p.Equal(edwards25519.NewIdentityPoint()) == 1 ||
		new(edwards25519.Point).Add(p, p).Equal(edwards25519.NewIdentityPoint()) == 1
}

func withSign(c []byte) []byte {
	b := append([]byte(nil), c...)
	b[31] |= 0x80
	return b
}

// plusP returns the encoding of y + p, with c's sign bit, if it is below
// 2^255, which holds only for y < 19.
func plusP(c []byte) ([]byte, bool) {
	y := append([]byte(nil), c...)
	sign := y[31] & 0x80
	y[31] &^= 0x80
	for _, b := range y[1:] {
		if b != 0 {
			return nil, false
		}
	}
	if y[0] >= 19 {
		return nil, false
	}
	// p = 2^255 - 19, little-endian: ed ff … ff 7f.
	out := make([]byte, 32)
	out[0] = 0xed + y[0]
	for i := 1; i < 31; i++ {
		out[i] = 0xff
	}
	out[31] = 0x7f | sign
	return out, true
}

// MixedOrder returns seven canonical encodings of points of mixed order:
// a point of prime order (the base point times a fixed scalar, as a key
// generator makes it) plus each of the seven non-identity small-order
// points. crypto/ed25519 and libsodium's verify accept such keys;
// FORMAT.md section 10 refuses them, as crypto_core_ed25519_is_valid_point
// does.
func MixedOrder() [][]byte {
	s, err := edwards25519.NewScalar().SetCanonicalBytes(append([]byte{7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16)...))
	if err != nil {
		panic(err)
	}
	a := new(edwards25519.Point).ScalarBaseMult(s)
	var out [][]byte
	ps := Points()
	for _, t := range ps[1:] {
		out = append(out, new(edwards25519.Point).Add(a, t).Bytes())
	}
	return out
}
