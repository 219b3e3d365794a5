package portal_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
)

var loginHiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// loginFields are the hidden fields of the log-in form on the last page,
// as a browser sends them back with the address and password typed.
func (b *browser) loginFields(email, password string) url.Values {
	b.e.t.Helper()
	form := b.last[strings.Index(b.last, `<form method="post" action="/login">`):]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{"email": {email}, "password": {password}}
	for _, m := range loginHiddenRE.FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// TestSessionEndedKeepsFormOutOfURLs: a form posted after the session
// ended is answered by the log-in page itself, which keeps what was typed
// in hidden fields; the log-in then shows the form filled in. No URL the
// client is sent to, and no Location, carries what was typed.
func TestSessionEndedKeepsFormOutOfURLs(t *testing.T) {
	e := newEnv(t)
	key := e.mint(1, false, ledger.PurposeLicense)[0]
	renewal := e.mint(1, false, ledger.PurposeRenewal)[0]
	const email, password = "ann@example.com", "correct horse battery"
	b := e.signup(email, password)
	b.submit("/register", "/register", url.Values{"rk": {key.String()}})
	lic := key.Product.String() + "-" + key.Serial.String()
	var visited []string
	b.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		visited = append(visited, req.URL.String())
		return nil
	}
	const request = "-----BEGIN LICMINT RENEWAL REQUEST-----\nproduct: PC\n-----END LICMINT RENEWAL REQUEST-----"

	for _, tc := range []struct {
		path   string
		fields url.Values
		want   []string // on the form shown after the log-in
	}{
		{"/register", url.Values{"rk": {renewal.String()}}, []string{`value="` + renewal.String() + `"`}},
		{"/renew", url.Values{"rk": {renewal.String()}, "license": {lic}, "request": {request}},
			[]string{`id="rk" name="rk" type="text" autocomplete="off" spellcheck="false" maxlength="200" value="` + renewal.String() + `"`,
				`<option value="` + lic + `" selected>`, html.EscapeString(request) + "</textarea>"}},
		{"/report-stolen", url.Values{"license": {lic}}, []string{"Report the code of " + lic + " stolen?"}},
	} {
		b.get(tc.path)
		tc.fields.Set("csrf", b.csrf())
		e.clock.add(portal.SessionLifetime + time.Minute)
		visited = nil
		b.post(tc.path, tc.fields)
		if b.code != http.StatusUnauthorized || !strings.Contains(b.last, "Log in again") || len(visited) > 0 {
			t.Fatalf("%s after the session: %d, sent to %q\n%s", tc.path, b.code, visited, b.last)
		}
		login := b.loginFields(email, password)
		for name := range tc.fields {
			if name == "csrf" {
				if login.Has("kept-csrf") {
					t.Errorf("%s: the form's token is kept", tc.path)
				}
				continue
			}
			if got := login.Get("kept-" + name); got != tc.fields.Get(name) {
				t.Errorf("%s: kept %s = %q, want %q", tc.path, name, got, tc.fields.Get(name))
			}
		}
		b.post("/login", login)
		if b.code != http.StatusOK || len(visited) > 0 || !strings.Contains(b.last, "Logged in as "+email) {
			t.Fatalf("%s: the log-in answered %d, sent to %q\n%s", tc.path, b.code, visited, b.last)
		}
		for _, want := range tc.want {
			if !strings.Contains(b.last, want) {
				t.Errorf("%s: the form after the log-in lacks %s\n%s", tc.path, want, b.last)
			}
		}
		// The form shown carries the new session's token: it goes
		// through.
		if tc.path == "/register" {
			b.post("/register", url.Values{"csrf": {b.csrf()}, "rk": {key.String()}})
			if len(b.codes()) != 1 {
				t.Errorf("the form after the log-in: %d\n%s", b.code, b.last)
			}
		}
	}

	// Kept values for another page than the one logged in to are
	// dropped: the log-in goes where next says.
	b.get("/licenses")
	b.post("/logout", url.Values{"csrf": {b.csrf()}})
	b.get("/login")
	visited = nil
	b.post("/login", url.Values{"csrf": {b.csrf()}, "email": {email}, "password": {password}, "next": {"/licenses"}, "kept-rk": {renewal.String()}})
	if len(visited) != 1 || visited[0] != e.url("/licenses") {
		t.Fatalf("a log-in to My licenses with a kept key went to %q", visited)
	}
}
