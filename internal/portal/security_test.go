package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
)

const alertRE = `role="alert">`

func alert(page string) string {
	i := strings.Index(page, alertRE)
	if i < 0 {
		return ""
	}
	rest := page[i+len(alertRE):]
	return rest[:strings.Index(rest, "</p>")]
}

func TestRegisterRefusals(t *testing.T) {
	e := newEnv(t)
	keys := e.mint(3, false, ledger.PurposeLicense)
	trial := e.mint(1, true, ledger.PurposeLicense)[0]
	ann := e.signup("ann@example.com", "correct horse battery")
	bob := e.signup("bob@example.com", "another good password")

	// Mistyped: refused in the form, with the position.
	bad := []byte(keys[0].String())
	bad[5] = 'x'
	ann.submit("/register", "/register", url.Values{"rk": {string(bad)}})
	if a := alert(ann.last); ann.code != 422 || !strings.Contains(a, "mistyped at character 3 of group 2") {
		t.Fatalf("mistyped key: %d %q", ann.code, a)
	}
	if !strings.Contains(ann.last, `value="`+string(bad)+`"`) {
		t.Error("the mistyped key is not kept in the form")
	}

	// Bob registers a key; Ann's try at it, a key never minted and a void
	// key all get the one answer, which names nobody.
	bob.submit("/register", "/register", url.Values{"rk": {keys[1].String()}})
	if len(bob.codes()) != 1 {
		t.Fatalf("bob's key: %s", alert(bob.last))
	}
	if err := e.led.Void(context.Background(), keys[2], "refunded"); err != nil {
		t.Fatal(err)
	}
	unminted := keys[0]
	unminted.Serial ^= 1 << 20
	var answers []string
	for _, k := range []string{keys[1].String(), unminted.String(), keys[2].String()} {
		ann.submit("/register", "/register", url.Values{"rk": {k}})
		answers = append(answers, alert(ann.last))
		if strings.Contains(ann.last, "bob") || len(ann.codes()) != 0 {
			t.Fatalf("refusal of %s tells too much:\n%s", k, ann.last)
		}
	}
	if answers[0] == "" || answers[0] != answers[1] || answers[1] != answers[2] {
		t.Fatalf("refusals differ: %q", answers)
	}

	// A trial key gives a trial code; registering it again shows it again.
	ann.submit("/register", "/register", url.Values{"rk": {trial.String()}})
	codes := ann.codes()
	if len(codes) != 1 {
		t.Fatalf("trial key: %s", alert(ann.last))
	}
	if lic, err := e.product(nil).Verify(codes[0]); err != nil || !lic.Trial {
		t.Fatalf("trial code: %+v, %v", lic, err)
	}
	e.clock.add(2 * time.Hour)
	ann.submit("/register", "/register", url.Values{"rk": {trial.String()}})
	if again := ann.codes(); len(again) != 1 || again[0] != codes[0] || !strings.Contains(ann.last, "registered to your account already") {
		t.Fatalf("the same key again: %v\n%s", again, ann.last)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	keys := e.mint(1, false, ledger.PurposeLicense)
	b := e.signup("ann@example.com", "correct horse battery")
	other := e.browser()
	other.get("/login")
	foreign := other.csrf()
	for name, token := range map[string]string{"missing": "", "wrong": "AAAA", "another visitor's": foreign} {
		fields := url.Values{"rk": {keys[0].String()}}
		if token != "" {
			fields.Set("csrf", token)
		}
		b.post("/register", fields)
		if b.code != http.StatusForbidden || !strings.Contains(alert(b.last), "did not come from this site") || len(b.codes()) != 0 {
			t.Errorf("%s token: %d %q", name, b.code, alert(b.last))
		}
	}
	// And on the pages of visitors not logged in.
	other.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"correct horse battery"}})
	if other.code != http.StatusForbidden {
		t.Errorf("log-in without a token: %d", other.code)
	}
	if rk, _ := e.led.RegistrationKey(context.Background(), keys[0]); rk.State != ledger.StateMinted {
		t.Fatal("a forged form registered the key")
	}
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t)
	e.signup("ann@example.com", "correct horse battery")
	// An attacker plants an id of their own in the victim's browser...
	attacker := e.browser()
	attacker.get("/login")
	u, _ := url.Parse(e.ts.URL)
	planted := attacker.c.Jar.Cookies(u)[0]
	victim := e.browser()
	victim.c.Jar.SetCookies(u, []*http.Cookie{planted})
	// ... the victim logs in...
	victim.login("ann@example.com", "correct horse battery")
	if !strings.Contains(victim.last, "Logged in as ann@example.com") {
		t.Fatalf("log-in: %s", victim.last)
	}
	if now := victim.c.Jar.Cookies(u)[0]; now.Value == planted.Value {
		t.Fatal("the session id was not changed at log-in")
	}
	// ... and the planted id is still not logged in.
	attacker.get("/licenses")
	if strings.Contains(attacker.last, "Logged in as") {
		t.Fatal("the planted id became a logged-in session")
	}
}

func TestCookiesAndHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, portal.WithSecureCookies(secure))
		resp, err := http.Get(e.url("/login"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		c := resp.Cookies()
		if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Secure != secure {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
		h := resp.Header
		for k, want := range map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff",
			"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
			if !strings.Contains(h.Get(k), want) {
				t.Errorf("%s: %q", k, h.Get(k))
			}
		}
		if (h.Get("Strict-Transport-Security") != "") != secure {
			t.Errorf("secure=%v: HSTS %q", secure, h.Get("Strict-Transport-Security"))
		}
	}
}

func TestNoEnumeration(t *testing.T) {
	e := newEnv(t)
	e.signup("ann@example.com", "correct horse battery")
	b := e.browser()
	b.login("ann@example.com", "wrong password here")
	wrong := alert(b.last)
	b.login("nobody@example.com", "wrong password here")
	if nobody := alert(b.last); wrong == "" || wrong != nobody || b.code != http.StatusUnauthorized {
		t.Fatalf("log-in answers differ: %q / %q", wrong, nobody)
	}
	b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	known := strings.ReplaceAll(b.last, "ann@example.com", "X")
	b.submit("/forgot", "/forgot", url.Values{"email": {"nobody@example.com"}})
	unknown := strings.ReplaceAll(b.last, "nobody@example.com", "X")
	if csrfRE.ReplaceAllString(known, "") != csrfRE.ReplaceAllString(unknown, "") {
		t.Fatal("the reset answers differ")
	}
	// Both queue mail, so that they take the same time; the address with
	// no account is told so, with no link.
	e.mail.wait(t, "ann@example.com", "Reset your password")
	if m := e.mail.wait(t, "nobody@example.com", "No account with this address"); strings.Contains(m.Body, "token=") || !strings.Contains(m.Body, "no account") {
		t.Fatalf("the mail to an address with no account:\n%s", m.Body)
	}
	// Signing up again with a known address looks the same as a new one;
	// the owner is told by mail.
	b.submit("/signup", "/signup", url.Values{"email": {"ann@example.com"}, "password": {"some other password"}})
	if !strings.Contains(b.last, "We have sent a confirmation link") {
		t.Fatalf("sign-up again: %s", b.last)
	}
	e.mail.wait(t, "ann@example.com", "You already have an account")
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func TestPasswordReset(t *testing.T) {
	e := newEnv(t)
	e.signup("ann@example.com", "correct horse battery")
	b := e.browser()
	b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	link := e.mail.link(t, "ann@example.com", "Reset your password")
	token := tokenRE.FindStringSubmatch(link)[1]
	reset := func(token, password string) {
		b.get("/reset?token=" + token)
		b.post("/reset", url.Values{"csrf": {b.csrf()}, "token": {token}, "password": {password}})
	}
	reset(token, "a brand new password")
	if !strings.Contains(b.last, "Your password is changed") {
		t.Fatalf("reset: %s", alert(b.last))
	}
	b.login("ann@example.com", "a brand new password")
	if !strings.Contains(b.last, "Logged in as") {
		t.Fatal("the new password does not log in")
	}
	// Used once only.
	reset(token, "yet another password")
	if !strings.Contains(alert(b.last), "unknown, used already or expired") {
		t.Fatalf("reset link reused: %d %s", b.code, alert(b.last))
	}
	// Expired after an hour.
	b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	token = tokenRE.FindStringSubmatch(e.mail.link(t, "ann@example.com", "Reset your password"))[1]
	e.clock.add(time.Hour)
	reset(token, "yet another password")
	if !strings.Contains(alert(b.last), "unknown, used already or expired") {
		t.Fatalf("expired reset link: %s", alert(b.last))
	}
	fresh := e.browser()
	fresh.login("ann@example.com", "yet another password")
	if strings.Contains(fresh.last, "Logged in as") {
		t.Fatal("an expired link changed the password")
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	e.mint(1, false, ledger.PurposeLicense)
	b := e.signup("ann@example.com", "correct horse battery")
	// A guessing loop: random well-formed keys, refused until the limit.
	guesses := e.mint(portal.DefaultLimits.RegisterAccount.Max+2, false, ledger.PurposeLicense)
	var last int
	for i, k := range guesses {
		k.Serial ^= 1 << 30 // another serial: never minted
		b.submit("/register", "/register", url.Values{"rk": {k.String()}})
		last = b.code
		if i < portal.DefaultLimits.RegisterAccount.Max && b.code != 422 {
			t.Fatalf("guess %d: %d", i, b.code)
		}
	}
	if last != http.StatusTooManyRequests || !strings.Contains(alert(b.last), "Too many attempts") {
		t.Fatalf("the guessing loop was not stopped: %d %q", last, alert(b.last))
	}
	// Even a good key waits now.
	b.submit("/register", "/register", url.Values{"rk": {guesses[0].String()}})
	if b.code != http.StatusTooManyRequests {
		t.Fatalf("good key during the limit: %d", b.code)
	}
	// The window passes.
	e.clock.add(time.Hour)
	b.login("ann@example.com", "correct horse battery")
	b.submit("/register", "/register", url.Values{"rk": {guesses[0].String()}})
	if len(b.codes()) != 1 {
		t.Fatalf("after the window: %d %q", b.code, alert(b.last))
	}

	// Log-in: wrong passwords for one account.
	c := e.browser()
	for i := 0; i < portal.DefaultLimits.LoginAccount.Max; i++ {
		c.login("ann@example.com", "not the password")
	}
	c.login("ann@example.com", "correct horse battery")
	if c.code != http.StatusTooManyRequests {
		t.Fatalf("log-in after %d failures: %d", portal.DefaultLimits.LoginAccount.Max, c.code)
	}
	// Reset requests for one account.
	for i := 0; i < portal.DefaultLimits.ResetAccount.Max; i++ {
		c.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	}
	c.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	if c.code != http.StatusTooManyRequests {
		t.Fatalf("reset requests over the limit: %d", c.code)
	}
}

func TestHTMLInjection(t *testing.T) {
	e := newEnv(t)
	b := e.signup("ann@example.com", "correct horse battery")
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	anon := e.browser()
	pages := []struct {
		b            *browser
		page, action string
		fields       url.Values
	}{
		{anon, "/signup", "/signup", url.Values{"email": {evil}, "password": {"x"}}},
		{anon, "/login", "/login", url.Values{"email": {evil}, "password": {"x"}}},
		{anon, "/forgot", "/forgot", url.Values{"email": {evil}}},
		{b, "/register", "/register", url.Values{"rk": {evil}}},
		{b, "/register", "/register", url.Values{"rk": {"PC-12<b>34"}}},
		{b, "/renew", "/renew", url.Values{"rk": {evil}}},
		{b, "/renew", "/renew", url.Values{"request": {evil}}},
		{b, "/reset", "/reset", url.Values{"token": {evil}, "password": {"short"}}},
	}
	for _, p := range pages {
		p.b.submit(p.page, p.action, p.fields)
		if strings.Contains(p.b.last, "<script>alert") || strings.Contains(p.b.last, "<img src=x") || strings.Contains(p.b.last, "<b>34") {
			t.Errorf("%s echoes markup:\n%s", p.action, p.b.last)
		}
		if alert(p.b.last) == "" {
			t.Errorf("%s: no error shown for %v", p.action, p.fields)
		}
	}
	b.get("/confirm?token=" + url.QueryEscape(evil))
	if strings.Contains(b.last, "<script>alert") {
		t.Error("/confirm echoes markup")
	}
}
