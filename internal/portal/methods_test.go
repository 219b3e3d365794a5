package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

var routeRE = regexp.MustCompile(`(?:page|login|console|staff|admin|mux\.Handle|mux\.HandleFunc)\("(?:[A-Z]+ )?(/[^"]*)"|bearer\("[A-Z]+", "(/[^"]*)"`)

// routePaths returns a path for every route of routes.go, its wildcards
// filled in by fill, so that a route added there is swept here too.
func routePaths(t *testing.T, fill map[string][]string) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range routeRE.FindAllStringSubmatch(string(src), -1) {
		paths := []string{m[1] + m[2]}
		for w, values := range fill {
			var next []string
			for _, p := range paths {
				if !strings.Contains(p, w) {
					next = append(next, p)
					continue
				}
				for _, v := range values {
					next = append(next, strings.ReplaceAll(p, w, v))
				}
			}
			paths = next
		}
		for _, p := range paths {
			if strings.Contains(p, "{") {
				t.Fatalf("routes.go has a wildcard the sweep does not fill: %s", p)
			}
			seen[p] = true
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d paths read from routes.go", len(seen))
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

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
	paths := routePaths(t, map[string][]string{
		"{$}":       {""},
		"{license}": {id},
		"{action}":  {"revoke", "replace", "resend", "move", "reset-code", "nosuch"},
		"{rk}":      {unused.String()},
		"{id}":      {strconv.FormatInt(tokID, 10)},
		"{product}": {"PC"},
	})
	paths = append(paths, "/nosuch", "/console/nosuch", "/api/nosuch", "/static/portal.css")

	type visitor struct {
		name          string
		b             *browser
		bearer, scope string
		// staff and admin: the console's routes are theirs; customer: the
		// customers' pages behind a log-in are.
		staff, admin, customer bool
	}
	visitors := []visitor{
		{name: "anonymous", b: e.browser()},
		{name: "customer", b: ann, customer: true},
		{name: "admin half way", b: pat},
		{name: "support", b: sam, staff: true},
		{name: "admin", b: ada, staff: true, admin: true},
	}
	for _, scope := range []string{portaldb.ScopeMint, portaldb.ScopeRead, portaldb.ScopeRevoke} {
		visitors = append(visitors, visitor{name: "bearer " + scope, b: e.browser(), bearer: newAPIToken(t, e, scope), scope: scope})
	}
	// Each visitor's CSRF tokens, of the customers' pages and of the
	// console's.
	tokens := func(v visitor) (string, string) {
		v.b.get("/login")
		customer := v.b.csrf()
		v.b.get("/console/login")
		if !csrfRE.MatchString(v.b.last) {
			v.b.get("/console/")
		}
		return customer, v.b.csrf()
	}
	// publicPOST are the POST routes anyone may use, which the sweep
	// leaves to the tests of each page.
	publicPOST := map[string]bool{"/signup": true, "/confirm": true, "/login": true, "/logout": true, "/forgot": true,
		"/reset": true, "/console/login": true, "/console/totp": true, "/console/logout": true}
	adminOnly := regexp.MustCompile(`^/console/(staff|tokens)`)

	head := func() ledger.Head {
		h, err := e.led.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// The mail queued so far is sent first: sending it is an event too.
	outbox := portaldb.NewOutbox(e.led)
	for tries := 0; ; tries++ {
		n, err := outbox.Unsent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if tries == 1000 {
			t.Fatalf("%d messages still unsent", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	newest := func() int64 {
		ms, err := outbox.List(ctx, 1)
		if err != nil || len(ms) != 1 {
			t.Fatalf("the outbox: %d messages, %v", len(ms), err)
		}
		return ms[0].ID
	}
	before, mailBefore := head(), newest()
	sent := 0
	for _, v := range visitors {
		customerCSRF, consoleCSRF := tokens(v)
		for _, path := range paths {
			csrf := customerCSRF
			if strings.HasPrefix(path, "/console") {
				csrf = consoleCSRF
			}
			fields := url.Values{"csrf": {csrf}, "reason": {"chargeback"}, "generation": {"0"}, "email": {"sam@vendor.test"},
				"name": {"shop"}, "scope": {portaldb.ScopeRevoke}, "role": {portaldb.RoleAdmin}, "rk": {unused.String()},
				"license": {id}, "product": {"PC"}, "revoke_old": {"on"}}
			type try struct {
				method string
				fields url.Values
			}
			tries := []try{{"GET", fields}, {"HEAD", fields}, {"PUT", fields}, {"PATCH", fields}, {"DELETE", fields}, {"OPTIONS", fields},
				{"POST", without(fields, "csrf")}}
			api := strings.HasPrefix(path, "/api/")
			ours := !api && (!strings.HasPrefix(path, "/console") && (v.customer || !needsLogin(path)) ||
				strings.HasPrefix(path, "/console") && v.staff && (v.admin || !adminOnly.MatchString(path)))
			if !api && !ours && !publicPOST[path] {
				tries = append(tries, try{"POST", fields})
			}
			for _, tr := range tries {
				if api && tr.method == "POST" && (path == "/api/v1/current-code" || v.scope != "" && apiScope(path) == v.scope) {
					continue // the caller may: the API's tests check what it does
				}
				target := path
				if !strings.Contains(path, "?") {
					target += "?" + tr.fields.Encode()
				}
				req, _ := http.NewRequest(tr.method, e.url(target), strings.NewReader(tr.fields.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if v.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+v.bearer)
				}
				sent++
				h0 := head()
				resp, err := v.b.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if h := head(); h != h0 {
					t.Errorf("%s %s %s (csrf %v): the ledger's head moved from %d to %d", v.name, tr.method, path, tr.fields.Has("csrf"), h0.Seq, h.Seq)
				}
				if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
					t.Errorf("%s %s %s: 405 without Allow", v.name, tr.method, path)
				}
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s %s: %d", v.name, tr.method, path, resp.StatusCode)
				}
			}
		}
	}
	if h := head(); h != before {
		t.Fatalf("the ledger's head moved from %d to %d", before.Seq, h.Seq)
	}
	t.Logf("%d requests", sent)
	// Queuing mail is no event: the outbox is checked on its own.
	if m := newest(); m != mailBefore {
		t.Fatalf("mail was queued: message %d, after %d", m, mailBefore)
	}
	if sam.get("/console/"); sam.code != http.StatusOK {
		t.Fatalf("the support user's session ended: %d", sam.code)
	}
	if ann.get("/licenses"); ann.code != http.StatusOK {
		t.Fatalf("the customer's session ended: %d", ann.code)
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

// needsLogin tells whether a customer path is behind the log-in.
func needsLogin(path string) bool {
	for _, p := range []string{"/register", "/licenses", "/renew", "/report-stolen"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// apiScope is the scope a shop API path's POST needs.
func apiScope(path string) string {
	switch {
	case path == "/api/v1/registration-keys":
		return portaldb.ScopeMint
	case strings.HasSuffix(path, "/revoke"):
		return portaldb.ScopeRevoke
	}
	return ""
}

// The portal's own failures, here a ledger that is gone, are told to each
// audience on its own page (the customers', the console's, the API's
// JSON) with a 500 and its words, never the error itself, which goes to
// the log.
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
		want                           []string
	}{
		{"customer", "POST", "/signup", url.Values{"csrf": {visitor.csrf()}, "email": {"ann@example.com"}, "password": {"correct horse battery"}}.Encode(), "", visitor,
			[]string{"· Customer Licensing Portal</title>", `role="alert"`, "Something went wrong", "Nothing was lost: please try again in a few minutes."}},
		{"console", "POST", "/console/login", url.Values{"csrf": {staff.csrf()}, "email": {"sam@vendor.test"}, "password": {staffPassword}}.Encode(), "", staff,
			[]string{"· Support console</title>", `role="alert"`, "The console could not do this just now; the log has the details."}},
		{"shop API", "GET", "/api/v1/licenses", "", "Bearer " + tok, e.browser(),
			[]string{`"kind":"internal"`, "the request could not be done just now"}},
		{"product API", "POST", "/api/v1/current-code", `{"activation_code": "PC-1"}`, "", e.browser(),
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
		if c.b.code != http.StatusInternalServerError {
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
		for _, leak := range []string{"closed", "sql", "database", "ledger:"} {
			if strings.Contains(strings.ToLower(body), leak) {
				t.Errorf("%s: the answer says %q:\n%s", c.name, leak, body)
			}
		}
	}
}
