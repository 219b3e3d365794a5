package licjwt_test

import (
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
)

// TestSignerTokens verifies tokens made by package signer, the licmint
// signer, bound and unbound, so that the claim names and rules agree.
func TestSignerTokens(t *testing.T) {
	s, rk := testSigner(t)
	for _, install := range []string{"", "host-1"} {
		reg := &signer.Registration{RK: rk, Edition: "premium", Issued: issuedDay(t), Days: 365, InstallID: install,
			Customer: map[string]string{"name": "Example Ltd"}}
		code, tok, err := s.SignToken(reg)
		if err != nil {
			t.Fatal(err)
		}
		var opts []verifier.Option
		if install != "" {
			opts = append(opts, verifier.WithInstallID(install))
		}
		v, tv := newVerifiers(t, issued.Add(24*time.Hour), opts...)
		got, err := tv.Verify(tok)
		if err != nil {
			t.Fatalf("install %q: %v", install, err)
		}
		want, err := v.Verify(code.String())
		if err != nil {
			t.Fatal(err)
		}
		if got.Serial != want.Serial || got.Edition != "premium" || got.Bound != (install != "") ||
			got.Status != want.Status || got.Expires != want.Expires {
			t.Fatalf("token %+v, code %+v", got, want)
		}
	}
}

// testSigner is a licmint signer with the test key, and the Registration
// Key of the standard vector.
func testSigner(t *testing.T) (*signer.Signer, formats.RegistrationKey) {
	t.Helper()
	key, err := signer.NewKey(1, testKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.New(key)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	if err != nil {
		t.Fatal(err)
	}
	return s, rk
}

// issuedDay is the day of issued, as a signer.Registration takes it.
func issuedDay(t testing.TB) *formats.Day {
	d, err := formats.DayOf(issued)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}
