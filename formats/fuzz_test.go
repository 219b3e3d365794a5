package formats_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
)

func seedFromVectors(f *testing.F) {
	v := loadCodes(f)
	for _, tc := range v.Valid {
		f.Add(tc.Signed)
		f.Add(tc.Short)
		for _, s := range tc.Spellings {
			f.Add(s)
		}
	}
	for _, tc := range v.Invalid {
		f.Add(tc.Input)
	}
}

// FuzzParseActivationCode: no input panics; anything accepted re-encodes to
// a canonical form that decodes to the same code (one spelling of the bits);
// every failure wraps exactly one sentinel inside a *FormatError.
func FuzzParseActivationCode(f *testing.F) {
	seedFromVectors(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := formats.ParseActivationCode(s)
		if err != nil {
			var fe *formats.FormatError
			if !errors.As(err, &fe) || strings.HasPrefix(errorKind(err), "other") {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		canon := c.String()
		back, err := formats.ParseActivationCode(canon)
		if err != nil || back != c {
			t.Fatalf("%q -> %q does not round-trip: %v", s, canon, err)
		}
		if c.Signed {
			if _, err := formats.ParseSigned(s, c.Product); err != nil {
				t.Fatalf("ParseSigned disagrees: %v", err)
			}
		}
		// Canonical text is the input with separators removed, letters
		// upper-cased and aliases folded: nothing else may differ.
		strip := strings.NewReplacer("-", "", " ", "", "\t", "", "\r", "", "\n", "")
		folded := strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(strip.Replace(s)[2:]))
		if strings.ToUpper(strip.Replace(s)[:2])+folded != strip.Replace(canon) {
			t.Fatalf("%q accepted as %q", s, canon)
		}
	})
}

// FuzzParseRegistrationKey: as above, for Registration Keys.
func FuzzParseRegistrationKey(f *testing.F) {
	f.Add("PC-0314-1592-6535-8978")
	f.Add("pc 1271 8281 8284 5903")
	f.Add("PC-0314-1592-6535-8979")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := formats.ParseRegistrationKey(s)
		if err != nil {
			if strings.HasPrefix(errorKind(err), "other") {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		back, err := formats.ParseRegistrationKey(k.String())
		if err != nil || back != k {
			t.Fatalf("%q -> %q does not round-trip: %v", s, k, err)
		}
	})
}

// FuzzEncodeDecode: decode(encode(x)) == x for every valid header and
// signature.
func FuzzEncodeDecode(f *testing.F) {
	f.Add(byte('P'), byte('C'), uint8(1), uint8(1), false, false, uint8(0), uint16(2522), uint16(2887), uint64(31415926535897), []byte("sig"))
	f.Add(byte('Z'), byte('Z'), uint8(255), uint8(255), true, true, uint8(255), uint16(65533), uint16(65535), uint64(formats.MaxSerial), make([]byte, 64))
	f.Fuzz(func(t *testing.T, p0, p1 byte, kid, edition uint8, trial, bound bool, gen uint8, issued, expires uint16, serial uint64, sig []byte) {
		c := formats.ActivationCode{Header: formats.Header{
			Product: formats.Product{p0, p1}, Version: formats.FormatVersion, KeyID: kid, Edition: edition,
			Trial: trial, Bound: bound, Generation: gen, Issued: formats.Day(issued), Expires: formats.Day(expires), Serial: formats.Serial(serial),
		}, Signed: true}
		copy(c.Signature[:], sig)
		text, err := c.AppendText(nil)
		if err != nil {
			if c.Validate() == nil {
				t.Fatalf("valid header not encoded: %v", err)
			}
			return
		}
		back, err := formats.ParseSignedBytes(text, c.Product)
		if err != nil || back != c {
			t.Fatalf("%s: %+v, %v", text, back, err)
		}
	})
}
