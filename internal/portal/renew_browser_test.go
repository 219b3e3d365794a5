package portal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier/renewseal"
)

// offlineButton is the offline renewal form's button.
const offlineButton = `form[enctype="multipart/form-data"] button`

// TestBrowserOfflineRenewal renews offline in Chromium as a customer does:
// the request pasted into the text box, then a sealed request chosen as a
// file, each with the renewal key typed and the button pressed. Chromium
// sends the empty file input with the form, which must not hide the
// pasted text.
func TestBrowserOfflineRenewal(t *testing.T) {
	ctx := chrome(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, portal.WithRequestIdentities(id))
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	renewals := e.mint(2, false, ledger.PurposeRenewal)
	const email, password = "ann@example.com", "correct horse battery"
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text

	bs.typeSignup(e, email, password)
	do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), full.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	held := text("[data-activation-code]")
	v := e.product(nil)
	first, err := v.Verify(held)
	if err != nil {
		t.Fatal(err)
	}
	req, err := renewseal.NewRequest(held, "", e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := req.MarshalText()
	request := strings.TrimSpace(string(plain))

	// Pasted with no renewal key, before any renewal: refused, and the
	// pasted request is still in the box.
	do("paste without a key", chromedp.Navigate(e.url("/renew")), chromedp.SendKeys(chromedp.CSS("#request"), request),
		chromedp.Click(chromedp.CSS(offlineButton)), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
	shots.shot(ctx, "renew-offline-no-key")
	if s := text(`[role="alert"]`); !strings.Contains(s, "has not been renewed") {
		t.Fatalf("a request without a key: %q", s)
	}
	if kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#request"))); strings.TrimSpace(kept) != request {
		t.Fatalf("the pasted request is gone: %q", kept)
	}

	// Pasted with a renewal key: the new code.
	do("paste", chromedp.Navigate(e.url("/renew")), chromedp.SendKeys(chromedp.CSS("#request"), request),
		chromedp.SendKeys(chromedp.CSS("#rk-offline"), renewals[0].String()), chromedp.Click(chromedp.CSS(offlineButton)),
		chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	shots.shot(ctx, "renew-offline-pasted")
	if s := text(`[role="status"]`); !strings.HasPrefix(s, "Renewed") {
		t.Fatalf("after a pasted renewal: %q", s)
	}
	pasted := text("[data-activation-code]")
	if m := e.mail.wait(t, email, "Your renewed Activation Code"); !mailHasCode(m.Body, pasted) ||
		!strings.HasSuffix(m.Body, "\n-- \nNeed help? Contact the vendor's customer service.\n") {
		t.Errorf("the renewal's mail:\n%s", m.Body)
	}
	got, err := v.Verify(pasted)
	if err != nil || got.Expires != first.Expires+365 {
		t.Fatalf("renewed by paste: %+v, %v", got, err)
	}

	// The same request again with no key: the license was renewed since,
	// so the page gives the current code and says that nothing was
	// renewed or mailed now.
	do("paste again", chromedp.Navigate(e.url("/renew")), chromedp.SendKeys(chromedp.CSS("#request"), request),
		chromedp.Click(chromedp.CSS(offlineButton)), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	shots.shot(ctx, "renew-offline-current")
	if s := text(`[role="status"]`); strings.HasPrefix(s, "Renewed") || strings.Contains(s, "we have emailed") ||
		!strings.Contains(s, "renewed already") {
		t.Fatalf("a request for a license renewed already: %q", s)
	}
	if c := text("[data-activation-code]"); c != pasted {
		t.Fatalf("the current code is %q, the page shows %q", pasted, c)
	}

	// A sealed request chosen as a file, with the other key.
	e.clock.add(24 * 3600e9)
	sreq, err := renewseal.NewRequest(pasted, "", e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := renewseal.Seal(sreq, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "renewal.age")
	if err := os.WriteFile(file, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	bs.typeLogin(e, email, password)
	do("upload", chromedp.Navigate(e.url("/renew")), chromedp.SetUploadFiles(chromedp.CSS("#request-file"), []string{file}),
		chromedp.SendKeys(chromedp.CSS("#rk-offline"), renewals[1].String()), chromedp.Click(chromedp.CSS(offlineButton)),
		chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	shots.shot(ctx, "renew-offline-uploaded")
	if got2, err := v.Verify(text("[data-activation-code]")); err != nil || got2.Expires != got.Expires+365 {
		t.Fatalf("renewed by upload: %+v, %v", got2, err)
	}
}

// TestBrowserRenewalLink opens the link a product shows an offline
// customer (renewseal.RequestURL) while logged out, at a desk's width
// with a plain request and at a phone's with a sealed one: the log-in
// keeps the link's fragment through its redirects, the renew page opens
// with the request filled in and takes it out of the address bar, and
// the renewal key typed with it gives a code the product accepts as a
// renewal.
func TestBrowserRenewalLink(t *testing.T) {
	ctx := chrome(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, portal.WithRequestIdentities(id))
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	renewals := e.mint(2, false, ledger.PurposeRenewal)
	const email, password = "ann@example.com", "correct horse battery"
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text

	bs.typeSignup(e, email, password)
	do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), full.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	held := text("[data-activation-code]")
	v := e.product(nil)

	for i, tc := range []struct {
		name          string
		width, height int64
		sealed        bool
	}{
		{"desk", 1280, 900, false},
		{"phone", 390, 844, true},
	} {
		e.clock.add(time.Hour) // within the session
		req, err := renewseal.NewRequest(held, "", e.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		data, err := req.MarshalText()
		if tc.sealed {
			data, err = renewseal.Seal(req, id.Recipient())
		}
		if err != nil {
			t.Fatal(err)
		}
		link, err := renewseal.RequestURL(e.url("/"), data)
		if err != nil {
			t.Fatal(err)
		}
		do(tc.name+": log out", chromedp.EmulateViewport(tc.width, tc.height), chromedp.Navigate(e.url("/licenses")),
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))

		// Logged out, the link leads to the log-in, and the 303 keeps
		// the fragment.
		do(tc.name+": open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#password")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasPrefix(loc, e.url("/login?next=%2Frenew#request=-----BEGIN%20")) {
			t.Fatalf("%s: the link led to %s", tc.name, loc)
		}
		shots.shot(ctx, "renew-link-login-"+tc.name)
		typedEmail := email
		if tc.sealed {
			// A mistyped password first: the page that says so keeps the
			// fragment for the next try.
			do(tc.name+": wrong password", chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), "not my password"), chromedp.Click(chromedp.CSS("main form button")),
				chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
			typedEmail = "" // kept by the page
		}
		do(tc.name+": log in", chromedp.SendKeys(chromedp.CSS("#email"), typedEmail), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-request-filled]")))
		if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#request"))); got != string(data) {
			t.Fatalf("%s: the request box holds %q, want %q", tc.name, got, data)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != e.url("/renew") {
			t.Errorf("%s: after the log-in the address bar shows %s", tc.name, loc)
		}
		if focused, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "rk-offline" {
			t.Errorf("%s: the renewal key's box is not focused but %q", tc.name, focused)
		}
		if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || int64(w) > tc.width {
			t.Errorf("%s: the renew page is %d px wide (%v)", tc.name, w, err)
		}
		shots.shot(ctx, "renew-link-filled-"+tc.name)

		// The renewal key bought, typed; the button pressed.
		do(tc.name+": renew", chromedp.SendKeys(chromedp.CSS("#rk-offline"), renewals[i].String()),
			chromedp.Click(chromedp.CSS(offlineButton)), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
		shots.shot(ctx, "renew-link-renewed-"+tc.name)
		next := text("[data-activation-code]")
		before, err := v.Verify(held)
		if err != nil {
			t.Fatal(err)
		}
		lic, err := v.VerifyRenewal(held, next)
		if err != nil || lic.Expires != before.Expires+365 {
			t.Fatalf("%s: the renewed code: %+v, %v", tc.name, lic, err)
		}
		held = next
	}

	// A damaged link fills in nothing and says to paste the request.
	do("damaged link", chromedp.Navigate(e.url("/renew#request=%E0%A4%A")), chromedp.WaitVisible(chromedp.CSS("[data-request-damaged]")))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#request"))); got != "" {
		t.Errorf("a damaged link filled in %q", got)
	}
	shots.shot(ctx, "renew-link-damaged")

	// A link opened in the tab at the renew page changes only the
	// fragment: the request is filled in all the same.
	request := mustRequest(t, held, e.clock.now())
	link, err := renewseal.RequestURL(e.url("/"), []byte(request))
	if err != nil {
		t.Fatal(err)
	}
	do("link in the same page", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("[data-request-filled]")),
		chromedp.WaitNotVisible(chromedp.CSS("[data-request-damaged]")))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#request"))); got != request {
		t.Errorf("a link in the same page filled in %q", got)
	}

	// Without JavaScript nothing is filled in, and the page says to
	// paste the request.
	do("blank", chromedp.Navigate("about:blank"))
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do("no script", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#request")))
	if s := text("#renew-offline"); !strings.Contains(s, "Without JavaScript this page cannot fill in the request: copy it from the product and paste it below.") {
		t.Errorf("without JavaScript the offline section says %q", s)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#request"))); got != "" {
		t.Errorf("without JavaScript the request box holds %q", got)
	}
	shots.shot(ctx, "renew-link-no-script")
}

// mustRequest is the text of a renewal request for code at now.
func mustRequest(t *testing.T, code string, now time.Time) string {
	t.Helper()
	req, err := renewseal.NewRequest(code, "", now)
	if err != nil {
		t.Fatal(err)
	}
	text, err := req.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}
