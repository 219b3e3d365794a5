package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
)

// postFrom posts the form on the page at from to action, as a visitor
// at the client address ip behind the trusted proxy.
func (b *browser) postFrom(ip, from, action string, fields url.Values) string {
	b.e.t.Helper()
	b.get(from)
	fields.Set("csrf", b.csrf())
	req, _ := http.NewRequest("POST", b.e.url(action), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", ip)
	return b.do(req)
}

// mailTo counts the messages the outbox holds for to, sent or not.
func (e *env) mailTo(to string) int {
	e.t.Helper()
	ms, err := portaldb.NewOutbox(e.led).List(context.Background(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.To == to {
			n++
		}
	}
	return n
}

// Sign-ups of one address from many client addresses, log-ins of its
// unconfirmed account and reset requests mail it at most MailHour
// messages an hour and MailDay a day, and every answer is the one given
// when the mail is sent.
func TestMailPerRecipient(t *testing.T) {
	e := newEnv(t, portal.WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8")))
	lim := portal.DefaultLimits
	const alice, password = "alice@example.com", "a password for alice"
	ip := 0
	next := func() string { ip++; return fmt.Sprintf("203.0.113.%d", ip) }
	for hour := range 5 {
		for range 15 {
			b := e.browser()
			// Any case of the address is the same recipient.
			email := alice
			if ip%2 == 1 {
				email = strings.ToUpper(alice)
			}
			b.postFrom(next(), "/signup", "/signup", url.Values{"email": {email}, "password": {password}})
			if b.code != http.StatusOK || !strings.Contains(b.last, "We have sent a confirmation link to "+alice) {
				t.Fatalf("sign-up %d: %d %q", ip, b.code, b.last)
			}
		}
		b := e.browser()
		b.postFrom(next(), "/login", "/login", url.Values{"email": {alice}, "password": {password}})
		if b.code != http.StatusForbidden || !strings.Contains(alert(b.last), "we have sent you a new link") {
			t.Fatalf("log-in unconfirmed: %d %q", b.code, alert(b.last))
		}
		b.postFrom(next(), "/forgot", "/forgot", url.Values{"email": {alice}})
		if b.code != http.StatusOK || !strings.Contains(b.last, "If an account exists for "+alice) {
			t.Fatalf("forgot: %d %q", b.code, b.last)
		}
		want := min(lim.MailHour.Max*(hour+1), lim.MailDay.Max)
		if n := e.mailTo(alice); n != want {
			t.Fatalf("hour %d: %d messages to %s, want %d", hour, n, alice, want)
		}
		e.clock.add(time.Hour)
	}
	e.clock.add(24 * time.Hour)
	e.browser().postFrom(next(), "/forgot", "/forgot", url.Values{"email": {alice}})
	if n := e.mailTo(alice); n != lim.MailDay.Max+1 {
		t.Fatalf("the next day: %d messages to %s, want %d", n, alice, lim.MailDay.Max+1)
	}
}
