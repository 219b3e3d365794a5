package batch_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
	"github.com/licmint/licmint/verifier/licjwt"
)

var (
	day1     = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	fixedNow = signer.WithNow(func() time.Time { return day1.Add(13 * time.Hour) })
)

// testSeed returns a fixed seed, so that test codes are reproducible.
func testSeed(n byte) []byte {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = n + byte(i)
	}
	return seed
}

func testKey(tb testing.TB, id uint8) *signer.Key {
	tb.Helper()
	k, err := signer.NewKey(id, ed25519.NewKeyFromSeed(testSeed(id)))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newSigner(t testing.TB, opts ...signer.Option) *signer.Signer {
	t.Helper()
	s, err := signer.New(testKey(t, 1), append([]signer.Option{fixedNow}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fmts are a batch's formats: CSV unless told otherwise.
type fmts struct{ jsonlIn, jsonlOut bool }

// run signs src into dst in the formats f says.
func run(s *signer.Signer, dst io.Writer, src io.Reader, f fmts, opts ...batch.Option) (batch.Stats, error) {
	r, w := batch.NewCSVReader(src), batch.NewCSVWriter(dst)
	if f.jsonlIn {
		r = batch.NewJSONLReader(src)
	}
	if f.jsonlOut {
		w = batch.NewJSONLWriter(dst)
	}
	return batch.Run(context.Background(), s, r, w, opts...)
}

func mustRK(t testing.TB, s string) formats.RegistrationKey {
	k, err := formats.ParseRegistrationKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

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

// dayOf returns the day of t, which a test gives in range.
func dayOf(t time.Time) formats.Day {
	d, err := formats.DayOf(t)
	if err != nil {
		panic(err)
	}
	return d
}
