package ledger_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

var (
	day0  = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	clock = func() time.Time { return day0 }
	pc    = formats.MustProduct("PC")
)

// eachStore runs f against a new, empty ledger on SQLite and, when
// ledgertest.PostgresEnv is set, on PostgreSQL.
func eachStore(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, "sqlite:"+filepath.Join(t.TempDir(), "ledger.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, ledgertest.PostgresDSN(t))
	})
}

func open(t testing.TB, dsn string, opts ...ledger.Option) *ledger.Ledger {
	t.Helper()
	opts = append([]ledger.Option{ledger.WithNow(clock), ledger.WithActor("tester@test"),
		ledger.WithRand(rand.NewChaCha8([32]byte{1}))}, opts...)
	l, err := ledger.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func newSigner() (*signer.Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 7
	k, err := signer.NewKey(1, ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, err
	}
	return signer.New(k, signer.WithNow(clock))
}

func testSigner(t testing.TB) *signer.Signer {
	t.Helper()
	s, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mint(t testing.TB, l *ledger.Ledger, r ledger.MintRequest) []formats.RegistrationKey {
	t.Helper()
	if r.Product == (formats.Product{}) {
		r.Product = pc
	}
	if r.Edition == "" {
		r.Edition = "standard"
	}
	if r.Count == 0 {
		r.Count = 1
	}
	m, err := l.Mint(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return m.Keys
}

// reg signs rk as the CLI would and returns the registration to record.
func reg(t testing.TB, s *signer.Signer, rk formats.RegistrationKey, edition, installID string) ledger.Registration {
	t.Helper()
	c, err := s.Sign(&signer.Registration{RK: rk, Edition: edition, InstallID: installID})
	if err != nil {
		t.Fatal(err)
	}
	return ledger.Registration{RK: rk, Edition: edition, Issue: ledger.Issue{Code: c, InstallID: installID}}
}

func register(t testing.TB, l *ledger.Ledger, r ledger.Registration) ledger.Registered {
	t.Helper()
	out, err := l.Register(context.Background(), []ledger.Registration{r})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func verifyChain(t testing.TB, l *ledger.Ledger) ledger.Head {
	t.Helper()
	h, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	return h
}

func TestDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"sqlite:/var/lib/licmint/ledger.db": "sqlite /var/lib/licmint/ledger.db",
		"sqlite:ledger":                     "sqlite ledger",
		"ledger.db":                         "sqlite ledger.db",
		"postgres://u:p@db/licmint":         "postgres postgres://u:p@db/licmint",
		"postgresql://db/licmint":           "postgres postgresql://db/licmint",
	} {
		kind, target, err := ledgerdb.ParseDSN(dsn)
		if err != nil || kind+" "+target != want {
			t.Errorf("ParseDSN(%q) = %s %s, %v; want %s", dsn, kind, target, err, want)
		}
	}
	for _, dsn := range []string{"", "ledger", "mysql://db", "sqlite:", "http://x/y.db"} {
		if _, _, err := ledgerdb.ParseDSN(dsn); err == nil {
			t.Errorf("ParseDSN(%q) accepted", dsn)
		}
	}
	_, err := ledger.Open(context.Background(), "postgres://licmint:s3cret@127.0.0.1:1/none?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("unreachable PostgreSQL: %v (the password must not show)", err)
	}
}

func TestSchema(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		mint(t, l, ledger.MintRequest{Count: 2})
		l.Close()
		// Reopening keeps the data and applies nothing twice.
		l = open(t, dsn)
		if h, err := l.Head(ctx); err != nil || h.Seq != 2 {
			t.Fatalf("head after reopen: %v, %v", h, err)
		}
		l.Close()
		// A newer licmint's schema is refused, never downgraded.
		db := rawDB(t, dsn)
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future.sql', 'x')`, ledger.SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		_, err := ledger.Open(ctx, dsn)
		if !errors.Is(err, ledger.ErrSchemaTooNew) || !strings.Contains(err.Error(), "use a newer licmint") {
			t.Fatalf("newer schema: %v", err)
		}
	})
}

