package signer_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

func TestResetCode(t *testing.T) {
	key := testKey(t, 3)
	issued := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	s, err := signer.New(key, signer.WithNow(func() time.Time { return issued }),
		signer.WithRand(bytes.NewReader([]byte{0x5E, 0xC0, 0xDE, 0x01, 0x5E, 0xC0, 0xDE, 0x02})))
	if err != nil {
		t.Fatal(err)
	}
	pc := formats.MustProduct("PC")
	remembered, _ := formats.ParseDay("2036-11-29")
	c, err := s.ResetCode(pc, "host-7f3a9c0e", remembered)
	if err != nil {
		t.Fatal(err)
	}
	want := formats.ResetCode{Product: pc, Version: formats.ResetVersion, KeyID: 3, Remembered: remembered,
		Issued: formats.Day(2525), Nonce: 0x5EC0DE01, Signature: c.Signature}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	msg, _ := c.AppendMessage(nil, "host-7f3a9c0e")
	if !ed25519.Verify(ed25519.NewKeyFromSeed(testSeed(3)).Public().(ed25519.PublicKey), msg, c.Signature[:]) {
		t.Fatal("signature does not verify")
	}
	// The next code for the same install and day differs.
	c2, err := s.ResetCode(pc, "host-7f3a9c0e", remembered)
	if err != nil || c2.Nonce != 0x5EC0DE02 || c2.String() == c.String() {
		t.Fatalf("second code: %+v %v", c2, err)
	}
	// Randomness that fails is an error, not a fixed nonce.
	if _, err := s.ResetCode(pc, "host-7f3a9c0e", remembered); err == nil || !strings.Contains(err.Error(), "randomness") {
		t.Fatalf("exhausted randomness: %v", err)
	}

	dflt, _ := signer.New(key, signer.WithNow(func() time.Time { return issued }))
	for _, tc := range []struct {
		name, field string
		product     formats.Product
		installID   string
		remembered  formats.Day
	}{
		{"product", "product", formats.Product{'p', '1'}, "host", remembered},
		{"empty install id", "install_id", pc, "", remembered},
		{"install id with a trailing space", "install_id", pc, "host ", remembered},
		{"remembered on the issue day", "remembered", pc, "host", formats.Day(2525)},
		{"remembered before the issue day", "remembered", pc, "host", formats.Day(100)},
		{"remembered not a date", "remembered", pc, "host", formats.Perpetual},
	} {
		_, err := dflt.ResetCode(tc.product, tc.installID, tc.remembered)
		var fe *signer.FieldError
		if !errors.Is(err, signer.ErrBadReset) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
