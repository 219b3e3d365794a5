package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// TestConsoleBrowser drives Chromium through the support console as staff
// use it: log in with the TOTP code of the secret the enrolment page shows
// (computed here at the test's clock), search by key, then replace, move
// and revoke from the license page, each through its confirmation page;
// then an admin adds a staff user, who logs in on a phone and enrols an
// authenticator.
func TestConsoleBrowser(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	key := e.mint(1, false, ledger.PurposeLicense)[0]
	bob := e.signup("bob@example.com", "another good password")
	for email, role := range map[string]string{"sam@vendor.test": portaldb.RoleSupport, "ada@vendor.test": portaldb.RoleAdmin} {
		if err := portal.AddStaff(context.Background(), e.led, email, role, staffPassword); err != nil {
			t.Fatal(err)
		}
	}
	shots := newShooter(t)
	// Ann signs up and registers her key, typing, in the same browser:
	// the console's session is a cookie of its own.
	ann := &browserSession{t: t, ctx: ctx, shots: shots}
	ann.typeSignup(e, "ann@example.com", "correct horse battery")
	ann.do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), key.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			shots.shot(ctx, "console-failed")
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\n%s", what, err, html)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	// Log in: the password, then the enrolment page's secret, whose code
	// an authenticator would show now.
	do("log in", chromedp.Navigate(e.url("/console/login")), chromedp.SendKeys(chromedp.CSS("#email"), "sam@vendor.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), staffPassword+"\r"), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
	shots.shot(ctx, "console-enrol")
	secret := text("[data-totp-secret]")
	// Beside the secret, the otpauth:// link as a QR code for the phone.
	svg, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("[data-totp-qr] svg")))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-totp-uri]").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	if label, scanned := portal.ScanQRSVG(t, svg); label == "" || scanned != link || !strings.Contains(link, "secret="+secret) {
		t.Fatalf("the QR code, %q, holds %q; the link is %q", label, scanned, link)
	}
	do("totp", chromedp.SendKeys(chromedp.CSS("#code"), e.totpCode(secret)+"\r"), chromedp.WaitVisible(chromedp.CSS(".who")))

	// Search by the key the customer quotes.
	do("search", chromedp.SendKeys(chromedp.CSS("#q"), key.String()+"\r"), chromedp.WaitVisible(chromedp.CSS("[data-result]")))
	shots.shot(ctx, "console-search")
	do("license page", chromedp.Click(chromedp.CSS("[data-result]")), chromedp.WaitVisible(chromedp.CSS(`[data-action="replace"]`)))
	first := text("[data-activation-code]")
	// The code breaks between groups only, on an agent's screen and a
	// phone's.
	for _, px := range []int{1280, 390} {
		do("resize", chromedp.EmulateViewport(int64(px), 844))
		checkCodeLayout(t, ctx, shots, "console-license", px)
	}
	do("resize", chromedp.EmulateViewport(1000, 800))
	licensePath, err := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname"))
	if err != nil {
		t.Fatal(err)
	}

	// Replace, revoking the old generation.
	do("replace", chromedp.Click(chromedp.CSS(`[data-action="replace"]`)), chromedp.WaitVisible(chromedp.CSS("#reason")),
		chromedp.Click(chromedp.CSS("#revoke_old")), chromedp.SendKeys(chromedp.CSS("#reason"), "laptop stolen"))
	shots.shot(ctx, "console-replace-confirm")
	do("replace", chromedp.Click(chromedp.CSS("[data-confirm]")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := text(`[role="status"]`); !strings.HasPrefix(s, "Replaced") {
		t.Fatalf("after replace: %q", s)
	}
	if text("[data-activation-code]") == first {
		t.Fatal("the license page shows the replaced code")
	}
	shots.shot(ctx, "console-replaced")

	// Move to bob, the rightful licensee.
	do("move", chromedp.Click(chromedp.CSS(`[data-action="move"]`)), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "bob@example.com"), chromedp.SendKeys(chromedp.CSS("#reason"), "sold twice"),
		chromedp.Click(chromedp.CSS("[data-confirm]")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := text(`[role="status"]`); !strings.HasPrefix(s, "Moved") {
		t.Fatalf("after move: %q", s)
	}
	// Ann, who lost it, is told why and where to get help, and not who
	// has it now.
	if m := e.mail.wait(t, "ann@example.com", "was moved to another account"); !strings.Contains(m.Body, "sold twice") ||
		!strings.HasSuffix(m.Body, "Need help? Contact the vendor's customer service.\n") || strings.Contains(m.Body, "bob@") {
		t.Errorf("the notice of the move:\n%s", m.Body)
	}

	// Revoke with a reason.
	do("revoke", chromedp.Click(chromedp.CSS(`[data-action="revoke"]`)), chromedp.WaitVisible(chromedp.CSS("#reason")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "chargeback"), chromedp.Click(chromedp.CSS("[data-confirm]")),
		chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := text(`[role="status"]`); !strings.HasPrefix(s, "Revoked") {
		t.Fatalf("after revoke: %q", s)
	}
	if m := e.mail.wait(t, "bob@example.com", "is revoked"); !strings.Contains(m.Body, "revoked: chargeback") ||
		!strings.HasSuffix(m.Body, "Need help? Contact the vendor's customer service.\n") {
		t.Errorf("the notice of the revocation:\n%s", m.Body)
	}
	shots.shot(ctx, "console-history")
	// Revoked: only what can still be done is offered, and an action's
	// form left open elsewhere says why it cannot be done.
	offered, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-action]")].map(a => a.dataset.action)`))
	if err != nil || strings.Join(offered, " ") != "reset-code" {
		t.Errorf("a revoked license offers %q (%v)", offered, err)
	}
	do("stale action", chromedp.Navigate(e.url(licensePath+"/replace")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
	if s := text(`[role="alert"]`); !strings.Contains(s, "cannot be done on this license as it is now (revoked: chargeback)") {
		t.Errorf("a replace of a revoked license: %q", s)
	}
	hist := text("table.history")
	for _, want := range []string{"replaced", "moved", "revoked", "console:sam@vendor.test"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the history lacks %q:\n%s", want, hist)
		}
	}
	// Bob's licenses say why it is revoked, and whom to ask.
	bob.get("/licenses")
	if !strings.Contains(bob.last, "<dd data-revoke-reason>chargeback. If you think this is a mistake, contact the vendor&#39;s customer service.</dd>") {
		t.Errorf("bob's revoked license:\n%s", bob.last)
	}
	checkHistoryLayout(t, ctx, shots, e.url(licensePath))
	lic, err := e.led.License(context.Background(), pc, key.Serial)
	if err != nil || lic.Owner != "bob@example.com" || !lic.RevokesCurrent() || lic.Generation != 2 {
		t.Fatalf("the ledger after the console: %+v %v", lic, err)
	}

	// The console fits a narrow window too.
	do("narrow", chromedp.EmulateViewport(360, 740), chromedp.Navigate(e.url("/console/?q="+url.QueryEscape(key.String()))))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > 360 {
		shots.shot(ctx, "console-too-wide")
		t.Errorf("the search page at 360 px is %d px wide (%v)", w, err)
	}

	// An admin adds a staff user, typing their details; sam, support,
	// is not offered the page.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/console/staff"]').length`)); n != 0 {
		t.Errorf("support is offered the staff page")
	}
	logIn := func(who, password string) {
		t.Helper()
		do(who+": log in", chromedp.Navigate(e.url("/console/login")), chromedp.SendKeys(chromedp.CSS("#email"), who),
			chromedp.SendKeys(chromedp.CSS("#password"), password+"\r"), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
		shots.shot(ctx, "console-enrol-"+strings.Split(who, "@")[0])
		do(who+": totp", chromedp.SendKeys(chromedp.CSS("#code"), e.totpCode(text("[data-totp-secret]"))),
			chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(".who")))
	}
	logOut := func() {
		t.Helper()
		// From a page loaded at the present width: a click on a page
		// laid out again as the viewport changes may miss the button.
		do("log out", chromedp.Navigate(e.url("/console/")), chromedp.WaitVisible(chromedp.CSS(`form[action="/console/logout"] button`)),
			chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	}
	do("desk", chromedp.EmulateViewport(1280, 900))
	logOut()
	logIn("ada@vendor.test", staffPassword)
	const kimPassword = "kim's first password"
	do("staff page", chromedp.Click(chromedp.CSS(`nav a[href="/console/staff"]`)), chromedp.WaitVisible(chromedp.CSS("#role")),
		chromedp.SendKeys(chromedp.CSS("#email"), "kim@vendor.test"), chromedp.SendKeys(chromedp.CSS("#role"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), kimPassword))
	if role, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#role"))); role != "admin" {
		t.Fatalf("typing admin into the role chose %q", role)
	}
	shots.shot(ctx, "console-staff-add")
	do("add", chromedp.Click(chromedp.CSS(`form[action="/console/staff"] button`)), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := text(`[role="status"]`); !strings.HasPrefix(s, "Added.") {
		t.Fatalf("after adding a staff user: %q", s)
	}
	if row := text(`[data-staff="kim@vendor.test"]`); !strings.Contains(row, "admin") || !strings.Contains(row, "by console:ada@vendor.test") {
		t.Errorf("the new staff user's row: %q", row)
	}
	if pw, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#password"))); pw != "" {
		t.Error("the page shows the first password again")
	}
	shots.shot(ctx, "console-staff-added")
	checkHistoryLayout(t, ctx, shots, e.url("/console/staff"))

	// The new user logs in on a phone: the first password, then the
	// authenticator they set up from the enrolment page.
	do("desk", chromedp.EmulateViewport(1280, 900))
	logOut()
	do("phone", chromedp.EmulateViewport(390, 844))
	logIn("kim@vendor.test", kimPassword)
	if s := text(".who"); s != "Logged in to the console as kim@vendor.test (admin)" {
		t.Fatalf("the new staff user: %q", s)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the console at 390 px is %d px wide (%v)", w, err)
	}
	shots.shot(ctx, "console-new-staff")
	// Their authenticator is set up: the next log-in asks for its code,
	// not for a new enrolment.
	logOut()
	do("kim again", chromedp.SendKeys(chromedp.CSS("#email"), "kim@vendor.test"), chromedp.SendKeys(chromedp.CSS("#password"), kimPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS("#code")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-totp-secret]").length`)); n != 0 {
		t.Error("the second log-in shows the enrolment again")
	}
}

// TestConsoleAccountBrowser drives Chromium through the account view as a
// support agent uses it, at a desktop's width and a phone's: type the
// customer's address in the search box, open the account, and press each
// action (send a failed message again, lift the lock, log out everywhere,
// a new confirmation link for an account not confirmed), checking the
// page after each; a mistyped key and an order half registered on the
// way.
func TestConsoleAccountBrowser(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	bc := &browserSession{t: t, ctx: ctx, shots: newShooter(t)}
	// The agent logs in, typing, with the code of the same authenticator.
	if err := portal.AddStaff(context.Background(), e.led, "kim@vendor.test", portaldb.RoleSupport, staffPassword); err != nil {
		t.Fatal(err)
	}
	bc.do("log in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.url("/console/login")), chromedp.SendKeys(chromedp.CSS("#email"), "kim@vendor.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), staffPassword+"\r"), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
	bc.do("totp", chromedp.SendKeys(chromedp.CSS("#code"), e.totpCode(bc.text("[data-totp-secret]"))+"\r"), chromedp.WaitVisible(chromedp.CSS(".who")))

	for i, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		px := fmt.Sprint(size.w)
		owner, unconfirmed := fmt.Sprintf("ann%d@example.com", i), fmt.Sprintf("cy%d@example.com", i)
		// The customer: a license from an order of two keys, a session on
		// a laptop and a phone, failed log-ins, a message the relay refused.
		m, err := e.svc.Mint(context.Background(), ledger.MintRequest{Product: pc, Edition: "standard", Count: 2, Order: "W-" + px})
		if err != nil {
			t.Fatal(err)
		}
		laptop := e.signup(owner, "correct horse battery")
		laptop.submit("/register", "/register", url.Values{"rk": {m.Keys[0].String()}})
		id := "PC-" + m.Keys[0].Serial.String()
		phone := e.browser()
		phone.login(owner, "correct horse battery")
		for range 2 {
			e.browser().login(owner, "not the password")
		}
		failMail(t, e, owner, func() {
			consoleDo(t, sam, "/console/licenses/"+id+"/resend", "mailed to its owner account", url.Values{})
		})
		e.browser().submit("/signup", "/signup", url.Values{"email": {unconfirmed}, "password": {"correct horse battery"}})
		e.mail.wait(t, unconfirmed, "Confirm your email address")

		bc.do("resize", chromedp.EmulateViewport(size.w, size.h))
		search := func(q string, wait string) {
			t.Helper()
			bc.do("search "+q, chromedp.Navigate(e.url("/console/")), chromedp.SendKeys(chromedp.CSS("#q"), q),
				chromedp.Click(chromedp.CSS(`form[role="search"] button`)), chromedp.WaitVisible(chromedp.CSS(wait)))
		}
		// Fits the width, or scrolls a table within its own box.
		fits := func(page string) {
			t.Helper()
			if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > int(size.w) {
				t.Errorf("%s at %s px is %d px wide (%v)", page, px, w, err)
			}
			bc.shots.shot(ctx, "console-"+page+"-"+px)
		}
		// confirm presses an action of the account page, then its
		// confirmation page's button, and returns the notice after.
		confirm := func(what, link string) string {
			t.Helper()
			bc.do(what, chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS("[data-confirm]")))
			fits(what + "-confirm")
			bc.do(what, chromedp.Click(chromedp.CSS("[data-confirm]")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
			fits(what + "-done")
			return bc.text(`[role="status"]`)
		}

		// A key typed with a letter for a digit: where, as the customer is told.
		bad := []byte(m.Keys[1].String())
		bad[5] = 'x'
		search(string(bad), `[role="alert"]`)
		if s := bc.text(`[role="alert"]`); !strings.Contains(s, "This Registration Key is mistyped at character 3 of group 2") {
			t.Errorf("a mistyped key at %s px: %q", px, s)
		}
		fits("search-typo")
		// The order: its license and its key not yet registered.
		search("W-"+px, "[data-result]")
		results, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-result]")].map(a => a.getAttribute("href"))`))
		if err != nil || strings.Join(results, " ") != "/console/licenses/"+id+" /console/keys/"+m.Keys[1].String() {
			t.Errorf("the order at %s px: %q (%v)", px, results, err)
		}
		fits("search-order")

		// The account, from its address typed in the search box.
		search(owner, `a[data-result][href^="/console/accounts/"]`)
		bc.do("open the account", chromedp.Click(chromedp.CSS(`a[data-result][href^="/console/accounts/"]`)), chromedp.WaitVisible(chromedp.CSS("[data-account-email]")))
		if bc.text("[data-account-email]") != owner || bc.text("[data-session-count]") != "2" || bc.text("[data-confirmed]") != "confirmed" {
			t.Errorf("the account at %s px: %q %q %q", px, bc.text("[data-account-email]"), bc.text("[data-session-count]"), bc.text("[data-confirmed]"))
		}
		fits("account")
		bc.do("the mail", chromedp.ScrollIntoView(chromedp.CSS("[data-mail]")))
		fits("account-mail")

		if s := confirm("retry", "[data-retry-mail]"); !strings.HasPrefix(s, "The message is due now") {
			t.Errorf("after sending again at %s px: %q", px, s)
		}
		e.mail.wait(t, owner, "Your Activation Code")
		if s := confirm("unlock", `[data-action="unlock"]`); !strings.HasPrefix(s, "The lock is lifted") {
			t.Errorf("after unlock at %s px: %q", px, s)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-limit]").length`)); n != 0 {
			t.Errorf("after unlock at %s px: %d counts shown", px, n)
		}
		if s := confirm("logout", `[data-action="logout"]`); !strings.HasPrefix(s, "Logged out everywhere") || bc.text("[data-session-count]") != "0" {
			t.Errorf("after log-out at %s px: %q, %s sessions", px, s, bc.text("[data-session-count]"))
		}
		for _, b := range []*browser{laptop, phone} {
			if b.get("/licenses"); strings.Contains(b.last, "Logged in as") {
				t.Errorf("a session of %s lives on", owner)
			}
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-action]").length`)); n != 0 {
			t.Errorf("after every action at %s px, %d are still offered", px, n)
		}
		// The license page links back to the account.
		bc.do("license", chromedp.Click(chromedp.CSS("[data-license]")), chromedp.WaitVisible(chromedp.CSS("[data-account-link]")))
		fits("license")

		// An account not confirmed: a new link, which the customer follows.
		search(unconfirmed, `a[data-result][href^="/console/accounts/"]`)
		bc.do("open the account", chromedp.Click(chromedp.CSS(`a[data-result][href^="/console/accounts/"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-action="confirmation"]`)))
		if s := confirm("confirmation", `[data-action="confirmation"]`); !strings.HasPrefix(s, "A new confirmation link is queued") {
			t.Errorf("after the confirmation at %s px: %q", px, s)
		}
		if link := e.mail.link(t, unconfirmed, "Confirm your email address"); !strings.Contains(link, "/confirm?token=") {
			t.Errorf("the new link: %s", link)
		}
	}
	hist, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
	if err != nil || !strings.Contains(hist, "Account cy1@example.com") {
		t.Errorf("the last page: %q %v", hist, err)
	}
	if _, err := e.led.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
}
