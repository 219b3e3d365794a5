package ed25519v

import (
	"crypto/subtle"
	"errors"
)

// fe32 is an element of GF(2^255-19) in ten limbs of alternately 26 and 25
// bits (radix 2^25.5, as in ref10): h = h0 + 2^26·h1 + 2^51·h2 + … +
// 2^230·h9. It is the field for WebAssembly, selected by fe_wasm.go:
// filippo.io/edwards25519/field multiplies 51-bit limbs into 128-bit
// products with math/bits.Mul64, which WebAssembly lacks and Go emulates in
// four multiplies and a dozen adds, while a 26-bit limb product fits the
// native 64-bit multiply. Native builds keep field.Element, whose
// multiplies are one instruction; the tests check the two against each
// other.
//
// Its methods mirror field.Element's, so the curve code is written once.
// Every method returns limbs below 2^26 (after carrying), and accepts any
// limbs below 2^27; the multiply's sums then stay below 2^61.
type fe32 struct{ l [10]uint32 }

const (
	mask26 = 1<<26 - 1
	mask25 = 1<<25 - 1
)

// carry propagates h's carries into v, reducing 2^255 to 19. Each h[i] must
// be below 2^63. The carry out of h9 is below 2^38, so after it is folded
// into h0 one more carry leaves every limb below 2^26. The arithmetic
// methods repeat this chain on their own variables: in WebAssembly a call,
// and an array in memory, cost more than the arithmetic.
func (v *fe32) carry(h *[10]uint64) *fe32 {
	h[1] += h[0] >> 26
	h[0] &= mask26
	h[2] += h[1] >> 25
	h[1] &= mask25
	h[3] += h[2] >> 26
	h[2] &= mask26
	h[4] += h[3] >> 25
	h[3] &= mask25
	h[5] += h[4] >> 26
	h[4] &= mask26
	h[6] += h[5] >> 25
	h[5] &= mask25
	h[7] += h[6] >> 26
	h[6] &= mask26
	h[8] += h[7] >> 25
	h[7] &= mask25
	h[9] += h[8] >> 26
	h[8] &= mask26
	h[0] += (h[9] >> 25) * 19
	h[9] &= mask25
	h[1] += h[0] >> 26
	h[0] &= mask26
	for i, x := range h {
		v.l[i] = uint32(x)
	}
	return v
}

// Zero sets v = 0.
func (v *fe32) Zero() *fe32 { *v = fe32{}; return v }

// One sets v = 1.
func (v *fe32) One() *fe32 { *v = fe32{l: [10]uint32{1}}; return v }

// Set sets v = a.
func (v *fe32) Set(a *fe32) *fe32 { *v = *a; return v }

// Add sets v = a + b.
func (v *fe32) Add(a, b *fe32) *fe32 {
	h0 := uint64(a.l[0]) + uint64(b.l[0])
	h1 := uint64(a.l[1]) + uint64(b.l[1])
	h2 := uint64(a.l[2]) + uint64(b.l[2])
	h3 := uint64(a.l[3]) + uint64(b.l[3])
	h4 := uint64(a.l[4]) + uint64(b.l[4])
	h5 := uint64(a.l[5]) + uint64(b.l[5])
	h6 := uint64(a.l[6]) + uint64(b.l[6])
	h7 := uint64(a.l[7]) + uint64(b.l[7])
	h8 := uint64(a.l[8]) + uint64(b.l[8])
	h9 := uint64(a.l[9]) + uint64(b.l[9])
	h1 += h0 >> 26
	h0 &= mask26
	h2 += h1 >> 25
	h1 &= mask25
	h3 += h2 >> 26
	h2 &= mask26
	h4 += h3 >> 25
	h3 &= mask25
	h5 += h4 >> 26
	h4 &= mask26
	h6 += h5 >> 25
	h5 &= mask25
	h7 += h6 >> 26
	h6 &= mask26
	h8 += h7 >> 25
	h7 &= mask25
	h9 += h8 >> 26
	h8 &= mask26
	h0 += (h9 >> 25) * 19
	h9 &= mask25
	h1 += h0 >> 26
	h0 &= mask26
	v.l = [10]uint32{uint32(h0), uint32(h1), uint32(h2), uint32(h3), uint32(h4), uint32(h5), uint32(h6), uint32(h7), uint32(h8), uint32(h9)}
	return v
}

