package formats_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/vectors"
)

// randomReset signs a random reset code for installID with a random key.
func randomReset(t testing.TB, r *rand.Rand, installID string) formats.ResetCode {
	t.Helper()
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(r.Uint32())
	}
	c := formats.ResetCode{
		Product: formats.Product{byte('A' + r.IntN(26)), byte('A' + r.IntN(26))},
		Version: formats.ResetVersion, KeyID: uint8(r.Uint32()),
		Remembered: formats.Day(r.IntN(int(formats.MaxDay) + 1)), Issued: formats.Day(r.IntN(int(formats.MaxDay) + 1)),
		Nonce: r.Uint32(),
	}
	msg, err := c.AppendMessage(nil, installID)
	if err != nil {
		t.Fatal(err)
	}
	copy(c.Signature[:], ed25519.Sign(ed25519.NewKeyFromSeed(seed[:]), msg))
	return c
}

func TestResetCodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	for range 1000 {
		c := randomReset(t, r, "host-1")
		s := c.String()
		if len(s) != formats.ResetLen {
			t.Fatalf("length %d, want %d: %s", len(s), formats.ResetLen, s)
		}
		back, err := formats.ParseResetCode(s, c.Product)
		if err != nil || back != c {
			t.Fatalf("round trip of %s: %+v %v", s, back, err)
		}
		odd := strings.ToLower(strings.ReplaceAll(s, "-", " \n"))
		if back, err := formats.ParseResetCode(odd, formats.Product{}); err != nil || back != c {
			t.Fatalf("%q: %v", odd, err)
		}
		if len(c.ID()) != 2*formats.ResetHeaderSize {
			t.Fatalf("id %q", c.ID())
		}
	}
}

// TestResetCodeTypos tries every single substitution and adjacent swap:
// each must be a typo, caught before the signature is looked at.
func TestResetCodeTypos(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	located, tried := 0, 0
	for range 10 {
		c := randomReset(t, r, "host-1")
		syms := []byte(strings.ReplaceAll(c.String(), "-", ""))
		check := func(what string) {
			tried++
			_, err := formats.ParseResetCode(string(syms), formats.Product{})
			if !errors.Is(err, formats.ErrTypo) {
				t.Fatalf("%s in %s: got %v, want a typo", what, c, err)
			}
			var fe *formats.FormatError
			if errors.As(err, &fe) && fe.Group > 0 {
				located++
			}
		}
		for i := 2; i < len(syms); i++ {
			orig := syms[i]
			for _, v := range []byte(alphabet) {
				if v != orig {
					syms[i] = v
					check("substitution")
				}
			}
			syms[i] = orig
		}
		for i := 2; i+1 < len(syms); i++ {
			if syms[i] != syms[i+1] {
				syms[i], syms[i+1] = syms[i+1], syms[i]
				check("adjacent swap")
				syms[i], syms[i+1] = syms[i+1], syms[i]
			}
		}
	}
	if located*100 < tried*99 {
		t.Errorf("only %d of %d typos located", located, tried)
	}
}

func TestResetCodeTypoPosition(t *testing.T) {
	c := randomReset(t, rand.New(rand.NewPCG(1, 9)), "host-1")
	code := []byte(c.String())
	for _, pos := range []int{0, 3, 20, 100, len(code) - 1} {
		if code[pos] == '-' {
			continue
		}
		mutated := append([]byte(nil), code...)
		if pos < 2 {
			mutated[pos] = 'A' + (code[pos]-'A'+1)%26
		} else {
			mutated[pos] = alphabet[(strings.IndexByte(alphabet, code[pos])+7)%32]
		}
		_, err := formats.ParseResetCode(string(mutated), formats.Product{})
		var fe *formats.FormatError
		if !errors.As(err, &fe) || !errors.Is(err, formats.ErrTypo) || fe.Kind != "reset code" {
			t.Fatalf("got %v", err)
		}
		// Canonical position: the product, then groups of five after hyphens.
		group, char := 1, pos+1
		if pos > 2 {
			group, char = 2+(pos-3)/6, (pos-3)%6+1
		}
		if fe.Line != 1 || fe.Column != pos+1 || fe.Group != group || fe.Char != char {
			t.Errorf("typo at column %d (group %d char %d) reported at %d:%d (group %d char %d): %v",
				pos+1, group, char, fe.Line, fe.Column, fe.Group, fe.Char, err)
		}
	}
}

