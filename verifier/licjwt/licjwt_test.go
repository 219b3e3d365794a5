package licjwt_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// The TEST ONLY key of testdata/vectors, whose seed is public, and codes it
// signed there.
var (
	testSeed, _ = hex.DecodeString("3c7be7e7813223a7185158f4a10270a6d719cb9851a9ede77724ce90e4b7d3d9")
	testKey     = ed25519.NewKeyFromSeed(testSeed)
	testPub     = testKey.Public().(ed25519.PublicKey)
	otherKey    = ed25519.NewKeyFromSeed(make([]byte, 32))
)

const (
	standardCode = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
	boundCode    = "PC-2081-8017D-0PHRS-Q5RZ1-G340E-YC02V-A5TXH-BKE55-MFB0D-0CZFS-SR9DD-6VBPT-GCA6B-K7MQW-ZBYMD-4ZV4N-8YGTZ-RHRGR-K0W8C-77TC5-8WSZZ-MMG7X-E5DT8-AH2E2-NTEGD-TH8BS-M0G91-DK56"
	boundInstall = "host-7f3a9c0e"
)

// issued is a time on the test codes' issue day, issueDay its midnight
// (UTC), which iat and nbf say, and expiryDay midnight of their expiry day,
// which exp says.
var (
	issued    = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	issueDay  = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	expiryDay = time.Date(2027, 11, 27, 0, 0, 0, 0, time.UTC)
)

func newVerifiers(t testing.TB, now time.Time, opts ...verifier.Option) (*verifier.Verifier, *licjwt.Verifier) {
	t.Helper()
	pc, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]verifier.Option{verifier.WithCatalog(pc), verifier.WithNow(func() time.Time { return now })}, opts...)
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: testPub}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v, licjwt.New(v)
}

// licenseClaims are the claims a licmint signer writes for standardCode.
func licenseClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "licmint", "aud": []string{"PC"}, "sub": "31415926535897", "jti": standardCode[:formats.ShortLen],
		"iat": issueDay.Unix(), "nbf": issueDay.Unix(), "exp": expiryDay.Unix(),
		"product": "PC", "edition": "standard", "edition_number": 1, "trial": false, "install_bound": false,
		"generation": 0, "serial": "31415926535897", "activation_code": standardCode,
		"customer": map[string]any{"name": "Example Ltd"},
	}
}

func signToken(t testing.TB, method jwt.SigningMethod, key any, kid any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidToken(t *testing.T) {
	v, tv := newVerifiers(t, issued.AddDate(0, 1, 0))
	tok := signToken(t, jwt.SigningMethodEdDSA, testKey, "1", licenseClaims())
	got, err := tv.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	want, err := v.Verify(standardCode)
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != want.Serial || got.Status != verifier.StatusValid || got.Edition != "standard" ||
		got.DaysLeft != want.DaysLeft || !got.Features.Enabled("scan") || got.Expires != want.Expires {
		t.Fatalf("token license %+v, code license %+v", got, want)
	}
	// A single-string aud, a numeric serial and surrounding space are fine.
	c := licenseClaims()
	c["aud"] = "PC"
	c["serial"] = 31415926535897
	if _, err := tv.Verify("\n " + signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c) + "\n"); err != nil {
		t.Fatal(err)
	}
}

// TestStatusFollowsCode checks that a token reports the statuses of the
// code it carries, even once its own exp has passed.
func TestStatusFollowsCode(t *testing.T) {
	tok := signToken(t, jwt.SigningMethodEdDSA, testKey, "1", licenseClaims())
	for date, want := range map[string]verifier.Status{
		"2026-11-26": verifier.StatusNotYetValid, "2027-10-01": verifier.StatusExpiring,
		"2027-12-01": verifier.StatusGrace, "2028-01-01": verifier.StatusExpired,
	} {
		now, _ := time.Parse(time.DateOnly, date)
		v, tv := newVerifiers(t, now)
		got, err := tv.Verify(tok)
		code, _ := v.Verify(standardCode)
		if err != nil || got.Status != want || code.Status != want || got.Features.Enabled("update") != want.InForce() {
			t.Errorf("%s: %v %v, want %v", date, got.Status, err, want)
		}
	}
}

