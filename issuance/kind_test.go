package issuance

import (
	"errors"
	"fmt"
	"testing"

	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

func TestKindOf(t *testing.T) {
	if k := KindOf(nil); k != KindNone {
		t.Errorf("KindOf(nil) = %q", k)
	}
	if k := KindOf(errors.New("the database is down")); k != KindNone {
		t.Errorf("KindOf(other) = %q", k)
	}
	seen := map[Kind]error{}
	for _, e := range kinds {
		if e.kind == KindNone {
			t.Errorf("%v has no kind", e.err)
		}
		if prev, ok := seen[e.kind]; ok {
			t.Errorf("%v and %v share kind %q", prev, e.err, e.kind)
		}
		seen[e.kind] = e.err
		if k := KindOf(fmt.Errorf("context: %w", e.err)); k != e.kind {
			t.Errorf("KindOf(wrapped %v) = %q, want %q", e.err, k, e.kind)
		}
	}
	// A batch row's field error wraps the ledger's outcome: the ledger's
	// kind wins over the signer's.
	fe := &signer.FieldError{Field: "rk", Err: fmt.Errorf("%w: PC-X", ledger.ErrNotMinted)}
	if k := KindOf(fmt.Errorf("%w: %w", signer.ErrBadRegistration, fe)); k != KindNotMinted {
		t.Errorf("KindOf(field error) = %q, want %q", k, KindNotMinted)
	}
	// Any other field error is a field the signer could not use.
	if k := KindOf(fmt.Errorf("row 3: %w", &signer.FieldError{Field: "code", Err: errors.New("bad base32")})); k != KindBadField {
		t.Errorf("KindOf(other field error) = %q, want %q", k, KindBadField)
	}
}
