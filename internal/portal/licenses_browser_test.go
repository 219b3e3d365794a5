package portal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/ledger"
)

// TestBrowserMyLicenses reads My licenses in Chromium as the maintenance
// of a license runs out: the key bought and whether it is a trial, the
// days left, and a Renew button once it is expiring, in grace or expired,
// which opens the renew page for that license.
func TestBrowserMyLicenses(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	trial := e.mint(1, true, ledger.PurposeLicense)[0]
	const email, password = "ann@example.com", "correct horse battery"
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text
	bs.typeSignup(e, email, password)
	for _, rk := range []string{full.String(), trial.String()} {
		do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), rk),
			chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	}
	id := full.Product.String() + "-" + full.Serial.String()
	trialID := trial.Product.String() + "-" + trial.Serial.String()
	lic := func(id, sel string) string {
		t.Helper()
		return text(`section.product[data-product="PC"] section.license[aria-labelledby="lic-` + id + `"] ` + sel)
	}
	renewButtons := func() int {
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".renew-now a").length`))
		return n
	}

	do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
	shots.shot(ctx, "licenses-new")
	if got := text(`section.product[data-product="PC"] h2`); got == "" {
		t.Fatal("the product's heading is empty")
	}
	if got := lic(id, "[data-rk]"); got != full.String() {
		t.Errorf("the full license's key: %q", got)
	}
	if got := lic(trialID, "[data-rk]"); got != trial.String() {
		t.Errorf("the trial's key: %q", got)
	}
	if lic(id, "[data-trial]") != "no" || lic(trialID, "[data-trial]") != "yes" {
		t.Errorf("trial: %q and %q", lic(id, "[data-trial]"), lic(trialID, "[data-trial]"))
	}
	if d := lic(id, "[data-days-left]"); d != "365" {
		t.Errorf("days left on the first day: %q", d)
	}
	if n := renewButtons(); n != 0 {
		t.Fatalf("%d Renew buttons on licenses in force", n)
	}

	for _, st := range []struct {
		days   int
		status string
	}{{310, "expiring"}, {370, "grace"}, {400, "expired"}} {
		e.clock.add(time.Duration(st.days)*24*time.Hour - e.clock.now().Sub(day0))
		bs.typeLogin(e, email, password)
		do(st.status, chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
		shots.shot(ctx, "licenses-"+st.status)
		if s := lic(id, "[data-status]"); s != st.status {
			t.Fatalf("day %d: status %q, want %s", st.days, s, st.status)
		}
		if n := renewButtons(); n != 1 {
			t.Fatalf("%s: %d Renew buttons, want the full license's only", st.status, n)
		}
		if st.status == "expiring" && !strings.Contains(lic(id, ".renew-now"), "ends in 55 days") {
			t.Errorf("expiring: %q", lic(id, ".renew-now"))
		}
	}
	do("renew", chromedp.Click(chromedp.CSS(".renew-now a")), chromedp.WaitVisible(chromedp.CSS("#license")))
	if sel, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#license"))); sel != id {
		t.Fatalf("the Renew button opened the renew page for %q", sel)
	}
}
