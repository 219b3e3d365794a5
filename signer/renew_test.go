package signer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/signer"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func mustDay(t *testing.T, tm time.Time) formats.Day {
	t.Helper()
	d, err := formats.DayOf(tm)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// signed signs reg with s, failing the test on error.
func signed(t *testing.T, s *signer.Signer, reg signer.Registration) formats.ActivationCode {
	t.Helper()
	c, err := s.Sign(&reg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantFieldError checks err's field, outcome and message.
func wantFieldError(t *testing.T, name string, err error, field string, is error, msg string) {
	t.Helper()
	var fe *signer.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, is) || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: got %v (%T), want field %s, %v, %q", name, err, err, field, is, msg)
	}
}

func TestRenewExtendsFromOldExpiry(t *testing.T) {
	s := newSigner(t)
	old := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))}) // expires 2027-11-27
	for _, tc := range []struct {
		name   string
		issued formats.Day
		days   int
		want   time.Time
	}{
		{"before expiry, maintenance term", dayOf(date(2027, 10, 1)), 0, date(2028, 11, 26)}, // 365 days, 2028 is a leap year
		{"after expiry, still from it", dayOf(date(2028, 2, 1)), 0, date(2028, 11, 26)},
		{"explicit days", dayOf(date(2027, 10, 1)), 30, date(2027, 12, 27)},
	} {
		code, err := s.Renew(old, signer.Renewal{Days: tc.days, Issued: &tc.issued})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := old.Header
		want.Issued, want.Expires = tc.issued, mustDay(t, tc.want)
		if code.Header != want {
			t.Errorf("%s: header\n%+v, want\n%+v", tc.name, code.Header, want)
		}
		verify(t, code, "")
	}
	// Issued defaults to today by the signer's clock.
	code, err := s.Renew(old, signer.Renewal{})
	if err != nil || code.Issued.Time() != day1 || code.Expires != old.Expires+365 {
		t.Fatalf("default issue day: %+v, %v", code.Header, err)
	}
}

func TestRenewKeepsLicense(t *testing.T) {
	s := newSigner(t)
	old := signed(t, s, signer.Registration{RK: fullRK, Edition: "standard", Issued: new(dayOf(day1)), InstallID: "host-7", Generation: 3})
	code, err := s.Renew(old, signer.Renewal{InstallID: "host-7", Issued: new(dayOf(date(2027, 11, 1)))})
	if err != nil {
		t.Fatal(err)
	}
	if code.Serial != old.Serial || code.Generation != 3 || !code.Bound || code.Edition != 1 || code.Trial || code.Product != old.Product {
		t.Fatalf("renewed header %+v", code.Header)
	}
	verify(t, code, "host-7")
	// The catalog's maintenance term, not the default.
	c, err := catalog.Parse([]byte(`{"products": {"XY": {"editions": [{"name": "pro", "number": 7}], "maintenance_days": 90}}}`))
	if err != nil {
		t.Fatal(err)
	}
	xs := newSigner(t, signer.WithCatalog(c))
	xy := signed(t, xs, signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("XY"), Serial: 5}, Edition: "pro", Issued: new(dayOf(day1))})
	code, err = xs.Renew(xy, signer.Renewal{Issued: new(dayOf(day1))})
	if err != nil || code.Expires != xy.Expires+90 || code.Edition != 7 {
		t.Fatalf("catalog term: %+v, %v", code.Header, err)
	}
}

func TestRenewAfterKeyRotation(t *testing.T) {
	oldSigner, _ := signer.New(testKey(t, 2), fixedNow)
	old := signed(t, oldSigner, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))})
	s := newSigner(t)
	_, err := s.Renew(old, signer.Renewal{})
	wantFieldError(t, "unknown key", err, "code", signer.ErrUnknownKey, "key id 2 is neither the signing key's (1) nor a trusted key")

	ring, err := keyring.New(testKey(t, 2).Public())
	if err != nil {
		t.Fatal(err)
	}
	s = newSigner(t, signer.WithTrustedKeys(ring))
	code, err := s.Renew(old, signer.Renewal{})
	if err != nil || code.KeyID != 1 {
		t.Fatalf("renewal of an old key's code: %+v, %v", code.Header, err)
	}
	verify(t, code, "")

	// A keyring with another key under the signing key's id is refused.
	bad, _ := keyring.New(keyring.Key{ID: 1, Public: testKey(t, 2).Public().Public})
	if _, err := signer.New(testKey(t, 1), signer.WithTrustedKeys(bad)); err == nil || !strings.Contains(err.Error(), "another key under the signing key's id 1") {
		t.Fatalf("conflicting trusted key: %v", err)
	}
	same, _ := keyring.New(testKey(t, 1).Public(), testKey(t, 2).Public())
	if _, err := signer.New(testKey(t, 1), signer.WithTrustedKeys(same)); err != nil {
		t.Fatalf("trusted keys holding the signing key: %v", err)
	}
}

