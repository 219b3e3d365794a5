package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

// tamperFixture is a ledger with one row of each bound table that an
// operation acts on, and the operation.
type tamperFixture struct {
	l        *ledger.Ledger
	db       *sql.DB
	postgres bool
	svc      *issuance.Service
	s        *signer.Signer
	// unused is a minted standard 365-day key; lic a registered license.
	unused, lic formats.RegistrationKey
	tokenID     int64
}

func newTamperFixture(t *testing.T, dsn string) *tamperFixture {
	ctx := context.Background()
	f := &tamperFixture{l: open(t, dsn), s: testSigner(t), postgres: strings.HasPrefix(dsn, "postgres")}
	f.db = rawDB(t, dsn)
	f.svc = issuance.New(f.s, f.l)
	f.unused = mint(t, f.l, ledger.MintRequest{Days: 365})[0]
	f.lic = mint(t, f.l, ledger.MintRequest{Order: "O-1", Customer: "acme"})[0]
	r := reg(t, f.s, f.lic, "standard", "host-1")
	r.Owner = "ann@example.com"
	if out := register(t, f.l, r); out.Err != nil {
		t.Fatal(out.Err)
	}
	build := func(seq uint64, entries []revocation.Entry) ([]byte, error) {
		return f.s.RevocationList(pc, seq, nil, entries)
	}
	for range 2 {
		if _, err := f.l.RevokeAndIssueList(ctx, pc, nil, "", build); err != nil {
			t.Fatal(err)
		}
	}
	if err := portaldb.NewAccounts(f.l).Create(ctx, portaldb.Account{Email: "ann@example.com", PasswordHash: "$argon2id$ann"}, portaldb.Token{}); err != nil {
		t.Fatal(err)
	}
	if err := portaldb.NewStaff(f.l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleSupport, PasswordHash: "$argon2id$sam"}); err != nil {
		t.Fatal(err)
	}
	id, err := portaldb.NewAPITokens(f.l).Create(ctx, strings.Repeat("ab", 32), "shop", portaldb.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	f.tokenID = id
	verifyChain(t, f.l)
	return f
}

func (f *tamperFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *tamperFixture) replace(serial formats.Serial) error {
	_, _, err := f.l.Replace(context.Background(), ledger.Replacement{Product: pc, Serial: serial},
		func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
			old, err := formats.ParseActivationCode(cur.Code)
			if err != nil {
				return ledger.Issue{}, err
			}
			c, err := f.s.Replace(old, lic.InstallID)
			return ledger.Issue{Code: c, InstallID: lic.InstallID}, err
		})
	return err
}

func (f *tamperFixture) sign(k formats.RegistrationKey) error {
	_, err := f.svc.Register(context.Background(), &issuance.Registration{Registration: signer.Registration{RK: k}})
	return err
}

// tamperTable is, for one bound table, which row the cases change, a row
// to insert, and the operation that acts on the table's rows.
type tamperTable struct {
	where  func(f *tamperFixture) string
	insert func(f *tamperFixture) string
	// act acts on the row changed (inserted: true for the row inserted).
	act func(f *tamperFixture, inserted bool) error
}

