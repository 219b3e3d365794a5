package signer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

// maxEntryLine bounds a line of a revocation entry file: a signed
// Activation Code and a comment fit with room to spare.
const maxEntryLine = 4096

// maxEntryErrors is how many bad lines ReadRevocationEntries reports one
// by one; it counts the rest.
const maxEntryErrors = 10

// RevocationList signs a revocation list (FORMAT.md section 11) for
// product with the signer's key: sequence seq, issued on the day issued
// (nil means today by the signer's clock), revoking entries, which may
// come in any order and name a serial more than once (the strictest bound
// wins). Products load it offline with revocation.Parse.
func (s *Signer) RevocationList(product formats.Product, seq uint64, issued *formats.Day, entries []revocation.Entry) ([]byte, error) {
	day, err := s.day(issued)
	if err != nil {
		return nil, err
	}
	return revocation.Sign(s.key.Signer(), s.key.id, product, seq, day, entries)
}

// ParseRevocationEntry reads one revocation entry spec, "S" or "S:G". S
// names a serial: its 14 digits (leading zeros included, so that a dropped
// digit is caught), or a Registration Key or an Activation Code (either
// form), whose serial it takes. G, from 1 to 255, revokes the generations
// below G and leaves G and later (the replacements) good; without it every
// generation of the serial is revoked. A key or code for a product other
// than product (when product is not zero) is a formats.ErrWrongProduct.
//
// Errors are *FieldError values, field serial or generation, wrapping
// ErrBadEntry or formats.ErrWrongProduct; Column locates the problem in
// spec, from 1.
func ParseRevocationEntry(spec string, product formats.Product) (revocation.Entry, error) {
	lead := len(spec) - len(strings.TrimLeft(spec, " \t"))
	e, err := parseEntry(strings.TrimSpace(spec), product)
	if err != nil {
		err.Column += lead
		return e, err
	}
	return e, nil
}

