package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portal/portaltest"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// Every route of the routes table, with every method, from every kind of
// visitor: only a POST with the CSRF token of its own audience (or a
// bearer token of the call's scope) moves the ledger's head; GET, HEAD
// and the methods no route takes never do, whatever fields and tokens
// they carry; a POST without a token, or by a visitor the route is not
// for, does not either. A 405 says what the path takes, and nothing
// answers 500.
func TestEveryRouteChangesNothingButByPOST(t *testing.T) {
	// No limits: the sweep's thousands of requests are not guesses.
	e := newEnv(t, portal.WithDemo(true), portal.WithLimits(portal.Limits{}))
	s := newRouteSweep(t, e)
	// The mail queued so far is sent first: sending it is an event too.
	s.awaitMailSent()
	before, mailBefore := s.head(), s.newestMail()
	sent := 0
	for _, v := range s.visitors {
		sent += s.visit(v)
	}
	if h := s.head(); h != before {
		t.Fatalf("the ledger's head moved from %d to %d", before.Seq, h.Seq)
	}
	t.Logf("%d requests", sent)
	// Queuing mail is no event: the outbox is checked on its own.
	if m := s.newestMail(); m != mailBefore {
		t.Fatalf("mail was queued: message %d, after %d", m, mailBefore)
	}
	if s.support.get("/console/"); s.support.code != http.StatusOK {
		t.Fatalf("the support user's session ended: %d", s.support.code)
	}
	if s.customer.get("/licenses"); s.customer.code != http.StatusOK {
		t.Fatalf("the customer's session ended: %d", s.customer.code)
	}
}

// routeSweep is what TestEveryRouteChangesNothingButByPOST sends its
// requests with: the paths, the visitors, and the ledger's records the
// fields name.
type routeSweep struct {
	t        *testing.T
	e        *env
	ctx      context.Context
	outbox   *portaldb.Outbox
	paths    []string
	visitors []sweepVisitor
	// license and unused are the license and the registration key the
	// forms name; support and customer are visitors whose sessions must
	// outlive the sweep.
	license, unused   string
	support, customer *browser
}

// sweepVisitor is one kind of visitor the sweep sends every request as.
type sweepVisitor struct {
	name          string
	b             *browser
	bearer, scope string
	// staff and admin: the console's routes are theirs; customer: the
	// customers' pages behind a log-in are.
	staff, admin, customer bool
}

// sweepTry is one request to a path: a method, and the fields it carries
// in both its query and its body.
type sweepTry struct {
	method string
	fields url.Values
}