var tamperTables = map[string]tamperTable{
	"registration_keys": {
		where: func(f *tamperFixture) string { return fmt.Sprintf("product = 'PC' AND serial = %d", f.unused.Serial) },
		insert: func(f *tamperFixture) string {
			k := slippedKey(f)
			return fmt.Sprintf(`INSERT INTO registration_keys (product, serial, rk, trial, edition, days, purpose, order_ref, customer, state, license, minted_at, minted_by)
SELECT product, %d, '%s', trial, edition, days, purpose, order_ref, customer, state, license, minted_at, minted_by FROM registration_keys WHERE serial = %d`,
				k.Serial, k, f.unused.Serial)
		},
		act: func(f *tamperFixture, inserted bool) error {
			if inserted {
				return f.sign(slippedKey(f))
			}
			return f.sign(f.unused)
		},
	},
	"licenses": {
		where: func(f *tamperFixture) string { return fmt.Sprintf("product = 'PC' AND serial = %d", f.lic.Serial) },
		insert: func(f *tamperFixture) string {
			return fmt.Sprintf(`INSERT INTO licenses (product, serial, generation, edition, trial, install_id, key_id, issued, expires, owner, customer, order_ref, revoked_below, revoke_reason, notified_expires)
SELECT product, %d, generation, edition, trial, install_id, key_id, issued, expires, owner, customer, order_ref, revoked_below, revoke_reason, notified_expires FROM licenses WHERE serial = %d`,
				f.unused.Serial, f.lic.Serial)
		},
		act: func(f *tamperFixture, inserted bool) error {
			if inserted {
				return f.replace(f.unused.Serial)
			}
			return f.replace(f.lic.Serial)
		},
	},
	"codes": {
		where: func(f *tamperFixture) string { return fmt.Sprintf("product = 'PC' AND serial = %d", f.lic.Serial) },
		insert: func(f *tamperFixture) string {
			return fmt.Sprintf(`INSERT INTO codes (product, serial, generation, issued, expires, short_form, code, jwt, event)
SELECT product, serial, generation, issued + 1, expires, short_form, code, jwt, 999999 FROM codes WHERE serial = %d`, f.lic.Serial)
		},
		act: func(f *tamperFixture, _ bool) error { return f.replace(f.lic.Serial) },
	},
	"revocation_lists": {
		where: func(*tamperFixture) string { return "product = 'PC' AND seq = 2" },
		insert: func(*tamperFixture) string {
			return `INSERT INTO revocation_lists (product, seq, issued, list, event) SELECT product, 3, issued, list, event FROM revocation_lists WHERE seq = 2`
		},
		act: func(f *tamperFixture, _ bool) error {
			_, err := f.l.LatestRevocationList(context.Background(), pc)
			return err
		},
	},
	"accounts": {
		where: func(*tamperFixture) string { return "email = 'ann@example.com'" },
		insert: func(*tamperFixture) string {
			return `INSERT INTO accounts (email, password_hash, confirmed, created_at, event) SELECT 'eve@example.com', password_hash, confirmed, created_at, event FROM accounts`
		},
		act: func(f *tamperFixture, inserted bool) error {
			email := "ann@example.com"
			if inserted {
				email = "eve@example.com"
			}
			_, err := portaldb.NewAccounts(f.l).Get(context.Background(), email)
			return err
		},
	},
	"api_tokens": {
		where: func(f *tamperFixture) string { return fmt.Sprintf("id = %d", f.tokenID) },
		insert: func(*tamperFixture) string {
			return `INSERT INTO api_tokens (id, hash, name, scope, created_at, created_by, revoked_at, event)
SELECT 4242, '` + strings.Repeat("cd", 32) + `', name, 'revoke', created_at, created_by, revoked_at, event FROM api_tokens`
		},
		act: func(f *tamperFixture, inserted bool) error {
			var hash string
			id := f.tokenID
			if inserted {
				id = 4242
			}
			// The bearer's hash, as the row now has it: the token it
			// would let in.
			if err := f.db.QueryRow(`SELECT hash FROM api_tokens WHERE id = $1`, id).Scan(&hash); err != nil {
				return err
			}
			_, err := portaldb.NewAPITokens(f.l).Get(context.Background(), hash)
			return err
		},
	},
	"staff": {
		where: func(*tamperFixture) string { return "email = 'sam@vendor.test'" },
		insert: func(*tamperFixture) string {
			return `INSERT INTO staff (email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by, disabled_at, event)
SELECT 'eve@vendor.test', 'admin', password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by, disabled_at, event FROM staff`
		},
		act: func(f *tamperFixture, inserted bool) error {
			email := "sam@vendor.test"
			if inserted {
				email = "eve@vendor.test"
			}
			_, err := portaldb.NewStaff(f.l).Get(context.Background(), email)
			return err
		},
	},
}

// slippedKey is a key that was never minted, inserted into the table.
func slippedKey(f *tamperFixture) formats.RegistrationKey {
	k, err := formats.NewRegistrationKey(pc, false, f.unused.Serial+1)
	if err != nil {
		panic(err)
	}
	return k
}

