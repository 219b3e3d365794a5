//go:build linux

package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portal/portaltest"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestServeAttack attacks 'licmint serve' from outside, over HTTP on
// loopback, as a stranger, a customer, the vendor's staff and the shop's
// API tokens would, on a SQLite ledger and, with LICMINT_TEST_POSTGRES,
// on PostgreSQL: every method on every route, forged forms on every POST
// route, parallel guesses against the limits, mail bombing of one
// address, and old cookies after a password change, a removal or a
// reset. Distinct client addresses are distinct loopback addresses
// (127.0.0.0/8), as the portal counts its limits by the peer's address:
// Linux answers on all of them, other systems on 127.0.0.1 only.
func TestServeAttack(t *testing.T) {
	t.Parallel()
	licmint := servedLicmint(t)
	for _, store := range attackStores() {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			a := newAttack(t, licmint, store.dsn(t))
			t.Run("methods", a.methods)
			t.Run("csrf", a.csrf)
			t.Run("limits", a.limits)
			t.Run("mail", a.mailLimits)
			t.Run("email", a.emailTakeover)
			// Last: it removes and changes staff users.
			t.Run("sessions", a.sessionsEnd)
		})
	}
}

// servedLicmint is the licmint command that the tests start as 'licmint
// serve': this test binary, put on PATH by testscript.Main.
func servedLicmint(t *testing.T) string {
	t.Helper()
	licmint, err := exec.LookPath("licmint")
	if err != nil {
		t.Skip(err)
	}
	return licmint
}

type attackStore struct {
	name string
	dsn  func(t *testing.T) string
}

// attackStores are the ledgers the attack runs on: a SQLite file always,
// PostgreSQL when LICMINT_TEST_POSTGRES names one (ledgertest skips it
// otherwise, saying so).
func attackStores() []attackStore {
	return []attackStore{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "ledger.db") }},
		{"postgres", func(t *testing.T) string { return ledgertest.PostgresDSN(t) }},
	}
}

// attackDay is the day the attacked portal's clock reads, at midday.
const attackDay = "2027-03-01"

var (
	attackNow      = day1
	attackSecretRE = regexp.MustCompile(`data-totp-secret>([A-Z2-7]+)<`)
)

// attack is a 'licmint serve' process under attack, with its ledger open
// in the test too, to read its head and outbox, and the mail relay it
// sends through.
type attack struct {
	ctx   context.Context
	led   *ledger.Ledger
	relay *relay
	p     *serveProc
	// keys are minted on the day: each case takes its own.
	keys []formats.RegistrationKey
	// next is the next loopback address to hand out: each case's clients
	// have addresses of their own, as its limits are counted by address.
	mu   sync.Mutex
	next int
}

func newAttack(t *testing.T, licmint, dsn string) *attack {
	t.Helper()
	a := &attack{ctx: context.Background(), next: 2}
	a.keys = mintShopKeys(t, dsn, 9)
	led, err := ledger.Open(a.ctx, dsn, ledger.WithNow(func() time.Time { return attackNow }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	a.led = led
	keyPath, idPath := writeServeKey(t, t.TempDir())
	a.relay = startRelay(t)
	a.p = startServe(t, licmint, attackDay, []string{"serve", "--ledger", dsn, "--key", keyPath, "--identity", idPath,
		"--addr", "127.0.0.1:0", "--json", "--smtp", a.relay.addr, "--mail-from", "licenses@vendor.test"})
	return a
}

// key takes one of the keys minted for the attack.
func (a *attack) key() formats.RegistrationKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := a.keys[0]
	a.keys = a.keys[1:]
	return k
}

// addr hands out a loopback address no other client of the attack has.
func (a *attack) addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.next
	a.next++
	return fmt.Sprintf("127.0.%d.%d", n/250, 1+n%250)
}

// browser is a browser of its own, at a loopback address of its own.
func (a *attack) browser(t *testing.T, email string) *customer {
	return browserAt(t, email, a.addr())
}

// browserAt is a browser whose connections come from the loopback
// address ip.
func browserAt(t *testing.T, email, ip string) *customer {
	c := newCustomer(t, email)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c.c.Transport = &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}
	return c
}

// customer signs up a customer of its own address and logs in.
func (a *attack) customer(t *testing.T, email string) *customer {
	c := a.browser(t, email)
	c.signup(a.p, a.relay)
	return c
}

