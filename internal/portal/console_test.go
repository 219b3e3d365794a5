package portal_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const staffPassword = "staff password 1"

var (
	secretRE  = regexp.MustCompile(`data-totp-secret>([A-Z2-7]+)<`)
	uriRE     = regexp.MustCompile(`data-totp-uri href="([^"]+)"`)
	totpQRRE  = regexp.MustCompile(`data-totp-qr>(<svg .*?</svg>)`)
	resultRE  = regexp.MustCompile(`<a href="(/console/[^"]+)" data-result>`)
	resetRE   = regexp.MustCompile(`data-reset-code>([^<]+)<`)
	apiTokRE  = regexp.MustCompile(`data-api-token>(lmt_[A-Za-z0-9_-]+)<`)
	statusRE  = regexp.MustCompile(`role="status">([^<]*)<`)
	eventRowR = regexp.MustCompile(`<tr data-event="([^"]+)"><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>`)
)

// totpCode is what an authenticator app shows for secret at the clock's
// time.
func (e *env) totpCode(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// staff adds a staff user and returns a browser logged in to the console
// as them, with the TOTP secret the enrolment page showed.
func (e *env) staff(email, role string) (*browser, string) {
	e.t.Helper()
	if err := portal.AddStaff(context.Background(), e.led, email, role, staffPassword); err != nil {
		e.t.Fatal(err)
	}
	b := e.browser()
	b.submit("/console/login", "/console/login", url.Values{"email": {email}, "password": {staffPassword}})
	m := secretRE.FindStringSubmatch(b.last)
	if m == nil || !strings.Contains(b.last, "Set up your authenticator") {
		e.t.Fatalf("enrolment page: %d\n%s", b.code, b.last)
	}
	if u := uriRE.FindStringSubmatch(b.last); u == nil || !strings.HasPrefix(u[1], "otpauth://totp/") || !strings.Contains(u[1], "secret="+m[1]) {
		e.t.Fatalf("no otpauth URI with the secret: %v", u)
	}
	// Beside the link, the same link as a QR code for the phone's app.
	if q := totpQRRE.FindStringSubmatch(b.last); q == nil {
		e.t.Fatalf("no QR code of the link:\n%s", b.last)
	} else if label, text := portal.ScanQRSVG(e.t, q[1]); label == "" || text != html.UnescapeString(uriRE.FindStringSubmatch(b.last)[1]) {
		e.t.Fatalf("the QR code, %q, holds %q", label, text)
	}
	b.post("/console/totp", url.Values{"csrf": {b.csrf()}, "code": {e.totpCode(m[1])}})
	if !strings.Contains(b.last, "Logged in to the console as "+email) {
		e.t.Fatalf("TOTP: %d\n%s", b.code, b.last)
	}
	return b, m[1]
}

// staffLogin logs b in as email again, with the code of the clock's step.
func (b *browser) staffLogin(email, secret string) {
	b.e.t.Helper()
	b.submit("/console/login", "/console/login", url.Values{"email": {email}, "password": {staffPassword}})
	b.post("/console/totp", url.Values{"csrf": {b.csrf()}, "code": {b.e.totpCode(secret)}})
}

func TestConsoleTOTPLogin(t *testing.T) {
	e := newEnv(t)
	sam, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	sam.post("/console/logout", url.Values{"csrf": {sam.csrf()}})
	sam.get("/console/")
	if !strings.Contains(sam.last, `action="/console/login"`) {
		t.Fatalf("after log-out: %s", sam.last)
	}

	// The same code again, in the same 30 seconds: refused as a replay,
	// and the secret is not shown again once enrolled.
	sam.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if secretRE.MatchString(sam.last) || !strings.Contains(sam.last, "Enter your authenticator code") {
		t.Fatalf("second log-in shows the secret again:\n%s", sam.last)
	}
	sam.post("/console/totp", url.Values{"csrf": {sam.csrf()}, "code": {e.totpCode(secret)}})
	if sam.code != http.StatusUnauthorized || !strings.Contains(alert(sam.last), "used already") {
		t.Fatalf("replayed code: %d %q", sam.code, alert(sam.last))
	}
	// Nor an older step's code, once a newer one was used.
	old := e.totpCode(secret)
	e.clock.add(30 * time.Second)
	sam.post("/console/totp", url.Values{"csrf": {sam.csrf()}, "code": {e.totpCode(secret)}})
	if !strings.Contains(sam.last, "Logged in to the console") {
		t.Fatalf("next step's code: %d %s", sam.code, alert(sam.last))
	}
	other := e.browser()
	other.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	other.post("/console/totp", url.Values{"csrf": {other.csrf()}, "code": {old}})
	if other.code != http.StatusUnauthorized {
		t.Fatalf("an older step's code after a newer one: %d", other.code)
	}

	// The password alone reaches no console page.
	other.get("/console/?q=x")
	if !strings.Contains(other.last, `action="/console/totp"`) {
		t.Fatalf("half-way session reached the console: %s", other.last)
	}
	// A wrong password never reaches the TOTP step.
	wrong := e.browser()
	wrong.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {"not the password"}})
	if wrong.code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", wrong.code)
	}
	wrong.get("/console/totp")
	if strings.Contains(wrong.last, `action="/console/totp"`) {
		t.Fatal("the TOTP form without the password")
	}
	// A customer's session is no staff session.
	ann := e.signup("ann@example.com", "correct horse battery")
	ann.get("/console/")
	if !strings.Contains(ann.last, `action="/console/login"`) {
		t.Fatalf("a customer reached the console: %s", ann.last)
	}
}

