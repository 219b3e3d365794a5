package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
)

// The account page's change of address, sent after the session ended,
// comes back filled in after the log-in, as the log-in page promises;
// its password is never kept, and nothing travels in a URL.
func TestSessionEndedKeepsNewEmail(t *testing.T) {
	e := newEnv(t)
	const email, password = "ann@example.com", "correct horse battery"
	b := e.signup(email, password)
	var visited []string
	b.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		visited = append(visited, req.URL.String())
		return nil
	}
	b.get("/account")
	fields := url.Values{"csrf": {b.csrf()}, "new_email": {"ann@example.org"}, "email_password": {password}}
	e.clock.add(portal.SessionLifetime + time.Minute)
	b.post("/account/email", fields)
	if b.code != http.StatusUnauthorized || !strings.Contains(b.last, "what you typed is kept") {
		t.Fatalf("after the session: %d\n%s", b.code, b.last)
	}
	login := b.loginFields(email, password)
	if login.Get("kept-new_email") != "ann@example.org" || login.Has("kept-email_password") || strings.Contains(b.last, "correct horse") {
		t.Fatalf("kept: %v", login)
	}
	b.post("/login", login)
	if b.code != http.StatusOK || len(visited) > 0 || !strings.Contains(b.last, "Logged in as "+email) {
		t.Fatalf("the log-in answered %d, sent to %q\n%s", b.code, visited, b.last)
	}
	if !strings.Contains(b.last, `value="ann@example.org"`) || !strings.Contains(b.last, `action="/account/email"`) {
		t.Fatalf("the account page after the log-in lacks the new address typed\n%s", b.last)
	}
}
