package signer_test

import (
	"errors"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/signer"
)

func TestReplace(t *testing.T) {
	s := newSigner(t)
	old := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), Generation: 4})
	code, err := s.Replace(old, "")
	if err != nil {
		t.Fatal(err)
	}
	want := old.Header
	want.Generation = 5
	if code.Header != want {
		t.Fatalf("replacement header\n%+v, want\n%+v", code.Header, want)
	}
	verify(t, code, "")
	// The replacement is authentic in turn, so it can be replaced again.
	again, err := s.Replace(code, "")
	if err != nil || again.Generation != 6 {
		t.Fatalf("replacing the replacement: %+v, %v", again.Header, err)
	}

	// A bound code stays bound to the same install.
	bound := signed(t, s, signer.Registration{RK: fullRK, Edition: "standard", Issued: new(dayOf(day1)), InstallID: "host-7"})
	code, err = s.Replace(bound, "host-7")
	if err != nil || !code.Bound || code.Generation != 1 {
		t.Fatalf("bound: %+v, %v", code.Header, err)
	}
	verify(t, code, "host-7")

	// An old key's code, with the old key trusted, gets the new key id.
	old2 := signed(t, mustSigner(t, testKey(t, 2)), signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))})
	ring, _ := keyring.New(testKey(t, 2).Public())
	code, err = newSigner(t, signer.WithTrustedKeys(ring)).Replace(old2, "")
	if err != nil || code.KeyID != 1 || code.Generation != 1 {
		t.Fatalf("after rotation: %+v, %v", code.Header, err)
	}
	verify(t, code, "")
}

func mustSigner(t *testing.T, k *signer.Key, opts ...signer.Option) *signer.Signer {
	t.Helper()
	s, err := signer.New(k, append([]signer.Option{fixedNow}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReplaceErrors(t *testing.T) {
	s := newSigner(t)
	full := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))})
	last := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), Generation: formats.MaxGeneration})
	bound := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), InstallID: "host-7"})
	other := signed(t, mustSigner(t, testKey(t, 3)), signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))})
	short := full
	short.Signed = false
	badSig := full
	badSig.Signature[63] ^= 0x80
	for name, tc := range map[string]struct {
		code      formats.ActivationCode
		installID string
		field     string
		is        error
		want      string
	}{
		"short form":      {short, "", "code", formats.ErrUnsigned, "short form"},
		"last generation": {last, "", "code", signer.ErrNotReplaceable, "generation 255 is the last"},
		"unknown key":     {other, "", "code", signer.ErrUnknownKey, "key id 3"},
		"bad signature":   {badSig, "", "code", signer.ErrNotAuthentic, "does not verify"},
		"bound, no id":    {bound, "", "install_id", signer.ErrInstallIDRequired, "give the install id"},
		"bound, other id": {bound, "host-8", "code", signer.ErrNotAuthentic, "bound to"},
	} {
		_, err := s.Replace(tc.code, tc.installID)
		wantFieldError(t, name, err, tc.field, tc.is, tc.want)
	}
	if err := signer.CheckReplaceable(last); !errors.Is(err, signer.ErrNotReplaceable) {
		t.Fatalf("CheckReplaceable: %v", err)
	}
}
