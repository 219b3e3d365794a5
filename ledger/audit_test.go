package ledger_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// TestAuditScript recomputes the chain as docs/ledger.md tells an auditor
// to, with Python and the database's own client, and checks that it
// reaches the head licmint reports, and that it catches an edit.
func TestAuditScript(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to run scripts/ledger-audit.py")
	}
	script, _ := filepath.Abs("../scripts/ledger-audit.py")
	eachStore(t, func(t *testing.T, dsn string) {
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 3, Order: "A-1", Customer: `Smith, "Jane"	Ltd`})
		for _, k := range keys[:2] {
			register(t, l, reg(t, s, k, "standard", "host-ü"))
		}
		head, err := l.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		audit := func() (string, error) {
			var cmd *exec.Cmd
			if kind, target, _ := ledgerdb.ParseDSN(dsn); kind == "sqlite" {
				cmd = exec.Command(python, script, dsn) // sqlite:PATH, as licmint takes it
			} else {
				psql, err := exec.LookPath("psql")
				if err != nil {
					t.Skip("no psql")
				}
				q := `SELECT seq, prev_hash, hash, body FROM events ORDER BY seq`
				cmd = exec.Command("sh", "-c", `"$0" -At -F "$(printf '\t')" -c "$1" "$2" | "$3" "$4" -`, psql, q, target, python, script)
			}
			out, err := cmd.CombinedOutput()
			return strings.TrimSpace(string(out)), err
		}
		out, err := audit()
		if err != nil || out != head.String() {
			t.Fatalf("audit: %s (%v); licmint's head is %s", out, err, head)
		}
		if kind, target, _ := ledgerdb.ParseDSN(dsn); kind == "sqlite" {
			// The DSN as licmint takes it, and a file that is not there.
			out, err := exec.Command(python, script, "sqlite:"+target).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != head.String() {
				t.Fatalf("audit of sqlite:%s: %s (%v); licmint's head is %s", target, out, err, head)
			}
			missing := filepath.Join(t.TempDir(), "none.db")
			out, err = exec.Command(python, script, "sqlite:"+missing).CombinedOutput()
			if err == nil || !strings.Contains(string(out), missing+": no such file") || strings.Contains(string(out), "Traceback") {
				t.Fatalf("audit of a missing file: %s (%v)", out, err)
			}
		}
		if _, err := rawDB(t, dsn).Exec(`UPDATE events SET body = replace(body, 'host-ü', 'host-u') WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		if out, err := audit(); err == nil || !strings.Contains(out, "event 4: hash does not match") {
			t.Fatalf("audit of an edited ledger: %s (%v)", out, err)
		}
	})
}
