package verifier_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier"
)

func TestErrorKind(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{&formats.FormatError{Err: formats.ErrTypo}, "typo"},
		{&formats.FormatError{Err: formats.ErrUnknownVersion}, "malformed"},
		{&formats.FormatError{Err: formats.ErrMalformed}, "malformed"},
		{&formats.FormatError{Err: formats.ErrUnsigned}, "unsigned"},
		{&formats.FormatError{Err: formats.ErrWrongProduct}, "wrong_product"},
		{&verifier.Error{Err: verifier.ErrUnknownKey}, "unknown_key"},
		{&verifier.Error{Err: verifier.ErrBadSignature}, "bad_signature"},
		{&verifier.Error{Err: verifier.ErrInstallMismatch}, "install_mismatch"},
		{fmt.Errorf("%w: seq", verifier.ErrListReplayed), "list_replayed"},
		{fmt.Errorf("x: %w", verifier.ErrListMalformed), "list_malformed"},
		{fmt.Errorf("x: %w", verifier.ErrListUnknownKey), "list_unknown_key"},
		{fmt.Errorf("x: %w", verifier.ErrListBadSignature), "list_bad_signature"},
		{fmt.Errorf("x: %w", verifier.ErrListWrongProduct), "list_wrong_product"},
	} {
		if got := verifier.ErrorKind(c.err); got != c.want {
			t.Errorf("ErrorKind(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