// changed is SQL for a value of a column of typ other than its own.
func changed(col, typ string, postgres bool) string {
	switch typ {
	case "int":
		return col + " + 1"
	case "null int":
		return "COALESCE(" + col + ", 0) + 1"
	case "null text":
		return "COALESCE(" + col + ", '2027-03-01T10:00:00Z') || 'x'"
	case "blob":
		if postgres {
			return `'\x00'::bytea || ` + col
		}
		return "CAST(X'00' || " + col + " AS BLOB)"
	}
	return col + " || 'x'"
}

type tamperCase struct {
	table, column, kind string // kind: edit, insert or delete
	sql                 string
}

// tamperCases derives the matrix from the ledger's one table of bound
// columns: an edit of each, and an inserted and a deleted row of each
// table.
func tamperCases(t *testing.T, f *tamperFixture) []tamperCase {
	var cases []tamperCase
	for _, bt := range ledger.BoundTables() {
		tt, ok := tamperTables[bt.Name]
		if !ok {
			t.Fatalf("no tamper test for the bound table %s", bt.Name)
		}
		for _, c := range bt.Columns {
			to := changed(c.Name, c.Type, f.postgres)
			switch c.Name {
			case "rk":
				to = "'" + slippedKey(f).String() + "'" // a key's text, of another key
			case "edition":
				to = "'premium'" // an edition the catalog sells
			}
			cases = append(cases, tamperCase{bt.Name, c.Name, "edit",
				fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s", bt.Name, c.Name, to, tt.where(f))})
		}
		cases = append(cases, tamperCase{bt.Name, "", "insert", tt.insert(f)},
			tamperCase{bt.Name, "", "delete", fmt.Sprintf("DELETE FROM %s WHERE %s", bt.Name, tt.where(f))})
	}
	return cases
}

// TestTamperMatrix changes each row the chain binds as someone with write
// access to the database could, column by column, and inserts and deletes
// a row of each table: ledger verify names the table and column (or the
// row inserted or deleted), and the operation that acts on the row
// refuses, issues nothing, and records the refusal when it found the row
// changed.
func TestTamperMatrix(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		var n int
		var detected, refused, tampered atomic.Int64
		probe := newTamperFixture(t, dsn)
		for i, tc := range tamperCases(t, probe) {
			n++
			name := tc.table + "/" + tc.kind
			if tc.column != "" {
				name += "/" + tc.column
			}
			t.Run(name, func(t *testing.T) {
				if strings.HasPrefix(dsn, "sqlite:") {
					dsn = "sqlite:" + t.TempDir() + "/ledger.db"
				} else {
					dsn = ledgertest.PostgresDSN(t)
				}
				f := newTamperFixture(t, dsn)
				if _, err := f.db.Exec(tamperCases(t, f)[i].sql); err != nil {
					t.Fatalf("%s: %v", tc.sql, err)
				}
				_, err := f.l.Verify(context.Background())
				var ce *ledger.ChainError
				want := []string{tc.table + " ("}
				switch tc.kind {
				case "edit":
					want = append(want, "column "+tc.column)
				case "insert":
					want = append(want, "inserted")
				case "delete":
					want = append(want, "deleted")
				}
				for _, w := range want {
					if !errors.As(err, &ce) || !strings.Contains(err.Error(), w) {
						t.Fatalf("verify: %v, want an error naming %q", err, w)
					}
				}
				detected.Add(1)
				codes, lics := f.count(t, `SELECT COUNT(*) FROM codes`), f.count(t, `SELECT COUNT(*) FROM licenses`)
				mismatches := f.count(t, `SELECT COUNT(*) FROM events WHERE kind = 'row_mismatch'`)
				err = tamperTables[tc.table].act(f, tc.kind == "insert")
				if err == nil {
					t.Fatal("the operation on the row changed was not refused")
				}
				refused.Add(1)
				if c, l := f.count(t, `SELECT COUNT(*) FROM codes`), f.count(t, `SELECT COUNT(*) FROM licenses`); c != codes || l != lics {
					t.Fatalf("refused with %v, and issued: codes %d → %d, licenses %d → %d", err, codes, c, lics, l)
				}
				if errors.Is(err, ledger.ErrTampered) {
					tampered.Add(1)
					if issuance.KindOf(err) != issuance.KindTampered {
						t.Errorf("%v: kind %q", err, issuance.KindOf(err))
					}
					if m := f.count(t, `SELECT COUNT(*) FROM events WHERE kind = 'row_mismatch'`); m != mismatches+1 {
						t.Errorf("refused with %v, and %d refusals recorded, want 1", err, m-mismatches)
					}
				} else if tc.kind != "delete" && !errors.Is(err, ledger.ErrNotMinted) && !errors.Is(err, portaldb.ErrNoAPIToken) && !errors.Is(err, portaldb.ErrNoStaff) {
					// A deleted row, a key whose text was changed or a
					// token or user disabled is refused as absent.
					t.Errorf("refused with %v, want ledger.ErrTampered", err)
				}
			})
		}
		t.Logf("%d cases: %d detected by verify, %d refused (%d as tampered, the others as absent)", n, detected.Load(), refused.Load(), tampered.Load())
	})
}

