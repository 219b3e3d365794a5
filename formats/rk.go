package formats

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
)

// Registration Key sizes, per FORMAT.md section 2.
const (
	// RKLen is the length of a canonical Registration Key: PC-TSSS-SSSS-SSSS-SSSK.
	RKLen = 22
	// RKDigits is the number of digits after the product code.
	RKDigits = 16
	// MaxSerial is the largest serial: 14 decimal digits.
	MaxSerial = 99_999_999_999_999
	// MaxInputLen bounds every input this package parses; longer input is
	// rejected before it is read.
	MaxInputLen = 1024
)

const rkKind = "registration key"

// RegistrationKey is what a customer buys and exchanges for an Activation Code.
type RegistrationKey struct {
	Product Product
	Trial   bool   // digit 1: 1 for a trial key, 0 for a full one
	Serial  Serial // digits 2-15, at most MaxSerial
}

// NewRegistrationKey returns the key for serial, which must be at most MaxSerial.
func NewRegistrationKey(p Product, trial bool, serial Serial) (RegistrationKey, error) {
	k := RegistrationKey{Product: p, Trial: trial, Serial: serial}
	if !p.Valid() {
		return k, fmt.Errorf("registration key: product code %q is not two letters", p[:])
	}
	if serial > MaxSerial {
		return k, fmt.Errorf("registration key: serial %d has more than 14 digits", serial)
	}
	return k, nil
}

// RandomRegistrationKey returns a key with a uniformly random serial read from
// r, or from crypto/rand if r is nil, so that serials cannot be guessed.
func RandomRegistrationKey(r io.Reader, p Product, trial bool) (RegistrationKey, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return RegistrationKey{}, fmt.Errorf("registration key: reading randomness: %w", err)
		}
		// Rejection sampling from 47 bits keeps the serial uniform.
		s := binary.BigEndian.Uint64(b[:]) >> 17
		if s <= MaxSerial {
			return NewRegistrationKey(p, trial, Serial(s))
		}
	}
}

// digits returns the 16 digit values of k, check digit last.
func (k RegistrationKey) digits() (d [RKDigits]byte) {
	if k.Trial {
		d[0] = 1
	}
	s := k.Serial
	for i := 14; i >= 1; i-- {
		d[i] = byte(s % 10)
		s /= 10
	}
	d[15] = dammDigit(d[:15])
	return d
}

// AppendText appends the canonical form, PC-TSSS-SSSS-SSSS-SSSK.
func (k RegistrationKey) AppendText(b []byte) ([]byte, error) {
	if _, err := NewRegistrationKey(k.Product, k.Trial, k.Serial); err != nil {
		return b, err
	}
	d := k.digits()
	b = append(b, k.Product[0], k.Product[1])
	for i, v := range d {
		if i%4 == 0 {
			b = append(b, '-')
		}
		b = append(b, '0'+v)
	}
	return b, nil
}

// String returns the canonical form, or a description of why k is invalid.
func (k RegistrationKey) String() string {
	b, err := k.AppendText(make([]byte, 0, RKLen))
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler.
func (k RegistrationKey) MarshalText() ([]byte, error) { return k.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseRegistrationKey.
func (k *RegistrationKey) UnmarshalText(b []byte) error {
	v, err := parseRK(b)
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseRegistrationKey decodes a Registration Key written in any case, with
// whitespace or hyphens anywhere between characters and O, I or L typed for
// 0 or 1.
func ParseRegistrationKey(s string) (RegistrationKey, error) { return parseRK(s) }

func parseRK[T ~string | ~[]byte](s T) (RegistrationKey, error) {
	var k RegistrationKey
	fail := func(err error, off, n int, msg, hint string) (RegistrationKey, error) {
		e := &FormatError{Kind: rkKind, Err: err, Msg: msg, Hint: hint}
		if off >= 0 {
			e.Line, e.Column = lineColumn(s, off)
		}
		if n >= 0 {
			e.Group, e.Char = rkPosition(n)
		}
		return k, e
	}
	if len(s) > MaxInputLen {
		return fail(ErrMalformed, -1, -1, fmt.Sprintf("input is %d bytes, more than %d", len(s), MaxInputLen),
			"give one key, such as PC-0123-4567-8901-2345")
	}
	var d [RKDigits]byte
	n := 0       // characters seen: two letters, then digits
	typeAt := -1 // offset of the type digit, for its error's line and column
	for i := 0; i < len(s); i++ {
		c := s[i]
		v := symbolValue[c]
		if v == symSeparator {
			continue
		}
		switch {
		case n < 2:
			if !isLetter(c) {
				return fail(ErrMalformed, i, n, fmt.Sprintf("%s: the product code is two letters", quoteByte(c)),
					"a registration key looks like PC-0123-4567-8901-2345")
			}
			k.Product[n] = upper(c)
		case n < 2+RKDigits:
			if v > 9 {
				return fail(ErrMalformed, i, n, fmt.Sprintf("%s is not a digit", quoteByte(c)),
					"after the two-letter product code a registration key has only digits")
			}
			d[n-2] = v
			if n == 2 {
				typeAt = i
			}
		case v > 9:
			// Past the key, so no group of it: the position is the input's.
			return fail(ErrMalformed, i, -1, fmt.Sprintf("%s after the last digit", quoteByte(c)),
				"a registration key ends with its 16th digit; remove what follows it")
		default:
			return fail(ErrMalformed, i, n, fmt.Sprintf("more than %d digits", RKDigits),
				"a registration key has four groups of four digits")
		}
		n++
	}
	if n < 2+RKDigits {
		return fail(ErrMalformed, -1, -1, fmt.Sprintf("%d digits, want %d", max(n-2, 0), RKDigits),
			"a registration key has four groups of four digits; is one missing?")
	}
	if dammDigit(d[:]) != 0 {
		return fail(ErrTypo, -1, -1, "check digit does not match",
			"one digit is probably mistyped, or two neighbours swapped; compare the key with the original")
	}
	if d[0] > 1 {
		return fail(ErrMalformed, typeAt, 2, fmt.Sprintf("type digit %d is neither 0 (full) nor 1 (trial)", d[0]),
			"this is not a registration key this version of licmint issues")
	}
	k.Trial = d[0] == 1
	for _, v := range d[1:15] {
		k.Serial = k.Serial*10 + Serial(v)
	}
	return k, nil
}

// rkPosition maps the index of a character (0 and 1 the letters) to its
// group and character in the canonical form.
func rkPosition(n int) (group, char int) {
	if n < 2 {
		return 1, n + 1
	}
	return 2 + (n-2)/4, (n-2)%4 + 1
}
