package portal_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
)

// TestBrowserReportStolenConfirms reports a code stolen in Chromium: the
// button on the list only opens a page that says what will happen, Cancel
// leaves the code as it was, and Confirm replaces it.
func TestBrowserReportStolenConfirms(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	const email, password = "ann@example.com", "correct horse battery"
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text

	bs.typeSignup(e, email, password)
	do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), full.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	held := text("[data-activation-code]")
	v := e.product(nil)

	// One click on the list: a page that asks, and nothing changed.
	do("report stolen", chromedp.Navigate(e.url("/report-stolen")), chromedp.Click(chromedp.CSS("form.stolen button")),
		chromedp.WaitVisible(chromedp.CSS(".confirm-stolen")))
	shots.shot(ctx, "stolen-confirm")
	says := text(".confirm-stolen")
	for _, want := range []string{"next revocation list", "emailed to you", "cannot be undone"} {
		if !strings.Contains(says, want) {
			t.Errorf("the confirmation page does not say %q:\n%s", want, says)
		}
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-activation-code]").length`)); n != 0 {
		t.Fatal("a code is shown before the report is confirmed")
	}
	do("cancel", chromedp.Click(chromedp.CSS(".confirm-stolen a.cancel")), chromedp.WaitVisible(chromedp.CSS("form.stolen button")))
	do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
	if got := text(".license [data-activation-code]"); got != held {
		t.Fatalf("after Cancel the license shows %q, not the code held", got)
	}
	if lic, err := v.Verify(held); err != nil || lic.Status != verifier.StatusValid {
		t.Fatalf("the code after Cancel: %+v, %v", lic, err)
	}

	// Confirmed: the replacement is shown and mailed.
	do("confirm", chromedp.Navigate(e.url("/report-stolen")), chromedp.Click(chromedp.CSS("form.stolen button")),
		chromedp.WaitVisible(chromedp.CSS(".confirm-stolen")), chromedp.Click(chromedp.CSS(".confirm-stolen button")),
		chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	shots.shot(ctx, "stolen-replaced")
	repl := text("[data-activation-code]")
	if lic, err := v.Verify(repl); err != nil || lic.Generation != 1 {
		t.Fatalf("the replacement: %+v, %v", lic, err)
	}
	if m := e.mail.wait(t, email, "Your replacement Activation Code"); !mailHasCode(m.Body, repl) {
		t.Errorf("the replacement's mail:\n%s", m.Body)
	}
}
