package licjwt_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/vectors"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// tokenErrorKind names what err wraps; the first match wins, as in
// licmint's --json output (FORMAT.md section 14).
func tokenErrorKind(err error) string {
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
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

func vectorVerifier(t *testing.T, pub []byte, at, installID string) *licjwt.Verifier {
	t.Helper()
	now, err := time.Parse(time.DateOnly, at)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	opts := []verifier.Option{verifier.WithCatalog(pc), verifier.WithNow(func() time.Time { return now })}
	if installID != "" {
		opts = append(opts, verifier.WithInstallID(installID))
	}
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}, {ID: 2, Public: pub}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return licjwt.New(v)
}

func vectorDay(t *testing.T, s string) formats.Day {
	d, err := formats.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}

func TestVectors(t *testing.T) {
	v, err := vectors.LoadJWTs("../../testdata/vectors/jwts.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := hex.DecodeString(v.TestKey.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize || len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatalf("jwts.json: test key or vectors missing (%v)", err)
	}
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			// The token is the header and claims given, signed.
			parts := strings.Split(tc.Token, ".")
			if len(parts) != 3 {
				t.Fatalf("%d parts", len(parts))
			}
			header, err1 := base64.RawURLEncoding.DecodeString(parts[0])
			claims, err2 := base64.RawURLEncoding.DecodeString(parts[1])
			sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, header, tc.Header) || !sameJSON(t, claims, tc.Claims) {
				t.Fatalf("token header %s claims %s, want %s and %s", header, claims, tc.Header, tc.Claims)
			}
			if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
				t.Fatal("signature does not verify with the test key")
			}
			// Claims is the one definition: it reads the payload and writes
			// it back byte for byte, in the signers' order.
			var c licjwt.Claims
			if err := json.Unmarshal(claims, &c); err != nil {
				t.Fatal(err)
			}
			if again, err := json.Marshal(&c); err != nil || !bytes.Equal(again, claims) {
				t.Fatalf("claims re-encode as %s (%v), want %s", again, err, claims)
			}

			l, err := vectorVerifier(t, pub, tc.VerifyAt, tc.InstallID).Verify(tc.Token)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.License
			if l.Status.String() != w.Status || l.DaysLeft != w.DaysLeft || l.Product.String() != w.Product ||
				l.Edition != w.Edition || l.EditionNumber != w.EditionNumber || l.Trial != w.Trial || l.Bound != w.InstallBound ||
				l.Serial.String() != w.Serial || l.Generation != w.Generation ||
				l.KeyID != w.KeyID || l.Issued != vectorDay(t, w.Issued) || l.Expires != vectorDay(t, w.Expires) {
				t.Fatalf("license %+v, want %+v", l, w)
			}
			if m := l.Features.Map(); len(m) != len(w.Features) {
				t.Fatalf("features %v, want %v", m, w.Features)
			}
			for name, on := range w.Features {
				if l.Features.Enabled(name) != on {
					t.Fatalf("feature %s: %v, want %v", name, l.Features.Enabled(name), on)
				}
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			l, err := vectorVerifier(t, pub, tc.VerifyAt, tc.InstallID).Verify(tc.Token)
			if got := tokenErrorKind(err); got != tc.Error {
				t.Fatalf("error kind %q (%v), want %q", got, err, tc.Error)
			}
			if l.Status != verifier.StatusInvalid {
				t.Fatalf("status %v with an error", l.Status)
			}
		})
	}
}
