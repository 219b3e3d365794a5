package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
)

// artefactsEnv names a directory for the browser tests' screenshots;
// without it they go to a temporary directory. They are never committed.
const artefactsEnv = "LICMINT_ARTIFACTS"

// chrome starts a headless Chromium for the test, or skips it when none is
// installed (.ci/run installs Debian's chromium).
func chrome(t *testing.T) context.Context {
	t.Helper()
	return chromeFor(t, 90*time.Second)
}

// chromeFor is chrome for a test that may take up to d.
func chromeFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("Chromium is absent: install it (apt-get install chromium) to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 800),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// shooter writes numbered screenshots of each page to the artefact
// directory, in a directory of the test's own.
type shooter struct {
	t   *testing.T
	dir string
	n   int
}

func newShooter(t *testing.T) *shooter {
	dir := os.Getenv(artefactsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, "portal-browser", t.Name())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return &shooter{t: t, dir: dir}
}

func (s *shooter) shot(ctx context.Context, name string) {
	s.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	if err := os.WriteFile(filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name)), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// TestBrowser drives Chromium through the whole flow of issue 12, then
// its error paths, and checks that no page needs a sideways scroll at
// 360 px.
func TestBrowser(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	full := e.mint(2, false, ledger.PurposeLicense)
	renewal := e.mint(1, false, ledger.PurposeRenewal)[0]
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	do, text := bs.do, bs.text
	const email, password = "ann@example.com", "correct horse battery"

	// 1. Sign up; 2. confirm by the mailed link; 3. log in.
	bs.typeSignup(e, email, password)
	// 4. Register a key, typed in lower case with spaces.
	typed := strings.ToLower(strings.ReplaceAll(full[0].String(), "-", " "))
	do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), typed))
	shots.shot(ctx, "register")
	do("register", chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	// 5. See the code.
	ac := text("[data-activation-code]")
	shots.shot(ctx, "registered")
	// 6. The product accepts it.
	product := &memState{}
	v := e.product(product)
	if lic, err := v.Verify(ac); err != nil || lic.Status != verifier.StatusValid {
		t.Fatalf("verifier: %+v, %v", lic, err)
	}
	do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS(".license")))
	if got := text(".license [data-activation-code]"); got != ac {
		t.Fatalf("licenses page shows %q", got)
	}
	shots.shot(ctx, "licenses")
	// 7. Report it stolen; 8. see the replacement.
	do("report stolen", chromedp.Navigate(e.url("/report-stolen")), chromedp.Click(chromedp.CSS("form.stolen button")),
		chromedp.WaitVisible(chromedp.CSS(".confirm-stolen")), chromedp.Click(chromedp.CSS(".confirm-stolen button")),
		chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	repl := text("[data-activation-code]")
	shots.shot(ctx, "replaced")
	if repl == ac {
		t.Fatal("the replacement is the stolen code")
	}
	// 9. The product takes the new code, and then reports the old one
	// superseded.
	if lic, err := v.Verify(repl); err != nil || lic.Generation != 1 {
		t.Fatalf("replacement: %+v, %v", lic, err)
	}
	if lic, _ := v.Verify(ac); lic.Status != verifier.StatusSuperseded {
		t.Fatalf("the stolen code after the replacement: %v", lic.Status)
	}
	// 10. Renew with a renewal key.
	do("renew", chromedp.Navigate(e.url("/renew")), chromedp.SendKeys(chromedp.CSS("#rk"), renewal.String()))
	shots.shot(ctx, "renew")
	do("renew", chromedp.Click(chromedp.CSS(`form[action="/renew"]:not([enctype]) button`)), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	renewed := text("[data-activation-code]")
	shots.shot(ctx, "renewed")
	before, _ := v.Verify(repl)
	if lic, err := v.Verify(renewed); err != nil || lic.Expires != before.Expires+365 {
		t.Fatalf("renewed: %+v, %v", lic, err)
	}

	bs.narrowAndErrors(e, full[1], email)
}

// browserSession drives one Chromium tab, with a screenshot and the page's
// HTML when a step fails.
type browserSession struct {
	t     *testing.T
	ctx   context.Context
	shots *shooter
}

func (b *browserSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.shots.shot(b.ctx, "failed")
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		b.t.Fatalf("%s: %v\n%s", what, err, html)
	}
}

