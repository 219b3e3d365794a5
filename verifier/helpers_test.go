package verifier_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/vectors"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
)

// testKey signs the codes these tests make; its key id is 1.
var testKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

func testKeys() []verifier.Key {
	return []verifier.Key{{ID: 1, Public: testKey.Public().(ed25519.PublicKey)}}
}

func day(s string) formats.Day {
	d, err := formats.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at returns a clock stopped at noon UTC on the given date.
func at(date string) func() time.Time {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	t = t.Add(12 * time.Hour)
	return func() time.Time { return t }
}

// header returns a standard edition, one-year PC header issued 2026-11-27.
func header() formats.Header {
	return formats.Header{Product: formats.MustProduct("PC"), Version: formats.FormatVersion, KeyID: 1,
		Edition: 1, Issued: day("2026-11-27"), Expires: day("2027-11-27"), Serial: 31415926535897}
}

// sign returns the signed form of h, signed by priv for installID.
func sign(t testing.TB, priv ed25519.PrivateKey, h formats.Header, installID string) string {
	t.Helper()
	msg, err := h.AppendMessage(nil, installID)
	if err != nil {
		t.Fatal(err)
	}
	c := formats.ActivationCode{Header: h, Signed: true}
	copy(c.Signature[:], ed25519.Sign(priv, msg))
	return c.String()
}

func pcCatalog(t testing.TB) *catalog.Product {
	t.Helper()
	p, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newVerifier(t testing.TB, opts ...verifier.Option) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New("PC", testKeys(), append([]verifier.Option{verifier.WithCatalog(pcCatalog(t)), verifier.WithNow(at("2027-01-01"))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadVectors(t testing.TB) (*vectors.ActivationCodes, ed25519.PublicKey) {
	t.Helper()
	v, err := vectors.LoadActivationCodes("../testdata/vectors/activation_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := hex.DecodeString(v.TestKey.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("test key: %v", err)
	}
	return v, pub
}
