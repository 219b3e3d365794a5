package torsion

import (
	"bytes"
	"testing"

	"filippo.io/edwards25519"
)

func TestPoints(t *testing.T) {
	ps := Points()
	id := edwards25519.NewIdentityPoint()
	for i, p := range ps {
		// [8]P is the identity, and P has order exactly 8/gcd(i, 8).
		if new(edwards25519.Point).MultByCofactor(p).Equal(id) != 1 {
			t.Errorf("[8]P%d is not the identity", i)
		}
		for j, q := range ps {
			if i != j && p.Equal(q) == 1 {
				t.Errorf("P%d = P%d", i, j)
			}
		}
	}
}

func TestEncodings(t *testing.T) {
	es := Encodings()
	canonical := 0
	for i, e := range es {
		p, err := new(edwards25519.Point).SetBytes(e.Bytes)
		if err != nil {
			t.Fatalf("%x does not decode: %v", e.Bytes, err)
		}
		if p.Equal(Points()[e.Index]) != 1 {
			t.Errorf("%x decodes to another point than P%d", e.Bytes, e.Index)
		}
		if got := bytes.Equal(p.Bytes(), e.Bytes); got != e.Canonical {
			t.Errorf("%x: canonical %v, want %v", e.Bytes, got, e.Canonical)
		}
		if e.Canonical {
			canonical++
		}
		for _, f := range es[i+1:] {
			if bytes.Equal(e.Bytes, f.Bytes) {
				t.Errorf("%x listed twice", e.Bytes)
			}
		}
	}
	// 8 points; non-canonical: the identity 3 ways, (0, -1) once, each
	// point of order 4 once.
	if len(es) != 14 || canonical != 8 {
		t.Errorf("%d encodings, %d canonical; want 14 and 8", len(es), canonical)
	}
}
