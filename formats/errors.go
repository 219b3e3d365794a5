package formats

import (
	"errors"
	"fmt"
	"strings"
)

// Outcomes of decoding, matched with errors.Is. Every error returned by this
// package's parsers wraps exactly one of them, usually inside a *FormatError
// that says where the problem is.
var (
	// ErrMalformed: the input is not shaped like a key or code at all: a
	// character outside the alphabet, the wrong number of symbols, input
	// too long, or bits that no encoder produces.
	ErrMalformed = errors.New("malformed")
	// ErrTypo: the shape is right but a check digit or check symbols do not
	// match, as after a mistyped character or two swapped neighbours.
	ErrTypo = errors.New("check mismatch (typo)")
	// ErrUnknownVersion: the checks pass but the code names a format version
	// this package does not implement.
	ErrUnknownVersion = errors.New("unknown format version")
	// ErrUnsigned: a short form was given where the signed form is needed.
	ErrUnsigned = errors.New("short form without signature")
	// ErrWrongProduct: a well-formed key or code for another product.
	ErrWrongProduct = errors.New("wrong product")
	// ErrWeakKey: a public key that decodes but that no key generator
	// makes: of small order, so that anyone can forge signatures under it,
	// or not canonically encoded (CheckPublicKey).
	ErrWeakKey = errors.New("weak public key")
)

// FormatError reports a key or code that could not be decoded, with the
// position of the problem where one is known.
type FormatError struct {
	// Kind says what the input was taken for: "registration key",
	// "activation code" or "public key".
	Kind string
	// Err is one of the sentinel errors above.
	Err error
	// Msg says what is wrong in words, and Hint what to do, if anything.
	Msg, Hint string

	// Group (1 for the product code) and Char (from 1) locate the problem
	// in the canonical hyphenated form; zero when not known.
	Group, Char int
	// Line and Column (from 1, in bytes) locate it in the input; zero when
	// not known.
	Line, Column int
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind)
	if e.Group > 0 {
		fmt.Fprintf(&b, ", group %d character %d", e.Group, e.Char)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d, column %d)", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }

// lineColumn returns the 1-based line and column of byte offset off in s.
func lineColumn[T ~string | ~[]byte](s T, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(s); i++ {
		if s[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// quoteByte shows an input byte readably in an error message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
