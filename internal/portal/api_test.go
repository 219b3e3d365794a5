package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// apiDoc is the OpenAPI document as the portal serves it, and a compiler
// of the schemas in it: OpenAPI 3.1's schemas are JSON Schema 2020-12,
// which jsonschema validates without an OpenAPI library.
type apiDoc struct {
	t    *testing.T
	doc  map[string]any
	comp *jsonschema.Compiler
}

func loadAPIDoc(t *testing.T, e *env) *apiDoc {
	t.Helper()
	resp, err := http.Get(e.url("/api/openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	doc, err := jsonschema.UnmarshalJSON(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := doc.(map[string]any)
	if m["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", m["openapi"])
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	return &apiDoc{t: t, doc: m, comp: c}
}

func pointer(tokens ...string) string {
	for i, tok := range tokens {
		tokens[i] = url.PathEscape(strings.NewReplacer("~", "~0", "/", "~1").Replace(tok))
	}
	return "/" + strings.Join(tokens, "/")
}

// check fails t unless the document lists status for the operation and
// the body is valid against the response's schema.
func (d *apiDoc) check(method, template string, status int, body []byte) {
	d.t.Helper()
	op, _ := d.doc["paths"].(map[string]any)[template].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		d.t.Fatalf("%s %s: no such operation in the document", method, template)
	}
	resp, _ := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if resp == nil {
		d.t.Fatalf("%s %s: status %d is not documented", method, template, status)
	}
	loc := pointer("paths", template, strings.ToLower(method), "responses", strconv.Itoa(status), "content", "application/json", "schema")
	if ref, ok := resp["$ref"].(string); ok {
		loc = strings.TrimPrefix(ref, "#") + pointer("content", "application/json", "schema")
	}
	sch, err := d.comp.Compile("openapi.json#" + loc)
	if err != nil {
		d.t.Fatalf("%s %s %d: compiling %s: %v", method, template, status, loc, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		d.t.Fatalf("%s %s %d: the body is not JSON: %v: %s", method, template, status, err, body)
	}
	if err := sch.Validate(v); err != nil {
		d.t.Fatalf("%s %s %d: the body does not match the document: %v\n%s", method, template, status, err, body)
	}
}

// call makes one API request over HTTP, checks the answer against the
// document, and returns its status and body.
func (d *apiDoc) call(e *env, token, method, template, path, body string) (int, []byte) {
	d.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return d.callTyped(e, token, method, template, path, ct, body)
}

// callTyped is call with the body's Content-Type given, "" for none.
func (d *apiDoc) callTyped(e *env, token, method, template, path, contentType, body string) (int, []byte) {
	d.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url(path), rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		d.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		d.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	d.check(method, template, resp.StatusCode, b)
	return resp.StatusCode, b
}

func newAPIToken(t *testing.T, e *env, scope string) string {
	t.Helper()
	tok, _, err := portal.CreateAPIToken(context.Background(), e.led, "shop-"+scope, scope)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, portal.APITokenPrefix) || len(tok) != len(portal.APITokenPrefix)+43 {
		t.Fatalf("token %q", tok)
	}
	return tok
}

func errKind(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Kind, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an API error: %s", body)
	}
	return e.Error.Kind
}

// TestShopAPI calls every endpoint of the shop API over real HTTP, and
// checks every answer against the OpenAPI document the portal serves.
func TestShopAPI(t *testing.T) {
	e := newEnv(t)
	d := loadAPIDoc(t, e)
	mint, read, revoke := newAPIToken(t, e, portaldb.ScopeMint), newAPIToken(t, e, portaldb.ScopeRead), newAPIToken(t, e, portaldb.ScopeRevoke)
	const keys = "/api/v1/registration-keys"
	order := `{"product": "PC", "edition": "standard", "count": 2, "order": "A-1001", "trial": false}`

	// Tokens and scopes.
	if st, b := d.call(e, "", "POST", keys, keys, order); st != 401 || errKind(t, b) != "unauthorized" {
		t.Fatalf("no token: %d %s", st, b)
	}
	if st, b := d.call(e, portal.APITokenPrefix+strings.Repeat("A", 43), "POST", keys, keys, order); st != 401 {
		t.Fatalf("unknown token: %d %s", st, b)
	}
	if st, b := d.call(e, read, "POST", keys, keys, order); st != 403 || errKind(t, b) != "forbidden" {
		t.Fatalf("read token minting: %d %s", st, b)
	}

	// Minting is idempotent by order.
	st, b := d.call(e, mint, "POST", keys, keys, order)
	var minted portal.MintResponse
	if err := json.Unmarshal(b, &minted); err != nil || st != 201 || minted.Order != "A-1001" || len(minted.RegistrationKeys) != 2 {
		t.Fatalf("mint: %d %s", st, b)
	}
	st, b = d.call(e, mint, "POST", keys, keys, order)
	var again portal.MintResponse
	json.Unmarshal(b, &again)
	if st != 200 || strings.Join(again.RegistrationKeys, ",") != strings.Join(minted.RegistrationKeys, ",") {
		t.Fatalf("retried order: %d %s, want 200 and %v", st, b, minted.RegistrationKeys)
	}
	if st, b := d.call(e, mint, "POST", keys, keys, strings.Replace(order, `"count": 2`, `"count": 3`, 1)); st != 409 || errKind(t, b) != "conflict" {
		t.Fatalf("order on other terms: %d %s", st, b)
	}
	if st, b := d.call(e, mint, "POST", keys, keys, `{"product": "PC", "edition": "gold", "count": 1, "order": "A-1002"}`); st != 422 {
		t.Fatalf("unknown edition: %d %s", st, b)
	}
	for _, bad := range []string{`{"product": "PC", "edition": "standard", "count": 0, "order": "A-1003"}`,
		`{"product": "pc", "edition": "standard", "count": 1, "order": "A-1003"}`,
		`{"product": "PC", "edition": "standard", "count": 1}`,
		`{"product": "PC", "edition": "standard", "count": 1, "order": "A-1003", "price": 10}`,
		`{"product": "PC"`, `[]`} {
		if st, b := d.call(e, mint, "POST", keys, keys, bad); st != 400 || errKind(t, b) != "invalid_request" {
			t.Fatalf("%s: %d %s", bad, st, b)
		}
	}

	shopAPILicense(t, e, d, [3]string{mint, read, revoke}, minted)
}