func TestConsoleTOTPBruteForce(t *testing.T) {
	e := newEnv(t)
	_, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	// Every code counts, the enrolment's too: start a new window.
	e.clock.add(portal.DefaultLimits.TOTPAccount.Window)
	b := e.browser()
	b.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	good := e.totpCode(secret)
	wrong := "000000"
	if wrong == good {
		wrong = "111111"
	}
	for i := range portal.DefaultLimits.TOTPAccount.Max {
		b.post("/console/totp", url.Values{"csrf": {b.csrf()}, "code": {wrong}})
		if b.code != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d", i, b.code)
		}
	}
	// The limit is the account's: a new log-in from another browser, with
	// the right code, waits too.
	c := e.browser()
	c.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	c.post("/console/totp", url.Values{"csrf": {c.csrf()}, "code": {good}})
	if c.code != http.StatusTooManyRequests || !strings.Contains(alert(c.last), "Too many attempts") {
		t.Fatalf("after %d wrong codes: %d %q", portal.DefaultLimits.TOTPAccount.Max, c.code, alert(c.last))
	}
	e.clock.add(portal.DefaultLimits.TOTPAccount.Window)
	c.staffLogin("sam@vendor.test", secret)
	if !strings.Contains(c.last, "Logged in to the console") {
		t.Fatalf("after the window: %d %s", c.code, alert(c.last))
	}
}

func TestConsoleSessionFixation(t *testing.T) {
	e := newEnv(t)
	_, secret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	e.clock.add(30 * time.Second)
	u, _ := url.Parse(e.url("/console/"))
	attacker := e.browser()
	attacker.get("/console/login")
	planted := attacker.c.Jar.Cookies(u)
	if len(planted) != 1 || planted[0].Name != "licmint_staff" {
		t.Fatalf("console cookie: %v", planted)
	}
	victim := e.browser()
	victim.c.Jar.SetCookies(u, planted)
	victim.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	halfway := victim.c.Jar.Cookies(u)[0].Value
	victim.post("/console/totp", url.Values{"csrf": {victim.csrf()}, "code": {e.totpCode(secret)}})
	if !strings.Contains(victim.last, "Logged in to the console") {
		t.Fatalf("log-in: %s", victim.last)
	}
	final := victim.c.Jar.Cookies(u)[0].Value
	if halfway == planted[0].Value || final == halfway || final == planted[0].Value {
		t.Fatal("the session id was not changed at each log-in step")
	}
	attacker.get("/console/")
	if strings.Contains(attacker.last, "Logged in to the console") {
		t.Fatal("the planted id became a logged-in session")
	}
	// Nor does the half-way id count, after the log-in.
	thief := e.browser()
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: "licmint_staff", Value: halfway, Path: "/console"}})
	thief.get("/console/")
	if strings.Contains(thief.last, "Logged in to the console") || strings.Contains(thief.last, `action="/console/totp"`) {
		t.Fatal("the half-way id lives on")
	}
}

