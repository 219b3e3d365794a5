package licjwt_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// wantRefused checks that err refuses a token for its claim named claim,
// saying so.
func wantRefused(t *testing.T, name string, l verifier.License, err error, claim string) {
	t.Helper()
	if err == nil || l.Status != verifier.StatusInvalid {
		t.Errorf("%s: accepted", name)
		return
	}
	if !errors.Is(err, licjwt.ErrBadToken) {
		t.Errorf("%s: %v, want ErrBadToken", name, err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "license token: ") ||
		!strings.Contains(msg, "claim "+claim+" ") && !strings.Contains(msg, "no "+claim+" claim") {
		t.Errorf("%s: message %q does not name claim %s", name, msg, claim)
	}
}

// TestClaimsAgreeWithCode signs, with the trusted key, tokens whose claims
// the signer derives from the Activation Code disagree with the code they
// carry: each is refused, naming the claim.
func TestClaimsAgreeWithCode(t *testing.T) {
	_, tv := newVerifiers(t, issued)
	day := int64(24 * 60 * 60)
	for _, tc := range []struct {
		name, claim string
		value       any // nil deletes the claim
	}{
		{"exp a day late", "exp", expiryDay.Unix() + day},
		{"exp on the last day covered", "exp", expiryDay.Unix() - day},
		{"exp a second early", "exp", expiryDay.Unix() - 1},
		{"exp half a second late", "exp", float64(expiryDay.Unix()) + 0.5},
		{"exp in exponent form", "exp", json.Number("1.8272736e9")},
		{"exp as a string", "exp", "1827273600"},
		{"nbf as a string", "nbf", "1795737600"},
		{"iat at the issue time rather than the day", "iat", issued.Unix()},
		{"iat a day early", "iat", issueDay.Unix() - day},
		{"nbf missing", "nbf", nil},
		{"nbf at the issue time rather than the day", "nbf", issued.Unix()},
		{"nbf a day late", "nbf", issueDay.Unix() + day},
		{"jti missing", "jti", nil},
		{"jti not a short form", "jti", "t-1"},
		{"jti of another code", "jti", boundCode[:formats.ShortLen]},
		{"jti in lower case", "jti", strings.ToLower(standardCode[:formats.ShortLen])},
		{"jti the whole code", "jti", standardCode},
		{"edition_number missing", "edition_number", nil},
		{"edition_number of another edition", "edition_number", 2},
		{"edition missing", "edition", nil},
		{"edition of another edition", "edition", "premium"},
		{"edition in another case", "edition", "Standard"},
		{"edition the number", "edition", "1"},
	} {
		c := licenseClaims()
		if tc.value == nil {
			delete(c, tc.claim)
		} else {
			c[tc.claim] = tc.value
		}
		l, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c))
		wantRefused(t, tc.name, l, err, tc.claim)
	}
	// A claim of the wrong JSON type is refused too, though by the decoder.
	c := licenseClaims()
	c["edition"] = 1
	if l, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); err == nil ||
		l.Status != verifier.StatusInvalid || !errors.Is(err, licjwt.ErrBadToken) {
		t.Errorf("numeric edition: %v", err)
	}
}

// TestEditionWithoutCatalog: a verifier without a catalog cannot know an
// edition's name, so it accepts any, but still wants the claim.
func TestEditionWithoutCatalog(t *testing.T) {
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: testPub}},
		verifier.WithNow(func() time.Time { return issued }))
	if err != nil {
		t.Fatal(err)
	}
	tv := licjwt.New(v)
	c := licenseClaims()
	c["edition"] = "any name at all"
	l, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c))
	if err != nil || l.Edition != "1" {
		t.Fatalf("edition %q: %v", l.Edition, err)
	}
	delete(c, "edition")
	l, err = tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c))
	wantRefused(t, "no edition", l, err, "edition")
	// The other claims are still checked.
	c = licenseClaims()
	c["edition_number"] = 2
	l, err = tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c))
	wantRefused(t, "edition_number disagrees", l, err, "edition_number")
}

// TestPerpetualCodeToken: signers refuse to put a perpetual code in a
// token, so a token carrying one was not made by a licmint signer, whatever
// its exp says.
func TestPerpetualCodeToken(t *testing.T) {
	s, rk := testSigner(t)
	reg := &signer.Registration{RK: rk, Edition: "standard", Issued: issuedDay(t), Expires: formats.Perpetual}
	if _, _, err := s.SignToken(reg); !errors.Is(err, signer.ErrPerpetualToken) {
		t.Fatalf("SignToken of a perpetual registration: %v", err)
	}
	code, err := s.Sign(reg)
	if err != nil {
		t.Fatal(err)
	}
	v, tv := newVerifiers(t, issued)
	if l, err := v.Verify(code.String()); err != nil || !l.Perpetual() {
		t.Fatalf("the code itself: %+v, %v", l, err)
	}
	for _, exp := range []int64{expiryDay.Unix(), formats.Perpetual.Time().Unix(), formats.MaxDay.Time().Unix()} {
		c := licenseClaims()
		c["activation_code"], c["jti"], c["exp"] = code.String(), code.ShortForm(), exp
		l, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c))
		if err == nil || l.Status != verifier.StatusInvalid || !errors.Is(err, licjwt.ErrBadToken) ||
			!strings.Contains(err.Error(), "perpetual") {
			t.Errorf("exp %d: %v", exp, err)
		}
	}
}

// TestNullClaims: a claim whose value is null counts as absent (FORMAT.md
// section 14): informative and optional claims pass, required ones are
// missing, and aud null is no audience.
func TestNullClaims(t *testing.T) {
	_, tv := newVerifiers(t, issued)
	for _, claim := range []string{"iss", "sub", "product", "features", "trial", "install_bound", "install_id_sha256", "generation", "serial", "customer"} {
		c := licenseClaims()
		c[claim] = nil
		if _, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); err != nil {
			t.Errorf("%s null: %v, want accepted", claim, err)
		}
	}
	for _, claim := range []string{"exp", "nbf", "iat", "jti", "edition", "edition_number", "activation_code"} {
		c := licenseClaims()
		c[claim] = nil
		if l, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); err == nil || l.Status != verifier.StatusInvalid || !errors.Is(err, licjwt.ErrBadToken) {
			t.Errorf("%s null: %v, want bad_token", claim, err)
		}
	}
	c := licenseClaims()
	c["aud"] = nil
	if _, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); !errors.Is(err, verifier.ErrWrongProduct) {
		t.Errorf("aud null: %v, want wrong_product", err)
	}
	// A member spelt with U+017F, which folds to s: encoding/json would
	// read "ſub" as sub, other decoders would not.
	c = licenseClaims()
	c["ſub"] = "27182818284590"
	if _, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); !errors.Is(err, licjwt.ErrBadToken) {
		t.Errorf("ſub: %v, want bad_token", err)
	}
}
