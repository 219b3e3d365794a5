package formats_test

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
)

// BenchmarkSignedCode measures parsing and encoding a signed code beside the
// cost of one ed25519.Verify of the same message, the baseline that parsing
// must stay under 2% of. Compare within one run: the machines are shared.
func BenchmarkSignedCode(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	c := randomCode(b, r)
	text := []byte(c.String())
	seed := make([]byte, 32)
	priv := ed25519.NewKeyFromSeed(seed)
	msg, _ := c.AppendMessage(nil, "")
	sig := ed25519.Sign(priv, msg)
	pub := priv.Public().(ed25519.PublicKey)

	b.Run("ed25519.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("verify")
			}
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := formats.ParseSignedBytes(text, c.Product); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Parse beside Verify in alternation: the ratio is the target (< 2%).
	b.Run("ParseVsVerify", func(b *testing.B) {
		benchratio.Compare(b,
			func() { ed25519.Verify(pub, msg, sig) },
			func() { formats.ParseSignedBytes(text, c.Product) })
	})
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, formats.SignedLen)
		for b.Loop() {
			var err error
			if buf, err = c.AppendText(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Message", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, formats.MaxMessageLen)
		for b.Loop() {
			buf, _ = c.AppendMessage(buf[:0], "")
		}
	})
}

func TestParseAndEncodeDoNotAllocate(t *testing.T) {
	c := randomCode(t, rand.New(rand.NewPCG(4, 4)))
	text := []byte(c.String())
	buf := make([]byte, 0, formats.SignedLen)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := formats.ParseSignedBytes(text, c.Product); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ParseSignedBytes: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf, _ = c.AppendText(buf[:0]) }); n != 0 {
		t.Errorf("AppendText: %v allocations", n)
	}
}