func TestConsoleRoles(t *testing.T) {
	e := newEnv(t)
	sam, samSecret := e.staff("sam@vendor.test", portaldb.RoleSupport)
	e.clock.add(30 * time.Second)
	ada, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)

	// Support: no staff or token pages, by GET or POST.
	for _, path := range []string{"/console/staff", "/console/tokens", "/console/tokens/1/revoke", "/console/staff/remove?email=ada@vendor.test"} {
		sam.get(path)
		if sam.code != http.StatusForbidden || !strings.Contains(alert(sam.last), "Only an admin") {
			t.Errorf("support GET %s: %d", path, sam.code)
		}
	}
	sam.get("/console/")
	csrf := sam.csrf()
	for path, form := range map[string]url.Values{
		"/console/tokens":       {"name": {"x"}, "scope": {"mint"}},
		"/console/staff":        {"email": {"eve@vendor.test"}, "role": {"admin"}, "password": {staffPassword}},
		"/console/staff/remove": {"email": {"ada@vendor.test"}},
	} {
		form.Set("csrf", csrf)
		sam.post(path, form)
		if sam.code != http.StatusForbidden {
			t.Errorf("support POST %s: %d", path, sam.code)
		}
	}
	if toks, _ := portaldb.NewAPITokens(e.led).List(context.Background()); len(toks) != 0 {
		t.Fatal("support created a token")
	}
	if _, err := portaldb.NewStaff(e.led).Get(context.Background(), "eve@vendor.test"); err == nil {
		t.Fatal("support added a staff user")
	}

	// Admin: create a token (shown once, and it works on the API), revoke it.
	ada.submit("/console/tokens", "/console/tokens", url.Values{"name": {"shop"}, "scope": {"read"}})
	m := apiTokRE.FindStringSubmatch(ada.last)
	if m == nil {
		t.Fatalf("token page: %d %s", ada.code, ada.last)
	}
	apiGet := func() int {
		req, _ := http.NewRequest("GET", e.url("/api/v1/licenses?expiring_within=60"), nil)
		req.Header.Set("Authorization", "Bearer "+m[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := apiGet(); c != http.StatusOK {
		t.Fatalf("the new token on the API: %d", c)
	}
	ada.get("/console/tokens")
	if strings.Contains(ada.last, m[1]) {
		t.Fatal("the token is shown again")
	}
	ada.get("/console/tokens/1/revoke")
	if !strings.Contains(ada.last, "refuses the token") {
		t.Fatalf("revoke confirmation: %s", ada.last)
	}
	ada.post("/console/tokens/1/revoke", url.Values{"csrf": {ada.csrf()}})
	if c := apiGet(); c != http.StatusUnauthorized {
		t.Fatalf("the revoked token on the API: %d", c)
	}
	toks, _ := portaldb.NewAPITokens(e.led).List(context.Background())
	if len(toks) != 1 || toks[0].CreatedBy != "console:ada@vendor.test" {
		t.Fatalf("tokens: %+v", toks[0])
	}

	// Admin: add a support user, then remove sam, whose session ends.
	ada.submit("/console/staff", "/console/staff", url.Values{"email": {"eve@vendor.test"}, "role": {"support"}, "password": {staffPassword}})
	if !strings.Contains(ada.last, `data-staff="eve@vendor.test"`) || ada.code != http.StatusOK {
		t.Fatalf("add staff: %d %s", ada.code, alert(ada.last))
	}
	ada.submit("/console/staff", "/console/staff", url.Values{"email": {"eve@vendor.test"}, "role": {"support"}, "password": {staffPassword}})
	if ada.code != http.StatusUnprocessableEntity || !strings.Contains(alert(ada.last), "exists already") {
		t.Fatalf("the same user again: %d %q", ada.code, alert(ada.last))
	}
	ada.submit("/console/staff/remove?email=sam@vendor.test", "/console/staff/remove?email=sam@vendor.test", url.Values{})
	sam.get("/console/")
	if !strings.Contains(sam.last, `action="/console/login"`) {
		t.Fatal("a removed user's session lives on")
	}
	ada.submit("/console/staff/remove?email=ada@vendor.test", "/console/staff/remove?email=ada@vendor.test", url.Values{})
	if ada.code != http.StatusUnprocessableEntity {
		t.Fatalf("an admin removed themselves: %d", ada.code)
	}
	// Added again, sam sets up a new authenticator: the old secret is gone.
	ada.submit("/console/staff", "/console/staff", url.Values{"email": {"sam@vendor.test"}, "role": {"support"}, "password": {staffPassword}})
	if ada.code != http.StatusOK {
		t.Fatalf("sam added again: %d %q", ada.code, alert(ada.last))
	}
	sam.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if m := secretRE.FindStringSubmatch(sam.last); m == nil || m[1] == samSecret {
		t.Fatalf("sam's enrolment after being added again: %v", m)
	}
}

func TestConsoleCSRF(t *testing.T) {
	e := newEnv(t)
	key := e.mint(2, false, ledger.PurposeLicense)
	ann := e.signup("ann@example.com", "correct horse battery")
	ann.submit("/register", "/register", url.Values{"rk": {key[0].String()}})
	id := "PC-" + key[0].Serial.String()
	ada, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	ann.get("/licenses")
	customerToken := ann.csrf()
	e.quiet()
	head, _ := e.led.Head(context.Background())
	posts := map[string]url.Values{
		"/console/login":                                      {"email": {"ada@vendor.test"}, "password": {staffPassword}},
		"/console/totp":                                       {"code": {"123456"}},
		"/console/logout":                                     {},
		"/console/password":                                   {"current_password": {staffPassword}, "new_password": {"another password 2"}},
		"/console/licenses/" + id + "/resend":                 {},
		"/console/licenses/" + id + "/replace":                {"revoke_old": {"on"}, "reason": {"x"}},
		"/console/licenses/" + id + "/revoke":                 {"reason": {"x"}},
		"/console/licenses/" + id + "/move":                   {"email": {"ann@example.com"}, "reason": {"x"}},
		"/console/licenses/" + id + "/reset-code":             {"install_id": {"h"}, "remembered": {"2036-01-01"}},
		"/console/keys/" + key[1].String() + "/void":          {"reason": {"x"}},
		"/console/revocation-list":                            {"product": {"PC"}},
		"/console/staff":                                      {"email": {"eve@vendor.test"}, "role": {"admin"}, "password": {staffPassword}},
		"/console/staff/remove":                               {"email": {"ada@vendor.test"}},
		"/console/tokens":                                     {"name": {"x"}, "scope": {"mint"}},
		"/console/tokens/1/revoke":                            {},
		"/console/accounts/ann@example.com/confirmation":      {},
		"/console/accounts/ann@example.com/unlock":            {},
		"/console/accounts/ann@example.com/logout":            {},
		"/console/accounts/ann@example.com/retry-mail?mail=1": {},
	}
	for path, form := range posts {
		for name, token := range map[string]string{"missing": "", "wrong": "AAAA", "a customer page's": customerToken} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if token != "" {
				f.Set("csrf", token)
			}
			ada.post(path, f)
			if ada.code != http.StatusForbidden || !strings.Contains(alert(ada.last), "did not come from this console") {
				t.Errorf("POST %s with a %s token: %d %q", path, name, ada.code, alert(ada.last))
			}
		}
	}
	if after, _ := e.led.Head(context.Background()); after != head {
		t.Fatalf("forged forms changed the ledger: %v to %v", head, after)
	}
	ada.get("/console/")
	if !strings.Contains(ada.last, "Logged in to the console") {
		t.Fatal("a forged log-out ended the session")
	}
}

// consoleDo loads an action's confirmation page, checks that it says what
// will happen, and confirms it with the fields.
func consoleDo(t *testing.T, b *browser, path, says string, fields url.Values) {
	t.Helper()
	b.get(path)
	if b.code != http.StatusOK || !strings.Contains(b.last, says) || !strings.Contains(b.last, "data-confirm") {
		t.Fatalf("confirmation of %s: %d\n%s", path, b.code, b.last)
	}
	form := hiddenFields(b.last)
	for k, v := range fields {
		form[k] = v
	}
	b.post(path, form)
	if b.code != http.StatusOK || alert(b.last) != "" {
		t.Fatalf("%s: %d %q", path, b.code, alert(b.last))
	}
}

// history returns the kinds and actors of a license page's events.
func history(page string) []string {
	var out []string
	for _, m := range eventRowR.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1]+" by "+m[2])
	}
	return out
}

