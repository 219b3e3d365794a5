package verifier_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// call is one call of a WithSignatureCheck function.
type call struct{ pub, msg, sig []byte }

// recordingCheck is crypto/ed25519.Verify that records its calls.
func recordingCheck(calls *[]call) func(pub, msg, sig []byte) bool {
	return func(pub, msg, sig []byte) bool {
		*calls = append(*calls, call{pub, msg, sig})
		return ed25519.Verify(pub, msg, sig)
	}
}

// TestWithSignatureCheck: the function replaces the verifier's own check
// for codes, revocation lists and reset codes, gets the key, the message
// FORMAT.md defines and the signature, and its answer decides; everything
// else is as without it.
func TestWithSignatureCheck(t *testing.T) {
	pub := testKey.Public().(ed25519.PublicKey)
	code := sign(t, testKey, header(), "")
	var calls []call
	v := newVerifier(t, verifier.WithSignatureCheck(recordingCheck(&calls)))

	got, err := v.Verify(code)
	want, wantErr := newVerifier(t).Verify(code)
	if err != nil || wantErr != nil || got.Status != want.Status || got.Edition != want.Edition || got.Serial != want.Serial {
		t.Fatalf("Verify: %+v %v, want %+v %v", got, err, want, wantErr)
	}
	c, _ := formats.ParseSigned(code, formats.MustProduct("PC"))
	msg, _ := c.AppendMessage(nil, "")
	if len(calls) != 1 || !bytes.Equal(calls[0].pub, pub) || !bytes.Equal(calls[0].msg, msg) || !bytes.Equal(calls[0].sig, c.Signature[:]) {
		t.Fatalf("the check got %d calls, first %+v; want the key, message and signature of the code", len(calls), calls)
	}

	// The message and signature are copies the function may keep.
	calls[0].msg[0] ^= 1
	if _, err := v.Verify(code); err != nil {
		t.Fatalf("after the check's slice was changed: %v", err)
	}

	// A forgery the check refuses is refused as the verifier's own check
	// would refuse it.
	c.Signature[0] ^= 1
	if _, err := v.Verify(c.String()); !errors.Is(err, verifier.ErrBadSignature) {
		t.Errorf("altered signature: %v, want ErrBadSignature", err)
	}

	// Revocation lists: the check gets the context string and the body.
	calls = nil
	h := header()
	list := signList(t, testKey, 1, revocation.Entry{Serial: h.Serial, Below: h.Generation + 1})
	if err := v.LoadRevocationList(list); err != nil {
		t.Fatal(err)
	}
	body := list[:len(list)-ed25519.SignatureSize]
	if len(calls) != 1 || !bytes.Equal(calls[0].msg, append([]byte(revocation.Context), body...)) {
		t.Fatalf("revocation list: the check got %d calls; want one with the context and body", len(calls))
	}
	if l, err := v.Verify(code); err != nil || l.Status != verifier.StatusRevoked {
		t.Errorf("after the list: %v %v, want revoked", l.Status, err)
	}

	// Reset codes.
	calls = nil
	rv := newVerifier(t, verifier.WithSignatureCheck(recordingCheck(&calls)), verifier.WithState(new(state.Memory)),
		verifier.WithInstallID("host-1"))
	if err := rv.Reset(resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-01", 1)); !errors.Is(err, verifier.ErrResetNotLocked) || len(calls) != 1 {
		t.Errorf("reset code: %v after %d checks, want ErrResetNotLocked after the signature check", err, len(calls))
	}
}

// TestWithSignatureCheckDecides: a check that refuses everything makes
// every authentic code fail as a forgery would, bound codes as bound to
// another install, and lists as badly signed.
func TestWithSignatureCheckDecides(t *testing.T) {
	no := verifier.WithSignatureCheck(func(pub, msg, sig []byte) bool { return false })
	v := newVerifier(t, no, verifier.WithInstallID("install-A"))
	if _, err := v.Verify(sign(t, testKey, header(), "")); !errors.Is(err, verifier.ErrBadSignature) {
		t.Errorf("unbound: %v, want ErrBadSignature", err)
	}
	h := header()
	h.Bound = true
	if _, err := v.Verify(sign(t, testKey, h, "install-A")); !errors.Is(err, verifier.ErrInstallMismatch) {
		t.Errorf("bound: %v, want ErrInstallMismatch", err)
	}
	if err := v.LoadRevocationList(signList(t, testKey, 1)); !errors.Is(err, verifier.ErrListBadSignature) {
		t.Errorf("list: %v, want ErrListBadSignature", err)
	}
}