// rawDB opens the ledger's database directly, as an attacker or an
// auditor with sqlite3 or psql would.
func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	kind, target, _ := ledgerdb.ParseDSN(dsn)
	driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[kind]
	db, err := sql.Open(driver, target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMint(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		keys := mint(t, l, ledger.MintRequest{Count: 50, Order: "A-1001", Customer: "acme"})
		seen := map[formats.RegistrationKey]bool{}
		for _, k := range keys {
			if seen[k] || k.Trial || k.Product != pc {
				t.Fatalf("key %v repeated or wrong", k)
			}
			seen[k] = true
			r, err := l.RegistrationKey(ctx, k)
			if err != nil || r.State != ledger.StateMinted || r.Order != "A-1001" || r.MintedBy != "tester@test" || !r.MintedAt.Equal(day0) {
				t.Fatalf("minted record %+v, %v", r, err)
			}
		}
		// A retried order mints nothing and returns the same keys.
		again, err := l.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 50, Order: "A-1001", Customer: "acme"})
		if err != nil || !again.Existing || fmt.Sprint(again.Keys) != fmt.Sprint(keys) {
			t.Fatalf("retried order: %v, %v", again.Existing, err)
		}
		if _, err := l.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "premium", Count: 50, Order: "A-1001"}); !errors.Is(err, ledger.ErrOrderTerms) {
			t.Fatalf("order on other terms: %v", err)
		}
		// Keys minted for a client, such as the shop's API token, name it
		// as their minting event does.
		byShop, err := l.Mint(ledger.WithClient(ctx, "api-token:1:shop", "192.0.2.1"), ledger.MintRequest{Product: pc, Edition: "standard", Count: 1, Order: "A-1002"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := l.RegistrationKey(ctx, byShop.Keys[0]); err != nil || r.MintedBy != "api-token:1:shop" {
			t.Fatalf("key minted by the shop: %+v, %v", r, err)
		}
		for _, bad := range []ledger.MintRequest{
			{Product: pc, Edition: "standard", Count: 0},
			{Product: pc, Edition: "standard", Count: ledger.MaxMint + 1},
			{Product: pc, Count: 1},
			{Product: formats.Product{'p', 'c'}, Edition: "standard", Count: 1},
			{Product: pc, Edition: "standard", Count: 1, Purpose: ledger.PurposeRenewal, Trial: true},
			{Product: pc, Edition: "standard", Count: 1, Days: -1},
		} {
			if _, err := l.Mint(ctx, bad); err == nil {
				t.Errorf("Mint(%+v) accepted", bad)
			}
		}
		verifyChain(t, l)
	})
}

// TestKeyDays reads the terms of more keys than one query takes, of two
// products, among keys never minted and keys typed with the other trial
// flag than their serial was minted with.
func TestKeyDays(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		other := formats.MustProduct("QX")
		year := mint(t, l, ledger.MintRequest{Count: 700, Days: 365})
		catalog := mint(t, l, ledger.MintRequest{Product: other, Count: 3})
		trial := mint(t, l, ledger.MintRequest{Count: 1, Trial: true, Days: 30})[0]
		asked := append(append([]formats.RegistrationKey{}, year...), catalog...)
		asked = append(asked, trial)
		unminted, err := formats.NewRegistrationKey(pc, false, 12345)
		if err != nil {
			t.Fatal(err)
		}
		// The trial key's serial, typed as a full key: not the key sold.
		typo, err := formats.NewRegistrationKey(pc, false, trial.Serial)
		if err != nil {
			t.Fatal(err)
		}
		asked = append(asked, unminted, typo)
		got, err := l.KeyDays(context.Background(), asked)
		if err != nil {
			t.Fatal(err)
		}
		want := map[formats.RegistrationKey]int{trial: 30}
		for _, k := range year {
			want[k] = 365
		}
		for _, k := range catalog {
			want[k] = 0
		}
		if !maps.Equal(got, want) {
			t.Fatalf("KeyDays: %d keys, want %d; the trial key %d, the unminted %v, the typo %v",
				len(got), len(want), got[trial], got[unminted], got[typo])
		}
		// Nor does the typo alone bring its serial's trial key in.
		if got, err := l.KeyDays(context.Background(), []formats.RegistrationKey{typo}); err != nil || len(got) != 0 {
			t.Fatalf("KeyDays of the typo alone: %v, %v", got, err)
		}
	})
}