func hasEvent(page, kind, actor string) bool {
	for _, h := range history(page) {
		if h == kind+" by "+actor {
			return true
		}
	}
	return false
}

// actionsFixture is a license that ann registered from an order of two
// keys, the other key unused, and sam of the support staff.
type actionsFixture struct {
	e          *env
	sam, ann   *browser
	key, spare formats.RegistrationKey
	id, code   string
	actor      string
}

func TestConsoleSearchAndActions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.svc.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 2, Order: "A-1001"})
	if err != nil {
		t.Fatal(err)
	}
	key, spare := m.Keys[0], m.Keys[1]
	ann := e.signup("ann@example.com", "correct horse battery")
	ann.submit("/register", "/register", url.Values{"rk": {key.String()}})
	code := ann.codes()[0]
	id := "PC-" + key.Serial.String()
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)

	f := &actionsFixture{e: e, sam: sam, ann: ann, key: key, spare: spare, id: id, code: code, actor: "console:sam@vendor.test"}
	// Each step acts on the license as the one before left it.
	for _, step := range []struct {
		name string
		run  func(*testing.T)
	}{{"search", f.search}, {"resend and replace", f.resendAndReplace}, {"reset code", f.resetCode}, {"move", f.move},
		{"revoke and publish", f.revokeAndPublish}, {"void", f.void}} {
		if !t.Run(step.name, step.run) {
			return
		}
	}
}