// ReadRevocationEntries reads revocation entry specs, one a line, as
// ParseRevocationEntry does; blank lines and text from # to the end of a
// line are ignored. A revocation list must name exactly what was meant,
// so any bad line fails the whole read: the error joins a *FieldError
// with the line and column of each bad line (the first ten, then a count).
func ReadRevocationEntries(r io.Reader, product formats.Product) ([]revocation.Entry, error) {
	sc := bufio.NewScanner(r)
	// Room for a whole line and its CR LF, and no more.
	sc.Buffer(make([]byte, 0, maxEntryLine+2), maxEntryLine+2)
	var (
		entries []revocation.Entry
		errs    []error
		bad     int
		line    int
	)
	for sc.Scan() {
		line++
		if e, ok := plainEntry(sc.Bytes()); ok {
			entries = append(entries, e)
			continue
		}
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		lead := len(text) - len(strings.TrimLeft(text, " \t\r"))
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		e, err := parseEntry(text, product)
		if err != nil {
			bad++
			if len(errs) < maxEntryErrors {
				err.Line, err.Column = line, err.Column+lead
				errs = append(errs, err)
			}
			continue
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("%w: longer than %d bytes; give one serial, key or code a line", ErrBadEntry, maxEntryLine)
		}
		errs = append(errs, &FieldError{Line: line + 1, Err: err})
		bad++
	}
	if bad > len(errs) {
		errs = append(errs, fmt.Errorf("%w: %d more bad lines", ErrBadEntry, bad-len(errs)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return entries, nil
}

// plainEntry reads the common line, "S" or "S:G" with a 14-digit serial
// and nothing else, without making a string of it; any other line is left
// to parseEntry.
func plainEntry(b []byte) (revocation.Entry, bool) {
	var e revocation.Entry
	if len(b) < 14 {
		return e, false
	}
	for _, c := range b[:14] {
		if c < '0' || c > '9' {
			return e, false
		}
		e.Serial = e.Serial*10 + formats.Serial(c-'0')
	}
	switch rest := b[14:]; {
	case len(rest) == 0:
		return e, true
	case rest[0] == ':' && len(rest) <= 4:
		below, ok := parseGeneration(string(rest[1:])) // does not allocate
		e.Below = below
		return e, ok
	}
	return e, false
}

// parseEntry parses a trimmed spec; Column in its error counts from 1 in
// spec.
func parseEntry(spec string, product formats.Product) (revocation.Entry, *FieldError) {
	var e revocation.Entry
	if spec == "" {
		return e, &FieldError{Field: "serial", Err: fmt.Errorf("%w: empty; want a 14-digit serial, a Registration Key or an Activation Code, then optionally :G", ErrBadEntry)}
	}
	if len(spec) > formats.MaxInputLen {
		return e, &FieldError{Field: "serial", Column: 1, Err: fmt.Errorf("%w: %d bytes, more than %d", ErrBadEntry, len(spec), formats.MaxInputLen)}
	}
	name := spec
	if i := strings.LastIndexByte(spec, ':'); i >= 0 {
		name = strings.TrimRight(spec[:i], " \t")
		g := strings.TrimLeft(spec[i+1:], " \t")
		col := len(spec) - len(g) + 1
		below, ok := parseGeneration(g)
		if !ok {
			msg := fmt.Sprintf("%q after the colon: want a generation from 1 to 255; codes of lower generations are revoked", g)
			if g != "" && strings.Trim(g, "0") == "" {
				msg = "generation 0 revokes nothing: leave out :G to revoke every generation"
			}
			return e, &FieldError{Field: "generation", Column: col, Err: fmt.Errorf("%w: %s", ErrBadEntry, msg)}
		}
		e.Below = below
	}
	serial, err := parseSerial(name, product)
	if err != nil {
		err.Column = 1
		return e, err
	}
	e.Serial = serial
	return e, nil
}

// parseGeneration reads G of S:G, 1 to 255.
func parseGeneration(g string) (uint8, bool) {
	if g == "" || len(g) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(g); i++ {
		if g[i] < '0' || g[i] > '9' {
			return 0, false
		}
		n = n*10 + int(g[i]-'0')
	}
	return uint8(n), n >= 1 && n <= formats.MaxGeneration
}

// parseSerial reads S: 14 digits, a Registration Key or an Activation
// Code.
func parseSerial(s string, product formats.Product) (formats.Serial, *FieldError) {
	allDigits := s != ""
	var serial formats.Serial
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
			break
		}
		serial = serial*10 + formats.Serial(s[i]-'0')
	}
	if allDigits {
		if len(s) != 14 {
			return 0, &FieldError{Field: "serial", Err: fmt.Errorf("%w: serial %q has %d digits; write all 14, leading zeros included", ErrBadEntry, s, len(s))}
		}
		return serial, nil
	}
	var (
		p   formats.Product
		err error
	)
	switch n := symbolCount(s); {
	case n == 2+formats.RKDigits:
		var k formats.RegistrationKey
		k, err = formats.ParseRegistrationKey(s)
		p, serial = k.Product, k.Serial
	case n == 2+formats.ShortSymbols || n == 2+formats.SignedSymbols:
		var c formats.ActivationCode
		c, err = formats.ParseActivationCode(s)
		p, serial = c.Product, c.Serial
	default:
		show := s
		if len(show) > 40 {
			show = show[:40] + "..."
		}
		return 0, &FieldError{Field: "serial", Err: fmt.Errorf("%w: %q is not a 14-digit serial, a Registration Key or an Activation Code", ErrBadEntry, show)}
	}
	if err != nil {
		return 0, &FieldError{Field: "serial", Err: fmt.Errorf("%w: %w", ErrBadEntry, err)}
	}
	if product != (formats.Product{}) && p != product {
		return 0, &FieldError{Field: "serial", Err: fmt.Errorf("%w: %s names product %s; this list is for %s", formats.ErrWrongProduct, s, p, product)}
	}
	return serial, nil
}

// symbolCount counts the characters of s other than the separators a key
// or code may be written with, to tell which of the two s is meant to be.
func symbolCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n', '-':
		default:
			n++
		}
	}
	return n
}