// repeatReader gives the same bytes twice before going on, so that the
// second key drawn collides with the first.
type repeatReader struct {
	src  *rand.ChaCha8
	last []byte
	n    int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	r.n++
	if r.n == 2 {
		return copy(p, r.last), nil
	}
	r.src.Read(p)
	r.last = append(r.last[:0], p...)
	return len(p), nil
}

func TestMintCollision(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn, ledger.WithRand(&repeatReader{src: rand.NewChaCha8([32]byte{9})}))
		keys := mint(t, l, ledger.MintRequest{Count: 3})
		if len(keys) != 3 || keys[0] == keys[1] || keys[1] == keys[2] {
			t.Fatalf("keys %v", keys)
		}
	})
}

func TestRegister(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 4, Customer: "acme", Order: "A-7"})
		renewal := mint(t, l, ledger.MintRequest{Purpose: ledger.PurposeRenewal})[0]
		premium := mint(t, l, ledger.MintRequest{Edition: "premium", Days: 30})[0]

		first := reg(t, s, keys[0], "standard", "")
		first.Owner = "jane@example.com"
		r := register(t, l, first)
		if r.Err != nil || r.Existing || r.Code.Code != first.Issue.Code.String() || r.License.Customer != "acme" || r.License.Owner != "jane@example.com" {
			t.Fatalf("register: %+v", r)
		}
		// The same terms again: the same code, nothing recorded.
		head := verifyChain(t, l)
		again := register(t, l, reg(t, s, keys[0], "standard", ""))
		if again.Err != nil || !again.Existing || again.Code.Code != r.Code.Code || verifyChain(t, l) != head {
			t.Fatalf("again: %+v", again)
		}

		unminted, _ := formats.NewRegistrationKey(pc, false, 12345678901234)
		trialOfMinted, _ := formats.NewRegistrationKey(pc, true, keys[1].Serial)
		later := reg(t, s, keys[0], "standard", "")
		later.Issue.Code.Issued++
		later.Issue.Code.Expires++
		other := reg(t, s, keys[0], "standard", "")
		other.Owner = "mallory@example.com"
		for name, tc := range map[string]struct {
			r    ledger.Registration
			want error
		}{
			"unminted":      {reg(t, s, unminted, "standard", ""), ledger.ErrNotMinted},
			"trial of full": {reg(t, s, trialOfMinted, "standard", ""), ledger.ErrNotMinted},
			"edition":       {reg(t, s, keys[1], "premium", ""), ledger.ErrOtherTerms},
			"term":          {reg(t, s, premium, "premium", ""), ledger.ErrOtherTerms},
			"install id":    {reg(t, s, keys[0], "standard", "host-1"), ledger.ErrOtherTerms},
			"other days":    {later, ledger.ErrOtherTerms},
			"other owner":   {other, ledger.ErrOtherOwner},
			"renewal key":   {reg(t, s, renewal, "standard", ""), ledger.ErrRenewalKey},
		} {
			if got := register(t, l, tc.r); !errors.Is(got.Err, tc.want) {
				t.Errorf("%s: %v, want %v", name, got.Err, tc.want)
			}
		}
		// A void key is refused; a registered one cannot be voided.
		if err := l.Void(ctx, keys[2], "order refunded"); err != nil {
			t.Fatal(err)
		}
		if got := register(t, l, reg(t, s, keys[2], "standard", "")); !errors.Is(got.Err, ledger.ErrVoid) {
			t.Errorf("void: %v", got.Err)
		}
		if err := l.Void(ctx, keys[0], "x"); !errors.Is(err, ledger.ErrUsed) {
			t.Errorf("void of a registered key: %v", err)
		}
		// A legacy key is imported when allowed, once.
		legacy := reg(t, s, unminted, "standard", "")
		legacy.AllowUnminted, legacy.Customer = true, "old shop"
		if got := register(t, l, legacy); got.Err != nil || got.License.Customer != "old shop" {
			t.Fatalf("import: %+v", got)
		}
		if got := register(t, l, legacy); got.Err != nil || !got.Existing {
			t.Fatalf("import again: %+v", got)
		}
		// With the right terms the premium key registers: its code lasts 30 days.
		c, err := s.Sign(&signer.Registration{RK: premium, Edition: "premium", Days: 30})
		if err != nil {
			t.Fatal(err)
		}
		if got := register(t, l, ledger.Registration{RK: premium, Edition: "premium", Issue: ledger.Issue{Code: c}}); got.Err != nil {
			t.Fatal(got.Err)
		}
		verifyChain(t, l)
	})
}

