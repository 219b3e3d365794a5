package portal_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// registered returns the key of a license that ann registered, and ann.
func (e *env) registered() (formats.RegistrationKey, *browser) {
	e.t.Helper()
	key := e.mint(1, false, ledger.PurposeLicense)[0]
	ann := e.signup("ann@example.com", "correct horse battery")
	ann.submit("/register", "/register", url.Values{"rk": {key.String()}})
	if len(ann.codes()) != 1 {
		e.t.Fatalf("registration: %d %s", ann.code, alert(ann.last))
	}
	return key, ann
}

// Two staff users replacing (or moving) the same license from the pages
// they loaded get one new generation, not two: the second is told that
// the license was replaced meanwhile, whether it comes after the first
// or at the same moment.
func TestConsoleDoubleReplace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, _ := e.registered()
	id := "PC-" + key.Serial.String()
	e.signup("bob@example.com", "another good password")
	e.signup("cat@example.com", "a third good password")
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	e.clock.add(30 * time.Second)
	kim, _ := e.staff("kim@vendor.test", portaldb.RoleSupport)
	generation := func() uint8 {
		hs, err := e.led.Find(ctx, ledger.Query{Product: pc, Serial: key.Serial})
		if err != nil || len(hs) != 1 {
			t.Fatal(err)
		}
		return hs[0].License.Generation
	}

	for _, tc := range []struct {
		action string
		sam    url.Values
		kim    url.Values
	}{
		{"replace", url.Values{"reason": {"first"}}, url.Values{"reason": {"second"}}},
		{"move", url.Values{"email": {"bob@example.com"}, "reason": {"sold twice"}}, url.Values{"email": {"cat@example.com"}, "reason": {"sold twice"}}},
	} {
		path := "/console/licenses/" + id + "/" + tc.action
		// One after the other, from pages loaded before either acted.
		before := generation()
		samForm, kimForm := confirmForm(t, sam, path, tc.sam), confirmForm(t, kim, path, tc.kim)
		sam.post(path, samForm)
		if sam.code != http.StatusOK || alert(sam.last) != "" {
			t.Fatalf("%s: %d %q", tc.action, sam.code, alert(sam.last))
		}
		kim.post(path, kimForm)
		if kim.code != http.StatusUnprocessableEntity || !strings.Contains(alert(kim.last), "meanwhile") {
			t.Errorf("%s from an older page: %d %q", tc.action, kim.code, alert(kim.last))
		}
		if g := generation(); g != before+1 {
			t.Fatalf("%s twice from the same page: generation %d to %d", tc.action, before, g)
		}

		// At the same moment.
		before = generation()
		samForm, kimForm = confirmForm(t, sam, path, tc.kim), confirmForm(t, kim, path, tc.sam)
		var wg sync.WaitGroup
		for _, p := range []struct {
			b *browser
			f url.Values
		}{{sam, samForm}, {kim, kimForm}} {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", e.url(path), strings.NewReader(p.f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := p.b.c.Do(req)
				if err == nil {
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		if g := generation(); g != before+1 {
			t.Fatalf("%s twice at once: generation %d to %d", tc.action, before, g)
		}
	}
	if _, err := e.led.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// confirmForm loads an action's confirmation page and returns what its
// form posts: its hidden fields, with fields filled in.
func confirmForm(t *testing.T, b *browser, path string, fields url.Values) url.Values {
	t.Helper()
	b.get(path)
	if b.code != http.StatusOK || !strings.Contains(b.last, "data-confirm") {
		t.Fatalf("confirmation of %s: %d\n%s", path, b.code, b.last)
	}
	f := hiddenFields(b.last)
	for k, v := range fields {
		f[k] = v
	}
	return f
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenFields returns the hidden inputs of the page's forms, csrf among
// them, as a browser posts them.
func hiddenFields(page string) url.Values {
	f := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	return f
}

// A reason may be as long as documented (MaxReason bytes), and no longer;
// one with a line break or control character is refused, with a message
// that says so.
func TestConsoleReasonBounds(t *testing.T) {
	e := newEnv(t)
	key, _ := e.registered()
	id := "PC-" + key.Serial.String()
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	path := "/console/licenses/" + id + "/revoke"
	for _, bad := range []string{"", "   ", strings.Repeat("x", portal.MaxReason+1), "two\nlines", "bell\x07", "bad \xff utf-8"} {
		sam.post(path, confirmForm(t, sam, path, url.Values{"reason": {bad}}))
		if sam.code != http.StatusUnprocessableEntity || alert(sam.last) == "" {
			t.Errorf("reason %q: %d %q", bad, sam.code, alert(sam.last))
		}
	}
	if lic, _ := e.led.License(context.Background(), pc, key.Serial); lic.Revoked {
		t.Fatal("revoked with a refused reason")
	}
	long := strings.Repeat("chargeback, ", portal.MaxReason/12)
	long = strings.TrimSpace(long[:min(len(long), portal.MaxReason)])
	consoleDo(t, sam, path, "Every generation", url.Values{"reason": {long}})
	if lic, _ := e.led.License(context.Background(), pc, key.Serial); lic.RevokeReason != long {
		t.Fatalf("reason of %d bytes: %q", len(long), lic.RevokeReason)
	}
}

// A reset code is signed for the install id exactly as typed, odd Unicode
// and all, but for the spaces, tabs and line ends that FORMAT.md rules out
// at its ends; one that cannot have been typed from a product's screen is
// refused.
func TestConsoleResetCodeInstallID(t *testing.T) {
	e := newEnv(t)
	key, _ := e.registered()
	id := "PC-" + key.Serial.String()
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	path := "/console/licenses/" + id + "/reset-code"
	today, _ := formats.DayOf(e.clock.now())
	remembered := (today + 30).String()
	for _, bad := range []string{"", "  \t", strings.Repeat("x", formats.MaxInstallIDLen+1), "host\x00id", "host\nid", "bad \xff utf-8"} {
		sam.post(path, confirmForm(t, sam, path, url.Values{"install_id": {bad}, "remembered": {remembered}}))
		if sam.code != http.StatusUnprocessableEntity || !strings.Contains(alert(sam.last), "install id") {
			t.Errorf("install id %q: %d %q", bad, sam.code, alert(sam.last))
		}
	}
	for typed, install := range map[string]string{
		" host-7f3a\r\n":        "host-7f3a",
		"host-7f3a\u00a0":       "host-7f3a\u00a0", // a no-break space is part of the id
		"\u3000hôte-機械-e\u0301": "\u3000hôte-機械-e\u0301",
	} {
		consoleDo(t, sam, path, "clears that lock once", url.Values{"install_id": {typed}, "remembered": {remembered}})
		m := resetRE.FindStringSubmatch(sam.last)
		if m == nil {
			t.Fatalf("install id %q: no reset code:\n%s", typed, sam.last)
		}
		c, err := formats.ParseResetCode(html.UnescapeString(m[1]), pc)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := c.AppendMessage(nil, install)
		if err != nil || !ed25519.Verify(e.key.Public().Public, msg, c.Signature[:]) {
			t.Errorf("typed %q: the reset code is not for install %q (%v)", typed, install, err)
		}
	}
}

// A burst of TOTP guesses sent at once is held to the account's limit as
// guesses sent one by one are: no more than TOTPAccount.Max of them are
// checked at all.
func TestConsoleTOTPBurst(t *testing.T) {
	e := newEnv(t)
	_, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	e.clock.add(30 * time.Second)
	b := e.browser()
	b.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	form := hiddenFields(b.last)
	good := e.totpCode(secret)
	const burst = 40
	codes := make(chan int, burst)
	var wg sync.WaitGroup
	for i := range burst {
		f := url.Values{"csrf": form["csrf"], "code": {fmt.Sprintf("%06d", (i*7919+13)%1000000)}}
		if f.Get("code") == good {
			f.Set("code", "999999")
		}
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.url("/console/totp"), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		switch c {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a guess answered %d", c)
		}
	}
	if checked > portal.DefaultLimits.TOTPAccount.Max {
		t.Fatalf("%d of %d guesses sent at once were checked; the limit is %d", checked, burst, portal.DefaultLimits.TOTPAccount.Max)
	}
}

// The console's log-in limit per IP address, which counts every attempt,
// holds for attempts sent at once too.
func TestConsoleLoginBurst(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginIP = portal.Limit{Max: 3, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits))
	b := e.browser()
	b.get("/console/login")
	csrf := b.csrf()
	const burst = 12
	codes := make(chan int, burst)
	var wg sync.WaitGroup
	for i := range burst {
		f := url.Values{"csrf": {csrf}, "email": {fmt.Sprintf("guess%d@vendor.test", i)}, "password": {"a guessed password"}}
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.url("/console/login"), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	tried := 0
	for c := range codes {
		if c == http.StatusUnauthorized {
			tried++
		} else if c != http.StatusTooManyRequests {
			t.Errorf("an attempt answered %d", c)
		}
	}
	if tried > limits.LoginIP.Max {
		t.Fatalf("%d of %d attempts sent at once were tried; the limit is %d", tried, burst, limits.LoginIP.Max)
	}
}

// The first password is the key to enrolling an authenticator, so it is
// good for StaffEnrolLifetime only: a staff user who has not set up their
// authenticator by then (or an attacker who learnt the password later)
// is told to ask an admin, who removes and adds them again.
func TestConsoleEnrolmentExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada, adaSecret := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	if err := portal.AddStaff(ctx, e.led, "sam@vendor.test", portaldb.RoleSupport, staffPassword); err != nil {
		t.Fatal(err)
	}
	e.clock.add(portal.StaffEnrolLifetime + time.Minute)
	late := e.browser()
	late.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if secretRE.MatchString(late.last) || late.code != http.StatusForbidden || !strings.Contains(alert(late.last), "Ask an admin to remove you and add you again") {
		t.Fatalf("enrolment after %v: %d %q", portal.StaffEnrolLifetime, late.code, alert(late.last))
	}
	late.get("/console/totp")
	if secretRE.MatchString(late.last) {
		t.Fatal("the secret is shown after the enrolment expired")
	}
	ada.staffLogin("ada@vendor.test", adaSecret)
	ada.get("/console/staff")
	if !strings.Contains(ada.last, "expired") {
		t.Fatalf("the staff list does not say the set-up expired:\n%s", ada.last)
	}
	// Removed and added again, sam enrols.
	ada.submit("/console/staff/remove?email=sam@vendor.test", "/console/staff/remove?email=sam@vendor.test", url.Values{})
	ada.submit("/console/staff", "/console/staff", url.Values{"email": {"sam@vendor.test"}, "role": {"support"}, "password": {staffPassword}})
	late.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if !secretRE.MatchString(late.last) {
		t.Fatalf("enrolment after being added again: %d %q", late.code, alert(late.last))
	}
}

// A revoked license's code is not resent: it no longer works, and a mail
// calling it "the current Activation Code" would mislead the owner.
func TestConsoleResendRevoked(t *testing.T) {
	e := newEnv(t)
	key, _ := e.registered()
	id := "PC-" + key.Serial.String()
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	// The resend form, opened before the license was revoked, is sent
	// after: refused, as the license's page no longer offers it.
	path := "/console/licenses/" + id + "/resend"
	form := confirmForm(t, sam, path, url.Values{})
	consoleDo(t, sam, "/console/licenses/"+id+"/revoke", "Every generation", url.Values{"reason": {"chargeback"}})
	sam.post(path, form)
	if sam.code != http.StatusConflict || !strings.Contains(alert(sam.last), "revoked") || strings.Contains(sam.last, `data-action="resend"`) {
		t.Fatalf("resend of a revoked license: %d %q", sam.code, alert(sam.last))
	}
	es, err := e.led.Events(context.Background(), pc, key.Serial)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range es {
		if ev.Kind == "code_resent" {
			t.Fatal("a revoked code was resent")
		}
	}
}

// The console's log-in limit per account, which counts failed passwords,
// holds for guesses sent at once from many addresses too, as the
// customers' does; a log-in that succeeds is not counted.
func TestConsoleLoginAccountBurst(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 3, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits), portal.WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8")))
	if err := portal.AddStaff(context.Background(), e.led, "sam@vendor.test", portaldb.RoleSupport, staffPassword); err != nil {
		t.Fatal(err)
	}
	for range 2 * limits.LoginAccount.Max {
		b := e.browser()
		if b.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}}); !strings.Contains(b.last, "Set up your authenticator") {
			t.Fatalf("a right password: %d %s", b.code, alert(b.last))
		}
	}
	b := e.browser()
	b.get("/console/login")
	csrf := b.csrf()
	const burst = 12
	codes := make(chan int, burst)
	var wg sync.WaitGroup
	for i := range burst {
		f := url.Values{"csrf": {csrf}, "email": {"sam@vendor.test"}, "password": {"a guessed password"}}
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.url("/console/login"), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
			resp, err := b.c.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	tried := 0
	for c := range codes {
		if c == http.StatusUnauthorized {
			tried++
		} else if c != http.StatusTooManyRequests {
			t.Errorf("an attempt answered %d", c)
		}
	}
	if tried > limits.LoginAccount.Max {
		t.Fatalf("%d of %d guesses sent at once from as many addresses were tried; the limit per account is %d", tried, burst, limits.LoginAccount.Max)
	}
}
