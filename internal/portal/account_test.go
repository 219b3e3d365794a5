package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/ledger/ledgertest"
)

// eachPortalStore runs f on a portal with a SQLite ledger and, when
// LICMINT_TEST_POSTGRES is set, one with a PostgreSQL ledger.
func eachPortalStore(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newEnvOn(t, ledgertest.PostgresDSN(t), nil)) })
}

var tokenFieldRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// confirmEmail follows the link mailed to to in b, and returns the page.
func confirmEmail(t *testing.T, e *env, b *browser, link string) string {
	t.Helper()
	b.get(strings.TrimPrefix(link, e.ts.URL))
	m := tokenFieldRE.FindStringSubmatch(b.last)
	if m == nil {
		t.Fatalf("the confirmation page: %d\n%s", b.code, b.last)
	}
	return b.post("/confirm-email", url.Values{"csrf": {b.csrf()}, "token": {m[1]}})
}

// invalid reports whether the page marks the field with the id invalid
// and ties its error to it.
func invalid(page, id string) bool {
	return regexp.MustCompile(`id="`+id+`"[^>]*aria-invalid="true" aria-describedby="`+id+`-error`).MatchString(page) &&
		strings.Contains(page, `id="`+id+`-error"`)
}

func TestAccountPassword(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ann := e.signup("ann@example.com", "correct horse battery")
		other := e.browser()
		other.login("ann@example.com", "correct horse battery")
		if ann.get("/account"); ann.code != http.StatusOK || !strings.Contains(ann.last, "(this browser)") || strings.Count(ann.last, "data-session") != 2 {
			t.Fatalf("account page: %d\n%s", ann.code, ann.last)
		}
		ann.submit("/account", "/account/password", url.Values{"current_password": {"wrong horse battery"}, "new_password": {"a brand new password"}})
		if ann.code != http.StatusUnauthorized || !invalid(ann.last, "current_password") {
			t.Fatalf("wrong current password: %d\n%s", ann.code, ann.last)
		}
		ann.submit("/account", "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"short"}})
		if ann.code != http.StatusUnprocessableEntity || !invalid(ann.last, "new_password") || invalid(ann.last, "current_password") {
			t.Fatalf("short new password: %d\n%s", ann.code, ann.last)
		}
		// Without the form's token nothing is done.
		ann.post("/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new password"}})
		if ann.code != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", ann.code)
		}
		ann.submit("/account", "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new password"}})
		if ann.code != http.StatusOK || !strings.Contains(ann.last, "Your password is changed") {
			t.Fatalf("change: %d\n%s", ann.code, ann.last)
		}
		if other.get("/licenses"); !strings.Contains(other.last, `action="/login"`) || strings.Contains(other.last, "Logged in as") {
			t.Fatalf("the other session lives on: %d", other.code)
		}
		if ann.get("/licenses"); ann.code != http.StatusOK || !strings.Contains(ann.last, "Logged in as ann@example.com") {
			t.Fatalf("this session ended: %d", ann.code)
		}
		e.mail.wait(t, "ann@example.com", "Your password was changed")
		b := e.browser()
		if b.login("ann@example.com", "correct horse battery"); b.code != http.StatusUnauthorized {
			t.Fatalf("the old password logs in: %d", b.code)
		}
		if b.login("ann@example.com", "a brand new password"); !strings.Contains(b.last, "Logged in as ann@example.com") {
			t.Fatalf("the new password: %d", b.code)
		}
		e.quiet()
		if _, err := e.led.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAccountEmail(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key, ann := e.registered()
		e.signup("bob@example.com", "another good password")
		anon := e.browser()

		ann.submit("/account", "/account/email", url.Values{"new_email": {"ann@example.org"}, "email_password": {"wrong horse battery"}})
		if ann.code != http.StatusUnauthorized || !invalid(ann.last, "email_password") || !strings.Contains(ann.last, `value="ann@example.org"`) {
			t.Fatalf("wrong password: %d\n%s", ann.code, ann.last)
		}
		ann.submit("/account", "/account/email", url.Values{"new_email": {"not an address"}, "email_password": {"correct horse battery"}})
		if ann.code != http.StatusUnprocessableEntity || !invalid(ann.last, "new_email") {
			t.Fatalf("bad address: %d\n%s", ann.code, ann.last)
		}
		ann.post("/account/email", url.Values{"new_email": {"ann@example.org"}, "email_password": {"correct horse battery"}})
		if ann.code != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", ann.code)
		}

		// An address with an account gets the same answer; its owner is
		// told, and nothing changes.
		ann.submit("/account", "/account/email", url.Values{"new_email": {"bob@example.com"}, "email_password": {"correct horse battery"}})
		taken := ann.last
		if ann.code != http.StatusOK || !strings.Contains(taken, "We have sent a confirmation link to bob@example.com") {
			t.Fatalf("taken address: %d\n%s", ann.code, taken)
		}
		e.mail.wait(t, "bob@example.com", "This address has an account already")
		e.mail.wait(t, "ann@example.com", "A change of your email address was asked for")

		ann.submit("/account", "/account/email", url.Values{"new_email": {"Ann@Example.org"}, "email_password": {"correct horse battery"}})
		if ann.code != http.StatusOK || strings.ReplaceAll(ann.last, "ann@example.org", "bob@example.com") != taken {
			t.Fatalf("the answers differ:\n%s", ann.last)
		}
		notice := e.mail.wait(t, "ann@example.com", "A change of your email address was asked for")
		if !strings.Contains(notice.Body, "ann@example.org") || !strings.Contains(notice.Body, "/account") {
			t.Fatalf("the notice to the old address:\n%s", notice.Body)
		}
		link := e.mail.link(t, "ann@example.org", "Confirm your new email address")

		// GET shows the form and changes nothing; the link works once,
		// in any browser.
		anon.get(strings.TrimPrefix(link, e.ts.URL))
		if ann.get("/account"); !strings.Contains(ann.last, "Logged in as ann@example.com") {
			t.Fatal("a GET of the link changed the address")
		}
		anon.get(strings.TrimPrefix(link, e.ts.URL))
		token := tokenFieldRE.FindStringSubmatch(anon.last)[1]
		anon.post("/confirm-email", url.Values{"token": {token}})
		if anon.code != http.StatusForbidden {
			t.Fatalf("confirm without CSRF: %d", anon.code)
		}
		if confirmEmail(t, e, anon, link); anon.code != http.StatusOK || !strings.Contains(anon.last, "is now ann@example.org") {
			t.Fatalf("confirm: %d\n%s", anon.code, anon.last)
		}
		if confirmEmail(t, e, anon, link); anon.code != http.StatusBadRequest {
			t.Fatalf("the link used twice: %d", anon.code)
		}
		changed := e.mail.wait(t, "ann@example.com", "Your email address was changed")
		if !strings.Contains(changed.Body, "ann@example.org") {
			t.Fatalf("the mail of the change:\n%s", changed.Body)
		}
		// This session moved with the account; the licenses too.
		if ann.get("/licenses"); !strings.Contains(ann.last, "Logged in as ann@example.org") || !strings.Contains(ann.last, key.Serial.String()) {
			t.Fatalf("licenses after the change: %d\n%s", ann.code, ann.last)
		}
		b := e.browser()
		if b.login("ann@example.com", "correct horse battery"); b.code != http.StatusUnauthorized {
			t.Fatalf("the old address logs in: %d", b.code)
		}
		if b.login("ann@example.org", "correct horse battery"); !strings.Contains(b.last, "Logged in as ann@example.org") {
			t.Fatalf("the new address: %d", b.code)
		}
		lic, err := e.led.License(ctx, pc, key.Serial)
		if err != nil || lic.Owner != "ann@example.org" {
			t.Fatalf("the license's owner: %+v, %v", lic, err)
		}
		// The old address is free for a new account.
		if err := e.srv.AddAccount(ctx, "ann@example.com", "a new person's password"); err != nil {
			t.Fatalf("an account with the old address: %v", err)
		}
		e.quiet()
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A link that expired, or to an address that has an account by the time
// it is followed, changes nothing.
func TestAccountEmailRefused(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ann := e.signup("ann@example.com", "correct horse battery")
		ask := func(to string) string {
			t.Helper()
			ann.submit("/account", "/account/email", url.Values{"new_email": {to}, "email_password": {"correct horse battery"}})
			if ann.code != http.StatusOK {
				t.Fatalf("asking for %s: %d\n%s", to, ann.code, ann.last)
			}
			return e.mail.link(t, to, "Confirm your new email address")
		}
		late := ask("late@example.com")
		e.clock.add(24*time.Hour + time.Second)
		b := e.browser()
		if confirmEmail(t, e, b, late); b.code != http.StatusBadRequest || !strings.Contains(b.last, "expired") {
			t.Fatalf("an expired link: %d\n%s", b.code, b.last)
		}
		ann.get("/account")
		if !strings.Contains(ann.last, "Logged in as") {
			ann.login("ann@example.com", "correct horse battery")
		}
		link := ask("cat@example.com")
		e.signup("cat@example.com", "cat's own password")
		if confirmEmail(t, e, b, link); b.code != http.StatusConflict || !strings.Contains(b.last, "has an account by now") {
			t.Fatalf("an address taken meanwhile: %d\n%s", b.code, b.last)
		}
		if b.login("ann@example.com", "correct horse battery"); !strings.Contains(b.last, "Logged in as ann@example.com") {
			t.Fatalf("ann's address changed: %d", b.code)
		}
		// A reset link mailed to the old address before a change works
		// no more after it.
		anon := e.browser()
		anon.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
		reset := e.mail.link(t, "ann@example.com", "Reset your password")
		if confirmEmail(t, e, b, ask("ann@example.net")); b.code != http.StatusOK {
			t.Fatalf("change: %d\n%s", b.code, b.last)
		}
		anon.get(strings.TrimPrefix(reset, e.ts.URL))
		m := tokenFieldRE.FindStringSubmatch(anon.last)
		anon.post("/reset", url.Values{"csrf": {anon.csrf()}, "token": {m[1]}, "password": {"a password of the thief"}})
		if anon.code != http.StatusBadRequest {
			t.Fatalf("an old reset link: %d\n%s", anon.code, anon.last)
		}
		e.quiet()
		if _, err := e.led.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAccountEndOthers(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ann := e.signup("ann@example.com", "correct horse battery")
		others := []*browser{e.browser(), e.browser()}
		for _, o := range others {
			o.login("ann@example.com", "correct horse battery")
		}
		bob := e.signup("bob@example.com", "another good password")
		if ann.get("/account"); strings.Count(ann.last, "data-session") != 3 || !strings.Contains(ann.last, "Log out everywhere else") {
			t.Fatalf("account page:\n%s", ann.last)
		}
		ann.post("/account/sessions/end-others", url.Values{})
		if ann.code != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", ann.code)
		}
		if others[0].get("/licenses"); !strings.Contains(others[0].last, "Logged in as") {
			t.Fatal("a POST without CSRF ended a session")
		}
		ann.submit("/account", "/account/sessions/end-others", url.Values{})
		if ann.code != http.StatusOK || !strings.Contains(ann.last, "logged out of 2 other sessions") || strings.Count(ann.last, "data-session") != 1 {
			t.Fatalf("end others: %d\n%s", ann.code, ann.last)
		}
		for _, o := range others {
			if o.get("/licenses"); strings.Contains(o.last, "Logged in as") {
				t.Fatal("another session lives on")
			}
		}
		if bob.get("/licenses"); !strings.Contains(bob.last, "Logged in as bob@example.com") {
			t.Fatal("another account's session ended")
		}
		if ann.get("/account"); ann.code != http.StatusOK || strings.Contains(ann.last, "Log out everywhere else") {
			t.Fatalf("account page after: %d", ann.code)
		}
		// Pages behind the log-in send a visitor to it.
		anon := e.browser()
		if anon.get("/account"); !strings.Contains(anon.last, `action="/login"`) {
			t.Fatalf("anonymous: %d", anon.code)
		}
		e.quiet()
		if _, err := e.led.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