// A batch records its rows with a query per table, not per row: a key
// repeated within one call, or a trial key typed for a full key's serial,
// is answered as one row at a time would be.
func TestRegisterBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 3})
		trial, _ := formats.NewRegistrationKey(pc, true, keys[2].Serial)
		legacy, _ := formats.NewRegistrationKey(pc, false, 12345678901234)
		imp := reg(t, s, legacy, "standard", "")
		imp.AllowUnminted = true
		trialReg := reg(t, s, trial, "standard", "")
		trialReg.AllowUnminted = true
		out, err := l.Register(ctx, []ledger.Registration{
			reg(t, s, keys[0], "standard", ""), reg(t, s, keys[1], "standard", ""), reg(t, s, keys[0], "standard", ""),
			reg(t, s, keys[1], "premium", ""), imp, imp, trialReg})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case out[0].Err != nil || out[0].Existing || out[1].Err != nil || out[4].Err != nil || out[4].Existing:
			t.Fatalf("first rows: %+v", out)
		case out[2].Err != nil || !out[2].Existing || out[2].Code.Code != out[0].Code.Code:
			t.Fatalf("repeated key: %+v", out[2])
		case !errors.Is(out[3].Err, ledger.ErrOtherTerms):
			t.Fatalf("repeated key, other edition: %v", out[3].Err)
		case out[5].Err != nil || !out[5].Existing || out[5].Code.Code != out[4].Code.Code:
			t.Fatalf("repeated import: %+v", out[5])
		case !errors.Is(out[6].Err, ledger.ErrNotMinted):
			t.Fatalf("trial key of a minted serial: %v", out[6].Err)
		}
		for i, k := range []formats.RegistrationKey{keys[0], keys[1], legacy} {
			rk, err := l.RegistrationKey(ctx, k)
			if err != nil || rk.State != ledger.StateRegistered || rk.License != k.Serial {
				t.Fatalf("key %d: %+v, %v", i, rk, err)
			}
		}
		if rk, _ := l.RegistrationKey(ctx, keys[2]); rk.State != ledger.StateMinted {
			t.Fatalf("key 2: %+v", rk)
		}
		if h := verifyChain(t, l); h.Seq != 3+2+1+1 {
			t.Fatalf("%d events, want 3 minted, 2 signed, 1 imported, 1 signed", h.Seq)
		}
	})
}

