//go:build cgo

package c

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// registrationKeyBoth parses a Registration Key in Go and in C and
// compares everything: fields, or kind, position, message and hint.
func registrationKeyBoth(t *testing.T, a []byte) {
	gk, gerr := formats.ParseRegistrationKey(string(a))
	ck, ce, r := ParseRegistrationKey(a)
	if gerr == nil {
		if r != 0 || ck.Text != gk.String() || ck.Trial != gk.Trial || ck.Serial != uint64(gk.Serial) {
			t.Fatalf("registration key %q: Go %s, C %s %+v (%s)", a, gk, ResultName(r), ck, ce.Message)
		}
		return
	}
	var fe *formats.FormatError
	if !errors.As(gerr, &fe) {
		t.Fatalf("registration key %q: Go error %v is not a FormatError", a, gerr)
	}
	g := fmt.Sprint(verifier.ErrorKind(gerr), fe.Group, fe.Char, fe.Line, fe.Column, gerr.Error(), fe.Hint)
	c := fmt.Sprint(ResultName(r), ce.Group, ce.Char, ce.Line, ce.Column, ce.Message, ce.Hint)
	if g != c {
		t.Fatalf("registration key %q:\nGo %s\nC  %s", a, g, c)
	}
}

// keyFileBoth reads a key file with formats/keyring and with C and
// compares the keys, or the kind of the refusal.
func keyFileBoth(t *testing.T, a []byte) {
	r, gerr := keyring.Parse(a)
	keys, ce, res := ParseKeys(a, 256)
	if gerr != nil {
		want := "invalid"
		if errors.Is(gerr, keyring.ErrNoKeyID) {
			want = "no_key_id"
		}
		if ResultName(res) != want {
			if jsonRefusedBySpec(a) {
				return
			}
			t.Fatalf("key file %q: Go %s (%v), C %s (%s)", a, want, gerr, ResultName(res), ce.Message)
		}
		return
	}
	var g, c []string
	for _, k := range r.Keys() {
		g = append(g, fmt.Sprintf("%d:%x", k.ID, k.Public))
	}
	for _, k := range keys {
		c = append(c, fmt.Sprintf("%d:%x", k.ID, k.Public))
	}
	if res != 0 && jsonRefusedBySpec(a) {
		return
	}
	if res != 0 || strings.Join(g, " ") != strings.Join(c, " ") {
		t.Fatalf("key file %q: Go %v, C %v %s (%s)", a, g, c, ResultName(res), ce.Message)
	}
}

