package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// A HEAD of an action's page, which a GET route answers, changes nothing,
// with the form's fields and CSRF token in its query or not; nor does a
// method the route does not take.
func TestActionsChangeNothingButByPOST(t *testing.T) {
	e := newEnv(t)
	key, ann := e.registered()
	unused := e.mint(1, false, ledger.PurposeLicense)[0]
	admin, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	id := "PC-" + key.Serial.String()
	admin.get("/console/tokens")
	q := url.Values{"reason": {"chargeback"}, "csrf": {admin.csrf()}, "email": {"sam@vendor.test"}}.Encode()
	paths := []string{"/console/licenses/" + id + "/revoke", "/console/licenses/" + id + "/replace", "/console/licenses/" + id + "/resend",
		"/console/keys/" + unused.String() + "/void", "/console/staff/remove?email=sam%40vendor.test",
		"/console/accounts/ann@example.com/unlock", "/console/accounts/ann@example.com/logout", "/console/accounts/ann@example.com/confirmation"}
	for _, path := range paths {
		for _, method := range []string{"HEAD", "PUT", "DELETE"} {
			target := path
			if !strings.Contains(target, "?") {
				target += "?" + q
			}
			req, _ := http.NewRequest(method, e.url(target), strings.NewReader(q))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			admin.do(req)
			if method != "HEAD" && admin.code/100 == 2 {
				t.Errorf("%s %s: %d", method, path, admin.code)
			}
		}
	}
	ctx := context.Background()
	lic, err := e.led.License(ctx, pc, key.Serial)
	if err != nil || lic.Revoked || lic.Generation != 0 {
		t.Fatalf("the license changed: %+v %v", lic, err)
	}
	es, err := e.led.Events(ctx, pc, key.Serial)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range es {
		if ev.Kind == "code_resent" {
			t.Fatal("the code was resent")
		}
	}
	if rec, err := e.led.RegistrationKey(ctx, unused); err != nil || rec.State != ledger.StateMinted {
		t.Fatalf("the key changed: %+v %v", rec, err)
	}
	if sam.get("/console/"); sam.code != http.StatusOK {
		t.Fatalf("the support user was removed: %d", sam.code)
	}
	if ann.get("/licenses"); !strings.Contains(ann.last, "Logged in as ann@example.com") {
		t.Fatal("the customer was logged out")
	}
}

// Every page and file of the portal's own is served with its security
// headers, the static files too.
func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/static/portal.css", "/login", "/nosuch", "/console/login", "/console/nosuch"} {
		resp, err := http.Get(e.url(path))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, headers %v", path, resp.StatusCode, resp.Header)
		}
	}
}