func TestRenewErrors(t *testing.T) {
	s := newSigner(t)
	full := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1))})
	bound := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), InstallID: "host-7"})
	trial := signed(t, s, signer.Registration{RK: trialRK, Edition: "premium", Issued: new(dayOf(day1))})
	perpetual := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(day1)), Expires: formats.Perpetual})
	late := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Issued: new(dayOf(date(2199, 1, 1))), Expires: dayOf(date(2199, 3, 1))})
	short := full
	short.Signed = false
	badSig := full
	badSig.Signature[5] ^= 1
	altered := full
	altered.Edition = 1 // standard signed as premium: the header no longer matches the signature
	c, _ := catalog.Parse([]byte(`{"products": {"XY": {"editions": [{"name": "pro", "number": 7}]}}}`))
	xy := signed(t, newSigner(t, signer.WithCatalog(c)), signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("XY"), Serial: 5}, Edition: "pro"})
	long := strings.Repeat("x", formats.MaxInstallIDLen+1)

	for name, tc := range map[string]struct {
		code  formats.ActivationCode
		r     signer.Renewal
		field string
		is    error
		want  string
	}{
		"short form":             {short, signer.Renewal{}, "code", formats.ErrUnsigned, "the short form cannot be checked"},
		"trial":                  {trial, signer.Renewal{}, "code", signer.ErrNotRenewable, "a trial code is not renewed; the customer buys a full Registration Key"},
		"perpetual":              {perpetual, signer.Renewal{}, "code", signer.ErrNotRenewable, "nothing to extend"},
		"bad signature":          {badSig, signer.Renewal{}, "code", signer.ErrNotAuthentic, "altered, or signed by another key under id 1"},
		"altered header":         {altered, signer.Renewal{}, "code", signer.ErrNotAuthentic, "signature does not verify"},
		"bound, no id":           {bound, signer.Renewal{}, "install_id", signer.ErrInstallIDRequired, "bound to an install"},
		"bound, other id":        {bound, signer.Renewal{InstallID: "host-8"}, "code", signer.ErrNotAuthentic, "not the one it is bound to"},
		"bound, id too long":     {bound, signer.Renewal{InstallID: long}, "install_id", signer.ErrBadRegistration, "256 bytes"},
		"negative days":          {full, signer.Renewal{Days: -1}, "days", signer.ErrNotRenewable, "term of -1 days; want 1 to 36500"},
		"days too many":          {full, signer.Renewal{Days: 36501}, "days", signer.ErrNotRenewable, "want 1 to 36500"},
		"beyond the last day":    {late, signer.Renewal{Days: 365, Issued: new(dayOf(date(2199, 2, 1)))}, "days", signer.ErrNotRenewable, "after 2199-06-05, the last day a code can name"},
		"lapsed too long":        {full, signer.Renewal{Issued: new(dayOf(date(2029, 1, 10)))}, "days", signer.ErrNotRenewable, "lapsed on 2027-11-27, and 365 days from then end on 2028-11-26, not after the issue day 2029-01-10; a term of at least 411 days"},
		"bad issue day":          {full, signer.Renewal{Issued: new(formats.Perpetual)}, "issued", signer.ErrBadRegistration, "day 65535 is not a date"},
		"product not in catalog": {xy, signer.Renewal{}, "code", catalog.ErrUnknownProduct, `unknown product "XY"`},
	} {
		_, err := s.Renew(tc.code, tc.r)
		wantFieldError(t, name, err, tc.field, tc.is, tc.want)
	}
	// The suggested term is enough.
	if _, err := s.Renew(full, signer.Renewal{Issued: new(dayOf(date(2029, 1, 10))), Days: 411}); err != nil {
		t.Fatalf("renewal with the suggested term: %v", err)
	}
	// A code signed for XY by another signer's catalog is still checked
	// for authenticity first: a forgery never reaches the catalog.
	forged := xy
	forged.Signature[0] ^= 1
	_, err := s.Renew(forged, signer.Renewal{})
	wantFieldError(t, "forged unknown product", err, "code", signer.ErrNotAuthentic, "does not verify")
}

func TestCheckRenewable(t *testing.T) {
	s := newSigner(t)
	if err := signer.CheckRenewable(signed(t, s, signer.Registration{RK: fullRK, Edition: "premium"})); err != nil {
		t.Fatal(err)
	}
	if err := signer.CheckRenewable(signed(t, s, signer.Registration{RK: trialRK, Edition: "premium"})); !errors.Is(err, signer.ErrNotRenewable) {
		t.Fatalf("trial: %v", err)
	}
}