func (f *actionsFixture) search(t *testing.T) {
	sam, key, spare, id, code := f.sam, f.key, f.spare, f.id, f.code
	ac, _ := formats.ParseActivationCode(f.code)
	// One search box: each reference finds the license, and says how it
	// read it.
	for q, readAs := range map[string]string{key.String(): "a Registration Key", ac.ShortForm(): "the short form",
		code: "an Activation Code", "ANN@example.com": "an account&#39;s email address", id: "a license serial", key.Serial.String(): "a license serial",
		"A-1001": "an order reference"} {
		sam.get("/console/?q=" + url.QueryEscape(q))
		res := resultRE.FindAllStringSubmatch(sam.last, -1)
		if len(res) == 0 || res[0][1] != "/console/licenses/"+id || !strings.Contains(sam.last, "Read as "+readAs) {
			t.Errorf("search %q: %v\n%s", q, res, sam.last)
		}
	}
	sam.get("/console/?q=nothing-like-this")
	if !strings.Contains(sam.last, "data-no-result") {
		t.Error("no result is not said")
	}
	sam.get("/console/?q=" + spare.String())
	if res := resultRE.FindStringSubmatch(sam.last); res == nil || res[1] != "/console/keys/"+spare.String() {
		t.Errorf("an unregistered key: %v", res)
	}

	// The license page: the current code and the whole history.
	sam.get("/console/licenses/" + id)
	if cs := sam.codes(); len(cs) != 1 || cs[0] != code || !hasEvent(sam.last, "signed", "ann@example.com") {
		t.Fatalf("license page:\n%s", sam.last)
	}

}

