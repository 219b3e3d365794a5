package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
)

// postForm posts fields with the CSRF token of the page at from, and
// returns the answer with its body read.
func (b *browser) postForm(from, action string, fields url.Values) (*http.Response, string) {
	b.e.t.Helper()
	b.get(from)
	fields.Set("csrf", b.csrf())
	resp, err := b.c.PostForm(b.e.url(action), fields)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestPasswordHashesBusy checks that a log-in refused because the
// password hashes are all taken is answered 503 with Retry-After and the
// form kept but for the password, in the customer pages and the console,
// and that it is no failure of the account's: with one failure allowed,
// the next log-in with the right password gets in.
func TestPasswordHashesBusy(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 1, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithPasswordHashes(1), portal.WithLimits(limits))
	const email, password = "busy@example.com", "a fine password"
	e.signup(email, password)
	if err := portal.AddStaff(context.Background(), e.led, "sam@vendor.test", portaldb.RoleSupport, staffPassword); err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	release := portal.HoldPasswordHashes(e.srv)
	for _, c := range []struct{ page, email, password string }{
		{"/login", email, password}, {"/login", email, "a wrong password"}, {"/console/login", "sam@vendor.test", staffPassword},
	} {
		resp, body := b.postForm(c.page, c.page, url.Values{"email": {c.email}, "password": {c.password}})
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s while busy: %s, Retry-After %q", c.page, resp.Status, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, "busy") || !strings.Contains(body, `value="`+c.email+`"`) || strings.Contains(body, c.password) {
			t.Errorf("%s while busy: the page should say so and keep the email, not the password:\n%s", c.page, body)
		}
	}
	release()

	b.login(email, password)
	if !strings.Contains(b.last, "Logged in as "+email) {
		t.Fatalf("log-in after the burst: %d\n%s", b.code, b.last)
	}
	b = e.browser()
	b.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if !strings.Contains(b.last, "Set up your authenticator") {
		t.Fatalf("console log-in after the burst: %d\n%s", b.code, b.last)
	}
}

// A staff user's password change refused because the hashes are all
// taken is no failure of the user's either: with one failure allowed,
// the change after the burst goes through.
func TestStaffPasswordChangeBusy(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 1, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithPasswordHashes(1), portal.WithLimits(limits))
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	fields := url.Values{"current_password": {staffPassword}, "new_password": {"another long staff password"}}
	release := portal.HoldPasswordHashes(e.srv)
	for range 2 {
		resp, body := sam.postForm("/console/password", "/console/password", fields)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("a password change while busy: %s, Retry-After %q\n%s", resp.Status, resp.Header.Get("Retry-After"), body)
		}
	}
	release()
	if resp, body := sam.postForm("/console/password", "/console/password", fields); resp.StatusCode != http.StatusOK {
		t.Fatalf("a password change after the burst: %s\n%s", resp.Status, body)
	}
}
