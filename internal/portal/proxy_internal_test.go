package portal

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestRateAddr(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.5":           "203.0.113.5",
		"::ffff:203.0.113.5":    "203.0.113.5",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "2001:db8:1:2::/64",
		"pipe":                  "pipe",
	} {
		if got := rateAddr(in); got != want {
			t.Errorf("rateAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestForwardedFor(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		xff  []string
		want string
	}{
		{nil, ""},
		{[]string{"203.0.113.5"}, "203.0.113.5"},
		{[]string{"198.51.100.9, 203.0.113.5"}, "203.0.113.5"},  // the left is the client's word
		{[]string{"203.0.113.5, 10.1.2.3"}, "203.0.113.5"},      // through two proxies
		{[]string{"203.0.113.5", "10.1.2.3"}, "203.0.113.5"},    // in two header lines
		{[]string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},            // all trusted: the first
		{[]string{"::ffff:203.0.113.5"}, "203.0.113.5"},         // IPv4-mapped
		{[]string{"2001:db8::7, ::1"}, "2001:db8::7"},           // IPv6
		{[]string{"203.0.113.5:4711, 10.1.2.3"}, "203.0.113.5"}, // with the client's port
		{[]string{"[2001:db8::7]:4711"}, "2001:db8::7"},         // IPv6 with port
		{[]string{"not an address"}, ""},                        // misconfigured proxy: the peer
		{[]string{"garbage, 203.0.113.5"}, "203.0.113.5"},       // the left is never read
		// Bounded, from the right: a client that pads the header is still
		// the address its proxy appended, not the proxy's own.
		{[]string{strings.Repeat("10.0.0.1,", MaxForwardedFor) + "1.2.3.4"}, "1.2.3.4"},
		{[]string{strings.Repeat("198.51.100.9, ", 3*MaxForwardedFor) + "203.0.113.5", "10.1.2.3"}, "203.0.113.5"},
		{[]string{strings.Repeat("10.0.0.1,", 3*MaxForwardedFor) + "10.1.2.3"}, "10.0.0.1"}, // all trusted: the first read
	} {
		h := http.Header{}
		for _, v := range c.xff {
			h.Add("X-Forwarded-For", v)
		}
		got, ok := forwardedFor(h, trusted)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%q: got %q %v, want %q", c.xff, got, ok, c.want)
		}
	}
}