func (f *actionsFixture) resendAndReplace(t *testing.T) {
	e, sam, key, id, code, actor := f.e, f.sam, f.key, f.id, f.code, f.actor
	ctx := context.Background()
	// Resend.
	consoleDo(t, sam, "/console/licenses/"+id+"/resend", "mailed to its owner account, ann@example.com", url.Values{})
	if got := e.mail.wait(t, "ann@example.com", "Your Activation Code"); !mailHasCode(got.Body, code) {
		t.Fatalf("resent mail:\n%s", got.Body)
	}
	if !hasEvent(sam.last, "code resent", actor) || !strings.Contains(sam.last, "queued for mail") {
		t.Fatalf("history after resend: %v", history(sam.last))
	}

	// Replace, revoking the old generation.
	consoleDo(t, sam, "/console/licenses/"+id+"/replace", "next generation", url.Values{"revoke_old": {"on"}, "reason": {"customer's laptop stolen"}})
	lic, _ := e.led.License(ctx, pc, key.Serial)
	if lic.Generation != 1 || !lic.Revoked || lic.RevokedBelow != 1 {
		t.Fatalf("after replace: %+v", lic)
	}
	if got := e.mail.wait(t, "ann@example.com", "replacement"); !strings.Contains(got.Body, "generation 1") {
		t.Fatalf("replacement mail:\n%s", got.Body)
	}
	if !hasEvent(sam.last, "replaced", actor) || !hasEvent(sam.last, "revoked", actor) {
		t.Fatalf("history after replace: %v", history(sam.last))
	}

}

func (f *actionsFixture) resetCode(t *testing.T) {
	e, sam, id, actor := f.e, f.sam, f.id, f.actor
	// Reset code for a clock lock.
	today, _ := formats.DayOf(e.clock.now())
	sam.get("/console/licenses/" + id + "/reset-code")
	sam.post("/console/licenses/"+id+"/reset-code", url.Values{"csrf": {sam.csrf()}, "install_id": {"host-7f3a"}, "remembered": {(today - 1).String()}})
	if sam.code != http.StatusUnprocessableEntity || !strings.Contains(alert(sam.last), "not after the issue day") {
		t.Fatalf("a reset code for a day past: %d %q", sam.code, alert(sam.last))
	}
	consoleDo(t, sam, "/console/licenses/"+id+"/reset-code", "clears that lock once", url.Values{"install_id": {"host-7f3a"}, "remembered": {(today + 400).String()}})
	rc := resetRE.FindStringSubmatch(sam.last)
	if rc == nil {
		t.Fatalf("no reset code shown:\n%s", sam.last)
	}
	if c, err := formats.ParseResetCode(rc[1], pc); err != nil || c.Remembered != today+400 {
		t.Fatalf("reset code %q: %+v %v", rc[1], c, err)
	}
	if !hasEvent(sam.last, "reset code issued", actor) || strings.Contains(sam.last[strings.Index(sam.last, "<h2>History"):], rc[1]) {
		t.Fatalf("history after reset code: %v", history(sam.last))
	}

}

