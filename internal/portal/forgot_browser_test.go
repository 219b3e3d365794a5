package portal_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserForgot walks the pages for a forgotten password and a
// forgotten login id as a customer does, at a desk's width and a
// phone's: from the log-in page's links, typing the address, opening the
// link mailed through the SMTP relay, typing a new password and logging
// in with it; the old password and the used link are refused after.
func TestBrowserForgot(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text
	const email = "ann@example.com"
	password := "correct horse battery"
	bs.typeSignup(e, email, password)
	do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))

	for i, size := range []struct {
		name          string
		width, height int64
	}{{"desk", 1280, 900}, {"phone", 390, 844}} {
		name := size.name
		do(name+": viewport", chromedp.EmulateViewport(size.width, size.height))

		// Forgot the login id: the page says whom to ask, and leads back.
		do(name+": forgot login id", chromedp.Navigate(e.url("/login")), chromedp.Click(chromedp.CSS(`a[href="/forgot-login"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)))
		shots.shot(ctx, "forgot-login-"+name)
		if s := text("main"); !strings.Contains(s, "the email address you signed up with") ||
			!strings.Contains(s, "contact the vendor's customer service") {
			t.Errorf("%s: the forgot-login page says %q", name, s)
		}
		bs.fitsWidth(name+": forgot login id", size.width)
		do(name+": back to log in", chromedp.Click(chromedp.CSS(`main a[href="/login"]`)), chromedp.WaitVisible(chromedp.CSS("#password")))

		// Forgot the password: the address typed, the link mailed.
		do(name+": forgot password", chromedp.Click(chromedp.CSS(`a[href="/forgot"]`)), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email))
		shots.shot(ctx, "forgot-"+name)
		do(name+": send the link", chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
		if s := text(`[role="status"]`); !strings.Contains(s, "we have sent it a link to reset the password") {
			t.Fatalf("%s: after asking for a reset link: %q", name, s)
		}
		shots.shot(ctx, "forgot-sent-"+name)
		link := e.mail.link(t, email, "Reset your password")
		old := password
		password = fmt.Sprintf("a new password, number %d", i+1)
		do(name+": the mailed link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#password"), password))
		bs.fitsWidth(name+": reset", size.width)
		shots.shot(ctx, "reset-"+name)
		do(name+": set the password", chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
		if s := text(`[role="status"]`); !strings.Contains(s, "Your password is changed") {
			t.Fatalf("%s: after the reset: %q", name, s)
		}

		// The old password no longer logs in; the new one does.
		do(name+": old password", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), old+"\r"),
			chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
		if s := text(`[role="alert"]`); s != "The email address or the password is not right." {
			t.Fatalf("%s: the old password: %q", name, s)
		}
		// The page kept the address typed: only the password is typed again.
		if kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#email"))); kept != email {
			t.Fatalf("%s: the log-in page kept the address %q", name, kept)
		}
		do(name+": new password", chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(".who")))
		if s := text(".who"); s != "Logged in as "+email {
			t.Fatalf("%s: after the log-in: %q", name, s)
		}
		shots.shot(ctx, "reset-logged-in-"+name)
		do(name+": log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))

		// The link works once.
		do(name+": the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#password"), "yet another password"), chromedp.Click(chromedp.CSS("main form button")),
			chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
		if s := text(`[role="alert"]`); !strings.Contains(s, "unknown, used already or expired") {
			t.Fatalf("%s: a used reset link: %q", name, s)
		}
	}

	// An address with no account gets the same page, and a mail saying so.
	do("no account", chromedp.Navigate(e.url("/forgot")), chromedp.SendKeys(chromedp.CSS("#email"), "nobody@example.com"),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := text(`[role="status"]`); !strings.Contains(s, "If an account exists for nobody@example.com") {
		t.Fatalf("no account: %q", s)
	}
	e.mail.wait(t, "nobody@example.com", "No account with this address")
}

// fitsWidth fails the test when the page needs a sideways scroll.
func (b *browserSession) fitsWidth(what string, width int64) {
	b.t.Helper()
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil || int64(w) > width {
		b.shots.shot(b.ctx, "too-wide")
		b.t.Errorf("%s: the page is %d px wide at %d (%v)", what, w, width, err)
	}
}