// eightP is 8·p in limbs, each above any limb below 2^27 (4·p's odd limbs
// are not), so that a + 8·p - b has no negative limb.
const (
	eightP0 = 8 * (mask26 - 18)
	eightP1 = 8 * mask25
	eightP2 = 8 * mask26
	eightP3 = 8 * mask25
	eightP4 = 8 * mask26
	eightP5 = 8 * mask25
	eightP6 = 8 * mask26
	eightP7 = 8 * mask25
	eightP8 = 8 * mask26
	eightP9 = 8 * mask25
)

// Subtract sets v = a - b.
func (v *fe32) Subtract(a, b *fe32) *fe32 {
	h0 := uint64(a.l[0]) + eightP0 - uint64(b.l[0])
	h1 := uint64(a.l[1]) + eightP1 - uint64(b.l[1])
	h2 := uint64(a.l[2]) + eightP2 - uint64(b.l[2])
	h3 := uint64(a.l[3]) + eightP3 - uint64(b.l[3])
	h4 := uint64(a.l[4]) + eightP4 - uint64(b.l[4])
	h5 := uint64(a.l[5]) + eightP5 - uint64(b.l[5])
	h6 := uint64(a.l[6]) + eightP6 - uint64(b.l[6])
	h7 := uint64(a.l[7]) + eightP7 - uint64(b.l[7])
	h8 := uint64(a.l[8]) + eightP8 - uint64(b.l[8])
	h9 := uint64(a.l[9]) + eightP9 - uint64(b.l[9])
	h1 += h0 >> 26
	h0 &= mask26
	h2 += h1 >> 25
	h1 &= mask25
	h3 += h2 >> 26
	h2 &= mask26
	h4 += h3 >> 25
	h3 &= mask25
	h5 += h4 >> 26
	h4 &= mask26
	h6 += h5 >> 25
	h5 &= mask25
	h7 += h6 >> 26
	h6 &= mask26
	h8 += h7 >> 25
	h7 &= mask25
	h9 += h8 >> 26
	h8 &= mask26
	h0 += (h9 >> 25) * 19
	h9 &= mask25
	h1 += h0 >> 26
	h0 &= mask26
	v.l = [10]uint32{uint32(h0), uint32(h1), uint32(h2), uint32(h3), uint32(h4), uint32(h5), uint32(h6), uint32(h7), uint32(h8), uint32(h9)}
	return v
}

// Negate sets v = -a.
func (v *fe32) Negate(a *fe32) *fe32 {
	var zero fe32
	return v.Subtract(&zero, a)
}

// Mult32 sets v = a · y.
func (v *fe32) Mult32(a *fe32, y uint32) *fe32 {
	h0 := uint64(a.l[0]) * uint64(y) // below 2^59
	h1 := uint64(a.l[1]) * uint64(y)
	h2 := uint64(a.l[2]) * uint64(y)
	h3 := uint64(a.l[3]) * uint64(y)
	h4 := uint64(a.l[4]) * uint64(y)
	h5 := uint64(a.l[5]) * uint64(y)
	h6 := uint64(a.l[6]) * uint64(y)
	h7 := uint64(a.l[7]) * uint64(y)
	h8 := uint64(a.l[8]) * uint64(y)
	h9 := uint64(a.l[9]) * uint64(y)
	h1 += h0 >> 26
	h0 &= mask26
	h2 += h1 >> 25
	h1 &= mask25
	h3 += h2 >> 26
	h2 &= mask26
	h4 += h3 >> 25
	h3 &= mask25
	h5 += h4 >> 26
	h4 &= mask26
	h6 += h5 >> 25
	h5 &= mask25
	h7 += h6 >> 26
	h6 &= mask26
	h8 += h7 >> 25
	h7 &= mask25
	h9 += h8 >> 26
	h8 &= mask26
	h0 += (h9 >> 25) * 19
	h9 &= mask25
	h1 += h0 >> 26
	h0 &= mask26
	v.l = [10]uint32{uint32(h0), uint32(h1), uint32(h2), uint32(h3), uint32(h4), uint32(h5), uint32(h6), uint32(h7), uint32(h8), uint32(h9)}
	return v
}

