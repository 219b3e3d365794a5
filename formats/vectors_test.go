package formats_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/vectors"
)

// loadCodes reads testdata/vectors/activation_codes.json.
func loadCodes(t testing.TB) *vectors.ActivationCodes {
	t.Helper()
	v, err := vectors.LoadActivationCodes("../testdata/vectors/activation_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../testdata/vectors/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// errorKind names the sentinel an error wraps, as the vector files do.
func errorKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{formats.ErrTypo, "typo"},
		{formats.ErrMalformed, "malformed"},
		{formats.ErrUnknownVersion, "unknown_version"},
		{formats.ErrUnsigned, "unsigned"},
		{formats.ErrWrongProduct, "wrong_product"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

func day(t *testing.T, s string) formats.Day {
	if s == "perpetual" {
		return formats.Perpetual
	}
	d, err := formats.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestActivationCodeVectors(t *testing.T) {
	v := loadCodes(t)
	pub, _ := hex.DecodeString(v.TestKey.Public)
	seed, _ := hex.DecodeString(v.TestKey.Seed)
	if got := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey); !got.Equal(ed25519.PublicKey(pub)) {
		t.Fatal("test key: public key does not match seed")
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			f := tc.Fields
			u, _ := strconv.ParseUint(f.Serial, 10, 64)
			serial := formats.Serial(u)
			want := formats.Header{
				Product: formats.MustProduct(f.Product), Version: f.Version, KeyID: f.KeyID, Edition: f.Edition,
				Trial: f.Trial, Bound: f.Bound, Generation: f.Generation,
				Issued: day(t, f.Issued), Expires: day(t, f.Expires), Serial: serial,
			}
			for _, in := range append([]string{tc.Signed}, tc.Spellings...) {
				c, err := formats.ParseSigned(in, want.Product)
				if err != nil {
					t.Fatalf("ParseSigned(%q): %v", in, err)
				}
				if c.Header != want {
					t.Fatalf("header = %+v, want %+v", c.Header, want)
				}
				if c.String() != tc.Signed || c.ShortForm() != tc.Short {
					t.Fatalf("canonical form %q, want %q", c.String(), tc.Signed)
				}
				msg, err := c.AppendMessage(nil, tc.InstallID)
				if err != nil || hex.EncodeToString(msg) != tc.MessageHex {
					t.Fatalf("message %x (%v), want %s", msg, err, tc.MessageHex)
				}
				if !ed25519.Verify(pub, msg, c.Signature[:]) {
					t.Fatal("signature does not verify with the test key")
				}
			}
			short, err := formats.ParseActivationCode(tc.Short)
			if err != nil || short.Signed || short.Header != want {
				t.Fatalf("short form: %+v, %v", short, err)
			}
			if _, err := formats.ParseSigned(tc.Short, want.Product); !errors.Is(err, formats.ErrUnsigned) {
				t.Fatalf("short form where signed is needed: %v", err)
			}
			// The registration key carries the serial and trial flag.
			rk, err := formats.ParseRegistrationKey(tc.Registration)
			if err != nil || rk.Serial != serial || rk.Trial != f.Trial || rk.Product != want.Product {
				t.Fatalf("registration key %q: %+v, %v", tc.Registration, rk, err)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			var product formats.Product
			if tc.Product != "" {
				product = formats.MustProduct(tc.Product)
			}
			var err error
			if tc.Want == "signed" {
				_, err = formats.ParseSigned(tc.Input, product)
			} else {
				_, err = formats.ParseActivationCode(tc.Input)
			}
			if got := errorKind(err); got != tc.Error {
				t.Fatalf("error kind %q (%v), want %q", got, err, tc.Error)
			}
			var fe *formats.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FormatError", err)
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

func TestRegistrationKeyVectors(t *testing.T) {
	var v struct {
		Vectors []struct {
			Input, Canonical, Product, Serial, Error, Comment string
			Trial                                             bool
			Group, Char, Line, Column                         int
		} `json:"vectors"`
	}
	loadJSON(t, "registration_keys.json", &v)
	for _, tc := range v.Vectors {
		k, err := formats.ParseRegistrationKey(tc.Input)
		if got := errorKind(err); got != tc.Error {
			t.Errorf("%s: %q: error kind %q (%v), want %q", tc.Comment, tc.Input, got, err, tc.Error)
			continue
		}
		if err != nil {
			var fe *formats.FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s: %v is not a *FormatError", tc.Comment, err)
			} else if fe.Group != tc.Group || fe.Char != tc.Char || fe.Line != tc.Line || fe.Column != tc.Column {
				t.Errorf("%s: %q: %v at group %d char %d line %d column %d, want %d %d %d %d", tc.Comment, tc.Input, err,
					fe.Group, fe.Char, fe.Line, fe.Column, tc.Group, tc.Char, tc.Line, tc.Column)
			}
			continue
		}
		if k.String() != tc.Canonical || k.Product.String() != tc.Product || k.Trial != tc.Trial || k.Serial.String() != tc.Serial {
			t.Errorf("%s: %q decodes to %+v (%s)", tc.Comment, tc.Input, k, k)
		}
	}
}
