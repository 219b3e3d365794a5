package signer_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier/licjwt"
)

// parseToken verifies a token the way a product would: EdDSA only, the key
// chosen by kid, the audience its product code.
func parseToken(t *testing.T, tok string, at time.Time) (*licjwt.Claims, error) {
	t.Helper()
	pub := testKey(t, 1).Public().Public
	var c licjwt.Claims
	_, err := jwt.ParseWithClaims(tok, &c, func(tk *jwt.Token) (any, error) {
		if tk.Header["kid"] != "1" {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience("PC"), jwt.WithIssuer("acme"),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return at }))
	return &c, err
}

func TestSignToken(t *testing.T) {
	s := newSigner(t, signer.WithIssuer("acme"))
	reg := &signer.Registration{RK: fullRK, Edition: "premium", InstallID: "host-1",
		Customer: map[string]string{"email": "ops@example.com"}}
	code, tok, err := s.SignToken(reg)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Sign(reg); again != code {
		t.Fatal("SignToken and Sign gave different codes")
	}
	if _, tok2, _ := s.SignToken(reg); tok2 != tok {
		t.Fatal("the token is not deterministic")
	}
	c, err := parseToken(t, tok, day1.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("host-1"))
	if c.Subject != "31415926535897" || c.Serial != c.Subject || *c.Product != "PC" || *c.Edition != "premium" ||
		*c.EditionNumber != 2 || *c.Trial || !*c.InstallBound || c.InstallIDSHA256 != hex.EncodeToString(sum[:]) ||
		c.ActivationCode != code.String() || c.ID != code.ShortForm() || c.Customer["email"] != "ops@example.com" ||
		!c.IssuedAt.Time.Equal(day1) || !c.NotBefore.Time.Equal(day1) || !c.ExpiresAt.Time.Equal(code.Expires.Time()) ||
		strings.Join(c.Features, ",") != "update,scan" {
		t.Fatalf("claims %+v", c)
	}
	if strings.Contains(tok, "host-1") {
		t.Fatal("the install id is in the token in clear")
	}
	if _, err := parseToken(t, tok, code.Expires.Time().Add(time.Hour)); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := parseToken(t, tok, day1.Add(-time.Hour)); !errors.Is(err, jwt.ErrTokenNotValidYet) {
		t.Fatalf("token before nbf: %v", err)
	}
}

// Tokens altered in the ways JWT attacks use are all refused.
func TestSignTokenTampering(t *testing.T) {
	_, tok, err := newSigner(t, signer.WithIssuer("acme")).SignToken(&signer.Registration{RK: fullRK, Edition: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	enc := base64.RawURLEncoding.EncodeToString
	pub := testKey(t, 1).Public().Public
	// HS256 keyed with the public key: the classic algorithm confusion.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "PC", "iss": "acme", "exp": 4102444800})
	hs.Header["kid"] = "1"
	hsTok, _ := hs.SignedString([]byte(pub))
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"edition":"standard"`, `"edition":"premium"`, 1)
	otherKey := ed25519.NewKeyFromSeed(testSeed(99))
	wrongKey := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"aud": "PC", "iss": "acme", "exp": 4102444800})
	wrongKey.Header["kid"] = "1"
	wrongTok, _ := wrongKey.SignedString(otherKey)
	for name, bad := range map[string]string{
		"alg none":       enc([]byte(`{"alg":"none","kid":"1","typ":"JWT"}`)) + "." + parts[1] + ".",
		"alg HS256":      hsTok,
		"payload edited": parts[0] + "." + enc([]byte(forged)) + "." + parts[2],
		"signature cut":  parts[0] + "." + parts[1] + "." + parts[2][:20],
		"other key":      wrongTok,
	} {
		if _, err := parseToken(t, bad, day1.AddDate(0, 1, 0)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSignTokenPerpetual(t *testing.T) {
	_, _, err := newSigner(t).SignToken(&signer.Registration{RK: fullRK, Edition: "standard", Expires: formats.Perpetual})
	if !errors.Is(err, signer.ErrPerpetualToken) {
		t.Fatalf("perpetual token: %v", err)
	}
}

// Token makes, for a code signed earlier, the token SignToken made with
// it; and only for an authentic, bound-as-given, expiring code.
func TestTokenOfCode(t *testing.T) {
	s := newSigner(t, signer.WithIssuer("acme"))
	reg := &signer.Registration{RK: fullRK, Edition: "premium", InstallID: "host-1",
		Customer: map[string]string{"email": "ops@example.com"}}
	code, want, err := s.SignToken(reg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Token(code, "host-1", reg.Customer)
	if err != nil || got != want {
		t.Fatalf("Token of the code: %v\n got %s\nwant %s", err, got, want)
	}
	renewed, err := s.Renew(code, signer.Renewal{InstallID: "host-1", Days: 365})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(renewed, "host-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := parseToken(t, tok, day1.AddDate(0, 1, 0)); err != nil || c.ActivationCode != renewed.String() || !c.ExpiresAt.Time.Equal(renewed.Expires.Time()) {
		t.Fatalf("renewed code's token: %v %+v", err, c)
	}

	if _, err := s.Token(code, "host-2", nil); !errors.Is(err, signer.ErrNotAuthentic) {
		t.Errorf("another install id: %v", err)
	}
	tampered := code
	tampered.Expires++
	if _, err := s.Token(tampered, "host-1", nil); !errors.Is(err, signer.ErrNotAuthentic) {
		t.Errorf("tampered code: %v", err)
	}
	short, err := formats.ParseActivationCode(code.ShortForm())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(short, "host-1", nil); !errors.Is(err, formats.ErrUnsigned) {
		t.Errorf("short form: %v", err)
	}
	perpetual, err := s.Sign(&signer.Registration{RK: fullRK, Edition: "standard", Expires: formats.Perpetual})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(perpetual, "", nil); !errors.Is(err, signer.ErrPerpetualToken) {
		t.Errorf("perpetual code: %v", err)
	}
}
