//go:build cgo

package c

import (
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRegistrationKeyVectors runs testdata/vectors/registration_keys.json
// through lm_parse_registration_key: the canonical form and fields of each
// key, and each refusal's kind and position.
func TestRegistrationKeyVectors(t *testing.T) {
	library(t)
	var v struct {
		Vectors []struct {
			Input, Canonical, Product, Serial, Comment, Error string
			Trial                                             bool
			Group, Char, Line, Column                         *int32
		} `json:"vectors"`
	}
	vectors(t, "registration_keys.json", &v)
	if len(v.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range v.Vectors {
		k, e, r := ParseRegistrationKey([]byte(c.Input))
		if c.Error == "" {
			if r != 0 || k.Text != c.Canonical || k.Product != c.Product || fmt.Sprintf("%014d", k.Serial) != c.Serial || k.Trial != c.Trial {
				t.Errorf("%s: %s %q: %+v", c.Comment, ResultName(r), e.Message, k)
			}
			continue
		}
		if ResultName(r) != c.Error || e.Kind != r || e.Message == "" || e.Hint == "" {
			t.Errorf("%s: %s (%+v), want %s", c.Comment, ResultName(r), e, c.Error)
			continue
		}
		var g, ch, l, col int32
		if c.Group != nil {
			g, ch = *c.Group, *c.Char
		}
		if c.Line != nil {
			l, col = *c.Line, *c.Column
		}
		if e.Group != g || e.Char != ch || e.Line != l || e.Column != col {
			t.Errorf("%s: group %d char %d line %d column %d, want %d %d %d %d", c.Comment, e.Group, e.Char, e.Line, e.Column, g, ch, l, col)
		}
	}
}

// TestKeyFileVectors runs testdata/vectors/key_files.json through
// lm_parse_keys: the keys of each valid file in its order, and each
// refusal's kind. The private key's plaintext, which a verifier never
// reads, is refused as a keyring.
func TestKeyFileVectors(t *testing.T) {
	library(t)
	var v struct {
		Valid []struct {
			Comment, Text string
			Keys          []struct {
				KeyID        uint8  `json:"key_id"`
				PublicKeyHex string `json:"public_key_hex"`
			}
		}
		Invalid []struct{ Comment, Text, Error string }
		Private []struct{ Text string }
	}
	vectors(t, "key_files.json", &v)
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range v.Valid {
		keys, e, r := ParseKeys([]byte(c.Text), 256)
		var got []string
		for _, k := range keys {
			got = append(got, fmt.Sprintf("%d:%x", k.ID, k.Public))
		}
		var want []string
		for _, k := range c.Keys {
			want = append(want, fmt.Sprintf("%d:%s", k.KeyID, k.PublicKeyHex))
		}
		if r != 0 || !slices.Equal(got, want) {
			t.Errorf("%s: %s %q: %v, want %v", c.Comment, ResultName(r), e.Message, got, want)
		}
		// The keys are as lm_verifier_new takes them.
		cv, r := NewVerifier("PC", keys, nil)
		if r != 0 {
			t.Errorf("%s: lm_verifier_new: %s", c.Comment, cv.Message())
		}
		cv.Free()
		// Too small an array is an argument error, not a bad file.
		if len(keys) > 1 {
			if _, _, r := ParseKeys([]byte(c.Text), len(keys)-1); ResultName(r) != "argument" {
				t.Errorf("%s: %d keys into room for %d: %s", c.Comment, len(keys), len(keys)-1, ResultName(r))
			}
		}
	}
	for _, c := range v.Invalid {
		keys, e, r := ParseKeys([]byte(c.Text), 256)
		if ResultName(r) != c.Error || e.Kind != r || e.Message == "" || len(keys) != 0 {
			t.Errorf("%s: %s (%q), want %s", c.Comment, ResultName(r), e.Message, c.Error)
		}
	}
	for _, p := range v.Private {
		_, e, r := ParseKeys([]byte(p.Text), 256)
		if ResultName(r) != "invalid" || strings.Contains(e.Message, "MC4CAQAw") {
			t.Errorf("private key: %s %q", ResultName(r), e.Message)
		}
	}
}

// TestTokenVectors runs testdata/vectors/jwts.json through lm_verify_token
// on a verifier that trusts the test key under key ids 1 and 2, with the
// built-in catalog, at each case's day: the license of each valid token,
// and each refusal's kind.
func TestTokenVectors(t *testing.T) {
	library(t)
	var v struct {
		TestKey struct {
			PublicKeyHex string `json:"public_key_hex"`
		} `json:"test_key"`
		Valid []struct {
			Comment, Token string
			VerifyAt       string  `json:"verify_at"`
			InstallID      *string `json:"install_id"`
			License        struct {
				Status, Product, Edition, Serial, Issued, Expires string
				DaysLeft                                          int32 `json:"days_left"`
				EditionNumber                                     uint8 `json:"edition_number"`
				Trial                                             bool
				InstallBound                                      bool `json:"install_bound"`
				Generation                                        uint8
				KeyID                                             uint8 `json:"key_id"`
				Features                                          map[string]bool
			}
		}
		Invalid []struct {
			Comment, Token, Error string
			VerifyAt              string  `json:"verify_at"`
			InstallID             *string `json:"install_id"`
		}
	}
	vectors(t, "jwts.json", &v)
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	pub, err := hex.DecodeString(v.TestKey.PublicKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	verifierAt := func(at string, id *string) *Verifier {
		d, err := time.Parse(time.DateOnly, at)
		if err != nil {
			t.Fatal(err)
		}
		k1, k2 := Key{ID: 1}, Key{ID: 2}
		copy(k1.Public[:], pub)
		copy(k2.Public[:], pub)
		if id != nil && *id == "" {
			id = nil
		}
		cv, r := NewVerifier("PC", []Key{k1, k2}, &Options{NowUnix: d.Unix(), InstallID: id})
		if r != 0 {
			t.Fatalf("lm_verifier_new: %s", cv.Message())
		}
		return cv
	}
	for _, c := range v.Valid {
		cv := verifierAt(c.VerifyAt, c.InstallID)
		l, r := cv.VerifyToken([]byte(c.Token))
		w := c.License
		if r != 0 {
			t.Errorf("%s: %s: %s", c.Comment, ResultName(r), cv.Message())
			cv.Free()
			continue
		}
		got := fmt.Sprint(StatusName(l.Status), l.DaysLeft, l.Product, l.Edition, l.EditionNumber, l.Trial, l.Bound,
			fmt.Sprintf("%014d", l.Serial), l.Generation, l.KeyID, dayString(l.Issued), dayString(l.Expires))
		want := fmt.Sprint(w.Status, w.DaysLeft, w.Product, w.Edition, w.EditionNumber, w.Trial, w.InstallBound,
			w.Serial, w.Generation, w.KeyID, w.Issued, w.Expires)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.Comment, got, want)
		}
		for name, on := range w.Features {
			bit := cv.FeatureBit(l.EditionNumber, name)
			if bit < 0 || (l.Features>>uint(bit)&1 == 1) != on {
				t.Errorf("%s: feature %s bit %d in %b, want %v", c.Comment, name, bit, l.Features, on)
			}
		}
		// Surrounding white space is ignored.
		if _, r := cv.VerifyToken([]byte(" \n" + c.Token + "\r\n")); r != 0 {
			t.Errorf("%s: with white space around it: %s: %s", c.Comment, ResultName(r), cv.Message())
		}
		cv.Free()
	}
	for _, c := range v.Invalid {
		cv := verifierAt(c.VerifyAt, c.InstallID)
		l, r := cv.VerifyToken([]byte(c.Token))
		if ResultName(r) != c.Error || l.Error != r || l.Status != 0 || cv.Message() == "" {
			t.Errorf("%s: %s (%s), want %s", c.Comment, ResultName(r), cv.Message(), c.Error)
		}
		cv.Free()
	}
}

func dayString(d int32) string {
	if d == 65535 {
		return "perpetual"
	}
	return time.Unix((int64(d)+18262)*86400, 0).UTC().Format(time.DateOnly)
}

// TestEveryVectorFileRuns fails when testdata/vectors gains a file that
// no test of this package runs through the C library.
func TestEveryVectorFileRuns(t *testing.T) {
	run := []string{"activation_codes.json", "catalogs.json", "jwts.json", "key_files.json", "registration_keys.json",
		"renewal_requests.json", "renewals.json", "reset_codes.json", "revocation_lists.json", "state_files.json"}
	entries, err := os.ReadDir("../../testdata/vectors")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(run, e.Name()) {
			t.Errorf("%s is not run through the C library", e.Name())
		}
	}
}
