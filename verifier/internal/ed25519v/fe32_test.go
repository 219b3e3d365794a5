package ed25519v

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519/field"
)

var bigP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// value returns the integer v's limbs stand for, not reduced.
func (v *fe32) value() *big.Int {
	n := new(big.Int)
	for i := 9; i >= 0; i-- {
		n.Lsh(n, width[i]).Add(n, big.NewInt(int64(v.l[i])))
	}
	return n
}

// leBytes returns x mod p as 32 little-endian bytes.
func leBytes(x *big.Int) []byte {
	b := new(big.Int).Mod(x, bigP).FillBytes(make([]byte, 32))
	return reverse(b)
}

// looseFe32 returns an fe32 with any limbs below 2^27, the widest the
// methods accept, biased to the extremes.
func looseFe32(rng *rand.Rand) fe32 {
	var v fe32
	for i := range v.l {
		switch rng.IntN(4) {
		case 0:
			v.l[i] = 1<<27 - 1 - uint32(rng.IntN(3))
		case 1:
			v.l[i] = uint32(rng.IntN(3))
		default:
			v.l[i] = uint32(rng.IntN(1 << 27))
		}
	}
	return v
}

// checkFe32 fails unless v holds x mod p, with every limb below 2^26 as the
// methods promise.
func checkFe32(t *testing.T, op string, v *fe32, x *big.Int) {
	t.Helper()
	for i, l := range v.l {
		if l >= 1<<26 {
			t.Fatalf("%s: limb %d is %#x, not below 2^26", op, i, l)
		}
	}
	if got, want := v.Bytes(), leBytes(x); !bytes.Equal(got, want) {
		t.Fatalf("%s: got %x, want %x", op, got, want)
	}
	if new(big.Int).Mod(v.value(), bigP).Cmp(new(big.Int).Mod(x, bigP)) != 0 {
		t.Fatalf("%s: limbs hold %v, want %v mod p", op, v.value(), x)
	}
}

// TestFe32 checks each operation of fe32 on loose inputs against math/big.
func TestFe32(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{'f', 'e', '3', '2'}))
	for range 5000 {
		a, b := looseFe32(rng), looseFe32(rng)
		x, y := a.value(), b.value()
		var v fe32
		checkFe32(t, "Add", v.Add(&a, &b), new(big.Int).Add(x, y))
		checkFe32(t, "Subtract", v.Subtract(&a, &b), new(big.Int).Sub(x, y))
		checkFe32(t, "Negate", v.Negate(&a), new(big.Int).Neg(x))
		checkFe32(t, "Multiply", v.Multiply(&a, &b), new(big.Int).Mul(x, y))
		checkFe32(t, "Square", v.Square(&a), new(big.Int).Mul(x, x))
		k := rng.Uint32()
		checkFe32(t, "Mult32", v.Mult32(&a, k), new(big.Int).Mul(x, big.NewInt(int64(k))))
		inv := new(big.Int).ModInverse(new(big.Int).Mod(x, bigP), bigP)
		if inv == nil {
			inv = new(big.Int)
		}
		checkFe32(t, "Invert", v.Invert(&a), inv)
		// In place, as the curve code calls them.
		v = a
		checkFe32(t, "Multiply in place", v.Multiply(&v, &v), new(big.Int).Mul(x, x))
	}
}

// TestFe32Encoding checks SetBytes, Bytes, Equal and IsNegative against
// field.Element, including the values next to p and 2^255.
func TestFe32Encoding(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{'e', 'n', 'c'}))
	var inputs [][]byte
	for _, n := range []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(19),
		new(big.Int).Sub(bigP, big.NewInt(1)), bigP, new(big.Int).Add(bigP, big.NewInt(1)),
		new(big.Int).Add(bigP, big.NewInt(18)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)),
	} {
		inputs = append(inputs, reverse(n.FillBytes(make([]byte, 32))))
	}
	for range 2000 {
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		checkEncoding(t, in)
	}
	if _, err := new(fe32).SetBytes(make([]byte, 31)); err == nil {
		t.Error("SetBytes took 31 bytes")
	}
}

func checkEncoding(t *testing.T, in []byte) {
	t.Helper()
	var v fe32
	if _, err := v.SetBytes(in); err != nil {
		t.Fatal(err)
	}
	e, err := new(field.Element).SetBytes(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.Bytes(), e.Bytes()) {
		t.Fatalf("%x: Bytes %x, field.Element's %x", in, v.Bytes(), e.Bytes())
	}
	if v.IsNegative() != e.IsNegative() {
		t.Fatalf("%x: IsNegative %d, field.Element's %d", in, v.IsNegative(), e.IsNegative())
	}
	if u := feFrom32(e); v.Equal(&u) != 1 {
		t.Fatalf("%x: not Equal to itself through field.Element", in)
	}
	var w fe32
	w.Add(&v, new(fe32).One())
	if v.Equal(&w) != 0 {
		t.Fatalf("%x: Equal to itself plus one", in)
	}
}

func feFrom32(e *field.Element) fe32 {
	var v fe32
	v.SetBytes(e.Bytes())
	return v
}

// FuzzFe32 compares fe32 with field.Element on two encoded operands.
func FuzzFe32(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 64 {
			return
		}
		checkEncoding(t, b[:32])
		var a, c fe32
		a.SetBytes(b[:32])
		c.SetBytes(b[32:])
		x, _ := new(field.Element).SetBytes(b[:32])
		y, _ := new(field.Element).SetBytes(b[32:])
		var v fe32
		var e field.Element
		for _, op := range []struct {
			name string
			got  *fe32
			want *field.Element
		}{
			{"Add", v.Add(&a, &c), e.Add(x, y)},
			{"Subtract", new(fe32).Subtract(&a, &c), new(field.Element).Subtract(x, y)},
			{"Multiply", new(fe32).Multiply(&a, &c), new(field.Element).Multiply(x, y)},
			{"Square", new(fe32).Square(&a), new(field.Element).Square(x)},
			{"Invert", new(fe32).Invert(&a), new(field.Element).Invert(x)},
		} {
			if !bytes.Equal(op.got.Bytes(), op.want.Bytes()) {
				t.Fatalf("%s(%x, %x): %x, field.Element's %x", op.name, b[:32], b[32:], op.got.Bytes(), op.want.Bytes())
			}
		}
	})
}
