package formats

import (
	"errors"
	"testing"
	"time"
)

// TestParseDayNoSuchDay checks that a date shaped right but naming no day
// says so, rather than asking for the shape it has.
func TestParseDayNoSuchDay(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-02-30", `date "2026-02-30": there is no such day: February 2026 has 28 days`},
		{"2025-02-29", `date "2025-02-29": there is no such day: February 2025 has 28 days`},
		{"2026-04-31", `date "2026-04-31": there is no such day: April 2026 has 30 days`},
		{"2026-02-00", `date "2026-02-00": there is no such day: February 2026 has 28 days`},
		{"2026-13-01", `date "2026-13-01": there is no month 13`},
		{"2026-2-1", `date "2026-2-1": want YYYY-MM-DD`},
		{"tomorrow", `date "tomorrow": want YYYY-MM-DD`},
	} {
		_, err := ParseDay(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseDay(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
	if _, err := ParseDay("2024-02-29"); err != nil {
		t.Errorf("ParseDay(2024-02-29): %v", err)
	}
}

// TestDayAppendText: a day appends as String writes it, without
// allocating, so that a batch writes expiry days without a string each.
func TestDayAppendText(t *testing.T) {
	buf := make([]byte, 0, 16)
	for d, want := range map[Day]string{0: "2020-01-01", 2522: "2026-11-27", MaxDay: "2199-06-05", Perpetual: "perpetual"} {
		if got, _ := d.AppendText(buf[:0]); string(got) != want || d.String() != want {
			t.Errorf("day %d: AppendText %q, String %q, want %q", d, got, d.String(), want)
		}
		if n := testing.AllocsPerRun(10, func() { buf, _ = d.AppendText(buf[:0]) }); n != 0 {
			t.Errorf("day %d: AppendText allocates %v times", d, n)
		}
	}
}

// TestRKTrailingCharacter checks that a character after a whole key is
// named with its position, not counted as a 17th digit.
func TestRKTrailingCharacter(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"PC-0314-1592-6535-8978\x00", "registration key (line 1, column 23): byte 0x00 after the last digit"},
		{"PC-0314-1592-6535-8978 X", "registration key (line 1, column 24): 'X' after the last digit"},
		{"PC-0314-1592-6535-89781", "registration key, group 6 character 1 (line 1, column 23): more than 16 digits"},
	} {
		_, err := ParseRegistrationKey(tc.in)
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseRegistrationKey(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2027-10-01T09:30:00Z":                "2027-10-01T09:30:00Z",
		"2027-10-01T11:30:00.75+02:00":        "2027-10-01T09:30:00Z",
		"2027-10-01T09:30:00.999999999-23:59": "2027-10-02T09:29:00Z",
		"0001-01-01T00:00:00Z":                "0001-01-01T00:00:00Z",
		"2027-10-01t09:30:00Z":                "",
		"2027-10-01T09:30:00z":                "",
		"2016-12-31T23:59:60Z":                "",
		"2027-10-01T09:30:00+24:00":           "",
		"2027-10-01T09:30:00+02:60":           "",
		"2027-10-01T09:30:00.Z":               "",
		"2027-10-01T09:30Z":                   "",
		"2027-10-01 09:30:00Z":                "",
		"2027-10-01T09:30:00+0200":            "",
		"2027-02-29T09:30:00Z":                "",
		"":                                    "",
	} {
		got, err := ParseTime(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("%q: %v, want an error", in, got)
		case want != "" && (err != nil || got.Format(time.RFC3339Nano) != want):
			t.Errorf("%q: %v, %v; want %s", in, got, err, want)
		}
	}
}
