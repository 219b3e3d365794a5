package portal_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
)

// A customer's, a staff user's or an API token's row edited behind the
// ledger's event chain is refused at log-in or at the call, with words that
// say so, and the refusal is recorded.
func TestTamperedRowsRefused(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "ledger.db")
	e := newEnvOn(t, dsn, nil)
	e.signup("ann@example.com", "correct horse battery")
	e.staff("sam@vendor.test", portaldb.RoleSupport)
	token := newAPIToken(t, e, portaldb.ScopeRead)
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE accounts SET confirmed = 1 - confirmed`,
		`UPDATE staff SET role = 'admin'`,
		`UPDATE api_tokens SET scope = 'revoke'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	const says = "no longer matches the ledger"
	b := e.browser()
	b.submit("/login", "/login", url.Values{"email": {"ann@example.com"}, "password": {"correct horse battery"}})
	if b.code != http.StatusForbidden || !strings.Contains(b.last, says) {
		t.Errorf("customer log-in: %d\n%s", b.code, b.last)
	}
	b = e.browser()
	b.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}})
	if b.code != http.StatusForbidden || !strings.Contains(b.last, says) {
		t.Errorf("staff log-in: %d\n%s", b.code, b.last)
	}
	req, _ := http.NewRequest("GET", e.url("/api/v1/licenses/PC-00000000000001"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), says) {
		t.Errorf("API token: %d %s", resp.StatusCode, body)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'row_mismatch'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d refusals recorded, want 3: %v", n, err)
	}
	if _, err := e.led.Verify(context.Background()); err == nil {
		t.Error("the ledger verifies")
	}
}
