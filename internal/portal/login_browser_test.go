package portal_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
)

// TestBrowserLoginReturns logs in in Chromium from a link to a page behind
// the log-in, as the maintenance notice's renew link is, and lands on that
// page; a next that names another site lands on My licenses.
func TestBrowserLoginReturns(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	const email, password = "ann@example.com", "correct horse battery"
	bs := &browserSession{t: t, ctx: ctx, shots: newShooter(t)}
	do := bs.do
	bs.typeSignup(e, email, password)
	do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), full.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	id := full.Product.String() + "-" + full.Serial.String()
	logOut := func() {
		do("log out", chromedp.Navigate(e.url("/licenses")), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#password")))
	}
	logIn := func() string {
		t.Helper()
		do("log in", chromedp.WaitVisible(chromedp.CSS("#password")), chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password), chromedp.Click(chromedp.CSS("main form button")),
			chromedp.WaitVisible(chromedp.CSS(".who")))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(loc, e.url(""))
	}

	logOut()
	do("the notice's link", chromedp.Navigate(e.url("/renew?license="+id)))
	if got := logIn(); got != "/renew?license="+id {
		t.Fatalf("after the log-in from the renew link: %s", got)
	}
	if sel, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#license"))); sel != id {
		t.Fatalf("the renew page chose %q, not %s", sel, id)
	}

	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
		"/\r\nLocation: https://evil.example", "/\t/evil.example", "javascript:alert(1)", "http:/evil.example"} {
		logOut()
		do(next, chromedp.Navigate(e.url("/login?next="+url.QueryEscape(next))))
		if got := logIn(); got != "/licenses" {
			t.Errorf("next=%s: after the log-in the browser is at %s", next, got)
		}
	}
}

// TestBrowserSessionEndedKeepsForm ends the session while a form is open,
// by time and by the cookie going away, and presses the button: the
// log-in page says to log in again, and after it the form is back with
// what was typed, which then goes through. What was typed never shows in
// the address bar or the tab's history: it travels in the forms' bodies.
func TestBrowserSessionEndedKeepsForm(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	keys := e.mint(2, false, ledger.PurposeLicense)
	const email, password = "ann@example.com", "correct horse battery"
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text
	bs.typeSignup(e, email, password)

	for i, end := range []struct {
		name          string
		width, height int64
		do            func()
	}{
		{"expired", 1280, 900, func() { e.clock.add(portal.SessionLifetime + time.Minute) }},
		{"cookie gone", 390, 844, func() {
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		typed := keys[i].String()
		do(end.name, chromedp.EmulateViewport(end.width, end.height), chromedp.Navigate(e.url("/register")),
			chromedp.SendKeys(chromedp.CSS("#rk"), typed))
		end.do()
		do(end.name, chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
		shots.shot(ctx, "session-ended-"+strings.ReplaceAll(end.name, " ", "-"))
		if s := text(`[role="alert"]`); !strings.Contains(s, "Log in again") || strings.Contains(s, "did not come from this site") {
			t.Fatalf("%s: %q", end.name, s)
		}
		bs.urlsLack(end.name+": the log-in page", typed)
		do(end.name+": log in", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("#rk")))
		if kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#rk"))); kept != typed {
			t.Fatalf("%s: the key typed is gone: %q", end.name, kept)
		}
		bs.urlsLack(end.name+": the form again", typed)
		do(end.name+": register", chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
		bs.urlsLack(end.name+": registered", typed)
	}
}

// urlsLack fails the test when the address bar or any entry of the tab's
// history holds s, in any of its spellings in a URL.
func (b *browserSession) urlsLack(what, s string) {
	b.t.Helper()
	h, err := chromedp.Call(b.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		b.t.Fatal(err)
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	urls := []string{loc}
	for _, entry := range h.Entries {
		urls = append(urls, entry.URL, entry.UserTypedURL)
	}
	for _, u := range urls {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if strings.Contains(u, form) {
				b.t.Errorf("%s: a URL holds what was typed: %s", what, u)
			}
		}
	}
}
