package signer_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/signer"
)

var (
	day1     = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	fullRK   = formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 31415926535897}
	trialRK  = formats.RegistrationKey{Product: formats.MustProduct("PC"), Trial: true, Serial: 27182818284590}
	fixedNow = signer.WithNow(func() time.Time { return day1.Add(13 * time.Hour) })
)

func newSigner(t testing.TB, opts ...signer.Option) *signer.Signer {
	t.Helper()
	s, err := signer.New(testKey(t, 1), append([]signer.Option{fixedNow}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verify checks a code's signature with crypto/ed25519 over the message
// FORMAT.md section 4.2 defines, as any verifier would.
func verify(t *testing.T, code formats.ActivationCode, installID string) {
	t.Helper()
	parsed, err := formats.ParseSigned(code.String(), code.Product)
	if err != nil {
		t.Fatalf("the signed code does not parse: %v", err)
	}
	msg, err := parsed.AppendMessage(nil, installID)
	if err != nil {
		t.Fatal(err)
	}
	pub := testKey(t, 1).Public().Public
	if !ed25519.Verify(pub, msg, parsed.Signature[:]) {
		t.Fatalf("signature of %s does not verify", code)
	}
}

func TestSignDefaults(t *testing.T) {
	s := newSigner(t)
	for _, tc := range []struct {
		rk      formats.RegistrationKey
		edition string
		number  uint8
		days    int
	}{
		{fullRK, "standard", 1, 365},
		{fullRK, "premium", 2, 365},
		{trialRK, "premium", 2, 30},
	} {
		code, err := s.Sign(&signer.Registration{RK: tc.rk, Edition: tc.edition})
		if err != nil {
			t.Fatal(err)
		}
		h := code.Header
		if h.Product != tc.rk.Product || h.Serial != tc.rk.Serial || h.Trial != tc.rk.Trial || h.Edition != tc.number ||
			h.KeyID != 1 || h.Generation != 0 || h.Bound || h.Issued.Time() != day1 || int(h.Expires-h.Issued) != tc.days {
			t.Errorf("%v %s: header %+v", tc.rk, tc.edition, h)
		}
		verify(t, code, "")
	}
}

func TestSignDeterministic(t *testing.T) {
	reg := &signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), InstallID: "host-42", Generation: 3}
	a, err := newSigner(t).Sign(reg)
	if err != nil {
		t.Fatal(err)
	}
	// Another signer with another clock: Issued is given, so the clock
	// must not matter.
	other, _ := signer.New(testKey(t, 1), signer.WithNow(func() time.Time { return time.Date(2041, 3, 5, 0, 0, 0, 0, time.UTC) }))
	b, err := other.Sign(reg)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("signing twice gave\n%s\n%s", a, b)
	}
	if !a.Bound || a.Generation != 3 {
		t.Fatalf("header %+v", a.Header)
	}
	verify(t, a, "host-42")
	msg, _ := a.AppendMessage(nil, "host-43")
	if ed25519.Verify(testKey(t, 1).Public().Public, msg, a.Signature[:]) {
		t.Fatal("a bound code verified with another install id")
	}
}