// newRouteSweep makes the records and the visitors of every kind the
// sweep needs, and reads its paths from the routes table.
func newRouteSweep(t *testing.T, e *env) *routeSweep {
	t.Helper()
	ctx := context.Background()
	key, ann := e.registered()
	unused := e.mint(1, false, ledger.PurposeLicense)[0]
	e.signup("bob@example.com", "another good password")
	ada, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	// pat has given the password and not yet the TOTP code.
	if err := portal.AddStaff(ctx, e.led, "pat@vendor.test", portaldb.RoleAdmin, staffPassword); err != nil {
		t.Fatal(err)
	}
	pat := e.browser()
	pat.submit("/console/login", "/console/login", url.Values{"email": {"pat@vendor.test"}, "password": {staffPassword}})
	if !secretRE.MatchString(pat.last) {
		t.Fatalf("pat's enrolment page: %d\n%s", pat.code, pat.last)
	}
	_, tokID, err := portal.CreateAPIToken(ctx, e.led, "victim", portaldb.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	id := "PC-" + key.Serial.String()
	paths, err := portaltest.Paths(map[string][]string{
		"{$}":       {""},
		"{license}": {id},
		"{action}":  {"revoke", "replace", "resend", "move", "reset-code", "nosuch"},
		"{rk}":      {unused.String()},
		"{id}":      {strconv.FormatInt(tokID, 10)},
		"{product}": {"PC"},
		"{account}": {"ann@example.com", "nobody@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/nosuch", "/console/nosuch", "/api/nosuch", "/static/portal.css")
	visitors := []sweepVisitor{
		{name: "anonymous", b: e.browser()},
		{name: "customer", b: ann, customer: true},
		{name: "admin half way", b: pat},
		{name: "support", b: sam, staff: true},
		{name: "admin", b: ada, staff: true, admin: true},
	}
	for _, scope := range []string{portaldb.ScopeMint, portaldb.ScopeRead, portaldb.ScopeRevoke} {
		visitors = append(visitors, sweepVisitor{name: "bearer " + scope, b: e.browser(), bearer: newAPIToken(t, e, scope), scope: scope})
	}
	return &routeSweep{t: t, e: e, ctx: ctx, outbox: portaldb.NewOutbox(e.led), paths: paths, visitors: visitors,
		license: id, unused: unused.String(), support: sam, customer: ann}
}

func (s *routeSweep) head() ledger.Head {
	h, err := s.e.led.Head(s.ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	return h
}

// awaitMailSent waits for the outbox to have sent the mail queued so far.
func (s *routeSweep) awaitMailSent() {
	for tries := 0; ; tries++ {
		n, err := s.outbox.Unsent(s.ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if tries == 1000 {
			s.t.Fatalf("%d messages still unsent", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newestMail is the id of the message queued last.
func (s *routeSweep) newestMail() int64 {
	ms, err := s.outbox.List(s.ctx, 1)
	if err != nil || len(ms) != 1 {
		s.t.Fatalf("the outbox: %d messages, %v", len(ms), err)
	}
	return ms[0].ID
}

// csrfTokens returns v's CSRF tokens, of the customers' pages and of the
// console's.
func (v sweepVisitor) csrfTokens() (customer, console string) {
	v.b.get("/login")
	customer = v.b.csrf()
	v.b.get("/console/login")
	if !csrfRE.MatchString(v.b.last) {
		v.b.get("/console/")
	}
	return customer, v.b.csrf()
}

// visit sends as v every try of every path, and returns how many
// requests it sent.
func (s *routeSweep) visit(v sweepVisitor) int {
	customerCSRF, consoleCSRF := v.csrfTokens()
	sent := 0
	for _, path := range s.paths {
		csrf := customerCSRF
		if strings.HasPrefix(path, "/console") {
			csrf = consoleCSRF
		}
		api := strings.HasPrefix(path, "/api/")
		for _, tr := range s.tries(v, path, csrf) {
			if api && tr.method == "POST" && (path == "/api/v1/current-code" || v.scope != "" && portaltest.APIScope(path) == v.scope) {
				continue // the caller may: the API's tests check what it does
			}
			sent++
			s.send(v, path, tr)
		}
	}
	return sent
}

// tries are the requests v sends to path: every method with every
// field and the CSRF token, a POST without the token, and, where the
// path is not v's, a POST with it.
func (s *routeSweep) tries(v sweepVisitor, path, csrf string) []sweepTry {
	fields := url.Values{"csrf": {csrf}, "reason": {"chargeback"}, "generation": {"0"}, "email": {"sam@vendor.test"},
		"name": {"shop"}, "scope": {portaldb.ScopeRevoke}, "role": {portaldb.RoleAdmin}, "rk": {s.unused},
		"license": {s.license}, "product": {"PC"}, "revoke_old": {"on"}}
	tries := []sweepTry{{"GET", fields}, {"HEAD", fields}, {"PUT", fields}, {"PATCH", fields}, {"DELETE", fields}, {"OPTIONS", fields},
		{"POST", without(fields, "csrf")}}
	api := strings.HasPrefix(path, "/api/")
	ours := !api && (!strings.HasPrefix(path, "/console") && (v.customer || !portaltest.NeedsLogin(path)) ||
		strings.HasPrefix(path, "/console") && v.staff && (v.admin || !portaltest.AdminOnly(path)))
	if !api && !ours && !portaltest.PublicPOST[path] {
		tries = append(tries, sweepTry{"POST", fields})
	}
	return tries
}

// send sends tr to path as v, with its fields in the query (unless the
// path has one) and in the body, and checks the ledger's head did not
// move, a 405 says what the path takes, and nothing answers 500.
func (s *routeSweep) send(v sweepVisitor, path string, tr sweepTry) {
	target := path
	if !strings.Contains(path, "?") {
		target += "?" + tr.fields.Encode()
	}
	req, _ := http.NewRequest(tr.method, s.e.url(target), strings.NewReader(tr.fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if v.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+v.bearer)
	}
	h0 := s.head()
	resp, err := v.b.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if h := s.head(); h != h0 {
		s.t.Errorf("%s %s %s (csrf %v): the ledger's head moved from %d to %d", v.name, tr.method, path, tr.fields.Has("csrf"), h0.Seq, h.Seq)
	}
	if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
		s.t.Errorf("%s %s %s: 405 without Allow", v.name, tr.method, path)
	}
	if resp.StatusCode >= 500 {
		s.t.Errorf("%s %s %s: %d", v.name, tr.method, path, resp.StatusCode)
	}
}

func without(v url.Values, key string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != key {
			out[k] = vs
		}
	}
	return out
}

// The portal's own failures, here a ledger that is gone, are told to each
// audience on its own page (the customers', the console's, the API's
// JSON) with its words, never the error itself, which goes to the log. A
// visitor whose session (or a caller whose token) cannot be looked up is
// not taken for one logged out: it is answered 503, the form kept.
func TestFailuresByAudience(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	e := newEnv(t, portal.WithLog(func(format string, a ...any) {
		mu.Lock()
		logged = append(logged, fmt.Sprintf(format, a...))
		mu.Unlock()
	}))
	visitor, staff := e.browser(), e.browser()
	visitor.get("/signup")
	staff.get("/console/login")
	tok := newAPIToken(t, e, portaldb.ScopeRead)
	e.led.Close()

	for _, c := range []struct {
		name, method, path, body, auth string
		b                              *browser
		status                         int
		want                           []string
	}{
		{"customer", "POST", "/signup", url.Values{"csrf": {visitor.csrf()}, "email": {"ann@example.com"}, "password": {"correct horse battery"}}.Encode(), "", visitor, http.StatusServiceUnavailable,
			[]string{"· Customer Licensing Portal</title>", `role="alert"`, "Briefly unavailable", "please try again in a minute", `name="email" type="text" value="ann@example.com"`, `name="password" type="password">`}},
		{"console", "POST", "/console/login", url.Values{"csrf": {staff.csrf()}, "email": {"sam@vendor.test"}, "password": {staffPassword}}.Encode(), "", staff, http.StatusServiceUnavailable,
			[]string{"· Support console</title>", `role="alert"`, "Briefly unavailable", `name="email" type="text" value="sam@vendor.test"`}},
		{"shop API", "GET", "/api/v1/licenses", "", "Bearer " + tok, e.browser(), http.StatusServiceUnavailable,
			[]string{`"kind":"unavailable"`, "try again in a few seconds"}},
		{"product API", "POST", "/api/v1/current-code", `{"activation_code": "PC-1"}`, "", e.browser(), http.StatusInternalServerError,
			[]string{`"kind":"internal"`, "the request could not be done just now"}},
	} {
		mu.Lock()
		before := len(logged)
		mu.Unlock()
		req, _ := http.NewRequest(c.method, e.url(c.path), strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(c.path, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		body := c.b.do(req)
		if c.b.code != c.status {
			t.Errorf("%s: %d\n%s", c.name, c.b.code, body)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, body)
			}
		}
		mu.Lock()
		told := strings.Join(logged[before:], "\n")
		mu.Unlock()
		if !strings.Contains(told, c.path) || !strings.Contains(told, "closed") {
			t.Errorf("%s: the log has %q", c.name, told)
		}
		for _, leak := range []string{"closed", "sql", "database", "ledger:", "correct horse battery", strings.ToLower(staffPassword)} {
			if strings.Contains(strings.ToLower(body), leak) {
				t.Errorf("%s: the answer says %q:\n%s", c.name, leak, body)
			}
		}
	}
}