// TestShopAPIContentType checks that a body is read only when the request
// declares it application/json, parameters aside, and that any other
// declaration, or none, is refused with 415 naming the header.
func TestShopAPIContentType(t *testing.T) {
	e := newEnv(t)
	d := loadAPIDoc(t, e)
	mint, revoke := newAPIToken(t, e, portaldb.ScopeMint), newAPIToken(t, e, portaldb.ScopeRevoke)
	const keys, rev = "/api/v1/registration-keys", "/api/v1/licenses/{license}/revoke"
	order := `{"product": "PC", "edition": "standard", "count": 1, "order": "A-2001", "trial": false}`
	refused := []string{"", "text/plain", "application/jsonx", "application/json-seq", "application/json+x",
		"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/json; charset", "application"}
	for _, ct := range refused {
		if st, b := d.callTyped(e, mint, "POST", keys, keys, ct, order); st != 415 || errKind(t, b) != "unsupported_media_type" || !bytes.Contains(b, []byte("Content-Type: application/json")) {
			t.Fatalf("mint with Content-Type %q: %d %s", ct, st, b)
		}
		if st, b := d.callTyped(e, revoke, "POST", rev, "/api/v1/licenses/PC-00000000000001/revoke", ct, `{"reason": "chargeback"}`); st != 415 || errKind(t, b) != "unsupported_media_type" {
			t.Fatalf("revoke with Content-Type %q: %d %s", ct, st, b)
		}
		if st, b := d.callTyped(e, "", "POST", currentOp, currentOp, ct, `{"activation_code": "PC-1"}`); st != 415 || errKind(t, b) != "unsupported_media_type" {
			t.Fatalf("current code with Content-Type %q: %d %s", ct, st, b)
		}
	}
	want := 201 // the first call mints; none refused above did
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"} {
		if st, b := d.callTyped(e, mint, "POST", keys, keys, ct, order); st != want {
			t.Fatalf("mint with Content-Type %q: %d %s, want %d", ct, st, b, want)
		}
		want = 200
	}
}