func TestInstallBoundToken(t *testing.T) {
	c := licenseClaims()
	c["activation_code"], c["install_bound"], c["sub"], c["serial"] = boundCode, true, "14142135623730", "14142135623730"
	c["jti"] = boundCode[:formats.ShortLen]
	c["install_id_sha256"] = "d3b0c8f0a7b1c7e9" // informational; the code's signature is what binds
	tok := signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)
	if _, tv := newVerifiers(t, issued, verifier.WithInstallID(boundInstall)); true {
		if l, err := tv.Verify(tok); err != nil || !l.Bound {
			t.Fatalf("own install: %v", err)
		}
	}
	for _, opts := range [][]verifier.Option{nil, {verifier.WithInstallID("host-other")}} {
		_, tv := newVerifiers(t, issued, opts...)
		if _, err := tv.Verify(tok); !errors.Is(err, verifier.ErrInstallMismatch) {
			t.Fatalf("other install: %v", err)
		}
	}
}

func TestRejected(t *testing.T) {
	_, tv := newVerifiers(t, issued)
	good := signToken(t, jwt.SigningMethodEdDSA, testKey, "1", licenseClaims())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := keyring.MarshalPublicPEM(1, testPub)
	without := func(claim string) jwt.MapClaims {
		c := licenseClaims()
		delete(c, claim)
		return c
	}
	with := func(claim string, v any) jwt.MapClaims {
		c := licenseClaims()
		c[claim] = v
		return c
	}
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"trial":false`, `"trial":true `, 1))) + "." + parts[2]
	if tampered == good {
		t.Fatal("tampering changed nothing")
	}
	// An attacker puts their own key in the header (a "jwk" header
	// injection); it must be ignored.
	attacker := jwt.NewWithClaims(jwt.SigningMethodEdDSA, licenseClaims())
	attacker.Header["kid"] = "1"
	attacker.Header["jwk"] = keyring.JWK(1, otherKey.Public().(ed25519.PublicKey))
	injected, _ := attacker.SignedString(otherKey)
	crit := jwt.NewWithClaims(jwt.SigningMethodEdDSA, licenseClaims())
	crit.Header["kid"], crit.Header["crit"] = "1", []string{"exp"}
	critTok, _ := crit.SignedString(testKey)
	typo := []byte(standardCode)
	typo[40] ^= 1
	// Claims followed by more text, signed: FORMAT.md section 14 takes
	// the claims as one JSON object.
	trailing := parts[0] + "." + base64.RawURLEncoding.EncodeToString(append(payload, "}"...))
	trailing += "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(testKey, []byte(trailing)))

	for _, tc := range []struct {
		name, token string
		want        []error
	}{
		{"alg none", signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "1", licenseClaims()), nil},
		{"HS256 keyed with the public key bytes", signToken(t, jwt.SigningMethodHS256, []byte(testPub), "1", licenseClaims()), nil},
		{"HS256 keyed with the public key PEM", signToken(t, jwt.SigningMethodHS256, pubPEM, "1", licenseClaims()), nil},
		{"RS256", signToken(t, jwt.SigningMethodRS256, rsaKey, "1", licenseClaims()), nil},
		{"ES256", signToken(t, jwt.SigningMethodES256, ecKey, "1", licenseClaims()), nil},
		{"unknown kid", signToken(t, jwt.SigningMethodEdDSA, testKey, "9", licenseClaims()), []error{verifier.ErrUnknownKey}},
		{"no kid", signToken(t, jwt.SigningMethodEdDSA, testKey, nil, licenseClaims()), nil},
		{"numeric kid", signToken(t, jwt.SigningMethodEdDSA, testKey, 1, licenseClaims()), nil},
		{"kid with a leading zero", signToken(t, jwt.SigningMethodEdDSA, testKey, "01", licenseClaims()), nil},
		{"untrusted signer", signToken(t, jwt.SigningMethodEdDSA, otherKey, "1", licenseClaims()), []error{verifier.ErrBadSignature}},
		{"jwk header injection", injected, []error{verifier.ErrBadSignature}},
		{"crit header", critTok, nil},
		{"wrong aud", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("aud", []string{"PD"})), []error{verifier.ErrWrongProduct}},
		{"no aud", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", without("aud")), []error{verifier.ErrWrongProduct}},
		{"no exp", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", without("exp")), nil},
		{"no iat", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", without("iat")), nil},
		{"exp before iat", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("exp", issueDay.Unix()-1)), nil},
		{"exp not a number", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("exp", "tomorrow")), nil},
		{"no activation code", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", without("activation_code")), nil},
		{"mistyped activation code", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("activation_code", string(typo))), []error{verifier.ErrTypo}},
		{"short-form activation code", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("activation_code", standardCode[:formats.ShortLen])), []error{verifier.ErrUnsigned}},
		{"serial disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("serial", "00000000000001")), nil},
		{"sub disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("sub", "00000000000001")), nil},
		{"trial disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("trial", true)), nil},
		{"edition_number disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("edition_number", 2)), nil},
		{"generation disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("generation", 1)), nil},
		{"product disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("product", "PD")), nil},
		{"install_bound disagrees", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("install_bound", true)), nil},
		{"serial of the wrong type", signToken(t, jwt.SigningMethodEdDSA, testKey, "1", with("serial", []int{1})), nil},
		{"tampered payload", tampered, []error{verifier.ErrBadSignature}},
		{"claims with text after them", trailing, nil},
		{"truncated signature", good[:len(good)-2], []error{verifier.ErrBadSignature}},
		{"signature cut mid-symbol", good[:len(good)-1], nil},
		{"signature missing", strings.Join(parts[:2], ".") + ".", []error{verifier.ErrBadSignature}},
		{"two parts", strings.Join(parts[:2], "."), nil},
		{"truncated payload", parts[0] + "." + parts[1][:10] + "." + parts[2], nil},
		{"padding in base64", parts[0] + "=." + parts[1] + "." + parts[2], nil},
		{"an activation code", standardCode, nil},
		{"empty", "", nil},
		{"too long", strings.Repeat("a", licjwt.MaxTokenLen) + ".b.c", nil},
	} {
		l, err := tv.Verify(tc.token)
		if err == nil || l.Status != verifier.StatusInvalid {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range append(tc.want, licjwt.ErrBadToken) {
			if !errors.Is(err, w) {
				t.Errorf("%s: %v, want %v", tc.name, err, w)
			}
		}
		if !strings.HasPrefix(err.Error(), "license token: ") {
			t.Errorf("%s: message %q", tc.name, err)
		}
	}
}

// TestClaimsAreJSON guards the claim names against the signer's: a token
// made from JSON text, as another implementation would write it.
func TestClaimsAreJSON(t *testing.T) {
	var c jwt.MapClaims
	if err := json.Unmarshal([]byte(`{"iss":"licmint","aud":["PC"],"sub":"31415926535897","iat":1795737600,"nbf":1795737600,
		"exp":1827273600,"jti":"PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG",
		"product":"PC","edition":"standard","edition_number":1,"trial":false,"install_bound":false,"generation":0,
		"serial":"31415926535897","activation_code":"`+standardCode+`"}`), &c); err != nil {
		t.Fatal(err)
	}
	_, tv := newVerifiers(t, issued)
	if _, err := tv.Verify(signToken(t, jwt.SigningMethodEdDSA, testKey, "1", c)); err != nil {
		t.Fatal(err)
	}
}

// TestProduct checks the product read from a token before it is verified.
func TestProduct(t *testing.T) {
	withClaims := func(edit func(jwt.MapClaims)) string {
		c := licenseClaims()
		edit(c)
		return signToken(t, jwt.SigningMethodEdDSA, otherKey, "1", c)
	}
	for _, tc := range []struct {
		name, token, want string
	}{
		{"product claim", withClaims(func(c jwt.MapClaims) { c["product"], c["aud"] = "PD", []string{"PC", "PD"} }), "PD"},
		{"audience", withClaims(func(c jwt.MapClaims) { delete(c, "product"); c["aud"] = "PE" }), "PE"},
		{"padded", " \n" + withClaims(func(c jwt.MapClaims) {}) + "\n", "PC"},
		{"two audiences", withClaims(func(c jwt.MapClaims) { delete(c, "product"); c["aud"] = []string{"PC", "PD"} }), ""},
		{"bad product", withClaims(func(c jwt.MapClaims) { c["product"] = "P1" }), ""},
		{"not a JWT", "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.", ""},
		{"too long", strings.Repeat("a", licjwt.MaxTokenLen+1), ""},
	} {
		p, err := licjwt.Product(tc.token)
		switch {
		case tc.want == "" && !errors.Is(err, licjwt.ErrBadToken):
			t.Errorf("%s: %v, %v; want ErrBadToken", tc.name, p, err)
		case tc.want != "" && (err != nil || p.String() != tc.want):
			t.Errorf("%s: %v, %v; want %s", tc.name, p, err, tc.want)
		}
	}
}
