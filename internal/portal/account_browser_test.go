package portal_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/ledger"
)

// TestBrowserAccount types every change of the account page in Chromium,
// at 1280×900 and at 390×844: the password (wrong, then right; the old one
// no longer logs in), the sessions (another browser logged in is logged
// out by "Log out everywhere else"), and the email address (confirmed by
// the link mailed through the SMTP relay; the old address is told; the
// new one logs in, the old one does not, and the licenses stay).
func TestBrowserAccount(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ctx := chrome(t)
			e := newEnv(t)
			key := e.mint(1, false, ledger.PurposeLicense)[0]
			shots := newShooter(t)
			bs := &browserSession{t: t, ctx: ctx, shots: shots}
			do, text := bs.do, bs.text
			shot := func(name string) { shots.shot(ctx, fmt.Sprintf("account-%d-%s", size.w, name)) }
			const email, password, newPassword, newEmail = "ann@example.com", "correct horse battery", "a brand new password", "ann@example.org"
			do("viewport", chromedp.EmulateViewport(size.w, size.h))
			bs.typeSignup(e, email, password)
			do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), key.String()),
				chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
			serial := key.Serial.String()

			// The navigation leads to the account page.
			do("account", chromedp.Click(chromedp.CSS(`nav a[href="/account"]`)), chromedp.WaitVisible(chromedp.CSS("#current_password")))
			shot("page")
			if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > int(size.w) {
				t.Errorf("the account page at %d px is %d px wide (%v)", size.w, w, err)
			}

			// The password: the wrong current one first.
			do("wrong password", chromedp.SendKeys(chromedp.CSS("#current_password"), "not my password"),
				chromedp.SendKeys(chromedp.CSS("#new_password"), newPassword),
				chromedp.Click(chromedp.CSS(`form[action="/account/password"] button`)), chromedp.WaitVisible(chromedp.CSS("#current_password-error")))
			shot("wrong-password")
			if s := text("#current_password-error"); s != "Your current password is not right." {
				t.Fatalf("wrong password: %q", s)
			}
			inv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#current_password').getAttribute('aria-describedby') + ' ' + document.querySelector('#current_password').getAttribute('aria-invalid')`))
			if err != nil || inv != "current_password-error true" {
				t.Fatalf("the error is not tied to its field: %q %v", inv, err)
			}
			do("right password", chromedp.SendKeys(chromedp.CSS("#current_password"), password),
				chromedp.SendKeys(chromedp.CSS("#new_password"), newPassword),
				chromedp.Click(chromedp.CSS(`form[action="/account/password"] button`)), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
			shot("password-changed")
			if s := text(`[role="status"]`); !strings.Contains(s, "Your password is changed") {
				t.Fatalf("password change: %q", s)
			}
			e.mail.wait(t, email, "Your password was changed")
			do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
			do("old password", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password+"\r"),
				chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
			if s := text(`[role="alert"]`); s != errLoginText {
				t.Fatalf("the old password: %q", s)
			}
			bs.typeLogin(e, email, newPassword)

			// Another browser logged in is logged out from here.
			octx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
			defer cancel()
			other := &browserSession{t: t, ctx: octx, shots: shots}
			other.do("viewport", chromedp.EmulateViewport(size.w, size.h))
			other.typeLogin(e, email, newPassword)
			do("sessions", chromedp.Navigate(e.url("/account")), chromedp.WaitVisible(chromedp.CSS(`form[action="/account/sessions/end-others"]`)))
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-session]').length`)); n != 2 {
				t.Fatalf("%d sessions listed, want 2", n)
			}
			if s := text("[data-session].current"); !strings.Contains(s, "Chrome") || !strings.Contains(s, "(this browser)") {
				t.Fatalf("this session: %q", s)
			}
			shot("sessions")
			do("log out everywhere else", chromedp.Click(chromedp.CSS(`form[action="/account/sessions/end-others"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
			shot("others-ended")
			if s := text(`[role="status"]`); !strings.Contains(s, "logged out of 1 other session") {
				t.Fatalf("log out everywhere else: %q", s)
			}
			other.do("the other browser", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS("#password")))
			if n, _ := chromedp.Run(octx, chromedp.Evaluate[int](`document.querySelectorAll('.who').length`)); n != 0 {
				t.Fatal("the other browser is still logged in")
			}

			// The email address.
			do("email", chromedp.SendKeys(chromedp.CSS("#new_email"), newEmail), chromedp.SendKeys(chromedp.CSS("#email_password"), newPassword),
				chromedp.Click(chromedp.CSS(`form[action="/account/email"] button`)), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
			shot("email-asked")
			if s := text(`[role="status"]`); !strings.Contains(s, "We have sent a confirmation link to "+newEmail) {
				t.Fatalf("email change: %q", s)
			}
			if m := e.mail.wait(t, email, "A change of your email address was asked for"); !strings.Contains(m.Body, newEmail) {
				t.Fatalf("the notice to the old address:\n%s", m.Body)
			}
			link := e.mail.link(t, newEmail, "Confirm your new email address")
			do("confirm", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action="/confirm-email"]`)))
			shot("email-confirm")
			do("confirm", chromedp.Click(chromedp.CSS(`form[action="/confirm-email"] button`)), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
			shot("email-changed")
			if s := text(`[role="status"]`); !strings.Contains(s, "is now "+newEmail) {
				t.Fatalf("confirmation: %q", s)
			}
			e.mail.wait(t, email, "Your email address was changed")
			do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
			if s := text(".who"); s != "Logged in as "+newEmail {
				t.Fatalf("after the change: %q", s)
			}
			do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
			do("old address", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), newPassword+"\r"),
				chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
			if s := text(`[role="alert"]`); s != errLoginText {
				t.Fatalf("the old address: %q", s)
			}
			bs.typeLogin(e, newEmail, newPassword)
			do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
			if s := text("main"); !strings.Contains(s, serial) {
				t.Fatalf("the license is not listed after the change:\n%s", s)
			}
			shot("licenses-after")
		})
	}
}

const errLoginText = "The email address or the password is not right."
