package formats_test

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/torsion"
)

func TestCheckPublicKeyHonest(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range 500 {
		binary.LittleEndian.PutUint64(seed, uint64(i))
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if err := formats.CheckPublicKey(pub); err != nil {
			t.Fatalf("honest key %x refused: %v", pub, err)
		}
	}
}

// TestCheckPublicKeySmallOrder: every encoding of every point A with [8]A
// the identity is refused. With such a key, a signature with R = -[k]A and
// S = 0 verifies for any message: forgery needs no private key.
func TestCheckPublicKeySmallOrder(t *testing.T) {
	for _, e := range torsion.Encodings() {
		err := formats.CheckPublicKey(e.Bytes)
		if !errors.Is(err, formats.ErrWeakKey) {
			t.Errorf("%x: got %v, want ErrWeakKey", e.Bytes, err)
			continue
		}
		checkKeyError(t, err, "small order")
	}
}

// TestCheckPublicKeyNonCanonical: points of large order spelt with y >= p,
// which crypto/ed25519 accepts, and which no encoder writes.
func TestCheckPublicKeyNonCanonical(t *testing.T) {
	n := 0
	for y := byte(2); y < 19; y++ {
		for _, sign := range []byte{0, 0x80} {
			b := make([]byte, 32)
			b[0] = 0xed + y
			for i := 1; i < 31; i++ {
				b[i] = 0xff
			}
			b[31] = 0x7f | sign
			if !stdlibAcceptsKey(b) {
				continue // not a point
			}
			n++
			err := formats.CheckPublicKey(b)
			if !errors.Is(err, formats.ErrWeakKey) {
				t.Errorf("%x: got %v, want ErrWeakKey", b, err)
				continue
			}
			checkKeyError(t, err, "not canonically encoded")
		}
	}
	if n == 0 {
		t.Fatal("no non-canonical point encodings tried")
	}
}

func TestCheckPublicKeyMalformed(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	notPoint, _ := hex.DecodeString("0200000000000000000000000000000000000000000000000000000000000000")
	if stdlibAcceptsKey(notPoint) {
		t.Fatal("y = 2 is a point after all")
	}
	for _, tc := range []struct {
		key  []byte
		want string
	}{
		{nil, "0 bytes, want 32"},
		{pub[:31], "31 bytes, want 32"},
		{append(pub, 0), "33 bytes, want 32"},
		{notPoint, "not a point on the Ed25519 curve"},
	} {
		err := formats.CheckPublicKey(tc.key)
		if !errors.Is(err, formats.ErrMalformed) {
			t.Errorf("%x: got %v, want ErrMalformed", tc.key, err)
			continue
		}
		checkKeyError(t, err, tc.want)
	}
}

func checkKeyError(t *testing.T, err error, want string) {
	t.Helper()
	var fe *formats.FormatError
	if !errors.As(err, &fe) || fe.Kind != "public key" || fe.Hint == "" {
		t.Errorf("%v: want a *FormatError of kind public key with a hint", err)
		return
	}
	if !strings.HasPrefix(err.Error(), "public key: ") || !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// stdlibAcceptsKey reports whether crypto/ed25519 decodes pub: it parses
// the key before it looks at the signature's length.
func stdlibAcceptsKey(pub []byte) bool {
	err := ed25519.VerifyWithOptions(pub, nil, nil, &ed25519.Options{})
	return err != nil && strings.Contains(err.Error(), "signature length")
}

// TestCheckPublicKeyMixedOrder: a point of prime order plus a small-order
// one is refused, so that cofactored and cofactorless verifiers, which
// disagree under such a key, are never given one.
func TestCheckPublicKeyMixedOrder(t *testing.T) {
	for _, m := range torsion.MixedOrder() {
		if !stdlibAcceptsKey(m) {
			t.Fatalf("%x: crypto/ed25519 refuses it: the test proves nothing", m)
		}
		err := formats.CheckPublicKey(m)
		if !errors.Is(err, formats.ErrWeakKey) {
			t.Errorf("%x: got %v, want ErrWeakKey", m, err)
			continue
		}
		checkKeyError(t, err, "mixed order")
		if err := formats.CheckPublicKeyEncoding(m); err != nil {
			t.Errorf("%x: CheckPublicKeyEncoding = %v, want nil (it leaves the order to its caller)", m, err)
		}
	}
}

// TestSmallOrderR: exactly the eight canonical small-order encodings as R.
func TestSmallOrderR(t *testing.T) {
	for _, e := range torsion.Encodings() {
		sig := append(append([]byte{}, e.Bytes...), make([]byte, 32)...)
		if got := formats.SmallOrderR(sig); got != e.Canonical {
			t.Errorf("R %x: SmallOrderR = %v, want %v", e.Bytes, got, e.Canonical)
		}
	}
	for _, m := range torsion.MixedOrder() {
		if formats.SmallOrderR(append(m, make([]byte, 32)...)) {
			t.Errorf("R %x of mixed order: SmallOrderR = true", m)
		}
	}
	if formats.SmallOrderR(nil) {
		t.Error("SmallOrderR(nil) = true")
	}
}
