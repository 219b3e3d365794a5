package portaldb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func TestChangeEmail(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := context.Background()
		acc := portaldb.NewAccounts(l)
		for _, e := range []string{"ann@example.com", "cat@example.com"} {
			if err := acc.Create(ctx, portaldb.Account{Email: e, PasswordHash: "$argon2id$" + e, Confirmed: true}, portaldb.Token{}); err != nil {
				t.Fatal(err)
			}
		}
		ss := portaldb.NewCustomerSessions(l)
		for _, h := range []string{"s1", "s2"} {
			if err := ss.Start(ctx, h, "ann@example.com", true, now.Add(12*time.Hour), ""); err != nil {
				t.Fatal(err)
			}
		}
		rl := portaldb.NewRateLimits(l)
		for _, b := range []string{"login:account:ann@example.com", "login:account:ann@example.com 192.0.2.1", "login:account:ann@example.community"} {
			if _, err := rl.Hits(ctx, b, time.Hour, true); err != nil {
				t.Fatal(err)
			}
		}
		rateKeys := func(e string) []string { return []string{"login:account:" + e} }
		tok := func(hash, to string, d time.Duration) {
			t.Helper()
			if err := acc.AddToken(ctx, portaldb.Token{Hash: hash, Email: "ann@example.com", Purpose: portaldb.TokenEmail, NewEmail: to, Expires: now.Add(d)},
				ledger.Mail{To: to, Subject: "Confirm", Body: "link"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := acc.AddToken(ctx, portaldb.Token{Hash: "x", Email: "ann@example.com", Purpose: portaldb.TokenEmail, Expires: now.Add(time.Hour)}); err == nil {
			t.Fatal("an email token without a new address was taken")
		}
		tok("taken", "cat@example.com", time.Hour)
		tok("late", "ann2@example.com", time.Minute)
		tok("good", "ann@example.org", time.Hour)
		if err := acc.AddToken(ctx, portaldb.Token{Hash: "reset", Email: "ann@example.com", Purpose: portaldb.TokenReset, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}

		if _, err := acc.ChangeEmail(ctx, "taken", rateKeys, nil); !errors.Is(err, portaldb.ErrAccountExists) {
			t.Fatalf("an address with an account: %v", err)
		}
		now = now.Add(2 * time.Minute)
		if _, err := acc.ChangeEmail(ctx, "late", rateKeys, nil); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("an expired token: %v", err)
		}
		if _, err := acc.ChangeEmail(ctx, "nope", rateKeys, nil); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("an unknown token: %v", err)
		}
		if _, err := acc.Confirm(ctx, "good"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("an email token as a confirmation: %v", err)
		}
		var mailed []portaldb.EmailChange
		ch, err := acc.ChangeEmail(ctx, "good", rateKeys, func(c portaldb.EmailChange) []portaldb.Mail {
			mailed = append(mailed, c)
			return []portaldb.Mail{{To: c.From, Subject: "Changed", Body: "now " + c.To}}
		})
		if err != nil || ch.From != "ann@example.com" || ch.To != "ann@example.org" || len(mailed) != 1 {
			t.Fatalf("change: %+v, %v", ch, err)
		}
		if _, err := acc.ChangeEmail(ctx, "good", rateKeys, nil); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("a token used twice: %v", err)
		}
		if _, err := acc.Get(ctx, "ann@example.com"); !errors.Is(err, portaldb.ErrNoAccount) {
			t.Fatalf("the old login id: %v", err)
		}
		got, err := acc.Get(ctx, "ann@example.org")
		if err != nil || got.PasswordHash != "$argon2id$ann@example.com" || !got.Confirmed || !got.Created.Equal(day0) {
			t.Fatalf("the new login id: %+v, %v", got, err)
		}
		for _, h := range []string{"s1", "s2"} {
			if s, err := ss.Get(ctx, h, now); err != nil || s.Email != "ann@example.org" {
				t.Fatalf("session %s: %+v, %v", h, s, err)
			}
		}
		// A link mailed to the old address before the change works no more.
		if _, err := acc.ResetPassword(ctx, "reset", "$argon2id$new"); !errors.Is(err, portaldb.ErrTokenInvalid) {
			t.Fatalf("a reset link of the old address: %v", err)
		}
		if n, _ := rl.Hits(ctx, "login:account:ann@example.org", time.Hour, false); n != 1 {
			t.Fatalf("the failed log-ins followed: %d", n)
		}
		if n, _ := rl.Hits(ctx, "login:account:ann@example.org 192.0.2.1", time.Hour, false); n != 1 {
			t.Fatalf("the failed log-ins from an address followed: %d", n)
		}
		if n, _ := rl.Hits(ctx, "login:account:ann@example.community", time.Hour, false); n != 1 {
			t.Fatalf("another account's counter moved: %d", n)
		}
		verifyChain(t, l)
		var kinds int
		rawDB(t, dsn).QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'account_email_changed' AND body LIKE '%"from":"ann@example.com"%'`).Scan(&kinds)
		if kinds != 1 {
			t.Fatalf("%d account_email_changed events", kinds)
		}

		// Tampering with the new row is caught at use and by verify.
		if _, err := rawDB(t, dsn).Exec(`UPDATE accounts SET password_hash = 'x' WHERE email = 'ann@example.org'`); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.Get(ctx, "ann@example.org"); !errors.Is(err, ledger.ErrTampered) {
			t.Fatalf("a tampered row: %v", err)
		}
		var ce *ledger.ChainError
		if _, err := l.Verify(ctx); !errors.As(err, &ce) || ce.Row == nil || ce.Row.Table != "accounts" || ce.Row.Column != "password_hash" {
			t.Fatalf("verify of a tampered row: %v", err)
		}
	})
}

// An old row put back beside the new one is a row the chain lacks.
func TestChangeEmailOldRowBack(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		ctx := context.Background()
		acc := portaldb.NewAccounts(l)
		if err := acc.Create(ctx, portaldb.Account{Email: "ann@example.com", PasswordHash: "h", Confirmed: true}, portaldb.Token{}); err != nil {
			t.Fatal(err)
		}
		if err := acc.AddToken(ctx, portaldb.Token{Hash: "t", Email: "ann@example.com", Purpose: portaldb.TokenEmail, NewEmail: "ann@example.org", Expires: day0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.ChangeEmail(ctx, "t", nil, nil); err != nil {
			t.Fatal(err)
		}
		verifyChain(t, l)
		db := rawDB(t, dsn)
		if _, err := db.Exec(`INSERT INTO accounts (email, password_hash, confirmed, created_at, event) SELECT 'ann@example.com', password_hash, 1, created_at, event FROM accounts`); err != nil {
			t.Fatal(err)
		}
		var ce *ledger.ChainError
		if _, err := l.Verify(ctx); !errors.As(err, &ce) || ce.Row == nil || ce.Row.Key != "email ann@example.com" {
			t.Fatalf("verify with the old row back: %v", err)
		}
		if _, err := acc.Get(ctx, "ann@example.com"); !errors.Is(err, ledger.ErrTampered) {
			t.Fatalf("the old row back at use: %v", err)
		}
	})
}