// Multiply sets v = a · b. A product of limbs i and j has weight 2^(w_i +
// w_j), which is twice the weight of limb i+j when i and j are both odd
// (odd limbs start half a bit late); limb i+j >= 10 wraps to i+j-10 times
// 19, as 2^255 = 19.
func (v *fe32) Multiply(a, b *fe32) *fe32 {
	a0, a1, a2, a3, a4 := uint64(a.l[0]), uint64(a.l[1]), uint64(a.l[2]), uint64(a.l[3]), uint64(a.l[4])
	a5, a6, a7, a8, a9 := uint64(a.l[5]), uint64(a.l[6]), uint64(a.l[7]), uint64(a.l[8]), uint64(a.l[9])
	b0, b1, b2, b3, b4 := uint64(b.l[0]), uint64(b.l[1]), uint64(b.l[2]), uint64(b.l[3]), uint64(b.l[4])
	b5, b6, b7, b8, b9 := uint64(b.l[5]), uint64(b.l[6]), uint64(b.l[7]), uint64(b.l[8]), uint64(b.l[9])
	a1x2, a3x2, a5x2, a7x2, a9x2 := 2*a1, 2*a3, 2*a5, 2*a7, 2*a9
	b1x19, b2x19, b3x19, b4x19, b5x19 := 19*b1, 19*b2, 19*b3, 19*b4, 19*b5
	b6x19, b7x19, b8x19, b9x19 := 19*b6, 19*b7, 19*b8, 19*b9

	h0 := a0*b0 + a1x2*b9x19 + a2*b8x19 + a3x2*b7x19 + a4*b6x19 + a5x2*b5x19 + a6*b4x19 + a7x2*b3x19 + a8*b2x19 + a9x2*b1x19
	h1 := a0*b1 + a1*b0 + a2*b9x19 + a3*b8x19 + a4*b7x19 + a5*b6x19 + a6*b5x19 + a7*b4x19 + a8*b3x19 + a9*b2x19
	h2 := a0*b2 + a1x2*b1 + a2*b0 + a3x2*b9x19 + a4*b8x19 + a5x2*b7x19 + a6*b6x19 + a7x2*b5x19 + a8*b4x19 + a9x2*b3x19
	h3 := a0*b3 + a1*b2 + a2*b1 + a3*b0 + a4*b9x19 + a5*b8x19 + a6*b7x19 + a7*b6x19 + a8*b5x19 + a9*b4x19
	h4 := a0*b4 + a1x2*b3 + a2*b2 + a3x2*b1 + a4*b0 + a5x2*b9x19 + a6*b8x19 + a7x2*b7x19 + a8*b6x19 + a9x2*b5x19
	h5 := a0*b5 + a1*b4 + a2*b3 + a3*b2 + a4*b1 + a5*b0 + a6*b9x19 + a7*b8x19 + a8*b7x19 + a9*b6x19
	h6 := a0*b6 + a1x2*b5 + a2*b4 + a3x2*b3 + a4*b2 + a5x2*b1 + a6*b0 + a7x2*b9x19 + a8*b8x19 + a9x2*b7x19
	h7 := a0*b7 + a1*b6 + a2*b5 + a3*b4 + a4*b3 + a5*b2 + a6*b1 + a7*b0 + a8*b9x19 + a9*b8x19
	h8 := a0*b8 + a1x2*b7 + a2*b6 + a3x2*b5 + a4*b4 + a5x2*b3 + a6*b2 + a7x2*b1 + a8*b0 + a9x2*b9x19
	h9 := a0*b9 + a1*b8 + a2*b7 + a3*b6 + a4*b5 + a5*b4 + a6*b3 + a7*b2 + a8*b1 + a9*b0

	h1 += h0 >> 26
	h0 &= mask26
	h2 += h1 >> 25
	h1 &= mask25
	h3 += h2 >> 26
	h2 &= mask26
	h4 += h3 >> 25
	h3 &= mask25
	h5 += h4 >> 26
	h4 &= mask26
	h6 += h5 >> 25
	h5 &= mask25
	h7 += h6 >> 26
	h6 &= mask26
	h8 += h7 >> 25
	h7 &= mask25
	h9 += h8 >> 26
	h8 &= mask26
	h0 += (h9 >> 25) * 19
	h9 &= mask25
	h1 += h0 >> 26
	h0 &= mask26
	v.l = [10]uint32{uint32(h0), uint32(h1), uint32(h2), uint32(h3), uint32(h4), uint32(h5), uint32(h6), uint32(h7), uint32(h8), uint32(h9)}
	return v
}