// A ledger at schema 7 upgrades: its accounts, staff and API tokens,
// which no event bound, are bound by baseline events as it is migrated,
// so that it verifies, its rows are accepted at use, and a later change
// to them is found.
func TestMigrateBindsOldRows(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		s := testSigner(t)
		k := mint(t, l, ledger.MintRequest{Days: 365})[0]
		register(t, l, reg(t, s, k, "standard", ""))
		l.Close()
		// Back to schema 7, with rows its portal wrote.
		db := rawDB(t, dsn)
		for _, q := range []string{
			`DELETE FROM schema_migrations WHERE version >= 9`,
			`ALTER TABLE sessions DROP COLUMN last_used_at`, `ALTER TABLE sessions DROP COLUMN agent`, `ALTER TABLE account_tokens DROP COLUMN new_email`,
			`ALTER TABLE accounts DROP COLUMN event`, `ALTER TABLE staff DROP COLUMN event`, `ALTER TABLE api_tokens DROP COLUMN event`,
			`INSERT INTO accounts (email, password_hash, confirmed, created_at) VALUES ('ann@example.com', '$argon2id$ann', 1, '2027-01-01T00:00:00Z')`,
			`INSERT INTO staff (email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by)
VALUES ('sam@vendor.test', 'admin', '$argon2id$sam', '', 0, 0, '2027-01-01T00:00:00Z', 'x')`,
			`INSERT INTO api_tokens (id, hash, name, scope, created_at, created_by) VALUES (7, '` + strings.Repeat("ab", 32) + `', 'shop', 'mint', '2027-01-01T00:00:00Z', 'x')`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		l = open(t, dsn)
		verifyChain(t, l)
		var baselines int
		if err := db.QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'baseline'`).Scan(&baselines); err != nil || baselines != 3 {
			t.Fatalf("%d baseline events, want 3: %v", baselines, err)
		}
		if _, err := portaldb.NewAccounts(l).Get(ctx, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewAPITokens(l).Get(ctx, strings.Repeat("ab", 32)); err != nil {
			t.Fatal(err)
		}
		// Opened again, nothing more is bound.
		l.Close()
		l = open(t, dsn)
		if err := db.QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'baseline'`).Scan(&baselines); err != nil || baselines != 3 {
			t.Fatalf("%d baseline events after opening again, want 3: %v", baselines, err)
		}
		if _, err := db.Exec(`UPDATE staff SET role = 'admin' || 'x'`); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Verify(ctx); err == nil || !strings.Contains(err.Error(), "staff (email sam@vendor.test) column role") {
			t.Fatalf("verify after an edit: %v", err)
		}
		if _, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); !errors.Is(err, ledger.ErrTampered) {
			t.Fatalf("log-in after an edit: %v", err)
		}
	})
}
