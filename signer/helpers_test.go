package signer_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
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

// dayOf returns the day of t, which a test gives in range.
func dayOf(t time.Time) formats.Day {
	d, err := formats.DayOf(t)
	if err != nil {
		panic(err)
	}
	return d
}
