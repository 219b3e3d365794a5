package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

const currentOp = "/api/v1/current-code"

// askCurrent sends a product's code to POST /api/v1/current-code, checks
// the answer against the OpenAPI document, and returns it.
func askCurrent(t *testing.T, d *apiDoc, e *env, code, installID string) (int, portal.CurrentCodeJSON, []byte) {
	t.Helper()
	body, err := json.Marshal(portal.CurrentCodeRequest{ActivationCode: code, InstallID: installID})
	if err != nil {
		t.Fatal(err)
	}
	st, b := d.call(e, "", "POST", currentOp, currentOp, string(body))
	var cur portal.CurrentCodeJSON
	if st == http.StatusOK {
		if err := json.Unmarshal(b, &cur); err != nil {
			t.Fatal(err)
		}
	}
	return st, cur, b
}

// A product that is online asks for its license's current code with the
// code it holds: it gets the renewal, and a replaced generation or a
// revoked license gets nothing.
func TestCurrentCode(t *testing.T) {
	lim := portal.DefaultLimits
	lim.CurrentIP.Max = 1000 // the rate limit has its own test
	e := newEnv(t, portal.WithLimits(lim))
	d := loadAPIDoc(t, e)
	ctx := context.Background()
	keys := e.mint(4, false, ledger.PurposeLicense)
	register := func(k formats.RegistrationKey, installID string, token bool) issuance.Issued {
		t.Helper()
		is, err := e.svc.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k, InstallID: installID},
			Token: token, Owner: "ann@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		return is
	}

	// Not renewed: the same code, and its token.
	a := register(keys[0], "", true)
	st, cur, b := askCurrent(t, d, e, a.Code.String(), "")
	if st != 200 || cur.ActivationCode != a.Code.String() || cur.Renewed || cur.JWT != a.JWT || cur.JWT == "" || cur.Expires != a.Code.Expires.String() {
		t.Fatalf("a code not renewed: %d %s", st, b)
	}
	// Renewed by the vendor: the old code gets the renewal, which the
	// product's verifier takes, and the renewal gets itself.
	e.clock.add(300 * 24 * time.Hour)
	ren, err := e.svc.Renew(ctx, &issuance.Renewal{Code: a.Code})
	if err != nil {
		t.Fatal(err)
	}
	st, cur, b = askCurrent(t, d, e, "  "+a.Code.String()+"\n", "")
	if st != 200 || cur.ActivationCode != ren.Code.String() || !cur.Renewed || cur.JWT != ren.JWT || cur.Expires != ren.Code.Expires.String() {
		t.Fatalf("a renewed code: %d %s", st, b)
	}
	if lic, err := e.product(nil).Verify(cur.ActivationCode); err != nil || !lic.Status.InForce() || lic.Expires != ren.Code.Expires {
		t.Fatalf("the product's verifier on the renewal: %+v, %v", lic, err)
	}
	if st, cur, b := askCurrent(t, d, e, ren.Code.String(), ""); st != 200 || cur.Renewed || cur.ActivationCode != ren.Code.String() {
		t.Fatalf("the renewal itself: %d %s", st, b)
	}

	// Replaced, as for a stolen code: the old generation learns nothing of
	// the new one.
	old := register(keys[1], "", false)
	rep, err := e.svc.Replace(ctx, &issuance.Replacement{Product: pc, Serial: keys[1].Serial})
	if err != nil {
		t.Fatal(err)
	}
	st, _, b = askCurrent(t, d, e, old.Code.String(), "")
	if st != http.StatusGone || errKind(t, b) != "superseded" || bytes.Contains(b, []byte(rep.Code.String())) || bytes.Contains(b, []byte(rep.Code.ShortForm())) {
		t.Fatalf("a replaced generation: %d %s", st, b)
	}
	if st, cur, b := askCurrent(t, d, e, rep.Code.String(), ""); st != 200 || cur.ActivationCode != rep.Code.String() {
		t.Fatalf("the replacement: %d %s", st, b)
	}

	// Revoked.
	gone := register(keys[2], "", false)
	if _, err := e.led.Revoke(ctx, pc, keys[2].Serial, 0, "chargeback"); err != nil {
		t.Fatal(err)
	}
	if st, _, b := askCurrent(t, d, e, gone.Code.String(), ""); st != http.StatusGone || errKind(t, b) != "revoked" {
		t.Fatalf("a revoked license: %d %s", st, b)
	}

	// A bound code needs its install id.
	bound := register(keys[3], "HOST-7F3A", false)
	if st, _, b := askCurrent(t, d, e, bound.Code.String(), ""); st != 400 || !strings.Contains(string(b), "install_id") {
		t.Fatalf("a bound code without its install id: %d %s", st, b)
	}
	if st, _, b := askCurrent(t, d, e, bound.Code.String(), "HOST-0000"); st != 400 {
		t.Fatalf("a bound code with another install id: %d %s", st, b)
	}
	if st, cur, b := askCurrent(t, d, e, bound.Code.String(), "HOST-7F3A"); st != 200 || cur.ActivationCode != bound.Code.String() {
		t.Fatalf("a bound code: %d %s", st, b)
	}

	currentRefusals(t, e, d, keys, ren.Code)
}

