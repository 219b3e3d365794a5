package signer_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/signer"
)

// BenchmarkRevocationList builds a list of a million serials: from parsed
// entries (Signer.RevocationList) and from the text a vendor keeps
// (ReadRevocationEntries, then RevocationList), beside the floor, the raw
// ed25519.Sign of a message the size of the list. Each reports the list's
// entries per second.
func BenchmarkRevocationList(b *testing.B) {
	const n = 1_000_000
	s := newSigner(b)
	entries := make([]revocation.Entry, n)
	var text bytes.Buffer
	for i := range entries {
		// Spread over the serial range, out of order, a few bounded.
		serial := formats.Serial(i) * 99_999_989 % 99_999_999_999_989
		e := revocation.Entry{Serial: serial}
		if i%10 == 0 {
			e.Below = uint8(1 + i%7)
			fmt.Fprintf(&text, "%s:%d\n", serial, e.Below)
		} else {
			fmt.Fprintf(&text, "%s\n", serial)
		}
		entries[i] = e
	}
	msg := make([]byte, len(revocation.Context)+revocation.HeaderSize+n*revocation.EntrySize)
	priv := ed25519.NewKeyFromSeed(testSeed(1))
	perSecond := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	}
	b.Run("ed25519.Sign-8MB", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			ed25519.Sign(priv, msg)
		}
		perSecond(b)
	})
	b.Run("RevocationList", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.RevocationList(pc, 1, nil, entries); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("ReadRevocationEntries+RevocationList", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(text.Len()))
		for b.Loop() {
			es, err := signer.ReadRevocationEntries(bytes.NewReader(text.Bytes()), pc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.RevocationList(pc, 1, nil, es); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
}