func TestReplaceRevokeList(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 2})
		for _, k := range keys {
			register(t, l, reg(t, s, k, "standard", "host-9"))
		}
		replace := func(k formats.RegistrationKey, revokeOld bool) (*ledger.License, *ledger.Code, error) {
			return l.Replace(ctx, ledger.Replacement{Product: pc, Serial: k.Serial, RevokeOld: revokeOld, Reason: "stolen"},
				func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
					old, err := formats.ParseActivationCode(cur.Code)
					if err != nil {
						return ledger.Issue{}, err
					}
					c, err := s.Replace(old, lic.InstallID)
					if err == nil && c.Generation != next {
						err = fmt.Errorf("signer made generation %d, ledger wants %d", c.Generation, next)
					}
					return ledger.Issue{Code: c, InstallID: lic.InstallID}, err
				})
		}
		lic, code, err := replace(keys[0], true)
		if err != nil || lic.Generation != 1 || code.Generation != 1 || !lic.Revoked || lic.RevokedBelow != 1 || lic.RevokesCurrent() {
			t.Fatalf("replace: %+v %+v %v", lic, code, err)
		}
		if lic, _, err = replace(keys[0], false); err != nil || lic.Generation != 2 || lic.RevokedBelow != 1 {
			t.Fatalf("second replace: %+v %v", lic, err)
		}
		// What a page offers agrees with what Replace and Revoke do.
		if !lic.Replaceable() || lic.RevokesAll() {
			t.Fatalf("a license with old generations revoked: replaceable %v, revokes all %v", lic.Replaceable(), lic.RevokesAll())
		}
		if _, err := l.Revoke(ctx, pc, keys[1].Serial, 0, "chargeback"); err != nil {
			t.Fatal(err)
		}
		if lic, _ := l.License(ctx, pc, keys[1].Serial); lic.Replaceable() || !lic.RevokesAll() || lic.Resendable() {
			t.Fatalf("a revoked license: replaceable %v, revokes all %v, resendable %v", lic.Replaceable(), lic.RevokesAll(), lic.Resendable())
		}
		if _, _, err := replace(keys[1], false); !errors.Is(err, ledger.ErrRevoked) {
			t.Fatalf("replace of a revoked license: %v", err)
		}
		build := func(seq uint64, entries []revocation.Entry) ([]byte, error) {
			return s.RevocationList(pc, seq, nil, entries)
		}
		for want := uint64(1); want <= 2; want++ {
			list, err := l.RevokeAndIssueList(ctx, pc, nil, "", build)
			if err != nil || list.Seq != want || list.Entries != 2 {
				t.Fatalf("list %d: %+v %v", want, list, err)
			}
			parsed, err := revocation.Parse(list.List, pc, func(uint8, []byte, []byte, []byte) error { return nil })
			if err != nil || parsed.Sequence != want || !parsed.Revoked(keys[0].Serial, 0) || parsed.Revoked(keys[0].Serial, 2) || !parsed.Revoked(keys[1].Serial, 9) {
				t.Fatalf("list %d content: %v", want, err)
			}
		}
		latest, err := l.LatestRevocationList(ctx, pc)
		if err != nil || latest.Seq != 2 {
			t.Fatalf("latest: %+v %v", latest, err)
		}
		if none, err := l.LatestRevocationList(ctx, formats.MustProduct("XY")); none != nil || err != nil {
			t.Fatalf("no list: %v %v", none, err)
		}
		verifyChain(t, l)
	})
}

