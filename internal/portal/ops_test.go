package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func getBody(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metric returns the value of the sample of the metrics page that matches
// the name and labels exactly, or "" when there is none.
func metric(page, sample string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	if st, b := getBody(t, e.url("/healthz")); st != 200 || !strings.Contains(b, `"ok"`) {
		t.Fatalf("healthz: %d %s", st, b)
	}
	if st, b := getBody(t, e.url("/readyz")); st != 200 || !strings.Contains(b, `"ready"`) {
		t.Fatalf("readyz: %d %s", st, b)
	}
	// A ledger that is gone makes the instance not ready, yet alive.
	e.led.Close()
	if st, b := getBody(t, e.url("/readyz")); st != 503 || !strings.Contains(b, "the ledger does not answer") || strings.Contains(b, "sql") {
		t.Fatalf("readyz without a ledger: %d %s", st, b)
	}
	if st, _ := getBody(t, e.url("/healthz")); st != 200 {
		t.Fatalf("healthz without a ledger: %d", st)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	b := e.signup("ann@example.com", "correct horse battery")
	e.mail.setFail(true) // the code's mail stays queued
	rk := e.mint(1, false, ledger.PurposeLicense)[0]
	b.submit("/register", "/register", url.Values{"rk": {rk.String()}})
	if len(b.codes()) != 1 {
		t.Fatalf("no code: %s", b.last)
	}
	tok := newAPIToken(t, e, portaldb.ScopeMint)
	req, _ := http.NewRequest("POST", e.url("/api/v1/registration-keys"), strings.NewReader(`{"product": "PC", "edition": "standard", "count": 3, "order": "A-1"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("mint: %v %v", resp, err)
	}
	resp.Body.Close()
	getBody(t, e.url("/no-such-page"))

	queued, err := portaldb.NewOutbox(e.led).Unsent(context.Background())
	if err != nil || queued == 0 {
		t.Fatalf("queued mail: %d, %v", queued, err)
	}
	st, page := getBody(t, e.url("/metrics"))
	if st != 200 {
		t.Fatalf("metrics: %d", st)
	}
	for sample, want := range map[string]string{
		`licmint_http_requests_total{code="201",route="POST /api/v1/registration-keys"}`: "1",
		`licmint_http_requests_total{code="200",route="POST /register"}`:                 "1",
		`licmint_http_requests_total{code="404",route="/"}`:                              "1",
		`licmint_http_request_duration_seconds_count{route="POST /register"}`:            "1",
		`licmint_portal_codes_issued_total{kind="registered"}`:                           "1",
		`licmint_portal_codes_issued_total{kind="replaced"}`:                             "0",
		`licmint_api_registration_keys_minted_total`:                                     "3",
		`licmint_mail_queue_depth`:                                                       strconv.Itoa(queued),
	} {
		if got := metric(page, sample); got != want {
			t.Errorf("%s = %q, want %q", sample, got, want)
		}
	}
	if !strings.Contains(page, "go_goroutines") {
		t.Error("no Go runtime metrics")
	}
}
