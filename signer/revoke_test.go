package signer_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/signer"
)

var pc = formats.MustProduct("PC")

// trustKey is a revocation.VerifyFunc trusting only test key 1.
func trustKey(t testing.TB) revocation.VerifyFunc {
	ring, err := keyring.New(testKey(t, 1).Public())
	if err != nil {
		t.Fatal(err)
	}
	return ring.VerifyList
}

func TestRevocationList(t *testing.T) {
	s := newSigner(t)
	entries := []revocation.Entry{{Serial: 31415926535897, Below: 2}, {Serial: 42}, {Serial: 7, Below: 1}, {Serial: 42, Below: 5}}
	data, err := s.RevocationList(pc, 7, new(dayOf(date(2027, 1, 2))), entries)
	if err != nil {
		t.Fatal(err)
	}
	l, err := revocation.Parse(data, pc, trustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if l.Product != pc || l.KeyID != 1 || l.Sequence != 7 || l.Issued.String() != "2027-01-02" || l.Len() != 3 {
		t.Fatalf("list %+v, %d entries", l, l.Len())
	}
	for _, tc := range []struct {
		serial formats.Serial
		gen    uint8
		want   bool
	}{
		{31415926535897, 0, true}, {31415926535897, 1, true}, {31415926535897, 2, false},
		{42, 200, true}, // Below 0 beats Below 5
		{7, 0, true}, {7, 1, false},
		{8, 0, false},
	} {
		if got := l.Revoked(tc.serial, tc.gen); got != tc.want {
			t.Errorf("Revoked(%d, %d) = %v", tc.serial, tc.gen, got)
		}
	}
	// The issue day defaults to today; an empty list is a valid list.
	data, err = s.RevocationList(pc, 8, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, err = revocation.Parse(data, pc, trustKey(t)); err != nil || l.Issued.Time() != day1 || l.Len() != 0 {
		t.Fatalf("default issue day: %+v, %v", l, err)
	}
	// Another key does not verify it.
	other := testKey(t, 2).Public().Public
	if _, err := revocation.Parse(data, pc, mustRing(t, keyring.Key{ID: 1, Public: other}).VerifyList); !errors.Is(err, revocation.ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
	if _, err := s.RevocationList(pc, 1, new(formats.Perpetual), nil); !errors.Is(err, signer.ErrBadRegistration) {
		t.Fatalf("bad issue day: %v", err)
	}
	if _, err := s.RevocationList(pc, 1, nil, []revocation.Entry{{Serial: formats.MaxSerial + 1}}); err == nil {
		t.Fatal("a serial over 14 digits was signed")
	}
}

func TestParseRevocationEntry(t *testing.T) {
	s := newSigner(t)
	code := signed(t, s, signer.Registration{RK: fullRK, Edition: "premium", Generation: 2})
	for _, tc := range []struct {
		spec string
		want revocation.Entry
	}{
		{"31415926535897", revocation.Entry{Serial: 31415926535897}},
		{"31415926535897:3", revocation.Entry{Serial: 31415926535897, Below: 3}},
		{" 00000000000042 : 255 ", revocation.Entry{Serial: 42, Below: 255}},
		{"99999999999999:1", revocation.Entry{Serial: formats.MaxSerial, Below: 1}},
		{"PC-0314-1592-6535-8978", revocation.Entry{Serial: 31415926535897}},
		{"pc 0314 1592 6535 8978:2", revocation.Entry{Serial: 31415926535897, Below: 2}},
		{code.String() + ":3", revocation.Entry{Serial: 31415926535897, Below: 3}},
		{strings.ToLower(code.ShortForm()), revocation.Entry{Serial: 31415926535897}},
		{"PC-1271-8281-8284-5903", revocation.Entry{Serial: 27182818284590}},
	} {
		got, err := signer.ParseRevocationEntry(tc.spec, pc)
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
	// A zero product accepts any product's key.
	if _, err := signer.ParseRevocationEntry("XY-0000-0000-0000-0013", formats.Product{}); err != nil {
		t.Errorf("any product: %v", err)
	}

	for _, tc := range []struct {
		spec   string
		field  string
		column int
		is     error
		want   string
	}{
		{"", "serial", 0, signer.ErrBadEntry, "empty"},
		{"3141592653589", "serial", 1, signer.ErrBadEntry, `serial "3141592653589" has 13 digits; write all 14`},
		{"  314159265358970", "serial", 3, signer.ErrBadEntry, "has 15 digits"},
		{"31415926535897:0", "generation", 16, signer.ErrBadEntry, "generation 0 revokes nothing: leave out :G"},
		{"31415926535897:256", "generation", 16, signer.ErrBadEntry, `"256" after the colon: want a generation from 1 to 255`},
		{"31415926535897:", "generation", 16, signer.ErrBadEntry, `"" after the colon`},
		{"31415926535897:2x", "generation", 16, signer.ErrBadEntry, `"2x"`},
		{"31415926535897:1:2", "serial", 1, signer.ErrBadEntry, "is not a 14-digit serial"},
		{"hello", "serial", 1, signer.ErrBadEntry, `"hello" is not a 14-digit serial, a Registration Key or an Activation Code`},
		{"PC-0314-1592-6535-8979", "serial", 1, formats.ErrTypo, "registration key: check digit does not match"},
		{"XY-0000-0000-0000-0013:2", "serial", 1, formats.ErrWrongProduct, "XY-0000-0000-0000-0013 names product XY; this list is for PC"},
		{code.ShortForm()[:36] + "Z", "serial", 1, formats.ErrTypo, "activation code"},
		{strings.Repeat("1", 2000), "serial", 1, signer.ErrBadEntry, "more than 1024"},
	} {
		_, err := signer.ParseRevocationEntry(tc.spec, pc)
		var fe *signer.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Column != tc.column || !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v (%+v), want field %s column %d, %v, %q", tc.spec, err, fe, tc.field, tc.column, tc.is, tc.want)
		}
		if tc.is == formats.ErrTypo && !errors.Is(err, signer.ErrBadEntry) {
			t.Errorf("%q: a bad key or code is also ErrBadEntry: %v", tc.spec, err)
		}
	}
}

func TestReadRevocationEntries(t *testing.T) {
	in := "# revoked 2027-01\r\n\n31415926535897:2   # stolen, replaced by generation 2\r\n  PC-1271-8281-8284-5903\n\t00000000000042\n"
	got, err := signer.ReadRevocationEntries(strings.NewReader(in), pc)
	want := []revocation.Entry{{Serial: 31415926535897, Below: 2}, {Serial: 27182818284590}, {Serial: 42}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}

	// Every bad line is reported with its line and column, and nothing is
	// returned.
	in = "31415926535897\n  123\n# fine\n31415926535897:0\nXY-0000-0000-0000-0013\n"
	got, err = signer.ReadRevocationEntries(strings.NewReader(in), pc)
	if got != nil || err == nil {
		t.Fatalf("bad lines: %v, %v", got, err)
	}
	msg := err.Error()
	for _, w := range []string{
		`line 2, column 3 (serial): invalid revocation entry: serial "123" has 3 digits`,
		"line 4, column 16 (generation): invalid revocation entry: generation 0",
		"line 5, column 1 (serial): wrong product: XY-0000-0000-0000-0013 names product XY",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if !errors.Is(err, signer.ErrBadEntry) || !errors.Is(err, formats.ErrWrongProduct) {
		t.Errorf("outcomes of %v", err)
	}
	var fe *signer.FieldError
	if !errors.As(err, &fe) || fe.Line != 2 || fe.Column != 3 {
		t.Errorf("first error %+v", fe)
	}

	// The first ten bad lines are shown, the rest counted.
	in = strings.Repeat("bad\n", 25)
	_, err = signer.ReadRevocationEntries(strings.NewReader(in), pc)
	if msg := err.Error(); !strings.Contains(msg, "line 10,") || strings.Contains(msg, "line 11,") || !strings.Contains(msg, "15 more bad lines") {
		t.Errorf("many bad lines: %v", err)
	}

	// A line too long to be an entry.
	in = "31415926535897\n" + strings.Repeat("1", 2*4096) + "\n"
	_, err = signer.ReadRevocationEntries(strings.NewReader(in), pc)
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(err.Error(), "longer than 4096 bytes") {
		t.Errorf("long line: %v", err)
	}

	// An empty input is an empty list.
	if got, err := signer.ReadRevocationEntries(strings.NewReader("# nothing yet\n"), pc); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}

func mustRing(t testing.TB, keys ...keyring.Key) *keyring.Keyring {
	r, err := keyring.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