// currentRefusals checks what POST /api/v1/current-code refuses: changed,
// forged and unrecorded codes, and bodies that are not its request. keys
// are registered, keys[3] bound to HOST-7F3A, and renewed is the current
// code of keys[0]'s license.
func currentRefusals(t *testing.T, e *env, d *apiDoc, keys []formats.RegistrationKey, renewed formats.ActivationCode) {
	t.Helper()
	text := renewed.String()
	// Every single-character change of a code is refused, none answered
	// with a code.
	for i := range len(text) {
		for _, c := range []byte{'0', '7', 'Z'} {
			if text[i] == c {
				continue
			}
			bad := text[:i] + string(c) + text[i+1:]
			if st, _, b := askCurrent(t, d, e, bad, ""); st == 200 || st >= 500 {
				t.Fatalf("code changed at %d to %q: %d %s", i, c, st, b)
			}
		}
	}
	// A code signed by another vendor's key of the same id.
	otherKey, err := signer.GenerateKey(e.key.ID())
	if err != nil {
		t.Fatal(err)
	}
	other, err := signer.New(otherKey, signer.WithNow(e.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Sign(&signer.Registration{RK: keys[0], Edition: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, b := askCurrent(t, d, e, forged.String(), ""); st != 400 || errKind(t, b) != "invalid_request" {
		t.Fatalf("a forged code: %d %s", st, b)
	}
	// The short form, a Registration Key, a code of no license.
	unknownKey := e.mint(1, false, ledger.PurposeLicense)[0]
	unregistered, err := e.sign.Sign(&signer.Registration{RK: unknownKey, Edition: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code   string
		status int
	}{{renewed.ShortForm(), 400}, {keys[0].String(), 400}, {"", 400}, {unregistered.String(), 404}} {
		if st, _, b := askCurrent(t, d, e, c.code, ""); st != c.status {
			t.Fatalf("%q: %d %s", c.code, st, b)
		}
	}

	// Codes signed with the portal's key but never recorded (signed
	// offline, or by a staging ledger on the same key and sequential
	// serials) that carry the serial of a license: the other trial flag,
	// unbound for a bound license, another edition or term. None gets the
	// license's code.
	flipped := keys[0]
	flipped.Trial = true
	for _, r := range []signer.Registration{{RK: flipped, Edition: "standard"}, {RK: keys[3], Edition: "standard"},
		{RK: keys[0], Edition: "premium"}, {RK: keys[0], Edition: "standard", Days: 3650}, {RK: keys[3], Edition: "standard", InstallID: "HOST-7F3A", Days: 7}} {
		c, err := e.sign.Sign(&r)
		if err != nil {
			t.Fatal(err)
		}
		st, _, b := askCurrent(t, d, e, c.String(), r.InstallID)
		if st != http.StatusNotFound || bytes.Contains(b, []byte("PC-2081")) {
			t.Fatalf("a code of serial %s never recorded (%+v): %d %s", r.RK.Serial, r, st, b)
		}
	}

	// Bodies that are not the request.
	for _, body := range []string{`{"activation_code": "` + text + `", "serial": 1}`, `{"activation_code": 1}`, `[]`,
		`{"activation_code": "` + text + `"} {}`, `{"activation_code": "` + strings.Repeat("A", portal.MaxCurrentCodeBody) + `"}`} {
		if st, b := d.call(e, "", "POST", currentOp, currentOp, body); st != 400 || errKind(t, b) != "invalid_request" {
			t.Fatalf("%.60s: %d %s", body, st, b)
		}
	}
	resp, err := http.Get(e.url(currentOp))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %s", resp.Status)
	}
}

// Refused requests are limited per address: past the limit they are
// answered 429 with Retry-After until the window ends, while a code of a
// license from the same address is still answered.
func TestCurrentCodeLimit(t *testing.T) {
	lim := portal.DefaultLimits
	lim.CurrentIP = portal.Limit{Max: 5, Window: time.Hour}
	e := newEnv(t, portal.WithLimits(lim))
	d := loadAPIDoc(t, e)
	k := e.mint(1, false, ledger.PurposeLicense)[0]
	is, err := e.svc.Register(context.Background(), &issuance.Registration{Registration: signer.Registration{RK: k}})
	if err != nil {
		t.Fatal(err)
	}
	good := is.Code.String()
	// Another last character, whatever the last one is.
	bad := good[:len(good)-1] + string("10"[good[len(good)-1]&1])
	// Good codes are not counted.
	for range 10 {
		if st, _, b := askCurrent(t, d, e, good, ""); st != 200 {
			t.Fatalf("good code: %d %s", st, b)
		}
	}
	for i := range 5 {
		if st, _, b := askCurrent(t, d, e, bad, ""); st != 400 {
			t.Fatalf("refused code %d: %d %s", i, st, b)
		}
	}
	for _, code := range []string{bad, "PC-12", good[:37]} {
		body, _ := json.Marshal(portal.CurrentCodeRequest{ActivationCode: code})
		req, _ := http.NewRequest("POST", e.url(currentOp), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("past the limit: %s, Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
		}
	}
	for _, body := range []string{`{"activation_code": "` + bad + `"}`, `{"code": "` + good + `"}`, `[`} {
		if st, b := d.call(e, "", "POST", currentOp, currentOp, body); st != 429 || errKind(t, b) != "too_many_requests" {
			t.Fatalf("%s past the limit: %d %s", body, st, b)
		}
	}
	if st, _, b := askCurrent(t, d, e, good, ""); st != 200 {
		t.Fatalf("a good code past the limit: %d %s", st, b)
	}
	e.clock.add(time.Hour)
	if st, _, b := askCurrent(t, d, e, bad, ""); st != 400 {
		t.Fatalf("the next hour: %d %s", st, b)
	}
}

// Refusals sent at once all read a count under the limit; past it they
// are answered 429 all the same, on either store, and a good code sent
// among them is answered.
func TestCurrentCodeLimitAtOnce(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			lim := portal.DefaultLimits
			lim.CurrentIP = portal.Limit{Max: 5, Window: time.Hour}
			var e *env
			if store == "postgres" {
				e = newEnvOn(t, ledgertest.PostgresDSN(t), nil, portal.WithLimits(lim))
			} else {
				e = newEnv(t, portal.WithLimits(lim))
			}
			k := e.mint(1, false, ledger.PurposeLicense)[0]
			is, err := e.svc.Register(context.Background(), &issuance.Registration{Registration: signer.Registration{RK: k}})
			if err != nil {
				t.Fatal(err)
			}
			good, _ := json.Marshal(portal.CurrentCodeRequest{ActivationCode: is.Code.String()})
			const n = 60
			status := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					body := `{"activation_code": "PC-12"}`
					if i%10 == 0 {
						body = string(good)
					}
					resp, err := http.Post(e.url(currentOp), "application/json", strings.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					status[i] = resp.StatusCode
				})
			}
			wg.Wait()
			refused := 0
			for i, st := range status {
				switch {
				case i%10 == 0 && st != http.StatusOK:
					t.Errorf("good code %d among refusals: %d", i, st)
				case i%10 != 0 && st == http.StatusBadRequest:
					refused++
				case i%10 != 0 && st != http.StatusTooManyRequests:
					t.Errorf("refusal %d: %d", i, st)
				}
			}
			if refused > lim.CurrentIP.Max {
				t.Fatalf("%d of %d refusals sent at once answered 400; the limit is %d", refused, n-n/10, lim.CurrentIP.Max)
			}
		})
	}
}
