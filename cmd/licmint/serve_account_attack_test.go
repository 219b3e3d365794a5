package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// emailTakeover is someone who learned a customer's password asking for
// the account's login id to become their own address, against 'licmint
// serve': the old address is told, its owner changes the password as the
// notice advises, and the link, followed after, moves nothing. The
// license stays the customer's and the chain stays whole.
func (a *attack) emailTakeover(t *testing.T) {
	ivy := a.customer(t, "ivy@example.com")
	rk := a.key()
	if code, page := ivy.submit(a.p, "/register", url.Values{"rk": {rk.String()}}); code != http.StatusOK {
		t.Fatalf("registering %s: %d\n%s", rk, code, page)
	}
	thief := a.browser(t, ivy.email)
	thief.login(a.p)
	if code, page := thief.submit(a.p, "/account/email", url.Values{"new_email": {"thief@example.net"}, "email_password": {customerPassword}}); code != http.StatusOK {
		t.Fatalf("asking for the change: %d\n%s", code, page)
	}
	link := regexp.MustCompile(`https?://\S+`).FindString(
		a.relay.await(t, func(m relayed) bool { return m.to == "thief@example.net" }, 1, 1)[0].body)
	a.relay.await(t, func(m relayed) bool {
		return m.to == ivy.email && m.subject == "A change of your email address was asked for"
	}, 1, 1)
	if code, page := ivy.submit(a.p, "/account/password", url.Values{"current_password": {customerPassword}, "new_password": {"ivy's brand new password"}}); code != http.StatusOK {
		t.Fatalf("changing the password: %d\n%s", code, page)
	}
	_, page := thief.get(link)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("the confirmation page: %s", page)
	}
	if code, page := thief.submit(a.p, "/confirm-email", url.Values{"token": {token[1]}}); code != http.StatusBadRequest || strings.Contains(page, "is now thief@") {
		t.Fatalf("the link after the password change: %d\n%s", code, page)
	}
	lic, err := a.led.License(a.ctx, rk.Product, rk.Serial)
	if err != nil || lic.Owner != ivy.email {
		t.Fatalf("the license's owner: %+v, %v", lic, err)
	}
	if _, err := a.led.Verify(a.ctx); err != nil {
		t.Fatalf("ledger verify: %v", err)
	}
}
