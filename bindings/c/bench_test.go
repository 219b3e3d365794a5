//go:build cgo

package main

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/verifier"
)

// BenchmarkVerify compares lm_verify called from C with Verifier.Verify
// called from Go, in alternation: ratio is the C call's time over the Go
// call's (target ≤ 1.1).
func BenchmarkVerify(b *testing.B) {
	s, err := loadSuite()
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := hex.DecodeString(s.pub)
	now := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}}, verifier.WithNow(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	h := addHandle(v)
	defer handles.remove(h)
	code := cBytes([]byte(s.code))
	defer cFree(code)
	if r := verifyFromC(h, code, len(s.code)); r != 0 {
		b.Fatalf("lm_verify = %d", r)
	}
	benchratio.Compare(b,
		func() {
			if _, err := v.Verify(s.code); err != nil {
				b.Fatal(err)
			}
		},
		func() {
			if verifyFromC(h, code, len(s.code)) != 0 {
				b.Fatal("lm_verify failed")
			}
		})
}