func TestRenew(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		k := mint(t, l, ledger.MintRequest{})[0]
		rks := mint(t, l, ledger.MintRequest{Purpose: ledger.PurposeRenewal, Count: 2})
		premiumRenewal := mint(t, l, ledger.MintRequest{Purpose: ledger.PurposeRenewal, Edition: "premium"})[0]
		first := register(t, l, reg(t, s, k, "standard", ""))
		signRenewal := func(lic *ledger.License, cur *ledger.Code, key *ledger.RegistrationKey) (ledger.Issue, error) {
			old, err := formats.ParseActivationCode(cur.Code)
			if err != nil {
				return ledger.Issue{}, err
			}
			days := 0
			if key != nil {
				days = key.Days
			}
			c, err := s.Renew(old, signer.Renewal{Days: days, InstallID: lic.InstallID})
			return ledger.Issue{Code: c}, err
		}
		renew := func(gen uint8, rk *formats.RegistrationKey) (*ledger.License, error) {
			lic, _, err := l.Renew(ctx, ledger.Renewal{Product: pc, Serial: k.Serial, Generation: gen, RenewalKey: rk}, signRenewal)
			return lic, err
		}
		lic, err := renew(0, &rks[0])
		if err != nil || lic.Expires != first.License.Expires+365 {
			t.Fatalf("renew: %+v %v", lic, err)
		}
		if _, err := renew(0, &rks[0]); !errors.Is(err, ledger.ErrUsed) {
			t.Fatalf("renewal key used twice: %v", err)
		}
		if _, err := renew(0, &k); !errors.Is(err, ledger.ErrNotRenewal) {
			t.Fatalf("license key as renewal: %v", err)
		}
		if _, err := renew(0, &premiumRenewal); !errors.Is(err, ledger.ErrOtherTerms) {
			t.Fatalf("renewal of another edition: %v", err)
		}
		if _, _, err := l.Replace(ctx, ledger.Replacement{Product: pc, Serial: k.Serial}, func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
			old, _ := formats.ParseActivationCode(cur.Code)
			c, err := s.Replace(old, "")
			return ledger.Issue{Code: c}, err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = renew(0, &rks[1])
		if !errors.Is(err, ledger.ErrSuperseded) || !strings.Contains(err.Error(), "generation 1") {
			t.Fatalf("renewing a superseded generation: %v", err)
		}
		if _, err := renew(1, &rks[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Revoke(ctx, pc, k.Serial, 0, "fraud"); err != nil {
			t.Fatal(err)
		}
		if _, err := renew(1, nil); !errors.Is(err, ledger.ErrRevoked) {
			t.Fatalf("renewing a revoked license: %v", err)
		}
		if _, _, err := l.Renew(ctx, ledger.Renewal{Product: pc, Serial: 4242}, signRenewal); !errors.Is(err, ledger.ErrNoLicense) {
			t.Fatalf("renewing an unknown license: %v", err)
		}
		verifyChain(t, l)
	})
}

func TestExpiringAndNotified(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 3})
		trial := mint(t, l, ledger.MintRequest{Trial: true})[0]
		for i, k := range keys {
			c, err := s.Sign(&signer.Registration{RK: k, Edition: "standard", Days: 30 * (i + 1)})
			if err != nil {
				t.Fatal(err)
			}
			register(t, l, ledger.Registration{RK: k, Edition: "standard", Issue: ledger.Issue{Code: c}})
		}
		register(t, l, reg(t, s, trial, "standard", ""))
		today := mustDay(t, day0)
		got, err := l.Expiring(ctx, today, 60)
		if err != nil || len(got) != 2 || got[0].Serial != keys[0].Serial || got[1].Serial != keys[1].Serial {
			t.Fatalf("expiring within 60: %v %v", got, err)
		}
		marked, err := l.MarkNotified(ctx, pc, keys[0].Serial, got[0].Expires, "jane@example.com")
		if err != nil || !marked {
			t.Fatal(marked, err)
		}
		// A second notice of the same expiry is neither marked nor mailed.
		notice := ledger.Mail{To: "jane@example.com", Subject: "Maintenance ends", Body: "renew"}
		if marked, err = l.MarkNotified(ctx, pc, keys[0].Serial, got[0].Expires, "jane@example.com", notice); err != nil || marked {
			t.Fatalf("notified twice: %v %v", marked, err)
		}
		if n, err := portaldb.NewOutbox(l).Unsent(ctx); err != nil || n != 0 {
			t.Fatalf("a notice not marked was queued: %d, %v", n, err)
		}
		if marked, err = l.MarkNotified(ctx, pc, keys[1].Serial, got[1].Expires, "jane@example.com", notice); err != nil || !marked {
			t.Fatal(marked, err)
		}
		if n, err := portaldb.NewOutbox(l).Unsent(ctx); err != nil || n != 1 {
			t.Fatalf("the notice marked: %d queued, %v", n, err)
		}
		if got, _ = l.Expiring(ctx, today, 60); len(got) != 0 {
			t.Fatalf("after notices: %v", got)
		}
		verifyChain(t, l)
	})
}

func mustDay(t testing.TB, tm time.Time) formats.Day {
	d, err := formats.DayOf(tm)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFind(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 2, Order: "A-9", Customer: "globex"})
		r := reg(t, s, keys[0], "standard", "")
		r.Owner = "ops@globex.example"
		got := register(t, l, r)
		short := got.Code.Code[:formats.ShortLen]
		serial := keys[0].Serial
		for name, q := range map[string]ledger.Query{
			"rk": {RK: &keys[0]}, "serial": {Product: pc, Serial: serial},
			"customer": {Customer: "globex"}, "owner": {Owner: "ops@globex.example"}, "short form": {ShortForm: short},
		} {
			hs, err := l.Find(ctx, q)
			if err != nil || len(hs) != 1 || hs[0].License.Serial != serial || len(hs[0].Codes) != 1 || len(hs[0].Events) != 2 || len(hs[0].Keys) != 1 {
				t.Errorf("find by %s: %v %v", name, hs, err)
			}
		}
		hs, err := l.Find(ctx, ledger.Query{RK: &keys[1]})
		if err != nil || len(hs) != 1 || hs[0].License != nil || hs[0].Keys[0].State != ledger.StateMinted {
			t.Fatalf("unregistered key: %v %v", hs, err)
		}
		// An order: its license, then its key not yet registered.
		hs, err = l.Find(ctx, ledger.Query{Order: "A-9"})
		if err != nil || len(hs) != 2 || hs[0].License == nil || hs[0].License.Serial != serial || len(hs[0].Keys) != 1 ||
			hs[1].License != nil || len(hs[1].Keys) != 1 || hs[1].Keys[0].Key != keys[1] || hs[1].Keys[0].State != ledger.StateMinted {
			t.Fatalf("find by order: %v %v", hs, err)
		}
		if _, err := l.Find(ctx, ledger.Query{}); err == nil {
			t.Fatal("empty query accepted")
		}
		n := 0
		if err := l.Licenses(ctx, func(*ledger.License, *ledger.Code) error { n++; return nil }); err != nil || n != 1 {
			t.Fatalf("licenses: %d %v", n, err)
		}
	})
}