// staff adds a staff user, and logs in as them from a browser of its own
// with the TOTP code of step (-1, 0 or 1: one step of skew either way is
// accepted, and a step once used is not again, so that the clock, which
// stands still, gives each user three log-ins). It returns the browser
// and the TOTP secret.
func (a *attack) staff(t *testing.T, email, role string) (*customer, string) {
	t.Helper()
	if err := portal.AddStaff(a.ctx, a.led, email, role, staffTestPassword); err != nil {
		t.Fatal(err)
	}
	c := a.browser(t, email)
	_, page := c.submit(a.p, "/console/login", url.Values{"email": {email}, "password": {staffTestPassword}})
	m := attackSecretRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s's enrolment page:\n%s", email, page)
	}
	a.totp(t, c, m[1], -1)
	return c, m[1]
}

// staffAgain logs in as a staff user again, from a browser of its own.
func (a *attack) staffAgain(t *testing.T, email, secret string, step int) *customer {
	t.Helper()
	c := a.browser(t, email)
	if _, page := c.submit(a.p, "/console/login", url.Values{"email": {email}, "password": {staffTestPassword}}); !strings.Contains(page, `action="/console/totp"`) {
		t.Fatalf("%s's log-in:\n%s", email, page)
	}
	a.totp(t, c, secret, step)
	return c
}

func (a *attack) totp(t *testing.T, c *customer, secret string, step int) {
	t.Helper()
	if _, page := c.submit(a.p, "/console/totp", url.Values{"code": {totpAt(t, secret, step)}}); !strings.Contains(page, "Logged in to the console as "+c.email) {
		t.Fatalf("%s's TOTP code:\n%s", c.email, page)
	}
}

// totpAt is the code an authenticator shows for secret, step steps of
// 30 seconds from the portal's clock.
func totpAt(t *testing.T, secret string, step int) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, attackNow.Add(time.Duration(step)*30*time.Second),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

const staffTestPassword = "a long staff password"

