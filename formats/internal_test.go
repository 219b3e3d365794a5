package formats

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestCRC30CatalogueCheck(t *testing.T) {
	// reveng's check value: the CRC of the ASCII string "123456789".
	if got := crc30Sum(crc30Update(crc30Init, []byte("123456789"))); got != 0x04C34ABF {
		t.Fatalf("CRC-30/CDMA(123456789) = %#x, want 0x04c34abf", got)
	}
}

func TestCRC30Unstep(t *testing.T) {
	for i := range 1000 {
		r := uint32(i*2654435761) & crc30Mask
		step := (r<<8)&crc30Mask ^ crc30Table[byte(r>>22)]
		if back := crc30Unstep(step); back != r {
			t.Fatalf("unstep(step(%#x)) = %#x", r, back)
		}
	}
}

func TestDamm(t *testing.T) {
	// Damm's published example: 572 has check digit 4.
	if d := dammDigit([]byte{5, 7, 2}); d != 4 {
		t.Fatalf("check digit of 572 = %d, want 4", d)
	}
	if d := dammDigit([]byte{5, 7, 2, 4}); d != 0 {
		t.Fatalf("5724 does not validate")
	}
	// Weak total anti-symmetry: x*c*y == y*c*x implies x == y; zero diagonal.
	for c := range 10 {
		if dammTable[c][c] != 0 {
			t.Fatalf("diagonal %d not zero", c)
		}
		for x := range 10 {
			for y := range 10 {
				if x != y && dammTable[dammTable[c][x]][y] == dammTable[dammTable[c][y]][x] {
					t.Fatalf("not anti-symmetric at c=%d x=%d y=%d", c, x, y)
				}
			}
		}
	}
}

func TestPackUnpackSymbols(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 140; n++ {
		syms := make([]byte, n)
		for i := range syms {
			syms[i] = byte(r.IntN(32))
		}
		packed := make([]byte, (5*n+7)/8)
		packSymbols(packed, syms)
		back := make([]byte, n)
		unpackText(back, packed)
		for i, c := range back {
			back[i] = symbolValue[c]
		}
		if !bytes.Equal(back, syms) {
			t.Fatalf("n=%d: round trip %v != %v", n, back, syms)
		}
	}
}
