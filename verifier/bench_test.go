package verifier_test

import (
	"crypto/ed25519"
	"sync"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/benchratio"
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
	// Both in alternation, for a ratio that machine drift cannot skew.
	b.Run("VerifyBytesVsEd25519", func(b *testing.B) {
		benchratio.Compare(b,
			func() { ed25519.Verify(pub, msg, c.Signature[:]) },
			func() { v.VerifyBytes(text) })
	})
	// The same with a list of a million serials in force: the lookup
	// should cost nothing measurable beside the signature check.
	b.Run("Verifier.VerifyBytes/list1M", func(b *testing.B) {
		lv := newVerifier(b)
		if err := lv.LoadRevocationList(list1M(b)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := lv.VerifyBytes(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// list1M is a revocation list of a million serials spread over the whole
// serial range, the standard code's among them.
var list1M = func() func(testing.TB) []byte {
	once := sync.OnceValues(func() ([]byte, error) {
		entries := make([]revocation.Entry, 1_000_000)
		for i := range entries {
			entries[i] = revocation.Entry{Serial: formats.Serial(i) * (formats.MaxSerial / 1_000_000), Below: uint8(i)}
		}
		entries[0] = revocation.Entry{Serial: header().Serial, Below: 0}
		return revocation.Sign(testKey, 1, formats.MustProduct("PC"), 1, day("2027-01-01"), entries)
	})
	return func(t testing.TB) []byte {
		b, err := once()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}()

// BenchmarkLoadRevocationList1M loads a million-serial list, beside the
// signature check over it with crypto/ed25519.Verify and the
// formats/revocation decoder.
func BenchmarkLoadRevocationList1M(b *testing.B) {
	data := list1M(b)
	pub := testKey.Public().(ed25519.PublicKey)
	msg := append([]byte(revocation.Context), data[:len(data)-ed25519.SignatureSize]...)
	b.Run("crypto/ed25519.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, data[len(data)-ed25519.SignatureSize:]) {
				b.Fatal("verify")
			}
		}
	})
	ring := testRing(b)
	b.Run("revocation.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := revocation.Parse(data, formats.MustProduct("PC"), ring.VerifyList); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verifier.LoadRevocationList", func(b *testing.B) {
		v := newVerifier(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := v.LoadRevocationList(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSignRevocationList1M builds a million-serial list, as
// `licmint revoke` does.
func BenchmarkSignRevocationList1M(b *testing.B) {
	entries := make([]revocation.Entry, 1_000_000)
	for i := range entries {
		entries[i] = revocation.Entry{Serial: formats.Serial(len(entries)-i) * 7919}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := revocation.Sign(testKey, 1, formats.MustProduct("PC"), 1, day("2027-01-01"), entries); err != nil {
			b.Fatal(err)
		}
	}
}