// head is the ledger's newest event but the portal's checkpoints, which
// it signs each minute in which events were recorded, whatever the
// requests.
func (a *attack) head(t *testing.T) ledger.Head {
	t.Helper()
	var h ledger.Head
	var hash string
	err := ledgerdb.Of(a.led).Read.QueryRowContext(a.ctx, `SELECT seq, hash FROM events WHERE kind <> 'checkpoint' ORDER BY seq DESC LIMIT 1`).
		Scan(&h.Seq, &hash)
	if err == nil {
		var b []byte
		if b, err = hex.DecodeString(hash); err == nil && len(b) == len(h.Hash) {
			copy(h.Hash[:], b)
		} else if err == nil {
			err = fmt.Errorf("an event's hash %q", hash)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newestMail is the id of the message queued last, 0 for none.
func (a *attack) newestMail(t *testing.T) int64 {
	t.Helper()
	ms, err := portaldb.NewOutbox(a.led).List(a.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return 0
	}
	return ms[0].ID
}

// drained waits up to a minute for the outbox to have sent everything
// queued, so that the relay has it.
func (a *attack) drained(t *testing.T) {
	t.Helper()
	o := portaldb.NewOutbox(a.led)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		n, err := o.Unsent(a.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages unsent after a minute", n)
		}
	}
}

// state is what a request that changes nothing leaves as it was: the
// ledger's head, the outbox and the visitor's cookies.
type attackState struct {
	head    ledger.Head
	mail    int64
	cookies string
}

func (a *attack) state(t *testing.T, c *customer) attackState {
	t.Helper()
	u, _ := url.Parse(a.p.url)
	var cs []string
	for _, k := range c.c.Jar.Cookies(u) {
		cs = append(cs, k.String())
	}
	return attackState{a.head(t), a.newestMail(t), strings.Join(cs, "; ")}
}

// diff says what changed from s to t; the cookies' values, which are
// sessions, are not shown.
func (s attackState) diff(t attackState) string {
	var out []string
	if s.head != t.head {
		out = append(out, fmt.Sprintf("the ledger's head from %d to %d", s.head.Seq, t.head.Seq))
	}
	if s.mail != t.mail {
		out = append(out, fmt.Sprintf("the newest mail from %d to %d", s.mail, t.mail))
	}
	if s.cookies != t.cookies {
		out = append(out, "the cookies")
	}
	return strings.Join(out, ", ")
}

// send sends one request as c, with no redirects followed, and returns
// its status.
func (a *attack) send(t *testing.T, c *customer, method, target, body string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(method, a.p.url+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	client := *c.c
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, target, err) // not Fatal: called from goroutines too
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// csrfOf returns c's CSRF token of the page at path, as its form has it.
func (a *attack) csrfOf(t *testing.T, c *customer, path string) string {
	t.Helper()
	_, page := c.get(a.p.url + path)
	m := serveCSRFRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s%s has no form:\n%s", a.p.url, path, page)
	}
	return m[1]
}

// loggedIn tells whether c's session is still one: of the console for
// staff, of the customers' pages for customers.
func (a *attack) loggedIn(t *testing.T, c *customer, console bool) bool {
	t.Helper()
	if console {
		code, page := c.get(a.p.url + "/console/")
		return code == http.StatusOK && strings.Contains(page, `action="/console/logout"`) && !strings.Contains(page, `action="/console/login"`)
	}
	code, page := c.get(a.p.url + "/licenses")
	return code == http.StatusOK && strings.Contains(page, "Logged in as "+c.email)
}

// sweepVisitor is a kind of visitor the method matrix sends every request
// as.
type attackVisitor struct {
	name          string
	c             *customer
	bearer, scope string
	// staff and admin: the console's routes are theirs; customer: the
	// customers' pages behind a log-in are.
	staff, admin, customer bool
}

// methods sends GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS to every
// route of the routes table, as a stranger, a customer, a staff user half
// way through the log-in, support, admin and API tokens of each scope:
// every method with the fields an action takes and the CSRF token of the
// visitor's session, and a POST without it. Only a POST with its token,
// to a route of the visitor's, may change anything; these are not sent,
// and the ledger's head must not move, no mail be queued, nothing answer
// 500, and the sessions live on (a POST to /logout without its token is
// among them).
func (a *attack) methods(t *testing.T) {
	ann := a.customer(t, "ann@example.com")
	license := a.key()
	if code, page := ann.submit(a.p, "/register", url.Values{"rk": {license.String()}}); code != http.StatusOK {
		t.Fatalf("registering %s: %d\n%s", license, code, page)
	}
	unused := a.key()
	ada, _ := a.staff(t, "ada@vendor.test", portaldb.RoleAdmin)
	sam, _ := a.staff(t, "sam@vendor.test", portaldb.RoleSupport)
	if err := portal.AddStaff(a.ctx, a.led, "pat@vendor.test", portaldb.RoleAdmin, staffTestPassword); err != nil {
		t.Fatal(err)
	}
	pat := a.browser(t, "pat@vendor.test")
	if _, page := pat.submit(a.p, "/console/login", url.Values{"email": {pat.email}, "password": {staffTestPassword}}); !attackSecretRE.MatchString(page) {
		t.Fatalf("pat's enrolment page:\n%s", page)
	}
	_, victim, err := portal.CreateAPIToken(a.ctx, a.led, "victim", portaldb.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	id := license.Product.String() + "-" + license.Serial.String()
	paths, err := portaltest.Paths(map[string][]string{
		"{$}":       {""},
		"{license}": {id},
		"{action}":  {"revoke", "replace", "resend", "move", "reset-code", "nosuch"},
		"{rk}":      {unused.String()},
		"{id}":      {strconv.FormatInt(victim, 10)},
		"{product}": {"PC"},
		"{account}": {"ann@example.com", "nobody@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/nosuch", "/console/nosuch", "/api/nosuch")
	visitors := []attackVisitor{
		{name: "anonymous", c: a.browser(t, "")},
		{name: "customer", c: ann, customer: true},
		{name: "admin half way", c: pat},
		{name: "support", c: sam, staff: true},
		{name: "admin", c: ada, staff: true, admin: true},
	}
	for _, scope := range []string{portaldb.ScopeMint, portaldb.ScopeRead, portaldb.ScopeRevoke} {
		tok, _, err := portal.CreateAPIToken(a.ctx, a.led, "shop "+scope, scope)
		if err != nil {
			t.Fatal(err)
		}
		visitors = append(visitors, attackVisitor{name: "bearer " + scope, c: a.browser(t, ""), bearer: tok, scope: scope})
	}
	a.drained(t) // sending mail is an event too
	before := a.state(t, ann)
	sent := 0
	for _, v := range visitors {
		customerCSRF, consoleCSRF := a.csrfOf(t, v.c, "/login"), a.consoleCSRF(t, v.c)
		fields := url.Values{"reason": {"chargeback"}, "generation": {"0"}, "email": {"sam@vendor.test"}, "name": {"shop"},
			"scope": {portaldb.ScopeRevoke}, "role": {portaldb.RoleAdmin}, "rk": {unused.String()}, "license": {id},
			"product": {"PC"}, "revoke_old": {"on"}, "password": {staffTestPassword}, "new_password": {"another long password"},
			"current_password": {staffTestPassword}}
		for _, path := range paths {
			withCSRF := url.Values{"csrf": {customerCSRF}}
			if strings.HasPrefix(path, "/console") {
				withCSRF = url.Values{"csrf": {consoleCSRF}}
			}
			for k, vs := range fields {
				withCSRF[k] = vs
			}
			api := strings.HasPrefix(path, "/api/")
			ours := !api && (!strings.HasPrefix(path, "/console") && (v.customer || !portaltest.NeedsLogin(path)) ||
				strings.HasPrefix(path, "/console") && v.staff && (v.admin || !portaltest.AdminOnly(path)))
			type try struct {
				method string
				f      url.Values
			}
			tries := []try{{"GET", withCSRF}, {"HEAD", withCSRF}, {"PUT", withCSRF}, {"PATCH", withCSRF}, {"DELETE", withCSRF},
				{"OPTIONS", withCSRF}, {"POST", fields}}
			if !api && !ours && !portaltest.PublicPOST[path] {
				tries = append(tries, try{"POST", withCSRF})
			}
			for _, tr := range tries {
				if api && tr.method == "POST" && (path == "/api/v1/current-code" || v.scope != "" && portaltest.APIScope(path) == v.scope) {
					continue // the caller may: TestServeAttack/*/csrf checks the calls that may
				}
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
				if v.bearer != "" {
					h.Set("Authorization", "Bearer "+v.bearer)
				}
				h0 := a.head(t)
				code := a.send(t, v.c, tr.method, path+"?"+tr.f.Encode(), tr.f.Encode(), h)
				sent++
				if h1 := a.head(t); h1 != h0 {
					t.Errorf("%s %s %s (csrf %v): %d, and the ledger's head moved from %d to %d", v.name, tr.method, path, tr.f.Has("csrf"), code, h0.Seq, h1.Seq)
				}
				if code >= 500 {
					t.Errorf("%s %s %s: %d", v.name, tr.method, path, code)
				}
			}
		}
	}
	if after := a.state(t, ann); after != before {
		t.Errorf("the sweep changed %s", before.diff(after))
	}
	for _, v := range []struct {
		c       *customer
		console bool
	}{{ann, false}, {sam, true}, {ada, true}} {
		if !a.loggedIn(t, v.c, v.console) {
			t.Errorf("%s's session ended", v.c.email)
		}
	}
	t.Logf("%d requests to %d paths as %d visitors", sent, len(paths), len(visitors))
}

// consoleCSRF is c's CSRF token of the console: of its log-in page, or,
// logged in, of its search page.
func (a *attack) consoleCSRF(t *testing.T, c *customer) string {
	t.Helper()
	_, page := c.get(a.p.url + "/console/login")
	if m := serveCSRFRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return a.csrfOf(t, c, "/console/")
}

// csrf forges every POST route of the pages and the console, as the
// visitor whose route it is (so that only the token is wrong), with the
// fields of the action: without a token, with a made-up one, with the
// token of another session (an attacker's own), and from another origin
// (Origin, Referer and Sec-Fetch-Site of the attacker's page, with the
// attacker's token). Nothing may change: the ledger's head, the outbox,
// the visitor's cookies and session. Then the same actions with their
// tokens do change the ledger, so that the matrix is seen to see a
// change.
func (a *attack) csrf(t *testing.T) {
	cyd := a.customer(t, "cyd@example.com")
	kim, _ := a.staff(t, "kim@vendor.test", portaldb.RoleAdmin)
	// lou is half way through the log-in: /console/totp is lou's.
	if err := portal.AddStaff(a.ctx, a.led, "lou@vendor.test", portaldb.RoleSupport, staffTestPassword); err != nil {
		t.Fatal(err)
	}
	lou := a.browser(t, "lou@vendor.test")
	_, page := lou.submit(a.p, "/console/login", url.Values{"email": {lou.email}, "password": {staffTestPassword}})
	secret := attackSecretRE.FindStringSubmatch(page)
	if secret == nil {
		t.Fatalf("lou's enrolment page:\n%s", page)
	}
	eve := a.browser(t, "eve@example.com")
	eveCustomer, eveConsole := a.csrfOf(t, eve, "/login"), a.csrfOf(t, eve, "/console/login")
	license := a.key()
	if code, page := cyd.submit(a.p, "/register", url.Values{"rk": {license.String()}}); code != http.StatusOK {
		t.Fatalf("registering %s: %d\n%s", license, code, page)
	}
	id := license.Product.String() + "-" + license.Serial.String()
	unused := a.key()
	_, victim, err := portal.CreateAPIToken(a.ctx, a.led, "victim", portaldb.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := portaltest.POSTPaths(map[string][]string{
		"{license}": {id},
		"{action}":  {"revoke", "replace", "resend", "move", "reset-code"},
		"{rk}":      {unused.String()},
		"{id}":      {strconv.FormatInt(victim, 10)},
		"{account}": {cyd.email},
	})
	if err != nil {
		t.Fatal(err)
	}
	fields := url.Values{"reason": {"chargeback"}, "generation": {"0"}, "name": {"shop"}, "scope": {portaldb.ScopeRevoke},
		"role": {portaldb.RoleAdmin}, "rk": {unused.String()}, "license": {id}, "product": {"PC"}, "revoke_old": {"on"},
		"code": {totpAt(t, secret[1], 0)}, "token": {strings.Repeat("A", 43)}, "current_password": {staffTestPassword},
		"new_password": {"another long password"}}
	made := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	a.drained(t)
	forged := 0
	for _, path := range paths {
		if strings.HasPrefix(path, "/api/") {
			continue // bearer tokens, which browsers do not send on their own
		}
		victim, attacker, email := cyd, eveCustomer, cyd.email
		password := customerPassword
		switch {
		case path == "/console/totp":
			victim, attacker, email, password = lou, eveConsole, lou.email, staffTestPassword
		case strings.HasPrefix(path, "/console"):
			victim, attacker, email, password = kim, eveConsole, "sam@vendor.test", staffTestPassword
		}
		origin := http.Header{"Origin": {"http://attacker.test"}, "Referer": {"http://attacker.test/win"}, "Sec-Fetch-Site": {"cross-site"}}
		for _, f := range []struct {
			name   string
			token  string
			header http.Header
		}{{"no token", "", nil}, {"a made-up token", made, nil}, {"another session's token", attacker, nil},
			{"another origin", attacker, origin}} {
			v := url.Values{"email": {email}, "password": {password}}
			for k, vs := range fields {
				v[k] = vs
			}
			if f.token != "" {
				v.Set("csrf", f.token)
			}
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			for k, vs := range f.header {
				h[k] = vs
			}
			before := a.state(t, victim)
			code := a.send(t, victim, "POST", path, v.Encode(), h)
			forged++
			if after := a.state(t, victim); after != before {
				t.Errorf("POST %s with %s (%d): changed %s", path, f.name, code, before.diff(after))
			}
			if code != http.StatusForbidden {
				t.Errorf("POST %s with %s: %d, want 403", path, f.name, code)
			}
		}
	}
	a.drained(t)
	for _, v := range []struct {
		c       *customer
		console bool
	}{{cyd, false}, {kim, true}} {
		if !a.loggedIn(t, v.c, v.console) {
			t.Errorf("%s's session ended", v.c.email)
		}
	}

	// With their tokens, the same forms do change the ledger: a key
	// registered, a token revoked, keys minted with a bearer token.
	h0 := a.head(t)
	if code, page := cyd.submit(a.p, "/register", url.Values{"rk": {unused.String()}}); code != http.StatusOK {
		t.Fatalf("registering %s: %d\n%s", unused, code, page)
	}
	h1 := a.head(t)
	if code, page := kim.submit(a.p, fmt.Sprintf("/console/tokens/%d/revoke", victim), url.Values{}); code != http.StatusOK {
		t.Fatalf("revoking token %d: %d\n%s", victim, code, page)
	}
	h2 := a.head(t)
	mint, _, err := portal.CreateAPIToken(a.ctx, a.led, "shop", portaldb.ScopeMint)
	if err != nil {
		t.Fatal(err)
	}
	h3 := a.head(t)
	code := a.send(t, a.browser(t, ""), "POST", "/api/v1/registration-keys", `{"product":"PC","edition":"standard","count":1,"order":"A-1"}`,
		http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + mint}})
	if h4 := a.head(t); h1.Seq <= h0.Seq || h2.Seq <= h1.Seq || h4.Seq <= h3.Seq || code != http.StatusCreated {
		t.Errorf("genuine requests did not move the ledger's head: %d, %d, %d, %d, %d (mint %d)", h0.Seq, h1.Seq, h2.Seq, h3.Seq, h4.Seq, code)
	}
	t.Logf("%d forged requests to %d POST routes", forged, len(paths))
}

// attackGuesses sends n requests at once as c, each with the form fields
// of its turn and c's CSRF token of path, and returns how many were
// answered what (429 for a limit).
func (a *attack) guesses(t *testing.T, c *customer, path string, n int, fields func(i int) url.Values) map[int]int {
	t.Helper()
	token := a.csrfOf(t, c, path)
	var mu sync.Mutex
	codes := map[int]int{}
	allAtOnce(n, func(i int) {
		v := fields(i)
		v.Set("csrf", token)
		code := a.send(t, c, "POST", path, v.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		mu.Lock()
		codes[code]++
		mu.Unlock()
	})
	return codes
}

// limits sends 50 guesses at once at each limit of guesses: Registration
// Keys on /register and on /renew, and TOTP codes. Each guess is wrong,
// so each one checked is answered 422 (a TOTP code 401): at most the
// limit may be, the others 429.
func (a *attack) limits(t *testing.T) {
	const n = 50
	lim := portal.DefaultLimits
	randomKey := func(int) string {
		// Never minted: a collision with the attack's few keys is one
		// chance in 10^14.
		k, _ := formats.RandomRegistrationKey(nil, formats.MustProduct("PC"), false)
		return k.String()
	}
	check := func(t *testing.T, what string, codes map[int]int, checked, max int) {
		t.Helper()
		t.Logf("%d %s guesses at once: %d checked (limit %d), answers %v", n, what, codes[checked], max, codes)
		if codes[checked] > max || codes[checked] == 0 || codes[checked]+codes[http.StatusTooManyRequests] != n {
			t.Errorf("%d %s guesses at once: answers %v; want at most %d answered %d, the others 429", n, what, codes, max, checked)
		}
	}
	// Each with a client of its own, at once.
	t.Run("register", func(t *testing.T) {
		t.Parallel()
		gus := a.customer(t, "gus@example.com")
		codes := a.guesses(t, gus, "/register", n, func(i int) url.Values { return url.Values{"rk": {randomKey(i)}} })
		check(t, "Registration Key", codes, http.StatusUnprocessableEntity, lim.RegisterAccount.Max)
	})
	t.Run("renew", func(t *testing.T) {
		t.Parallel()
		hal := a.customer(t, "hal@example.com")
		rk := a.key()
		if code, page := hal.submit(a.p, "/register", url.Values{"rk": {rk.String()}}); code != http.StatusOK {
			t.Fatalf("registering %s: %d\n%s", rk, code, page)
		}
		id := rk.Product.String() + "-" + rk.Serial.String()
		codes := a.guesses(t, hal, "/renew", n, func(i int) url.Values { return url.Values{"license": {id}, "rk": {randomKey(i)}} })
		check(t, "renewal key", codes, http.StatusUnprocessableEntity, lim.RegisterAccount.Max)
	})
	t.Run("totp", func(t *testing.T) {
		t.Parallel()
		if err := portal.AddStaff(a.ctx, a.led, "tia@vendor.test", portaldb.RoleSupport, staffTestPassword); err != nil {
			t.Fatal(err)
		}
		tia := a.browser(t, "tia@vendor.test")
		_, page := tia.submit(a.p, "/console/login", url.Values{"email": {tia.email}, "password": {staffTestPassword}})
		secret := attackSecretRE.FindStringSubmatch(page)
		if secret == nil {
			t.Fatalf("tia's enrolment page:\n%s", page)
		}
		var right []string
		for step := -1; step <= 1; step++ {
			right = append(right, totpAt(t, secret[1], step))
		}
		var wrong []string
		for i := 0; len(wrong) < n; i++ {
			if c := fmt.Sprintf("%06d", 1000*i+7); !slices.Contains(right, c) {
				wrong = append(wrong, c)
			}
		}
		codes := a.guesses(t, tia, "/console/totp", n, func(i int) url.Values { return url.Values{"code": {wrong[i]}} })
		check(t, "TOTP code", codes, http.StatusUnauthorized, lim.TOTPAccount.Max)
	})
}

// mailLimits has one address signed up from 15 addresses at once, and an
// account's password reset asked for, and its sign-up tried again, from
// 15 addresses at once: the relay must receive at most the hour's limit
// of mail for each address, whoever asked.
func (a *attack) mailLimits(t *testing.T) {
	const senders = 15
	max := portal.DefaultLimits.MailHour.Max
	rex := a.customer(t, "rex@example.com")
	ask := func(email, path string, fields url.Values) {
		allAtOnce(senders, func(int) {
			c := a.browser(t, email)
			// A reset past the account's limit is refused, 429; any
			// other answer says the mail is sent, whether it is or not.
			if code, page := c.submit(a.p, path, url.Values(maps.Clone(fields))); code != http.StatusOK && code != http.StatusTooManyRequests {
				t.Errorf("POST %s for %s: %d\n%s", path, email, code, page)
			}
		})
	}
	ask("mia@example.com", "/signup", url.Values{"email": {"mia@example.com"}, "password": {customerPassword}})
	ask(rex.email, "/forgot", url.Values{"email": {rex.email}})
	ask(rex.email, "/signup", url.Values{"email": {rex.email}, "password": {"another good password"}})
	a.drained(t)
	for _, to := range []string{"mia@example.com", rex.email} {
		got := a.relay.await(t, func(m relayed) bool { return m.to == to }, 1, max)
		t.Logf("%s: %d messages received by the relay, asked for by %d addresses", to, len(got), senders)
	}
}

// sessionsEnd checks with the old cookies that a staff user's other
// sessions end when the password is changed, a user's when an admin
// removes them or changes their role (by removing and adding them again),
// and a customer's when a reset changes the password.
func (a *attack) sessionsEnd(t *testing.T) {
	// A staff user in two browsers changes the password in one.
	pia1, secret := a.staff(t, "pia@vendor.test", portaldb.RoleSupport)
	pia2 := a.staffAgain(t, "pia@vendor.test", secret, 0)
	if code, page := pia1.submit(a.p, "/console/password", url.Values{"current_password": {staffTestPassword}, "new_password": {"a new long staff password"}}); code != http.StatusOK {
		t.Fatalf("changing pia's password: %d\n%s", code, page)
	}
	if !a.loggedIn(t, pia1, true) {
		t.Error("the session that changed the password ended")
	}
	if a.loggedIn(t, pia2, true) {
		t.Error("a staff user's other session outlived a password change")
	}

	// An admin removes one user, and changes the role of another.
	boss, _ := a.staff(t, "boss@vendor.test", portaldb.RoleAdmin)
	ron, _ := a.staff(t, "ron@vendor.test", portaldb.RoleSupport)
	rod, _ := a.staff(t, "rod@vendor.test", portaldb.RoleSupport)
	// viv has given the password, and gives the TOTP code once removed.
	if err := portal.AddStaff(a.ctx, a.led, "viv@vendor.test", portaldb.RoleSupport, staffTestPassword); err != nil {
		t.Fatal(err)
	}
	viv := a.browser(t, "viv@vendor.test")
	_, page := viv.submit(a.p, "/console/login", url.Values{"email": {viv.email}, "password": {staffTestPassword}})
	vivSecret := attackSecretRE.FindStringSubmatch(page)
	if vivSecret == nil {
		t.Fatalf("viv's enrolment page:\n%s", page)
	}
	for _, u := range []string{ron.email, rod.email, viv.email} {
		if code, page := boss.submit(a.p, "/console/staff/remove?email="+url.QueryEscape(u), url.Values{"email": {u}}); code != http.StatusOK {
			t.Fatalf("removing %s: %d\n%s", u, code, page)
		}
	}
	if code, page := boss.submit(a.p, "/console/staff", url.Values{"email": {rod.email}, "role": {portaldb.RoleAdmin}, "password": {staffTestPassword}}); code != http.StatusOK {
		t.Fatalf("adding %s as admin: %d\n%s", rod.email, code, page)
	}
	if code, page := viv.submit(a.p, "/console/totp", url.Values{"code": {totpAt(t, vivSecret[1], 0)}}); code >= 500 || strings.Contains(page, "Logged in to the console") {
		t.Errorf("a removed user half way through the log-in gave the TOTP code: %d\n%s", code, page)
	}
	if a.loggedIn(t, viv, true) {
		t.Error("a removed user half way through the log-in got in")
	}
	if a.loggedIn(t, ron, true) {
		t.Error("a removed user's session lives on")
	}
	if a.loggedIn(t, rod, true) {
		t.Error("a session lives on through a change of role")
	}
	if _, page := rod.get(a.p.url + "/console/tokens"); strings.Contains(page, `action="/console/tokens"`) {
		t.Error("the old session of a user made admin is an admin's")
	}

	// A customer logged in on one browser resets the password on another.
	uma := a.customer(t, "uma@example.com")
	other := a.browser(t, uma.email)
	if code, page := other.submit(a.p, "/forgot", url.Values{"email": {uma.email}}); code != http.StatusOK {
		t.Fatalf("asking for a reset: %d\n%s", code, page)
	}
	msgs := a.relay.await(t, func(m relayed) bool { return m.to == uma.email && strings.Contains(m.body, "/reset") }, 1, 1)
	link := regexp.MustCompile(`https?://\S+`).FindString(msgs[0].body)
	_, page = other.get(link)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("reset page: %s", page)
	}
	if code, page := other.submit(a.p, "/reset?token="+url.QueryEscape(token[1]), url.Values{"token": {token[1]}, "password": {"a new good password"}}); code != http.StatusOK || !strings.Contains(page, "Your password is changed") {
		t.Fatalf("resetting: %d\n%s", code, page)
	}
	if a.loggedIn(t, uma, false) {
		t.Error("a customer's session outlived a password reset")
	}
}

// TestServeAttackHashMemory logs in 200 times at once, from 200
// addresses, each within every limit, while a customer and a stranger
// keep asking for pages: the process's peak resident memory (VmHWM) must
// stay under 400 MB, each log-in be answered (logged in, or 503 to try
// again), and every page be answered meanwhile. The race detector
// multiplies memory, so that its runs skip this: CI runs it in a step of
// its own without it.
func TestServeAttackHashMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector multiplies memory: run without -race (CI does, in a step of its own)")
	}
	t.Parallel()
	licmint := servedLicmint(t)
	for _, store := range attackStores() {
		t.Run(store.name, func(t *testing.T) {
			a := newAttack(t, licmint, store.dsn(t))
			a.hashMemory(t)
		})
	}
}

const (
	attackLogins  = 200
	attackRSSKiB  = 400 << 10
	attackTimeout = time.Minute
)

func (a *attack) hashMemory(t *testing.T) {
	ann := a.customer(t, "ann@example.com")
	// Each log-in comes from a browser of its own, at an address of its
	// own, which fetched the form first.
	type visitor struct {
		c     *customer
		token string
	}
	vs := make([]visitor, attackLogins)
	for i := range vs {
		vs[i].c = a.browser(t, "")
		vs[i].token = a.csrfOf(t, vs[i].c, "/login")
	}
	before := procStatus(t, a.p.cmd.Process.Pid)

	// The pages asked for meanwhile, one after another: the customer's
	// licenses, and a stranger's log-in form.
	stranger := a.browser(t, "")
	done := make(chan struct{})
	var probes []time.Duration
	var probeErrs []string
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			c, path := ann, "/licenses"
			if i%2 == 1 {
				c, path = stranger, "/login"
			}
			start := time.Now()
			code, _ := c.get(a.p.url + path)
			probes = append(probes, time.Since(start))
			if code != http.StatusOK {
				probeErrs = append(probeErrs, fmt.Sprintf("GET %s: %d", path, code))
			}
			// A visitor's pace, not a load of its own that would take
			// the cores from the log-ins.
			time.Sleep(10 * time.Millisecond)
		}
	}()

	var mu sync.Mutex
	codes := map[int]int{}
	start := time.Now()
	allAtOnce(attackLogins, func(i int) {
		v := url.Values{"csrf": {vs[i].token}, "email": {ann.email}, "password": {customerPassword}}
		code := a.send(t, vs[i].c, "POST", "/login", v.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		mu.Lock()
		codes[code]++
		mu.Unlock()
	})
	burst := time.Since(start)
	close(done)
	<-probed
	after := procStatus(t, a.p.cmd.Process.Pid)

	slices.Sort(probes)
	t.Logf("%d log-ins at once from %d addresses in %v: answers %v; peak RSS %d MiB (before: %d MiB); %d pages meanwhile, median %v, slowest %v",
		attackLogins, attackLogins, burst.Round(time.Millisecond), codes, after["VmHWM"]>>10, before["VmHWM"]>>10,
		len(probes), probes[len(probes)/2].Round(10*time.Microsecond), probes[len(probes)-1].Round(10*time.Microsecond))
	if after["VmHWM"] >= attackRSSKiB {
		t.Errorf("peak RSS %d MiB under %d log-ins at once, want under %d MiB", after["VmHWM"]>>10, attackLogins, attackRSSKiB>>20)
	}
	// Logged in (303 to the licenses), or told to try again (503).
	if codes[http.StatusSeeOther]+codes[http.StatusServiceUnavailable] != attackLogins || codes[http.StatusSeeOther] == 0 {
		t.Errorf("log-ins answered %v, want 303 or 503 each", codes)
	}
	if len(probeErrs) > 0 {
		t.Errorf("pages asked for during the log-ins: %v", probeErrs)
	}
}

// procStatus reads the kB figures of /proc/PID/status, such as VmHWM, the
// process's peak resident memory.
func procStatus(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the memory of 'licmint serve' from: %v", err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status: %q", pid, line)
			}
			out[k] = n
		}
	}
	if out["VmHWM"] == 0 {
		t.Fatalf("/proc/%d/status has no VmHWM:\n%s", pid, b)
	}
	return out
}