func TestResetCodeRefusals(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	c := randomReset(t, r, "host-1")
	good := c.String()
	ac := randomCode(t, r)
	for _, tc := range []struct {
		name, in string
		want     error
		msg      string
	}{
		{"activation code", ac.String(), formats.ErrMalformed, "this is an activation code, not a reset code"},
		{"short activation code", ac.ShortForm(), formats.ErrMalformed, "this is an activation code"},
		{"one missing", good[:len(good)-1], formats.ErrMalformed, "124 symbols after the product code; a reset code has 125"},
		{"U", good[:10] + "U" + good[11:], formats.ErrMalformed, "'U' is not a base32 symbol"},
		{"two codes", good + good, formats.ErrMalformed, "more than 125 symbols"},
		{"too long", strings.Repeat("0", 2000), formats.ErrMalformed, "2000 bytes"},
		{"digit product", "1" + good[1:], formats.ErrMalformed, "a reset code starts with the two-letter product code"},
	} {
		_, err := formats.ParseResetCode(tc.in, formats.Product{})
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %v containing %q", tc.name, err, tc.want, tc.msg)
		}
	}
	other := formats.Product{'Z', 'Z'}
	if c.Product == other {
		other = formats.Product{'Y', 'Y'}
	}
	if _, err := formats.ParseResetCode(good, other); !errors.Is(err, formats.ErrWrongProduct) {
		t.Errorf("another product: %v", err)
	}
	// An encoder refuses what a decoder would.
	for name, mod := range map[string]func(*formats.ResetCode){
		"version":    func(c *formats.ResetCode) { c.Version = 2 },
		"product":    func(c *formats.ResetCode) { c.Product = formats.Product{'p', '1'} },
		"remembered": func(c *formats.ResetCode) { c.Remembered = formats.Perpetual },
		"issued":     func(c *formats.ResetCode) { c.Issued = formats.Perpetual },
	} {
		bad := c
		mod(&bad)
		if _, err := bad.AppendText(nil); err == nil {
			t.Errorf("%s: encoded an invalid reset code", name)
		}
	}
	if _, err := c.AppendMessage(nil, ""); err == nil {
		t.Error("a message without an install id")
	}
}

func loadResets(t testing.TB) *vectors.ResetCodes {
	t.Helper()
	v, err := vectors.LoadResetCodes("../testdata/vectors/reset_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestResetCodeVectors(t *testing.T) {
	v := loadResets(t)
	pub, _ := hex.DecodeString(v.TestKey.Public)
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			f := tc.Fields
			want := formats.ResetCode{Product: formats.MustProduct(f.Product), Version: f.Version, KeyID: f.KeyID,
				Remembered: day(t, f.Remembered), Issued: day(t, f.Issued), Nonce: f.Nonce}
			for _, in := range append([]string{tc.Code}, tc.Spellings...) {
				c, err := formats.ParseResetCode(in, want.Product)
				if err != nil {
					t.Fatalf("ParseResetCode(%q): %v", in, err)
				}
				sig := c.Signature
				c.Signature = [formats.SignatureSize]byte{}
				if c != want {
					t.Fatalf("decoded %+v, want %+v", c, want)
				}
				c.Signature = sig
				if c.String() != tc.Code || c.ID() != tc.HeaderHex {
					t.Fatalf("canonical form %q id %s, want %q %s", c.String(), c.ID(), tc.Code, tc.HeaderHex)
				}
				msg, err := c.AppendMessage(nil, tc.InstallID)
				if err != nil || hex.EncodeToString(msg) != tc.MessageHex {
					t.Fatalf("message %x (%v), want %s", msg, err, tc.MessageHex)
				}
				if !ed25519.Verify(pub, msg, c.Signature[:]) {
					t.Fatal("signature does not verify with the test key")
				}
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			var product formats.Product
			if tc.Product != "" {
				product = formats.MustProduct(tc.Product)
			}
			_, err := formats.ParseResetCode(tc.Input, product)
			if got := errorKind(err); got != tc.Error {
				t.Fatalf("error kind %q (%v), want %q", got, err, tc.Error)
			}
			var fe *formats.FormatError
			if !errors.As(err, &fe) || fe.Kind != "reset code" {
				t.Fatalf("%v is not a reset code *FormatError", err)
			}
			// Group 0 says that no position is reported.
			if fe.Group != tc.Group || fe.Char != tc.Char {
				t.Fatalf("position group %d char %d, want group %d char %d (%v)", fe.Group, fe.Char, tc.Group, tc.Char, err)
			}
			if fe.Line != tc.Line || fe.Column != tc.Column {
				t.Fatalf("line %d column %d, want line %d column %d (%v)", fe.Line, fe.Column, tc.Line, tc.Column, err)
			}
		})
	}
}

// FuzzParseResetCode: no input panics; anything accepted re-encodes to a
// canonical form that decodes to the same code; every failure is a typed
// *FormatError.
func FuzzParseResetCode(f *testing.F) {
	v := loadResets(f)
	for _, tc := range v.Valid {
		f.Add(tc.Code)
		for _, s := range tc.Spellings {
			f.Add(s)
		}
	}
	for _, tc := range v.Invalid {
		f.Add(tc.Input)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := formats.ParseResetCode(s, formats.Product{})
		if err != nil {
			var fe *formats.FormatError
			if !errors.As(err, &fe) || strings.HasPrefix(errorKind(err), "other") {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		back, err := formats.ParseResetCode(c.String(), c.Product)
		if err != nil || back != c {
			t.Fatalf("%q -> %q does not round-trip: %v", s, c, err)
		}
	})
}