// Square sets v = a · a: Multiply's terms, each pair i != j once, doubled.
func (v *fe32) Square(a *fe32) *fe32 {
	a0, a1, a2, a3, a4 := uint64(a.l[0]), uint64(a.l[1]), uint64(a.l[2]), uint64(a.l[3]), uint64(a.l[4])
	a5, a6, a7, a8, a9 := uint64(a.l[5]), uint64(a.l[6]), uint64(a.l[7]), uint64(a.l[8]), uint64(a.l[9])
	a0x2, a1x2, a2x2, a3x2, a4x2 := 2*a0, 2*a1, 2*a2, 2*a3, 2*a4
	a5x2, a6x2, a7x2, a8x2, a9x2 := 2*a5, 2*a6, 2*a7, 2*a8, 2*a9
	a1x4, a3x4, a5x4, a7x4 := 4*a1, 4*a3, 4*a5, 4*a7
	a5x19, a6x19, a7x19, a8x19, a9x19 := 19*a5, 19*a6, 19*a7, 19*a8, 19*a9

	h0 := a0*a0 + a1x4*a9x19 + a2x2*a8x19 + a3x4*a7x19 + a4x2*a6x19 + a5x2*a5x19
	h1 := a0x2*a1 + a2x2*a9x19 + a3x2*a8x19 + a4x2*a7x19 + a5x2*a6x19
	h2 := a0x2*a2 + a1x2*a1 + a3x4*a9x19 + a4x2*a8x19 + a5x4*a7x19 + a6*a6x19
	h3 := a0x2*a3 + a1x2*a2 + a4x2*a9x19 + a5x2*a8x19 + a6x2*a7x19
	h4 := a0x2*a4 + a1x4*a3 + a2*a2 + a5x4*a9x19 + a6x2*a8x19 + a7x2*a7x19
	h5 := a0x2*a5 + a1x2*a4 + a2x2*a3 + a6x2*a9x19 + a7x2*a8x19
	h6 := a0x2*a6 + a1x4*a5 + a2x2*a4 + a3x2*a3 + a7x4*a9x19 + a8*a8x19
	h7 := a0x2*a7 + a1x2*a6 + a2x2*a5 + a3x2*a4 + a8x2*a9x19
	h8 := a0x2*a8 + a1x4*a7 + a2x2*a6 + a3x4*a5 + a4*a4 + a9x2*a9x19
	h9 := a0x2*a9 + a1x2*a8 + a2x2*a7 + a3x2*a6 + a4x2*a5

	h1 += h0 >> 26
	h0 &= mask26
	h2 += h1 >> 25
	h1 &= mask25
	h3 += h2 >> 26
	h2 &= mask26
	h4 += h3 >> 25
	h3 &= mask25
	h5 += h4 >> 26
	h4 &= mask26
	h6 += h5 >> 25
	h5 &= mask25
	h7 += h6 >> 26
	h6 &= mask26
	h8 += h7 >> 25
	h7 &= mask25
	h9 += h8 >> 26
	h8 &= mask26
	h0 += (h9 >> 25) * 19
	h9 &= mask25
	h1 += h0 >> 26
	h0 &= mask26
	v.l = [10]uint32{uint32(h0), uint32(h1), uint32(h2), uint32(h3), uint32(h4), uint32(h5), uint32(h6), uint32(h7), uint32(h8), uint32(h9)}
	return v
}

