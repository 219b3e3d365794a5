package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// TestRehashAttackFailsAtCheckpoint edits an event in the database and
// re-hashes the whole chain, on either store: ledger verify names the
// first checkpoint after the edit, with --pub also when the checkpoints'
// heads are rewritten to match, and --head a head saved before.
func TestRehashAttackFailsAtCheckpoint(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			dsn := "sqlite:" + filepath.Join(dir, "ledger.db")
			if store == "postgres" {
				dsn = ledgertest.PostgresDSN(t)
			}
			id, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			idPath, keyPath, pubPath := filepath.Join(dir, "id.txt"), filepath.Join(dir, "vendor.key.age"), filepath.Join(dir, "vendor.pub.pem")
			os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600)
			licmint := func(want int, args ...string) (string, string) {
				t.Helper()
				var stdout, stderr bytes.Buffer
				if code := run(args, strings.NewReader(""), &stdout, &stderr); code != want {
					t.Fatalf("licmint %s: exit status %d, want %d\n%s%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
				}
				return stdout.String(), stderr.String()
			}
			licmint(exitOK, "keygen", "--out", dir, "--recipient", id.Recipient().String())
			out, _ := licmint(exitOK, "rk", "new", "--ledger", dsn, "--edition", "standard", "--count", "2")
			rks := strings.Fields(out)
			for _, rk := range rks {
				if _, stderr := licmint(exitOK, "sign", "--ledger", dsn, "--key", keyPath, "--identity", idPath, "--rk", rk); stderr != "" {
					t.Fatalf("sign: %s", stderr)
				}
			}
			// Events: 1-2 minted, 3 signed, 4 a checkpoint, 5 signed, 6 a
			// checkpoint.
			head, _ := licmint(exitOK, "ledger", "head", "--ledger", dsn, "--json")
			var rec struct{ Seq, Event int64 }
			if err := json.Unmarshal([]byte(head), &rec); err != nil || rec.Seq != 5 || rec.Event != 6 {
				t.Fatalf("head %s %v", head, err)
			}
			headPath := filepath.Join(dir, "head.json")
			os.WriteFile(headPath, []byte(head), 0o644)
			licmint(exitOK, "ledger", "verify", "--ledger", dsn, "--pub", pubPath, "--head", headPath)

			db := ledgertest.DB(t, dsn)
			// The event and the row it binds, edited alike, so that the
			// tables agree with the rewritten chain.
			for _, q := range []string{
				`UPDATE events SET body = replace(body, '"standard"', '"premium"') WHERE kind <> 'checkpoint'`,
				`UPDATE licenses SET edition = 'premium' WHERE edition = 'standard'`,
				`UPDATE registration_keys SET edition = 'premium' WHERE edition = 'standard'`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			ledgertest.Rewrite(t, db, false)
			for _, args := range [][]string{nil, {"--pub", pubPath}} {
				_, stderr := licmint(exitInvalid, append([]string{"ledger", "verify", "--ledger", dsn}, args...)...)
				if !strings.Contains(stderr, "error: ledger: checkpoint event 4: it signs event 3's hash as") ||
					!strings.Contains(stderr, "no earlier checkpoint verifies, so events 1 to 3 may have been changed") {
					t.Fatalf("verify %v: %s", args, stderr)
				}
			}
			// The checkpoints' heads rewritten too: only their signatures
			// and the saved head tell.
			ledgertest.Rewrite(t, db, true)
			licmint(exitOK, "ledger", "verify", "--ledger", dsn)
			_, stderr := licmint(exitInvalid, "ledger", "verify", "--ledger", dsn, "--pub", pubPath)
			if !strings.Contains(stderr, "checkpoint event 4: its signature does not verify with key") {
				t.Fatalf("verify --pub: %s", stderr)
			}
			_, stderr = licmint(exitInvalid, "ledger", "verify", "--ledger", dsn, "--head", headPath)
			if !strings.Contains(stderr, "checkpoint event 6: the chain no longer extends the saved head: event 5 hashes to") {
				t.Fatalf("verify --head: %s", stderr)
			}
		})
	}
}
