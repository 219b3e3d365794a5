package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A change of address asked for by whoever knew the password is undone
// by the owner's new password: the mail to the old address tells its
// owner to change the password, and following that advice must stop the
// change. Otherwise the link takes the account (and its licenses) to
// the asker's address, where a reset then gives them the password.
func TestAccountEmailLinkAfterPasswordChange(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key, ann := e.registered()
		thief := e.browser()
		thief.login("ann@example.com", "correct horse battery")
		ask := func(to string) string {
			t.Helper()
			thief.submit("/account", "/account/email", url.Values{"new_email": {to}, "email_password": {"correct horse battery"}})
			if thief.code != http.StatusOK {
				t.Fatalf("asking for %s: %d\n%s", to, thief.code, thief.last)
			}
			return e.mail.link(t, to, "Confirm your new email address")
		}
		changed := ask("thief@example.net")
		reset := ask("thief@example.org")

		// The owner follows the notice's advice on the account page.
		ann.submit("/account", "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new password"}})
		if ann.code != http.StatusOK {
			t.Fatalf("password change: %d\n%s", ann.code, ann.last)
		}
		b := e.browser()
		if confirmEmail(t, e, b, changed); b.code != http.StatusBadRequest {
			t.Fatalf("a link asked for before a password change: %d\n%s", b.code, b.last)
		}
		// Or by a reset link. The three notices so far are the hour's
		// mail to the address.
		e.clock.add(time.Hour + time.Minute)
		anon := e.browser()
		anon.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
		link := e.mail.link(t, "ann@example.com", "Reset your password")
		anon.get(strings.TrimPrefix(link, e.ts.URL))
		m := tokenFieldRE.FindStringSubmatch(anon.last)
		anon.post("/reset", url.Values{"csrf": {anon.csrf()}, "token": {m[1]}, "password": {"the owner's third password"}})
		if anon.code != http.StatusOK {
			t.Fatalf("reset: %d\n%s", anon.code, anon.last)
		}
		if confirmEmail(t, e, b, reset); b.code != http.StatusBadRequest {
			t.Fatalf("a link asked for before a reset: %d\n%s", b.code, b.last)
		}
		lic, err := e.led.License(ctx, pc, key.Serial)
		if err != nil || lic.Owner != "ann@example.com" {
			t.Fatalf("the license's owner: %+v, %v", lic, err)
		}
		e.quiet()
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// The limit on changes of address counts the changes that mail, not the
// mistyped passwords before one: three typos left the form refusing its
// owner for an hour.
func TestAccountEmailTyposNotCounted(t *testing.T) {
	e := newEnv(t)
	ann := e.signup("ann@example.com", "correct horse battery")
	for range 3 {
		ann.submit("/account", "/account/email", url.Values{"new_email": {"ann@example.org"}, "email_password": {"wrong horse battery"}})
		if ann.code != http.StatusUnauthorized {
			t.Fatalf("a mistyped password: %d", ann.code)
		}
	}
	ann.submit("/account", "/account/email", url.Values{"new_email": {"ann@example.org"}, "email_password": {"correct horse battery"}})
	if ann.code != http.StatusOK {
		t.Fatalf("the right password after three typos: %d %q", ann.code, alert(ann.last))
	}
}

// Notices to an account's own address about its own security take
// nothing from the limits of mail to one recipient and are never dropped:
// after three changes of address asked for in an hour (each telling the
// account), a password change still tells it, and a forgotten password
// still gets its reset link.
func TestAccountNoticesNotLimited(t *testing.T) {
	e := newEnv(t)
	ann := e.signup("ann@example.com", "correct horse battery")
	before := e.mailTo("ann@example.com")
	for i := range 3 {
		ann.submit("/account", "/account/email", url.Values{"new_email": {fmt.Sprintf("ann%d@example.org", i)}, "email_password": {"correct horse battery"}})
		if ann.code != http.StatusOK {
			t.Fatalf("change of address %d: %d %q", i, ann.code, alert(ann.last))
		}
	}
	ann.submit("/account", "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"staple battery horse"}})
	if ann.code != http.StatusOK {
		t.Fatalf("password change: %d %q", ann.code, alert(ann.last))
	}
	if got := e.mailTo("ann@example.com") - before; got != 4 {
		t.Fatalf("the account was told of %d of its 4 changes", got)
	}
	anon := e.browser()
	anon.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	if got := e.mailTo("ann@example.com") - before; got != 5 {
		t.Fatalf("after the notices, a forgotten password mailed %d messages in all, not 5", got)
	}
}
