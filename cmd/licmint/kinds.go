package main

import (
	"errors"

	"github.com/licmint/licmint/formats"
)

// errorKinds name the outcomes that --json output reports as error_kind.
var errorKinds = []struct {
	err  error
	kind string
}{
	{formats.ErrTypo, "typo"},
	{formats.ErrUnsigned, "unsigned"},
	{formats.ErrWrongProduct, "wrong_product"},
	{formats.ErrUnknownVersion, "malformed"},
	{formats.ErrMalformed, "malformed"},
}

// errorKind returns the name of the outcome err wraps, or "" for none.
func errorKind(err error) string {
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return ""
}
