package formats

import (
	"testing"

	"github.com/licmint/licmint/internal/torsion"
)

// TestSmallOrderTable: smallOrder is exactly the canonical encodings of the
// torsion subgroup, so isSmallOrder(A's canonical encoding) is [8]A = 0.
func TestSmallOrderTable(t *testing.T) {
	seen := map[[PublicKeySize]byte]bool{}
	for _, p := range torsion.Points() {
		c := [PublicKeySize]byte(p.Bytes())
		if !isSmallOrder(c[:]) {
			t.Errorf("%x: a point of small order missing from the table", c)
		}
		seen[c] = true
	}
	for _, s := range smallOrder {
		if !seen[s] {
			t.Errorf("%x: in the table but not of small order", s)
		}
	}
}
