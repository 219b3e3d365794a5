package main

import (
	"errors"

	"github.com/licmint/licmint/verifier"
	licjwt "github.com/licmint/licmint/verifier/jwt"
)

// errorKind returns the error_kind that --json output reports for err, or
// "" for none: the verifier's kind, except that a token that is not a
// well-formed signed token, or carries a code that does not decode, is
// bad_token. A token whose code decodes keeps the code's verdict, such as
// bad_signature or wrong_product.
func errorKind(err error) string {
	k := verifier.ErrorKind(err)
	if errors.Is(err, licjwt.ErrBadToken) {
		switch k {
		case "", "typo", "unsigned", "malformed":
			return "bad_token"
		}
	}
	return k
}