// typeSignup signs up as email in the browser, confirms the address by
// the link mailed through the SMTP relay and logs in, typing into each
// page and pressing its button; Enter in the password field submits the
// log-in, as for keyboard users.
func (b *browserSession) typeSignup(e *env, email, password string) {
	b.t.Helper()
	b.do("sign up", chromedp.Navigate(e.url("/signup")), chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	b.shots.shot(b.ctx, "signup")
	b.do("sign up", chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	b.shots.shot(b.ctx, "check-mail")
	link := e.mail.link(b.t, email, "Confirm your email address")
	b.do("confirm", chromedp.Navigate(link), chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)))
	if s := b.text(`[role="status"]`); !strings.Contains(s, "confirmed") {
		b.t.Fatalf("confirmation: %q", s)
	}
	b.do("log in", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password+"\r"),
		chromedp.WaitVisible(chromedp.CSS(".who")))
}

// typeLogin logs out whoever is logged in and logs in as email, typing
// into the log-in page and pressing its button.
func (b *browserSession) typeLogin(e *env, email, password string) {
	b.t.Helper()
	b.do("log out", chromedp.Navigate(e.url("/licenses")))
	if n, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/logout"]').length`)); n > 0 {
		b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	}
	b.do("log in as "+email, chromedp.Navigate(e.url("/login")), chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password), chromedp.Click(chromedp.CSS("main form button")),
		chromedp.WaitVisible(chromedp.CSS(".who")))
}

func (b *browserSession) text(sel string) string {
	b.t.Helper()
	var s string
	var err error
	// A page that a click submitted can still be replacing the one the
	// element was found in: the node goes, and is found again in the new
	// page.
	for try := 0; try < 5; try++ {
		if s, err = chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil || !strings.Contains(err.Error(), "No node with given id") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// narrowAndErrors checks the pages at 360 px, and then the error paths
// of email's session: a mistyped key, another account's key (other), a
// wrong password.
func (b *browserSession) narrowAndErrors(e *env, other formats.RegistrationKey, email string) {
	t, ctx, shots, do, text := b.t, b.ctx, b.shots, b.do, b.text
	t.Helper()
	// No page needs a sideways scroll at 360 px.
	do("narrow", chromedp.EmulateViewport(360, 740))
	for _, path := range []string{"/licenses", "/register", "/renew", "/report-stolen"} {
		do(path, chromedp.Navigate(e.url(path)))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		if err != nil || w > 360 {
			shots.shot(ctx, "too-wide")
			t.Errorf("%s at 360 px is %d px wide (%v)", path, w, err)
		}
		// Every page says how to reach support.
		if s := text("footer [data-support]"); s != "the vendor's customer service" {
			t.Errorf("%s: the footer names support %q", path, s)
		}
	}
	shots.shot(ctx, "licenses-360")
	do("wide", chromedp.EmulateViewport(1000, 800))

	// Error paths: a mistyped key, another account's key, a wrong
	// password.
	bad := []byte(other.String())
	bad[8] = 'x'
	do("mistyped", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), string(bad)),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
	if s := text(`[role="alert"]`); !strings.Contains(s, "mistyped at character") {
		t.Fatalf("mistyped key: %q", s)
	}
	shots.shot(ctx, "mistyped")
	// Bob registers the other key, typing it as Ann does.
	const bobEmail, bobPassword = "bob@example.com", "another good password"
	do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	b.typeSignup(e, bobEmail, bobPassword)
	do("bob registers", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), other.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	b.typeLogin(e, email, "correct horse battery")
	do("another's key", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), other.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
	if s := text(`[role="alert"]`); !strings.Contains(s, "cannot be registered") || strings.Contains(s, "bob") {
		t.Fatalf("another account's key: %q", s)
	}
	do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	do("wrong password", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), "not my password\r"),
		chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)))
	if s := text(`[role="alert"]`); s != "The email address or the password is not right." {
		t.Fatalf("wrong password: %q", s)
	}
	shots.shot(ctx, "wrong-password")
}