// TestVerifyFindsTampering edits the database as someone with write access
// to it could, and checks that Verify names the first event changed.
func TestVerifyFindsTampering(t *testing.T) {
	cases := map[string]struct {
		sql  string
		want string
	}{
		"edited body":    {`UPDATE events SET body = replace(body, '"standard"', '"premium"') WHERE seq = 3`, "event 3: hash does not match"},
		"edited column":  {`UPDATE events SET actor = 'nobody' WHERE seq = 2`, "event 2: its columns differ"},
		"deleted":        {`DELETE FROM events WHERE seq = 2`, "event 3: follows event 1"},
		"reordered":      {`UPDATE events SET seq = -seq WHERE seq IN (2, 3); UPDATE events SET seq = 5 + seq WHERE seq IN (-2, -3)`, "event 2: prev_hash is not the hash"},
		"swapped code":   {`UPDATE codes SET code = 'PC-FORGED' WHERE code = (SELECT MAX(code) FROM codes)`, "codes (product PC, serial "},
		"un-revoked":     {`UPDATE licenses SET revoked_below = NULL`, "column revoked_below"},
		"slipped-in key": {`INSERT INTO registration_keys SELECT product, serial + 1, 'PC-0000-0000-0000-0013', trial, edition, days, purpose, order_ref, customer, 'minted', NULL, minted_at, minted_by FROM registration_keys WHERE serial = (SELECT MIN(serial) FROM registration_keys)`, "the row was inserted"},
		"swapped token":  {`UPDATE codes SET jwt = 'eyJhbGciOiJub25lIn0.e30.' WHERE code = (SELECT MAX(code) FROM codes)`, "column jwt"},
		"rehashed chain": {`UPDATE events SET prev_hash = '` + strings.Repeat("0", 64) + `' WHERE seq = 2`, "event 2: prev_hash is not the hash"},
	}
	eachStore(t, func(t *testing.T, dsn string) {
		for name, tc := range cases {
			t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
				if strings.HasPrefix(dsn, "sqlite:") {
					dsn = "sqlite:" + filepath.Join(t.TempDir(), "ledger.db")
				} else {
					dsn = ledgertest.PostgresDSN(t)
				}
				l, s := open(t, dsn), testSigner(t)
				keys := mint(t, l, ledger.MintRequest{Count: 2})
				register(t, l, reg(t, s, keys[0], "standard", ""))
				register(t, l, reg(t, s, keys[1], "standard", ""))
				if _, err := l.Revoke(context.Background(), pc, keys[1].Serial, 0, "chargeback"); err != nil {
					t.Fatal(err)
				}
				verifyChain(t, l)
				db := rawDB(t, dsn)
				for _, q := range strings.Split(tc.sql, "; ") {
					if _, err := db.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				_, err := l.Verify(context.Background())
				var ce *ledger.ChainError
				if !errors.As(err, &ce) || !errors.Is(err, ledger.ErrChain) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
			})
		}
	})
}

func TestHeadAnchors(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		h0, _ := l.Head(context.Background())
		if h0.Seq != 0 || h0.Hash != [32]byte{} {
			t.Fatalf("empty head %v", h0)
		}
		mint(t, l, ledger.MintRequest{Count: 3})
		h, err := l.Head(context.Background())
		if err != nil || h.Seq != 3 || h != verifyChain(t, l) || len(h.String()) != 2+64 {
			t.Fatalf("head %v %v", h, err)
		}
	})
}