// Invert sets v = 1/z (0 for z = 0), as z^(p-2), by the addition chain of
// ref10 and filippo.io/edwards25519.
func (v *fe32) Invert(z *fe32) *fe32 {
	var z2, z9, z11, z2_5_0, z2_10_0, z2_20_0, z2_50_0, z2_100_0, t fe32
	sq := func(t *fe32, n int) {
		for range n {
			t.Square(t)
		}
	}
	z2.Square(z)           // 2
	t.Square(&z2)          // 4
	t.Square(&t)           // 8
	z9.Multiply(&t, z)     // 9
	z11.Multiply(&z9, &z2) // 11
	t.Square(&z11)         // 22
	z2_5_0.Multiply(&t, &z9)
	t.Set(&z2_5_0)
	sq(&t, 5)
	z2_10_0.Multiply(&t, &z2_5_0)
	t.Set(&z2_10_0)
	sq(&t, 10)
	z2_20_0.Multiply(&t, &z2_10_0)
	t.Set(&z2_20_0)
	sq(&t, 20)
	t.Multiply(&t, &z2_20_0)
	sq(&t, 10)
	z2_50_0.Multiply(&t, &z2_10_0)
	t.Set(&z2_50_0)
	sq(&t, 50)
	z2_100_0.Multiply(&t, &z2_50_0)
	t.Set(&z2_100_0)
	sq(&t, 100)
	t.Multiply(&t, &z2_100_0)
	sq(&t, 50)
	t.Multiply(&t, &z2_50_0)
	sq(&t, 5)
	return v.Multiply(&t, &z11) // 2^255 - 21 = p - 2
}

// width is the number of bits in each limb.
var width = [10]uint{26, 25, 26, 25, 26, 25, 26, 25, 26, 25}

// SetBytes sets v to the 32-byte little-endian x, ignoring its top bit,
// as field.Element.SetBytes does (x >= p is accepted and reduced).
func (v *fe32) SetBytes(x []byte) (*fe32, error) {
	if len(x) != 32 {
		return nil, errors.New("ed25519v: invalid field element input size")
	}
	var acc uint64 // bits not yet in a limb
	n, j := uint(0), 0
	for i := range v.l {
		for n < width[i] {
			acc |= uint64(x[j]) << n
			j, n = j+1, n+8
		}
		v.l[i] = uint32(acc & (1<<width[i] - 1))
		acc >>= width[i]
		n -= width[i]
	}
	// The one bit left over, bit 255, is ignored.
	return v, nil
}

// Bytes returns the canonical 32-byte little-endian encoding of v.
func (v *fe32) Bytes() []byte {
	var out [32]byte
	return v.bytes(&out)
}

func (v *fe32) bytes(out *[32]byte) []byte {
	var h [10]uint64
	for i := range h {
		h[i] = uint64(v.l[i])
	}
	var t fe32
	t.carry(&h) // every limb now within its width, but for h1 by a little
	for i := range h {
		h[i] = uint64(t.l[i])
	}
	t.carry(&h) // now h < 2^255, and reduced but for one p
	// q = 1 if h >= p, that is if h + 19 >= 2^255.
	q := (uint64(t.l[0]) + 19) >> 26
	for i := 1; i < 10; i++ {
		q = (uint64(t.l[i]) + q) >> width[i]
	}
	for i := range h {
		h[i] = uint64(t.l[i])
	}
	h[0] += 19 * q
	// Carry without folding 2^255 back: subtracting p is adding 19 and
	// dropping bit 255.
	for i := 0; i < 9; i++ {
		h[i+1] += h[i] >> width[i]
		h[i] &= 1<<width[i] - 1
	}
	h[9] &= mask25
	var acc uint64
	n, j := uint(0), 0
	for i := range h {
		acc |= h[i] << n
		n += width[i]
		for n >= 8 {
			out[j] = byte(acc)
			acc >>= 8
			j, n = j+1, n-8
		}
	}
	out[31] = byte(acc) // the last 7 bits
	return out[:]
}

// Equal returns 1 if v and u are equal, and 0 otherwise.
func (v *fe32) Equal(u *fe32) int {
	var a, b [32]byte
	return subtle.ConstantTimeCompare(v.bytes(&a), u.bytes(&b))
}

// IsNegative returns 1 if v is odd (its encoding's low bit), and 0 otherwise.
func (v *fe32) IsNegative() int {
	var a [32]byte
	return int(v.bytes(&a)[0] & 1)
}
