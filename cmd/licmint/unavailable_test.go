//go:build unix

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// With its PostgreSQL stopped, 'licmint serve' does not take a logged-in
// customer, staff user or shop for one logged out: a customer's
// registration, a staff user's form and a shop's API call are each
// answered 503 with Retry-After, the form shown again with what was typed,
// and the error logged. Once PostgreSQL is back, the form kept registers
// the key.
func TestServeDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		t.Skip(err)
	}
	c := ledgertest.NewCluster(t)
	s := newServeInstances(t, licmint, c.DSN())
	rk := mintShopKeys(t, s.dsn, 1)[0]
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte(testStaffPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// On the portal's day, the staff user's first log-in is due.
	onDay := func(args ...string) *exec.Cmd {
		cmd := exec.Command(licmint, args...)
		cmd.Env = append(os.Environ(), testClockVar+"=2027-03-01")
		return cmd
	}
	if out, err := onDay("serve", "adduser", "--ledger", s.dsn, "--role", "admin", "--password-file", pwFile, "sam@vendor.test").CombinedOutput(); err != nil {
		t.Fatalf("serve adduser: %v\n%s", err, out)
	}
	out, err := onDay("serve", "token", "create", "--ledger", s.dsn, "--scope", "read", "--name", "shop", "--json").Output()
	var tok tokenJSON
	if err != nil || json.Unmarshal(out, &tok) != nil || tok.Token == "" {
		t.Fatalf("serve token create: %v\n%s", err, out)
	}

	p := startServe(t, licmint, "2027-03-01", []string{"serve", "--ledger", s.dsn, "--key", s.keyPath, "--identity", s.idPath,
		"--addr", "127.0.0.1:0", "--json", "--smtp", s.relay.addr, "--mail-from", "licenses@vendor.test"})
	ann := newCustomer(t, "ann@example.com")
	ann.signup(p, s.relay)
	sam := newCustomer(t, "sam@vendor.test")
	staffLogin(t, sam, p)
	// Each holds a form, its CSRF token valid, when the database goes.
	_, regForm := ann.get(p.url + "/register")
	_, staffForm := sam.get(p.url + "/console/staff")
	c.Stop()

	// The log reaches the test through a pipe, soon after the answer.
	logged := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.stderr.String(), what); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("the log has no %q:\n%s", what, p.stderr)
				return
			}
		}
	}
	code, kept, h := post(t, ann, p.url+"/register", regForm, url.Values{"rk": {rk.String()}})
	unavailable(t, "POST /register", code, kept, h, `name="rk" type="text" value="`+rk.String()+`"`)
	logged("POST /register: the ledger's database cannot be read: looking up the session")

	code, page, h := post(t, sam, p.url+"/console/staff", staffForm, url.Values{"email": {"tom@vendor.test"}, "role": {"support"}})
	unavailable(t, "POST /console/staff", code, page, h, `name="email" type="text" value="tom@vendor.test"`, `name="role" type="text" value="support"`)
	logged("POST /console/staff: the ledger's database cannot be read: looking up the staff session")

	req, _ := http.NewRequest("GET", p.url+"/api/v1/licenses?within=30", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var apiErr struct {
		Error struct{ Kind, Message string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&apiErr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || apiErr.Error.Kind != "unavailable" {
		t.Errorf("GET /api/v1/licenses: %d, Retry-After %q, %+v", resp.StatusCode, resp.Header.Get("Retry-After"), apiErr)
	}
	logged("GET /api/v1/licenses: the ledger's database cannot be read: looking up the API token")

	// Back, the customer sends the form kept: the key is registered.
	c.Start()
	code, page, _ = post(t, ann, p.url+"/register", kept, formValues(kept))
	if code != http.StatusOK || !serveCodeRE.MatchString(page) {
		t.Fatalf("the kept form sent again: %d\n%s\n%s", code, page, p.stderr)
	}
	p.stop(t)
}

const testStaffPassword = "staff horse battery staple"

// staffLogin logs c in to the console of p as a new staff user: password,
// then the authenticator set up with the secret shown, on the day of p's
// clock (2027-03-01, midday).
func staffLogin(t *testing.T, c *customer, p *serveProc) {
	t.Helper()
	_, page := c.submit(p, "/console/login", url.Values{"email": {c.email}, "password": {testStaffPassword}})
	secret := regexp.MustCompile(`data-totp-secret>([A-Z2-7]+)<`).FindStringSubmatch(page)
	if secret == nil {
		t.Fatalf("console log-in: no TOTP secret:\n%s", page)
	}
	code, err := totp.GenerateCodeCustom(secret[1], time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	if status, page, h := post(t, c, p.url+"/console/totp", page, url.Values{"code": {code}}); status != http.StatusSeeOther || h.Get("Location") != "/console/" {
		t.Fatalf("console TOTP: %d %s\n%s", status, h.Get("Location"), page)
	}
}

// post posts fields to u with the CSRF token of form, a page, and returns
// the answer, unfollowed.
func post(t *testing.T, c *customer, u, form string, fields url.Values) (int, string, http.Header) {
	t.Helper()
	m := serveCSRFRE.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no form to post to %s in:\n%s", u, form)
	}
	fields.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", u, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := *c.c
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// unavailable checks a 503 page that keeps its form's fields.
func unavailable(t *testing.T, what string, code int, page string, h http.Header, fields ...string) {
	t.Helper()
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(page, "Briefly unavailable") {
		t.Errorf("%s: %d, Retry-After %q:\n%s", what, code, h.Get("Retry-After"), page)
		return
	}
	for _, f := range fields {
		if !strings.Contains(page, f) {
			t.Errorf("%s: the form kept has no %s:\n%s", what, f, page)
		}
	}
}

// formValues are the text fields of the form on page.
func formValues(page string) url.Values {
	v := url.Values{}
	for _, m := range regexp.MustCompile(`name="([a-z_]+)" type="text" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		v.Add(m[1], m[2])
	}
	return v
}