// TestReadOnlyFailsBeforeSigning: a ledger that takes no writes fails an
// operation before its signing function runs.
func TestReadOnlyFailsBeforeSigning(t *testing.T) {
	// A read-only connection, since root ignores file modes.
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	l, s := open(t, "sqlite:"+path), testSigner(t)
	k := mint(t, l, ledger.MintRequest{})[0]
	register(t, l, reg(t, s, k, "standard", ""))
	l.Close()
	// An auditor may open it read-only; anything that writes fails first.
	ro := open(t, "sqlite:"+path+"?mode=ro")
	if err := ro.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "does not take writes") {
		t.Fatalf("Ping on a read-only ledger: %v", err)
	}
	if err := verifyChain(t, ro); err.Seq != 2 {
		t.Fatalf("head %v", err)
	}
	signed := false
	_, _, err := ro.Replace(context.Background(), ledger.Replacement{Product: pc, Serial: k.Serial}, func(*ledger.License, *ledger.Code, uint8) (ledger.Issue, error) {
		signed = true
		return ledger.Issue{}, errors.New("unreachable")
	})
	if err == nil || signed {
		t.Fatalf("replace on a read-only ledger: signed %v, %v", signed, err)
	}
}

// TestExistingOnly: a reader never creates a ledger where there is none.
func TestExistingOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		if _, err := ledger.Open(ctx, dsn, ledger.ExistingOnly()); !errors.Is(err, ledger.ErrNoLedger) {
			t.Fatalf("no ledger yet: %v", err)
		}
		if kind, target, _ := ledgerdb.ParseDSN(dsn); kind == "sqlite" {
			if _, err := os.Stat(target); err == nil {
				t.Fatal("the failed open created the file")
			}
		}
		open(t, dsn).Close()
		l, err := ledger.Open(ctx, dsn, ledger.ExistingOnly())
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	})
}

// TestRevokeAhead: a revocation names issued generations only, and a
// replacement is never issued already revoked; a list with a bad entry
// records nothing.
func TestRevokeAhead(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		k := mint(t, l, ledger.MintRequest{})[0]
		register(t, l, reg(t, s, k, "standard", ""))
		if _, err := l.Revoke(ctx, pc, k.Serial, 5, "ahead"); !errors.Is(err, ledger.ErrNotIssued) {
			t.Fatalf("revoking generations not issued: %v", err)
		}
		build := func(seq uint64, e []revocation.Entry) ([]byte, error) { return s.RevocationList(pc, seq, nil, e) }
		if _, err := l.RevokeAndIssueList(ctx, pc, []revocation.Entry{{Serial: k.Serial}, {Serial: 4242}}, "bad batch", build); !errors.Is(err, ledger.ErrNoLicense) {
			t.Fatalf("a list with an unknown serial: %v", err)
		}
		if lic, _ := l.License(ctx, pc, k.Serial); lic.Revoked {
			t.Fatal("a failed list recorded its first revocation")
		}
		if latest, _ := l.LatestRevocationList(ctx, pc); latest != nil {
			t.Fatal("a failed list was issued")
		}
		if _, err := l.Revoke(ctx, pc, k.Serial, 1, "stolen"); err != nil {
			t.Fatal(err)
		}
		// Generation 0 is revoked; its replacement, generation 1, is not.
		if _, _, err := l.Replace(ctx, ledger.Replacement{Product: pc, Serial: k.Serial}, func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
			old, _ := formats.ParseActivationCode(cur.Code)
			c, err := s.Replace(old, "")
			return ledger.Issue{Code: c}, err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Revoke(ctx, pc, k.Serial, 0, "all"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Replace(ctx, ledger.Replacement{Product: pc, Serial: k.Serial}, func(*ledger.License, *ledger.Code, uint8) (ledger.Issue, error) {
			t.Fatal("signed a replacement of a license revoked in full")
			return ledger.Issue{}, nil
		}); !errors.Is(err, ledger.ErrRevoked) {
			t.Fatalf("replacing a revoked license: %v", err)
		}
	})
}
