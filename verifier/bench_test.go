package verifier_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/licmint/licmint/formats"
)

// BenchmarkVerify compares parsing and verifying a signed Activation Code
// with a bare crypto/ed25519.Verify of the same message and signature, in
// the same run (the machines are shared, so only ratios within one run
// mean anything). The target is at most 0.95 of the baseline, 0 allocs.
func BenchmarkVerify(b *testing.B) {
	code := sign(b, testKey, header(), "")
	c, err := formats.ParseSigned(code, formats.MustProduct("PC"))
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := c.AppendMessage(nil, "")
	pub := testKey.Public().(ed25519.PublicKey)
	v := newVerifier(b)
	text := []byte(code)

	b.Run("crypto/ed25519.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, c.Signature[:]) {
				b.Fatal("verify")
			}
		}
	})
	b.Run("Verifier.VerifyBytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.VerifyBytes(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}
