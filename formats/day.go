package formats

import (
	"fmt"
	"time"
)

// Day is a calendar day in UTC, counted from the licmint epoch 2020-01-01.
type Day uint16

// Perpetual is the expiry of a code that never expires.
const Perpetual Day = 0xFFFF

// MaxDay is the last day a code can name (2199-06-05).
const MaxDay Day = Perpetual - 1

var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const secondsPerDay = 24 * 60 * 60

// DayOf returns the UTC day that contains t.
func DayOf(t time.Time) (Day, error) {
	d := t.Unix() - epoch.Unix()
	if d < 0 || d/secondsPerDay > int64(MaxDay) {
		return 0, fmt.Errorf("date %s is outside %s..%s", t.UTC().Format(time.DateOnly), Day(0), MaxDay)
	}
	return Day(d / secondsPerDay), nil
}

// ParseDay parses a date written YYYY-MM-DD.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("date %q: %s", s, noSuchDay(s))
	}
	return DayOf(t)
}

// noSuchDay says why s, which time.Parse refused, is not a day: a
// well-formed date can still name a month or day that does not exist.
func noSuchDay(s string) string {
	var y, m, d int
	if len(s) != len(time.DateOnly) || s[4] != '-' || s[7] != '-' {
		return "want YYYY-MM-DD"
	}
	if _, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); err != nil {
		return "want YYYY-MM-DD"
	}
	if m < 1 || m > 12 {
		return fmt.Sprintf("there is no month %d", m)
	}
	// Day 0 of the next month is the last of this one.
	last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d < 1 || d > last {
		return fmt.Sprintf("there is no such day: %s %d has %d days", time.Month(m), y, last)
	}
	return "want YYYY-MM-DD"
}

// Time returns midnight UTC at the start of d.
func (d Day) Time() time.Time { return epoch.AddDate(0, 0, int(d)) }

// String returns YYYY-MM-DD, or "perpetual" for Perpetual.
func (d Day) String() string {
	var buf [len(time.DateOnly)]byte
	b, _ := d.AppendText(buf[:0])
	return string(b)
}

// AppendText appends d as String writes it, without allocating when b has
// room.
func (d Day) AppendText(b []byte) ([]byte, error) {
	if d == Perpetual {
		return append(b, "perpetual"...), nil
	}
	return d.Time().AppendFormat(b, time.DateOnly), nil
}

// ParseTime reads a time as every licmint text format writes it (FORMAT.md
// section 1): RFC 3339's date-time, YYYY-MM-DDTHH:MM:SS, an optional
// fraction, then Z or an offset ±HH:MM (hours 00-23), with upper-case T
// and Z and no leap second. It returns the time in UTC, truncated to the
// second. time.Parse alone would also take an offset of +24:00.
func ParseTime(s string) (time.Time, error) {
	bad := fmt.Errorf("time %q: want RFC 3339 in the form 2027-10-01T09:30:00Z (a fraction and an offset such as +02:00 are allowed)", s)
	if len(s) < 20 || len(s) > 64 {
		return time.Time{}, bad
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return time.Time{}, bad
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		rest[1] >= '0' && rest[1] <= '2' && rest[1:3] <= "23" && rest[4] >= '0' && rest[4] <= '5':
	default:
		return time.Time{}, bad
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, bad
	}
	return t.UTC().Truncate(time.Second), nil
}
