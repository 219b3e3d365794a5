package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// TestFlow goes through every page a customer uses, as issue 12 lists
// them, over HTTP, with the mail read from the SMTP relay.
func TestFlow(t *testing.T) {
	e := newEnv(t)
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	renewal := e.mint(1, false, ledger.PurposeRenewal)[0]
	b := e.signup("ann@example.com", "correct horse battery")

	// Register, typed in lower case with odd spacing.
	typed := strings.ToLower(strings.ReplaceAll(full.String(), "-", "  "))
	b.submit("/register", "/register", url.Values{"rk": {typed}})
	codes := b.codes()
	if b.code != 200 || len(codes) != 1 {
		t.Fatalf("register: %d\n%s", b.code, b.last)
	}
	ac := codes[0]
	product := &memState{}
	v := e.product(product)
	if lic, err := v.Verify(ac); err != nil || lic.Status != verifier.StatusValid || lic.Serial != full.Serial {
		t.Fatalf("the product refuses the code: %+v, %v", lic, err)
	}
	if m := e.mail.wait(t, "ann@example.com", "Your Activation Code"); !mailHasCode(m.Body, ac) {
		t.Fatalf("the mail lacks the code:\n%s", m.Body)
	}

	// My licenses: every column, the code and the token.
	b.get("/licenses")
	for _, want := range []string{"PC standard", "<dt>Trial</dt><dd data-trial>no</dd>", `data-status>valid<`, "<dt>Days left</dt><dd data-days-left>365</dd>", "Maintenance ends", "/licenses/jwt?license=", "/licenses/code?license="} {
		if !strings.Contains(b.last, want) {
			t.Errorf("licenses page lacks %q", want)
		}
	}
	if cs := b.codes(); len(cs) != 1 || cs[0] != ac {
		t.Errorf("licenses page shows codes %q, not %q", cs, ac)
	}
	id := licenseOf(t, b.last)
	tok := b.get("/licenses/jwt?license=" + id)
	if b.code != 200 || strings.Count(tok, ".") != 2 {
		t.Fatalf("JWT download: %d %q", b.code, tok)
	}
	// The code as a text file: one line, as products read it.
	if file := b.get("/licenses/code?license=" + id); b.code != 200 || file != ac+"\n" {
		t.Fatalf("code download: %d %q", b.code, file)
	}
	if b.get("/licenses/code?license=PC-1"); b.code != 404 {
		t.Fatalf("code download of another license: %d", b.code)
	}

	// Report it stolen: a replacement at once, the old one superseded
	// once the product has seen the new one, and on the next list.
	b.submit("/report-stolen", "/report-stolen", url.Values{"license": {id}})
	codes = b.codes()
	if len(codes) != 1 || codes[0] == ac {
		t.Fatalf("report stolen: %d\n%s", b.code, b.last)
	}
	repl := codes[0]
	if lic, err := v.Verify(repl); err != nil || lic.Generation != 1 || !lic.Status.InForce() {
		t.Fatalf("replacement: %+v, %v", lic, err)
	}
	if lic, _ := v.Verify(ac); lic.Status != verifier.StatusSuperseded {
		t.Fatalf("old code after the replacement: %v", lic.Status)
	}
	e.mail.wait(t, "ann@example.com", "replacement")
	lic, err := e.led.License(context.Background(), pc, full.Serial)
	if err != nil || !lic.Revoked || lic.RevokedBelow != 1 || lic.Generation != 1 {
		t.Fatalf("ledger after the report: %+v, %v", lic, err)
	}
	b.get("/licenses")
	if !strings.Contains(b.last, "superseded") && !strings.Contains(b.last, "revoked</span> generation 0") {
		t.Errorf("licenses page does not show the old code's status:\n%s", b.last)
	}

	// Renew with a renewal key: a year from the old expiry.
	e.clock.add(300 * 24 * time.Hour)
	b.get("/licenses")
	if !strings.Contains(b.last, `action="/login"`) {
		t.Fatal("a session outlives its 12 hours")
	}
	b.login("ann@example.com", "correct horse battery")
	b.submit("/renew", "/renew", url.Values{"license": {id}, "rk": {renewal.String()}})
	codes = b.codes()
	if len(codes) != 1 {
		t.Fatalf("renew: %d\n%s", b.code, b.last)
	}
	old, _ := v.Verify(repl)
	renewed, err := v.Verify(codes[0])
	if err != nil || renewed.Expires != old.Expires+365 {
		t.Fatalf("renewed code: %+v, %v (old expiry %s)", renewed, err, old.Expires)
	}
	e.mail.wait(t, "ann@example.com", "renewed")
	// The token follows the license through the replacement and renewal.
	tok = b.get("/licenses/jwt?license=" + id)
	if b.code != 200 || !strings.Contains(tok, ".") || tokenCode(t, tok) != codes[0] {
		t.Fatalf("JWT download after renewal: %d %q", b.code, tok)
	}
	// The key is used up.
	b.submit("/renew", "/renew", url.Values{"license": {id}, "rk": {renewal.String()}})
	if !strings.Contains(b.last, `role="alert">This renewal key has been used already`) {
		t.Fatalf("renewal key used twice: %s", b.last)
	}

	// Events name the account and its address.
	hs, _ := e.led.Find(context.Background(), ledger.Query{Owner: "ann@example.com"})
	for _, ev := range hs[0].Events {
		if ev.Kind == "replaced" && (ev.Actor != "ann@example.com" || !strings.Contains(string(ev.Body), `"client_ip":"127.0.0.1"`)) {
			t.Errorf("replaced event: %s %s", ev.Actor, ev.Body)
		}
	}
	if _, err := e.led.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Log out ends the session.
	b.submit("/licenses", "/logout", url.Values{})
	b.get("/licenses")
	if !strings.Contains(b.last, `action="/login"`) {
		t.Fatalf("still logged in after log-out")
	}
}

// licenseOf returns the first license id on a licenses page.
func licenseOf(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, "<dt>License</dt><dd>")
	if i < 0 {
		t.Fatalf("no license on the page:\n%s", page)
	}
	rest := page[i+len("<dt>License</dt><dd>"):]
	return rest[:strings.Index(rest, "<")]
}

// tokenCode is the activation_code claim of a JWT license token.
func tokenCode(t *testing.T, tok string) string {
	t.Helper()
	var c licjwt.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(tok), &c); err != nil {
		t.Fatalf("token %q: %v", tok, err)
	}
	return c.ActivationCode
}
