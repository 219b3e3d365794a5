package portaldb_test

import (
	"context"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func TestAccountsTokensSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := ledger.WithClient(context.Background(), "ann@example.com", "192.0.2.7")
		a := portaldb.Account{Email: "ann@example.com", PasswordHash: "$argon2id$x"}
		confirm := portaldb.Token{Hash: "c1", Expires: now.Add(24 * time.Hour)}
		if err := portaldb.NewAccounts(l).Create(ctx, a, confirm, ledger.Mail{To: a.Email, Subject: "Confirm", Body: "link"}); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewAccounts(l).Create(ctx, a, portaldb.Token{}); !errors.Is(err, portaldb.ErrAccountExists) {
			t.Fatalf("second account: %v", err)
		}
		got, err := portaldb.NewAccounts(l).Get(ctx, a.Email)
		if err != nil || got.Confirmed || got.PasswordHash != a.PasswordHash {
			t.Fatalf("account: %+v, %v", got, err)
		}
		if _, err := portaldb.NewAccounts(l).Get(ctx, "bob@example.com"); !errors.Is(err, portaldb.ErrNoAccount) {
			t.Fatalf("missing account: %v", err)
		}
		if _, err := portaldb.NewAccounts(l).Confirm(ctx, "nope"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("unknown token: %v", err)
		}
		if email, err := portaldb.NewAccounts(l).Confirm(ctx, "c1"); err != nil || email != a.Email {
			t.Fatalf("confirm: %q, %v", email, err)
		}
		if _, err := portaldb.NewAccounts(l).Confirm(ctx, "c1"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("token used twice: %v", err)
		}
		if got, _ := portaldb.NewAccounts(l).Get(ctx, a.Email); !got.Confirmed {
			t.Fatal("not confirmed")
		}

		// A reset token of one purpose does not confirm, and expires.
		if err := portaldb.NewAccounts(l).AddToken(ctx, portaldb.Token{Hash: "r1", Email: a.Email, Purpose: portaldb.TokenReset, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewAccounts(l).Confirm(ctx, "r1"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("reset token as confirmation: %v", err)
		}
		if err := portaldb.NewCustomerSessions(l).Start(ctx, "s1", a.Email, true, now.Add(12*time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewCustomerSessions(l).Start(ctx, "s2", a.Email, true, now.Add(12*time.Hour), "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewCustomerSessions(l).Get(ctx, "s1", now); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("replaced session: %v", err)
		}
		if s, err := portaldb.NewCustomerSessions(l).Get(ctx, "s2", now); err != nil || s.Email != a.Email {
			t.Fatalf("session: %+v, %v", s, err)
		}
		if _, err := portaldb.NewCustomerSessions(l).Get(ctx, "s2", now.Add(12*time.Hour)); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("expired session: %v", err)
		}
		now = now.Add(time.Hour)
		if _, err := portaldb.NewAccounts(l).ResetPassword(ctx, "r1", "$argon2id$y"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("expired reset token: %v", err)
		}
		now = now.Add(-time.Second)
		if _, err := portaldb.NewAccounts(l).ResetPassword(ctx, "r1", "$argon2id$y"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewCustomerSessions(l).Get(ctx, "s2", now); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("a reset keeps the sessions: %v", err)
		}
		if got, _ := portaldb.NewAccounts(l).Get(ctx, a.Email); got.PasswordHash != "$argon2id$y" {
			t.Fatalf("password not set: %+v", got)
		}
		if err := portaldb.NewCustomerSessions(l).End(ctx, "s2"); err != nil {
			t.Fatal(err)
		}

		// Every change is an event naming the client, and the chain holds.
		verifyChain(t, l)
		db := rawDB(t, dsn)
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM events WHERE actor = 'ann@example.com' AND body LIKE '%"client_ip":"192.0.2.7"}'`).Scan(&n); err != nil || n < 8 {
			t.Fatalf("events with the client: %d, %v", n, err)
		}
		var secrets int
		db.QueryRow(`SELECT COUNT(*) FROM account_tokens WHERE hash NOT IN ('c1', 'r1')`).Scan(&secrets)
		if secrets != 0 {
			t.Fatal("tokens stored other than as given")
		}
	})
}

func TestRateHits(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := context.Background()
		for i := 1; i <= 3; i++ {
			if n, err := portaldb.NewRateLimits(l).Hits(ctx, "login:ip:192.0.2.1", 15*time.Minute, true); err != nil || n != i {
				t.Fatalf("hit %d: %d, %v", i, n, err)
			}
		}
		if n, _ := portaldb.NewRateLimits(l).Hits(ctx, "login:ip:192.0.2.1", 15*time.Minute, false); n != 3 {
			t.Fatalf("count: %d", n)
		}
		if n, _ := portaldb.NewRateLimits(l).Hits(ctx, "login:ip:192.0.2.2", 15*time.Minute, false); n != 0 {
			t.Fatalf("other bucket: %d", n)
		}
		now = now.Add(15 * time.Minute)
		if n, _ := portaldb.NewRateLimits(l).Hits(ctx, "login:ip:192.0.2.1", 15*time.Minute, false); n != 0 {
			t.Fatalf("next window: %d", n)
		}
		if n, _ := portaldb.NewRateLimits(l).Hits(ctx, "login:ip:192.0.2.1", 15*time.Minute, true); n != 1 {
			t.Fatalf("next window hit: %d", n)
		}
		var rows int
		rawDB(t, dsn).QueryRow(`SELECT COUNT(*) FROM rate_limits`).Scan(&rows)
		if rows != 1 {
			t.Fatalf("expired windows kept: %d rows", rows)
		}
	})
}

func TestOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := ledger.WithClient(context.Background(), "portal", "")
		if err := portaldb.NewOutbox(l).Queue(ctx, ledger.Mail{To: "a@example.com", Subject: "one", Body: "secret link"}, ledger.Mail{To: "b@example.com", Subject: "two", Body: "b"},
			ledger.Mail{To: "c@example.com", Subject: "three", Body: "secret code"}); err != nil {
			t.Fatal(err)
		}
		ms, err := portaldb.NewOutbox(l).Claim(ctx, "m1", 10, time.Minute)
		if err != nil || len(ms) != 3 || ms[0].Subject != "one" || ms[0].Attempts != 1 {
			t.Fatalf("claim: %+v, %v", ms, err)
		}
		// Each message has its Message-ID from the moment it is queued:
		// one of its own, of this ledger.
		ids := map[string]bool{}
		for _, m := range ms {
			if !regexp.MustCompile(`^<\d+\.[0-9a-f]{32}@licmint>$`).MatchString(m.MessageID) || ids[m.MessageID] {
				t.Fatalf("Message-ID %q", m.MessageID)
			}
			ids[m.MessageID] = true
		}
		// Claimed mail is not handed out again until its lease ends.
		if again, _ := portaldb.NewOutbox(l).Claim(ctx, "m2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		// Only the claim's owner releases it or records a failure.
		if err := portaldb.NewOutbox(l).Release(ctx, "m2"); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewOutbox(l).Failed(ctx, "m2", ms[1].ID, "not mine", now); err != nil {
			t.Fatal(err)
		}
		if again, _ := portaldb.NewOutbox(l).Claim(ctx, "m2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		// A mailer records the messages it sent, whoever claims them.
		if err := portaldb.NewOutbox(l).Sent(ctx, ms[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewOutbox(l).Sent(ctx, ms[2].ID); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewOutbox(l).Failed(ctx, "m1", ms[1].ID, "relay down", now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if due, _ := portaldb.NewOutbox(l).Claim(ctx, "m1", 10, time.Minute); len(due) != 0 {
			t.Fatalf("due before its retry: %+v", due)
		}
		now = now.Add(time.Minute)
		due, _ := portaldb.NewOutbox(l).Claim(ctx, "m1", 10, time.Minute)
		if len(due) != 1 || due[0].Attempts != 2 || due[0].LastError != "relay down" {
			t.Fatalf("retry: %+v", due)
		}
		// Released, it is due again at once, for another mailer, and the
		// attempt it was not sent in is not counted.
		if err := portaldb.NewOutbox(l).Release(ctx, "m1"); err != nil {
			t.Fatal(err)
		}
		if again, _ := portaldb.NewOutbox(l).Claim(ctx, "m2", 10, time.Minute); len(again) != 1 || again[0].Attempts != 2 || again[0].MessageID != ms[1].MessageID {
			t.Fatalf("released: %+v", again)
		}
		all, err := portaldb.NewOutbox(l).List(ctx, 0)
		if err != nil || len(all) != 3 {
			t.Fatalf("outbox: %v", err)
		}
		for _, sent := range []*ledger.Mail{all[0], all[2]} {
			if sent.Sent.IsZero() || sent.Body != "" || strings.Contains(sent.Body, "secret") {
				t.Fatalf("sent mail: %+v", sent)
			}
		}
		if all[1].Subject != "two" || !all[1].Sent.IsZero() {
			t.Fatalf("the failed message: %+v", all[1])
		}
		verifyChain(t, l)
	})
}

func TestSecret(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Fresh randomness for each instance, as in production: the
		// helper's seeded reader would make every secret alike.
		open := func(t *testing.T, dsn string) *ledger.Ledger { return open(t, dsn, ledger.WithRand(rand.Reader)) }
		a, err := portaldb.Secret(ctx, open(t, dsn), "csrf")
		if err != nil || len(a) != 32 {
			t.Fatalf("secret: %x, %v", a, err)
		}
		b, err := portaldb.Secret(ctx, open(t, dsn), "csrf")
		if err != nil || string(a) != string(b) {
			t.Fatalf("a second instance got another secret: %v", err)
		}
		if c, _ := portaldb.Secret(ctx, open(t, dsn), "other"); string(c) == string(a) {
			t.Fatal("two names share a secret")
		}
	})
}

// A reset asked for an account records a token and queues its mail; for
// an address with no account it records that and queues the other mail.
func TestRequestReset(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		accounts := portaldb.NewAccounts(l)
		if err := accounts.Create(ctx, portaldb.Account{Email: "ann@example.com", PasswordHash: "h"}, portaldb.Token{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			email  string
			exists bool
			kinds  string
		}{
			{"ann@example.com", true, "token_issued mail_queued"},
			{"bob@example.com", false, "reset_no_account mail_queued"},
		} {
			exists, err := accounts.RequestReset(ctx, portaldb.Token{Hash: "t-" + c.email, Email: c.email, Expires: day0.Add(time.Hour)},
				portaldb.Mail{To: c.email, Subject: "Reset your password", Body: "link"}, portaldb.Mail{To: c.email, Subject: "No account", Body: "none"})
			if err != nil || exists != c.exists {
				t.Fatalf("%s: exists %v, %v", c.email, exists, err)
			}
			rows, err := rawDB(t, dsn).Query(`SELECT kind FROM events ORDER BY seq DESC LIMIT 2`)
			if err != nil {
				t.Fatal(err)
			}
			kinds, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (string, error) {
				var k string
				return k, sc.Scan(&k)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds[1] + " " + kinds[0]; got != c.kinds {
				t.Errorf("%s: events %s, want %s", c.email, got, c.kinds)
			}
		}
		ms, err := portaldb.NewOutbox(l).List(ctx, 0)
		if err != nil || len(ms) != 2 || ms[0].Subject != "No account" || ms[1].Subject != "Reset your password" {
			t.Fatalf("outbox: %v %v", ms, err)
		}
		if _, err := accounts.ResetPassword(ctx, "t-bob@example.com", "h2"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("a token for no account: %v", err)
		}
		if _, err := accounts.ResetPassword(ctx, "t-ann@example.com", "h2"); err != nil {
			t.Fatal(err)
		}
		verifyChain(t, l)
	})
}

// Clear forgets a bucket and the buckets under it, and no other: not one
// whose name only begins the same.
func TestRateClear(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn, ledger.WithNow(func() time.Time { return day0 }))
		ctx := context.Background()
		rl := portaldb.NewRateLimits(l)
		buckets := []string{"login:account:ann@example.com", "login:account:ann@example.com 192.0.2.1", "login:account:ann@example.com 192.0.2.1 60",
			"login:account:ann@example.community", "login:account:ann@example.co", "login:ip:192.0.2.1"}
		for _, b := range buckets {
			if _, err := rl.Hits(ctx, b, time.Hour, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := rl.Clear(ctx, "login:account:ann@example.com"); err != nil {
			t.Fatal(err)
		}
		for i, b := range buckets {
			n, err := rl.Hits(ctx, b, time.Hour, false)
			if want := min(i/3, 1); err != nil || n != want {
				t.Errorf("%s: %d, %v; want %d", b, n, err, want)
			}
		}
	})
}