// shopAPILicense reads, lists and revokes the license of the first key
// minted, with tokens of scopes mint, read and revoke; the second key is
// left unregistered.
func shopAPILicense(t *testing.T, e *env, d *apiDoc, tokens [3]string, minted portal.MintResponse) {
	t.Helper()
	mint, read, revoke := tokens[0], tokens[1], tokens[2]
	var st int
	var b []byte
	// A key registered in the portal has a license and a history.
	rk := mustRK(t, minted.RegistrationKeys[0])
	is, err := e.svc.Register(context.Background(), &issuance.Registration{Registration: signer.Registration{RK: rk}, Owner: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	id := "PC-" + rk.Serial.String()
	const one = "/api/v1/licenses/{license}"
	st, b = d.call(e, read, "GET", one, "/api/v1/licenses/"+id, "")
	var h portal.HistoryJSON
	if err := json.Unmarshal(b, &h); err != nil || st != 200 || h.License.License != id || h.License.Owner != "ann@example.com" ||
		len(h.Codes) != 1 || h.Codes[0].ActivationCode != is.Code.String() || len(h.RegistrationKeys) != 1 {
		t.Fatalf("license: %d %s", st, b)
	}
	kinds := ""
	for _, ev := range h.Events {
		kinds += ev.Kind + " "
		if ev.Kind == "minted" && !strings.HasPrefix(ev.Actor, "api-token:") {
			t.Errorf("minted by %q, want the API token", ev.Actor)
		}
	}
	if kinds != "minted signed " {
		t.Fatalf("events %q", kinds)
	}
	if st, b := d.call(e, mint, "GET", one, "/api/v1/licenses/"+id, ""); st != 403 {
		t.Fatalf("mint token reading: %d %s", st, b)
	}
	unregistered := mustRK(t, minted.RegistrationKeys[1])
	if st, b := d.call(e, read, "GET", one, "/api/v1/licenses/PC-"+unregistered.Serial.String(), ""); st != 404 || errKind(t, b) != "not_found" {
		t.Fatalf("unregistered key's license: %d %s", st, b)
	}
	if st, b := d.call(e, read, "GET", one, "/api/v1/licenses/PC-12", ""); st != 400 {
		t.Fatalf("malformed license id: %d %s", st, b)
	}

	// Expiring licenses: the standard edition's maintenance ends within
	// 400 days, not within 60.
	const list = "/api/v1/licenses"
	st, b = d.call(e, read, "GET", list, list+"?expiring_within=400", "")
	var ex portal.ExpiringJSON
	if err := json.Unmarshal(b, &ex); err != nil || st != 200 || len(ex.Licenses) != 1 || ex.Licenses[0].License != id || ex.Today != "2027-03-01" {
		t.Fatalf("expiring within 400: %d %s", st, b)
	}
	st, b = d.call(e, read, "GET", list, list+"?expiring_within=60", "")
	if err := json.Unmarshal(b, &ex); err != nil || st != 200 || len(ex.Licenses) != 0 {
		t.Fatalf("expiring within 60: %d %s", st, b)
	}
	for _, q := range []string{"", "?expiring_within=x", "?expiring_within=-1", "?expiring_within=99999"} {
		if st, b := d.call(e, read, "GET", list, list+q, ""); st != 400 {
			t.Fatalf("%q: %d %s", q, st, b)
		}
	}

	// Revocation.
	const rev = "/api/v1/licenses/{license}/revoke"
	path := "/api/v1/licenses/" + id + "/revoke"
	if st, b := d.call(e, read, "POST", rev, path, `{"reason": "chargeback"}`); st != 403 {
		t.Fatalf("read token revoking: %d %s", st, b)
	}
	if st, b := d.call(e, revoke, "POST", rev, path, `{"reason": " "}`); st != 400 {
		t.Fatalf("no reason: %d %s", st, b)
	}
	if st, b := d.call(e, revoke, "POST", rev, "/api/v1/licenses/PC-"+unregistered.Serial.String()+"/revoke", `{"reason": "chargeback"}`); st != 404 {
		t.Fatalf("revoking no license: %d %s", st, b)
	}
	st, b = d.call(e, revoke, "POST", rev, path, `{"reason": "chargeback"}`)
	var revoked struct{ License portal.LicenseJSON }
	if err := json.Unmarshal(b, &revoked); err != nil || st != 200 || !revoked.License.Revoked || revoked.License.RevokeReason != "chargeback" {
		t.Fatalf("revoke: %d %s", st, b)
	}
	lic, err := e.led.License(context.Background(), pc, rk.Serial)
	if err != nil || !lic.Revoked {
		t.Fatalf("the ledger has %+v, %v", lic, err)
	}
	// The owner is told once; revoking again changes nothing.
	if m := e.mail.wait(t, "ann@example.com", "is revoked"); !strings.Contains(m.Body, "revoked: chargeback") {
		t.Errorf("the notice of the revocation:\n%s", m.Body)
	}
	told := e.mailTo("ann@example.com")
	if st, b := d.call(e, revoke, "POST", rev, path, `{"reason": "chargeback"}`); st != 200 || e.mailTo("ann@example.com") != told {
		t.Fatalf("revoke again: %d %s, %d notices", st, b, e.mailTo("ann@example.com")-told+1)
	}

	// A revoked token is refused at once.
	toks, err := portaldb.NewAPITokens(e.led).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := portaldb.NewAPITokens(e.led).Revoke(context.Background(), toks[1].ID); err != nil {
		t.Fatal(err)
	}
	if st, b := d.call(e, read, "GET", one, "/api/v1/licenses/"+id, ""); st != 401 {
		t.Fatalf("revoked token: %d %s", st, b)
	}
	if _, err := e.led.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestShopAPIRouting: a known path with another method is 405 with Allow,
// an unknown one a JSON 404, and the API takes no cookie or CSRF token.
func TestShopAPIRouting(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/api/v1/registration-keys", "POST"},
		{"DELETE", "/api/v1/licenses/PC-00000000000001", "GET"},
		{"GET", "/api/v1/licenses/PC-00000000000001/revoke", "POST"},
		{"GET", "/api/v2/nothing", ""},
	} {
		req, _ := http.NewRequest(c.method, e.url(c.path), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, kind := http.StatusMethodNotAllowed, "method_not_allowed"
		if c.allow == "" {
			want, kind = http.StatusNotFound, "not_found"
		}
		if resp.StatusCode != want || resp.Header.Get("Allow") != c.allow || errKind(t, b) != kind || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s %s: %s, Allow %q: %s", c.method, c.path, resp.Status, resp.Header.Get("Allow"), b)
		}
	}
}

func mustRK(t *testing.T, s string) formats.RegistrationKey {
	t.Helper()
	k, err := formats.ParseRegistrationKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
