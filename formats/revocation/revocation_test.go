package revocation_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

var (
	priv  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32))
	pc    = formats.MustProduct("PC")
	trust = func(id uint8, context, body, sig []byte) error {
		if id != 3 {
			return revocation.ErrUnknownKey
		}
		if !ed25519.Verify(priv.Public().(ed25519.PublicKey), append(bytes.Clone(context), body...), sig) {
			return revocation.ErrBadSignature
		}
		return nil
	}
)

func sample(t testing.TB) []byte {
	data, err := revocation.Sign(priv, 3, pc, 7, 2522, []revocation.Entry{
		{Serial: 500, Below: 2}, {Serial: 10}, {Serial: 500, Below: 1}, {Serial: formats.MaxSerial, Below: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRoundTrip(t *testing.T) {
	l, err := revocation.Parse(sample(t), pc, trust)
	if err != nil {
		t.Fatal(err)
	}
	if l.Sequence != 7 || l.Issued != 2522 || l.KeyID != 3 || l.Len() != 3 {
		t.Fatalf("%+v len %d", l, l.Len())
	}
	for _, tc := range []struct {
		serial formats.Serial
		gen    uint8
		want   bool
	}{
		{10, 0, true}, {10, 255, true}, // every generation
		{500, 0, true}, {500, 1, true}, {500, 2, false}, // the highest bound of two wins
		{formats.MaxSerial, 9, true}, {11, 0, false}, {0, 0, false},
	} {
		if got := l.Revoked(tc.serial, tc.gen); got != tc.want {
			t.Errorf("Revoked(%d, %d) = %v", tc.serial, tc.gen, got)
		}
	}
}

func TestRejects(t *testing.T) {
	good := sample(t)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{6}, 32))
	forged, _ := revocation.Sign(other, 3, pc, 8, 2522, nil)
	unknown, _ := revocation.Sign(priv, 4, pc, 8, 2522, nil)
	pd, _ := revocation.Sign(priv, 3, formats.MustProduct("PD"), 8, 2522, nil)
	cases := map[string]struct {
		data []byte
		want error
	}{
		"forged":        {forged, revocation.ErrBadSignature},
		"unknown key":   {unknown, revocation.ErrUnknownKey},
		"other product": {pd, revocation.ErrWrongProduct},
		"empty":         {nil, revocation.ErrMalformed},
		"padded":        {append(bytes.Clone(good), 0), revocation.ErrMalformed},
		"not a list":    {bytes.Repeat([]byte("x"), 200), revocation.ErrMalformed},
	}
	// Every truncation, and every single-byte change, is refused.
	for n := range len(good) {
		if _, err := revocation.Parse(good[:n], pc, trust); !errors.Is(err, revocation.ErrMalformed) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x20
		if _, err := revocation.Parse(bad, pc, trust); err == nil {
			t.Fatalf("byte %d changed: accepted", i)
		}
	}
	for name, tc := range cases {
		if _, err := revocation.Parse(tc.data, pc, trust); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// TestMillion builds, loads and searches a list of a million serials.
func TestMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("large list")
	}
	r := rand.New(rand.NewPCG(1, 2))
	entries := make([]revocation.Entry, 1_000_000)
	for i := range entries {
		entries[i] = revocation.Entry{Serial: formats.Serial(r.Uint64N(formats.MaxSerial + 1)), Below: uint8(r.IntN(3))}
	}
	data, err := revocation.Sign(priv, 3, pc, 1, 2522, entries)
	if err != nil {
		t.Fatal(err)
	}
	l, err := revocation.Parse(data, pc, trust)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries[:1000] {
		if got, ok := l.Lookup(e.Serial); !ok || got.Serial != e.Serial {
			t.Fatalf("serial %d not found", e.Serial)
		}
	}
	if n := testing.AllocsPerRun(100, func() { l.Revoked(entries[5].Serial, 1) }); n != 0 {
		t.Fatalf("lookup allocates %v", n)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample(f))
	f.Add([]byte("LMRL\x00\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := revocation.Parse(data, formats.Product{}, trust)
		if err != nil {
			return
		}
		// Anything accepted was signed by the trusted key: re-signing
		// its entries reproduces it exactly.
		var es []revocation.Entry
		for i := range l.Len() {
			es = append(es, l.Entry(i))
		}
		again, err := revocation.Sign(priv, l.KeyID, l.Product, l.Sequence, l.Issued, es)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted list does not re-encode identically: %v", err)
		}
	})
}

func BenchmarkList(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	entries := make([]revocation.Entry, 1_000_000)
	for i := range entries {
		entries[i] = revocation.Entry{Serial: formats.Serial(r.Uint64N(formats.MaxSerial + 1))}
	}
	data, _ := revocation.Sign(priv, 3, pc, 1, 2522, entries)
	b.Run("Sign1M", func(b *testing.B) {
		for b.Loop() {
			revocation.Sign(priv, 3, pc, 1, 2522, entries)
		}
	})
	b.Run("Parse1M", func(b *testing.B) {
		for b.Loop() {
			if _, err := revocation.Parse(data, pc, trust); err != nil {
				b.Fatal(err)
			}
		}
	})
	l, _ := revocation.Parse(data, pc, trust)
	msg := make([]byte, 200)
	sig := ed25519.Sign(priv, msg)
	pub := priv.Public().(ed25519.PublicKey)
	b.Run("ed25519.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	b.Run("Lookup", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Revoked(entries[i%len(entries)].Serial, 0)
			i++
		}
	})
}
