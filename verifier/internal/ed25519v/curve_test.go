package ed25519v

import (
	"bytes"
	"crypto/ed25519"
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

// TestNAF checks that naf's digits are well formed and sum back to the input.
func TestNAF(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{'n', 'a', 'f'}))
	inputs := [][]byte{make([]byte, 8), bytes.Repeat([]byte{0xff}, 8)}
	for range 1000 {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	for _, b := range inputs {
		for _, w := range []uint{aWidth, bWidth} {
			var out [nafLen]int8
			top := naf(&out, b, w)
			sum, last := new(big.Int), -int(w)
			for i := nafLen - 1; i >= 0; i-- {
				d := int(out[i])
				sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(d)))
				if d == 0 {
					continue
				}
				if d%2 == 0 || d >= 1<<(w-1) || d <= -(1<<(w-1)) || i > top {
					t.Fatalf("w=%d %x: bad digit %d at %d (top %d)", w, b, d, i, top)
				}
				if last >= 0 && last-i < int(w) {
					t.Fatalf("w=%d %x: digits at %d and %d too close", w, b, last, i)
				}
				last = i
			}
			want := new(big.Int).SetBytes(reverse(b))
			if sum.Cmp(want) != 0 {
				t.Fatalf("w=%d %x: NAF sums to %v", w, b, sum)
			}
		}
	}
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

// TestMulAdd cross-checks the table-based multiplication against
// edwards25519's VarTimeDoubleScalarBaseMult, including edge scalars.
func TestMulAdd(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{'m', 'u', 'l'}))
	lMinus1 := []byte{
		0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	}
	edge := [][]byte{
		make([]byte, 32),
		append([]byte{1}, make([]byte, 31)...),
		append(bytes.Repeat([]byte{0xff}, 16), make([]byte, 16)...),         // 2^128-1
		append(make([]byte, 16), append([]byte{1}, make([]byte, 15)...)...), // 2^128
		lMinus1,
	}
	random := func() []byte {
		var wide [64]byte
		for i := range wide {
			wide[i] = byte(rng.Uint32())
		}
		s, _ := edwards25519.NewScalar().SetUniformBytes(wide[:])
		return s.Bytes()
	}
	for range 20 {
		seed := make([]byte, ed25519.SeedSize)
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}
		k, err := NewPublicKey(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		scalars := append(edge, random(), random(), random())
		for _, c := range scalars {
			for _, s := range scalars {
				cs, err1 := edwards25519.NewScalar().SetCanonicalBytes(c)
				ss, err2 := edwards25519.NewScalar().SetCanonicalBytes(s)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				want := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(cs, &k.negA, ss)
				var got [32]byte
				if !k.mulAdd(&got, c, s) || !bytes.Equal(got[:], want.Bytes()) {
					t.Fatalf("mulAdd(%x, %x) mismatch", c, s)
				}
			}
		}
	}
}

// TestZeroKey checks that an unconstructed PublicKey rejects everything,
// including the all-zero R its empty tables would otherwise produce.
func TestZeroKey(t *testing.T) {
	var k PublicKey
	sig := make([]byte, 64)
	if k.Verify(nil, sig) {
		t.Fatal("zero PublicKey accepted a signature")
	}
	sig[32] = 1
	if k.Verify([]byte("x"), sig) {
		t.Fatal("zero PublicKey accepted a signature")
	}
}
