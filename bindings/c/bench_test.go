//go:build cgo

package c

import (
	"testing"
	"time"

	"github.com/licmint/licmint/internal/benchratio"
)

// BenchmarkVerify compares lm_verify of the C library (called from C, 16
// times per cgo call, so that the call's cost is spread as a product
// calling from C never pays it) with Verifier.Verify of package verifier:
// ratio is C's time over Go's.
func BenchmarkVerify(b *testing.B) {
	library(b)
	var codes codeVectors
	vectors(b, "activation_codes.json", &codes)
	code := []byte(codes.Valid[0].Signed)
	s := setup{now: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)}
	gv, cv := s.goVerifier(b), s.cVerifier(b)
	defer cv.Free()
	if r := cv.VerifyN(code, 1); r != 0 {
		b.Fatalf("lm_verify: %s: %s", ResultName(r), cv.Message())
	}
	const n = 16
	benchratio.Compare(b,
		func() {
			for range n {
				if _, err := gv.VerifyBytes(code); err != nil {
					b.Fatal(err)
				}
			}
		},
		func() {
			if cv.VerifyN(code, n) != 0 {
				b.Fatal("lm_verify failed")
			}
		})
}
