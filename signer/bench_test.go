package signer_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/signer"
)

// BenchmarkSign compares signing one code with the raw ed25519.Sign of the
// same message, the floor it cannot beat.
func BenchmarkSign(b *testing.B) {
	key := testKey(b, 1)
	s, err := signer.New(key)
	if err != nil {
		b.Fatal(err)
	}
	reg := &signer.Registration{
		RK:      formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 31415926535897},
		Edition: "premium",
		Issued:  new(dayOf(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))),
	}
	code, err := s.Sign(reg)
	if err != nil {
		b.Fatal(err)
	}
	msg, err := code.AppendMessage(nil, "")
	if err != nil {
		b.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(testSeed(1))
	b.Run("ed25519.Sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ed25519.Sign(priv, msg)
		}
	})
	// Both in alternation, for a ratio that machine drift cannot skew.
	b.Run("SignVsEd25519", func(b *testing.B) {
		buf := make([]byte, 0, formats.SignedLen)
		benchratio.Compare(b,
			func() { ed25519.Sign(priv, msg) },
			func() {
				c, _ := s.Sign(reg)
				buf, _ = c.AppendText(buf[:0])
			})
	})
	b.Run("Signer.Sign", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, formats.SignedLen)
		for b.Loop() {
			c, err := s.Sign(reg)
			if err != nil {
				b.Fatal(err)
			}
			buf, _ = c.AppendText(buf[:0])
		}
	})
}
