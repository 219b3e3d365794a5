package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
)

// fetch GETs path over HTTP with the headers given, and returns the
// answer and its body.
func fetch(t *testing.T, e *env, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.url(path), nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestCRL serves the newest list the ledger issued, byte for byte, which
// the product loads and which revokes the code; a poll with the ETag or
// the Last-Modified gets 304 until a newer list is issued.
func TestCRL(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	build := func(seq uint64, es []revocation.Entry) ([]byte, error) {
		return e.sign.RevocationList(pc, seq, nil, es)
	}

	resp, body := fetch(t, e, "/crl/PC", nil)
	var apiErr struct {
		Error struct{ Kind, Message string }
	}
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(body, &apiErr) != nil || apiErr.Error.Kind != "not_found" {
		t.Fatalf("no list yet: %s %s %s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if resp, body := fetch(t, e, "/crl/P1", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a bad product code: %s %s", resp.Status, body)
	}

	rk := e.mint(1, false, ledger.PurposeLicense)[0]
	b := e.signup("ann@example.com", "correct horse battery")
	b.submit("/register", "/register", url.Values{"rk": {rk.String()}})
	codes := b.codes()
	if len(codes) != 1 {
		t.Fatalf("register: %d\n%s", b.code, b.last)
	}
	first, err := e.led.RevokeAndIssueList(ctx, pc, nil, "", build)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.add(3600e9)
	issued, err := e.led.RevokeAndIssueList(ctx, pc, []revocation.Entry{{Serial: rk.Serial}}, "stolen", build)
	if err != nil {
		t.Fatal(err)
	}

	resp, body = fetch(t, e, "/crl/PC", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("GET /crl/PC: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if string(body) != string(issued.List) || string(body) == string(first.List) {
		t.Fatalf("served %d bytes, not list %d as issued", len(body), issued.Seq)
	}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil || !lm.Equal(day0.Add(3600e9)) {
		t.Fatalf("Last-Modified %q, want the time the ledger issued it", resp.Header.Get("Last-Modified"))
	}
	v := e.product(nil)
	if err := v.LoadRevocationList(body); err != nil {
		t.Fatalf("the product refuses the served list: %v", err)
	}
	if info, _ := v.RevocationList(); info.Sequence != issued.Seq || info.Entries != 1 {
		t.Fatalf("loaded list %+v", info)
	}
	if lic, err := v.Verify(codes[0]); err != nil || lic.Status != verifier.StatusRevoked {
		t.Fatalf("the code after the list: %+v %v", lic, err)
	}

	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": lastMod}} {
		if resp, body := fetch(t, e, "/crl/PC", h); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("poll with %v: %s, %d bytes", h, resp.Status, len(body))
		}
	}
	// A newer list: the same poll now gets it.
	e.clock.add(3600e9)
	next, err := e.led.RevokeAndIssueList(ctx, pc, nil, "", build)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": lastMod}} {
		if resp, body := fetch(t, e, "/crl/PC", h); resp.StatusCode != http.StatusOK || string(body) != string(next.List) {
			t.Fatalf("poll with %v after list %d: %s", h, next.Seq, resp.Status)
		}
	}
}