func TestSignTerms(t *testing.T) {
	s := newSigner(t)
	code, err := s.Sign(&signer.Registration{RK: fullRK, Edition: "standard", Days: 10})
	if err != nil || code.Expires != code.Issued+10 {
		t.Fatalf("days: %v %v", code.Header, err)
	}
	exp := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	code, err = s.Sign(&signer.Registration{RK: fullRK, Edition: "standard", Expires: dayOf(exp)})
	if err != nil || code.Expires.Time() != exp {
		t.Fatalf("expires: %v %v", code.Header, err)
	}
	code, err = s.Sign(&signer.Registration{RK: fullRK, Edition: "standard", Expires: formats.Perpetual})
	if err != nil || code.Expires != formats.Perpetual {
		t.Fatalf("perpetual: %v %v", code.Header, err)
	}
	verify(t, code, "")
	// A catalog's own terms.
	c, err := catalog.Parse([]byte(`{"products": {"XY": {"editions": [{"name": "pro", "number": 7}], "trial_days": 14, "maintenance_days": 90}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s = newSigner(t, signer.WithCatalog(c))
	xy := formats.RegistrationKey{Product: formats.MustProduct("XY"), Serial: 5}
	code, err = s.Sign(&signer.Registration{RK: xy, Edition: "pro"})
	if err != nil || code.Expires != code.Issued+90 || code.Edition != 7 {
		t.Fatalf("catalog terms: %v %v", code.Header, err)
	}
	xy.Trial = true
	code, err = s.Sign(&signer.Registration{RK: xy, Edition: "pro"})
	if err != nil || code.Expires != code.Issued+14 {
		t.Fatalf("catalog trial: %v %v", code.Header, err)
	}
}

func TestSignErrors(t *testing.T) {
	s := newSigner(t)
	long := strings.Repeat("x", formats.MaxInstallIDLen+1)
	for name, tc := range map[string]struct {
		reg   signer.Registration
		field string
		is    error
		want  string
	}{
		"unknown product":   {signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("XY")}, Edition: "standard"}, "rk", catalog.ErrUnknownProduct, `unknown product "XY"; the catalog has PC`},
		"unknown edition":   {signer.Registration{RK: fullRK, Edition: "gold"}, "edition", catalog.ErrUnknownEdition, "editions: standard, premium"},
		"no edition":        {signer.Registration{RK: fullRK}, "edition", catalog.ErrUnknownEdition, "no edition"},
		"bad product":       {signer.Registration{RK: formats.RegistrationKey{Product: formats.Product{'p', '1'}}, Edition: "standard"}, "rk", signer.ErrBadRegistration, "product code"},
		"serial too big":    {signer.Registration{RK: formats.RegistrationKey{Product: fullRK.Product, Serial: formats.MaxSerial + 1}, Edition: "standard"}, "rk", signer.ErrBadRegistration, "more than 14 digits"},
		"expires before":    {signer.Registration{RK: fullRK, Edition: "standard", Issued: new(dayOf(day1)), Expires: dayOf(day1.AddDate(0, 0, -1))}, "expires", signer.ErrBadRegistration, "expires 2026-11-26 is not after issued 2026-11-27"},
		"expires same day":  {signer.Registration{RK: fullRK, Edition: "standard", Issued: new(dayOf(day1)), Expires: dayOf(day1)}, "expires", signer.ErrBadRegistration, "not after"},
		"days and expires":  {signer.Registration{RK: fullRK, Edition: "standard", Days: 5, Expires: dayOf(day1.AddDate(1, 0, 0))}, "expires", signer.ErrBadRegistration, "not both"},
		"negative days":     {signer.Registration{RK: fullRK, Edition: "standard", Days: -1}, "days", signer.ErrBadRegistration, "want 1 to 36500"},
		"days past range":   {signer.Registration{RK: fullRK, Edition: "standard", Issued: new(dayOf(time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC))), Days: 365}, "days", signer.ErrBadRegistration, "last day a code can name"},
		"issued not a date": {signer.Registration{RK: fullRK, Edition: "standard", Issued: new(formats.Perpetual)}, "issued", signer.ErrBadRegistration, "day 65535 is not a date"},
		"trial perpetual":   {signer.Registration{RK: trialRK, Edition: "standard", Expires: formats.Perpetual}, "expires", signer.ErrBadRegistration, "trial key cannot"},
		"install id length": {signer.Registration{RK: fullRK, Edition: "standard", InstallID: long}, "install_id", signer.ErrBadRegistration, "256 bytes, more than 255"},
	} {
		_, err := s.Sign(&tc.reg)
		var fe *signer.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v (%T), want field %s, %v, %q", name, err, err, tc.field, tc.is, tc.want)
		}
	}
}

func TestSignAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := newSigner(t)
	reg := &signer.Registration{RK: fullRK, Edition: "premium", InstallID: "host"}
	buf := make([]byte, 0, formats.SignedLen)
	if n := testing.AllocsPerRun(20, func() {
		c, err := s.Sign(reg)
		if err != nil {
			t.Fatal(err)
		}
		buf, _ = c.AppendText(buf[:0])
	}); n != 0 {
		t.Fatalf("Sign and AppendText: %v allocations per code, want 0", n)
	}
}

func TestKeyIDInCode(t *testing.T) {
	s, _ := signer.New(testKey(t, 7), fixedNow)
	code, err := s.Sign(&signer.Registration{RK: fullRK, Edition: "standard"})
	if err != nil || code.KeyID != 7 || s.KeyID() != 7 {
		t.Fatalf("key id %d, %v", code.KeyID, err)
	}
}