// jsonRefusedBySpec reports JSON nested deeper than LM_MAX_JSON_DEPTH,
// which FORMAT.md section 1 lets a reader refuse and encoding/json reads.
func jsonRefusedBySpec(a []byte) bool {
	depth, max := 0, 0
	for _, c := range a {
		switch c {
		case '{', '[':
			depth++
			max = maxInt(max, depth)
		case '}', ']':
			depth--
		}
	}
	return max > 64
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// tokenKind names a licjwt error by the first kind that applies (FORMAT.md
// section 14).
func tokenKind(err error) string {
	for _, k := range []struct {
		err  error
		kind string
	}{
		{verifier.ErrUnknownKey, "unknown_key"},
		{verifier.ErrBadSignature, "bad_signature"},
		{verifier.ErrInstallMismatch, "install_mismatch"},
		{verifier.ErrWrongProduct, "wrong_product"},
		{licjwt.ErrBadToken, "bad_token"},
	} {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return "unknown"
}

// tokenBoth verifies a license token with licjwt and with C, both
// trusting the test key under ids 1 and 2, and compares the kind, or the
// license.
func tokenBoth(t *testing.T, s setup, a []byte) {
	gv, cv := tokenVerifiers(t, s)
	defer cv.Free()
	tokenBothWith(t, gv, cv, a)
}

// tokenVerifiers are the verifiers tokenBoth compares.
func tokenVerifiers(t *testing.T, s setup) (*licjwt.Verifier, *Verifier) {
	entry, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	k := testKey(t)
	opts := []verifier.Option{verifier.WithNow(func() time.Time { return s.now }), verifier.WithCatalog(entry)}
	if s.installID != nil {
		opts = append(opts, verifier.WithInstallID(*s.installID))
	}
	gv, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: k.Public[:]}, {ID: 2, Public: k.Public[:]}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	k2 := k
	k2.ID = 2
	cv, r := NewVerifier("PC", []Key{k, k2}, &Options{InstallID: s.installID, NowUnix: s.now.Unix()})
	if r != 0 {
		t.Fatalf("lm_verifier_new: %s", cv.Message())
	}
	return licjwt.New(gv), cv
}

func tokenBothWith(t *testing.T, gv *licjwt.Verifier, cv *Verifier, a []byte) {
	gl, gerr := gv.Verify(string(a))
	cl, r := cv.VerifyToken(a)
	if gerr != nil {
		if tokenKind(gerr) != ResultName(r) && !tokenRefusedBySpec(a) {
			t.Fatalf("token %q: Go %s (%v), C %s (%s)", a, tokenKind(gerr), gerr, ResultName(r), cv.Message())
		}
		return
	}
	if r != 0 {
		if tokenRefusedBySpec(a) {
			return
		}
		t.Fatalf("token %q: Go accepts it, C %s (%s)", a, ResultName(r), cv.Message())
	}
	g := goOutcome(gl, nil)
	same(t, "token", g, cOutcome(cv, cl, r, true))
}

// tokenRefusedBySpec reports a token whose header or claims FORMAT.md
// refuses and licjwt reads (see jsonRefusedBySpec).
func tokenRefusedBySpec(a []byte) bool {
	parts := strings.Split(strings.TrimSpace(string(a)), ".")
	for _, p := range parts[:min(2, len(parts))] {
		if b, err := base64URL(p); err == nil && jsonRefusedBySpec(b) {
			return true
		}
	}
	return false
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// TestTokenCorruptionsDiff re-signs, with the vector files' TEST ONLY
// key, every valid token of jwts.json with each byte of its header or
// claims JSON replaced (two of a set of changes, in turn) or doubled, and every token of the file
// with each character of its text replaced or deleted, and compares
// licjwt and the C library on each.
func TestTokenCorruptionsDiff(t *testing.T) {
	library(t)
	var v struct {
		TestKey struct {
			SeedHex string `json:"seed_hex"`
		} `json:"test_key"`
		Valid, Invalid []struct {
			Token     string
			VerifyAt  string  `json:"verify_at"`
			InstallID *string `json:"install_id"`
		}
	}
	vectors(t, "jwts.json", &v)
	seed, err := hex.DecodeString(v.TestKey.SeedHex)
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	enc := base64.RawURLEncoding
	n := 0
	for _, c := range v.Valid {
		at, err := time.Parse(time.DateOnly, c.VerifyAt)
		if err != nil {
			t.Fatal(err)
		}
		gv, cv := tokenVerifiers(t, setup{now: at.Add(12 * time.Hour), installID: c.InstallID})
		defer cv.Free()
		parts := strings.Split(c.Token, ".")
		for p := 0; p < 2; p++ {
			j, err := enc.DecodeString(parts[p])
			if err != nil {
				t.Fatal(err)
			}
			muts := []string{"", "\"", "}", ",", "n", " ", "1", "e", "-", "\x00", "\xff", "X", "x", "[", "{", "."}
			for i := range j {
				// Two of the changes at each byte, in turn, and the byte doubled.
				for _, m := range []string{muts[i%len(muts)], muts[(i*7+3)%len(muts)], string(j[i]) + string(j[i])} {
					b := append(append(slices.Clone(j[:i]), m...), j[i+1:]...)
					q := slices.Clone(parts[:2])
					q[p] = enc.EncodeToString(b)
					signed := strings.Join(q, ".")
					tok := signed + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(signed)))
					tokenBothWith(t, gv, cv, []byte(tok))
					n++
				}
			}
		}
	}
	for _, c := range append(v.Valid, v.Invalid...) {
		at, _ := time.Parse(time.DateOnly, c.VerifyAt)
		gv, cv := tokenVerifiers(t, setup{now: at.Add(12 * time.Hour), installID: c.InstallID})
		defer cv.Free()
		for i := 0; i < len(c.Token); i += 29 {
			for _, m := range []string{"", "A", ".", " "} {
				tokenBothWith(t, gv, cv, []byte(c.Token[:i]+m+c.Token[i+1:]))
				n++
			}
		}
	}
	t.Logf("%d tokens", n)
}

// TestKeyFileCorruptionsDiff compares formats/keyring and the C library
// on every key file of key_files.json with each byte replaced (two of a
// set of changes, in turn, deletion among them) or doubled, and on
// Registration Keys with each byte replaced, deleted or doubled.
func TestKeyFileCorruptionsDiff(t *testing.T) {
	library(t)
	var v struct{ Valid, Invalid []struct{ Text string } }
	vectors(t, "key_files.json", &v)
	n := 0
	for _, c := range append(v.Valid, v.Invalid...) {
		muts := []string{"", "\"", "}", ",", "n", " ", "\n", "\r", "1", "-", "=", "\xff", "K", "ſ", "{", "["}
		for i := range c.Text {
			for _, m := range []string{muts[i%len(muts)], muts[(i*7+3)%len(muts)], c.Text[i:i+1] + c.Text[i:i+1]} {
				keyFileBoth(t, []byte(c.Text[:i]+m+c.Text[i+1:]))
				n++
			}
		}
	}
	var rks struct{ Vectors []struct{ Input string } }
	vectors(t, "registration_keys.json", &rks)
	for _, c := range rks.Vectors {
		for i := range c.Input {
			for _, m := range []string{"", "o", "L", "U", " ", "\n", "-", "9", "\xff", c.Input[i:i+1] + c.Input[i:i+1]} {
				registrationKeyBoth(t, []byte(c.Input[:i]+m+c.Input[i+1:]))
				n++
			}
		}
	}
	t.Logf("%d inputs", n)
}
