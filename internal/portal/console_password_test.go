package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
)

// A staff user replaces the password an admin gave with their own; the
// old one stops working, and the change is an event naming the user.
func TestConsolePasswordChange(t *testing.T) {
	e := newEnv(t)
	sam, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	sam.get("/console/password")
	if !strings.Contains(sam.last, `name="current_password"`) || !strings.Contains(sam.last, `name="new_password"`) {
		t.Fatalf("password page:\n%s", sam.last)
	}
	for _, c := range []struct {
		current, next string
		code          int
		alert         string
	}{
		{"not it at all", "my own secret words", http.StatusUnauthorized, "current password is not right"},
		{staffPassword, "short", http.StatusUnprocessableEntity, "at least"},
		{staffPassword, staffPassword, http.StatusUnprocessableEntity, "not the one you have"},
	} {
		sam.submit("/console/password", "/console/password", url.Values{"current_password": {c.current}, "new_password": {c.next}})
		if sam.code != c.code || !strings.Contains(alert(sam.last), c.alert) {
			t.Errorf("%q → %q: %d %q", c.current, c.next, sam.code, alert(sam.last))
		}
	}
	sam.submit("/console/password", "/console/password", url.Values{"current_password": {staffPassword}, "new_password": {"my own secret words"}})
	if sam.code != http.StatusOK || !strings.Contains(sam.last, "Your password is changed") {
		t.Fatalf("change: %d %q", sam.code, alert(sam.last))
	}

	e.clock.add(31e9) // the next TOTP step
	old := e.browser()
	old.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if old.code != http.StatusUnauthorized {
		t.Fatalf("the admin's password still works: %d", old.code)
	}
	fresh := e.browser()
	fresh.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {"my own secret words"}})
	fresh.post("/console/totp", url.Values{"csrf": {fresh.csrf()}, "code": {e.totpCode(secret)}})
	if !strings.Contains(fresh.last, "Logged in to the console as sam@vendor.test") {
		t.Fatalf("log-in with the new password: %d %q", fresh.code, alert(fresh.last))
	}
	if _, err := e.led.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Changing a password logs the user out everywhere but where it was
// changed; removing the user, or adding them back in another role, ends
// every session they had.
func TestConsolePasswordEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	sam, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	e.clock.add(31e9) // the next TOTP step
	other := e.browser()
	other.staffLogin("sam@vendor.test", secret)
	loggedIn := func(b *browser) bool {
		b.get("/console/")
		return strings.Contains(b.last, "sam@vendor.test") && !strings.Contains(b.last, `action="/console/login"`)
	}
	if !loggedIn(sam) || !loggedIn(other) {
		t.Fatal("two sessions of one user: not both logged in")
	}

	const own = "my own secret words"
	sam.submit("/console/password", "/console/password", url.Values{"current_password": {staffPassword}, "new_password": {own}})
	if sam.code != http.StatusOK || !strings.Contains(sam.last, "Your password is changed") {
		t.Fatalf("change: %d %q", sam.code, alert(sam.last))
	}
	if !loggedIn(sam) {
		t.Fatal("the session that changed the password was ended")
	}
	if loggedIn(other) {
		t.Fatal("another session lives on after the password changed")
	}

	e.clock.add(31e9)
	other.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {own}})
	other.post("/console/totp", url.Values{"csrf": {other.csrf()}, "code": {e.totpCode(secret)}})
	if !loggedIn(other) {
		t.Fatalf("log-in with the new password: %d %q", other.code, alert(other.last))
	}
	ada.submit("/console/staff/remove?email=sam@vendor.test", "/console/staff/remove?email=sam@vendor.test", url.Values{})
	if ada.code != http.StatusOK {
		t.Fatalf("remove: %d %q", ada.code, alert(ada.last))
	}
	ada.submit("/console/staff", "/console/staff", url.Values{"email": {"sam@vendor.test"}, "role": {"admin"}, "password": {staffPassword}})
	if ada.code != http.StatusOK {
		t.Fatalf("sam added again as admin: %d %q", ada.code, alert(ada.last))
	}
	if loggedIn(sam) || loggedIn(other) {
		t.Fatal("a session lives on after the user was removed and given another role")
	}
	if _, err := e.led.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
}