func (f *actionsFixture) move(t *testing.T) {
	e, sam, ann, key, id, actor := f.e, f.sam, f.ann, f.key, f.id, f.actor
	ctx := context.Background()
	// Move to the rightful licensee: refused for an unknown account, then
	// done for bob.
	sam.get("/console/licenses/" + id + "/move")
	sam.post("/console/licenses/"+id+"/move", url.Values{"csrf": {sam.csrf()}, "email": {"nobody@example.com"}, "reason": {"x"}})
	if sam.code != http.StatusUnprocessableEntity || !strings.Contains(alert(sam.last), "No confirmed portal account") {
		t.Fatalf("move to nobody: %d %q", sam.code, alert(sam.last))
	}
	bob := e.signup("bob@example.com", "another good password")
	consoleDo(t, sam, "/console/licenses/"+id+"/move", "the rightful licensee", url.Values{"email": {"bob@example.com"}, "reason": {"reseller sold it twice"}})
	lic, _ := e.led.License(ctx, pc, key.Serial)
	if lic.Owner != "bob@example.com" || lic.Generation != 2 || lic.RevokedBelow != 2 {
		t.Fatalf("after move: %+v", lic)
	}
	if !hasEvent(sam.last, "moved", actor) || !strings.Contains(sam.last, "from: ann@example.com; to: bob@example.com") {
		t.Fatalf("history after move: %v", history(sam.last))
	}
	moved := e.mail.wait(t, "bob@example.com", "replacement")
	bob.get("/licenses")
	if cs := bob.codes(); len(cs) != 1 || !mailHasCode(moved.Body, cs[0]) {
		t.Fatalf("bob's licenses: %v", cs)
	}
	ann.get("/licenses")
	if len(ann.codes()) != 0 {
		t.Fatal("ann still has the moved license")
	}

}

func (f *actionsFixture) revokeAndPublish(t *testing.T) {
	e, sam, key, id, code := f.e, f.sam, f.key, f.id, f.code
	ctx := context.Background()
	// Revoke with a reason, then publish the list: the download is what
	// /crl/PC serves from then on.
	consoleDo(t, sam, "/console/licenses/"+id+"/revoke", "Every generation of "+id, url.Values{"reason": {"chargeback"}})
	if lic, _ := e.led.License(ctx, pc, key.Serial); !lic.RevokesCurrent() || lic.RevokeReason != "chargeback" {
		t.Fatalf("after revoke: %+v", lic)
	}
	// A revoked license offers no replacement; a form for one left open
	// from before is refused with the license's page.
	if sam.get("/console/licenses/" + id); strings.Contains(sam.last, `data-action="replace"`) {
		t.Fatal("a revoked license offers a replacement")
	}
	sam.get("/console/licenses/" + id + "/replace")
	if sam.code != http.StatusConflict || !strings.Contains(alert(sam.last), "revoked") {
		t.Fatalf("the replace form of a revoked license: %d %q", sam.code, alert(sam.last))
	}
	sam.post("/console/licenses/"+id+"/replace", url.Values{"csrf": {sam.csrf()}, "generation": {"0"}})
	if sam.code != http.StatusConflict || !strings.Contains(alert(sam.last), "revoked") {
		t.Fatalf("replace a revoked license: %d %q", sam.code, alert(sam.last))
	}
	sam.get("/console/revocation-list")
	req, _ := http.NewRequest("POST", e.url("/console/revocation-list"), strings.NewReader(url.Values{"csrf": {sam.csrf()}, "product": {"PC"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := sam.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="PC-1.lmrl"`) {
		t.Fatalf("publish: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(e.url("/crl/PC"))
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(list, served) {
		t.Fatal("/crl/PC does not serve the list published")
	}
	product := e.product(nil)
	if err := product.LoadRevocationList(list); err != nil {
		t.Fatalf("the product refuses the list: %v", err)
	}
	if v, _ := product.Verify(code); v.Status.String() != "revoked" {
		t.Fatalf("the first code after the list: %v", v.Status)
	}

}

func (f *actionsFixture) void(t *testing.T) {
	e, sam, ann, spare, actor := f.e, f.sam, f.ann, f.spare, f.actor
	ctx := context.Background()
	// Void the unregistered key; the customer can no longer register it.
	consoleDo(t, sam, "/console/keys/"+spare.String()+"/void", "can no longer be registered", url.Values{"reason": {"refunded"}})
	if !hasEvent(sam.last, "voided", actor) || !strings.Contains(statusText(sam.last), "void") {
		t.Fatalf("key page after void: %v", history(sam.last))
	}
	ann.submit("/register", "/register", url.Values{"rk": {spare.String()}})
	if ann.code != http.StatusUnprocessableEntity {
		t.Fatalf("a voided key registered: %d", ann.code)
	}
	if _, err := e.led.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func statusText(page string) string {
	if m := statusRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}
