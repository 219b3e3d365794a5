package signer_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/vectors"
	"github.com/licmint/licmint/signer"
)

// TestTokenVectors signs the registrations of testdata/vectors/jwts.json
// (FORMAT.md section 14) with the TEST ONLY key and gets the vectors'
// tokens byte for byte: Ed25519 is deterministic.
func TestTokenVectors(t *testing.T) {
	v, err := vectors.LoadJWTs("../testdata/vectors/jwts.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := hex.DecodeString(v.TestKey.Seed)
	if err != nil || len(seed) != ed25519.SeedSize || len(v.Valid) == 0 {
		t.Fatalf("jwts.json: test key or vectors missing (%v)", err)
	}
	date := func(s string) formats.Day {
		d, err := formats.ParseDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			var header struct{ Kid string }
			if err := json.Unmarshal(tc.Header, &header); err != nil {
				t.Fatal(err)
			}
			kid, err := strconv.ParseUint(header.Kid, 10, 8)
			if err != nil {
				t.Fatal(err)
			}
			key, err := signer.NewKey(uint8(kid), ed25519.NewKeyFromSeed(seed))
			if err != nil {
				t.Fatal(err)
			}
			s, err := signer.New(key, signer.WithIssuer(tc.Registration.Issuer))
			if err != nil {
				t.Fatal(err)
			}
			rk, err := formats.ParseRegistrationKey(tc.Registration.RegistrationKey)
			if err != nil {
				t.Fatal(err)
			}
			r := tc.Registration
			_, tok, err := s.SignToken(&signer.Registration{RK: rk, Edition: r.Edition, Issued: new(date(r.Issued)),
				Expires: date(r.Expires), InstallID: r.InstallID, Customer: r.Customer})
			if err != nil {
				t.Fatal(err)
			}
			if tok != tc.Token {
				t.Fatalf("token\n%s\nwant\n%s", tok, tc.Token)
			}
		})
	}
}
