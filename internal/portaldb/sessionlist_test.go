package portaldb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func TestSessionsListEndAll(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := context.Background()
		for _, e := range []string{"ann@example.com", "bob@example.com"} {
			if err := portaldb.NewAccounts(l).Create(ctx, portaldb.Account{Email: e, PasswordHash: "$argon2id$x", Confirmed: true}, portaldb.Token{}); err != nil {
				t.Fatal(err)
			}
		}
		ss := portaldb.NewCustomerSessions(l)
		start := func(hash, email string, d time.Duration) {
			t.Helper()
			if err := ss.Start(ctx, hash, email, true, now.Add(d), ""); err != nil {
				t.Fatal(err)
			}
		}
		start("a1", "ann@example.com", 12*time.Hour)
		now = now.Add(time.Minute)
		start("a2", "ann@example.com", 12*time.Hour)
		now = now.Add(time.Minute)
		start("a3", "ann@example.com", time.Hour)
		start("b1", "bob@example.com", 12*time.Hour)

		list, err := ss.List(ctx, "ann@example.com", now)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].Hash != "a3" || list[1].Hash != "a2" || list[2].Hash != "a1" {
			t.Fatalf("list: %+v", list)
		}
		if !list[2].Started.Equal(day0) || !list[2].Expires.Equal(day0.Add(12*time.Hour)) || list[2].LastUsed.Before(list[2].Started) {
			t.Fatalf("times: %+v", list[2])
		}
		// One that has expired is not listed.
		if list, err := ss.List(ctx, "ann@example.com", now.Add(time.Hour)); err != nil || len(list) != 2 {
			t.Fatalf("list after an hour: %+v, %v", list, err)
		}

		var before int
		rawDB(t, dsn).QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'session_ended'`).Scan(&before)
		n, err := ss.EndAll(ctx, "ann@example.com", "a2")
		if err != nil || n != 2 {
			t.Fatalf("EndAll: %d, %v", n, err)
		}
		if _, err := ss.Get(ctx, "a2", now); err != nil {
			t.Fatalf("the session kept: %v", err)
		}
		for _, h := range []string{"a1", "a3"} {
			if _, err := ss.Get(ctx, h, now); err == nil {
				t.Fatalf("%s was not ended", h)
			}
		}
		if _, err := ss.Get(ctx, "b1", now); err != nil {
			t.Fatalf("another account's session ended: %v", err)
		}
		var after int
		rawDB(t, dsn).QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'session_ended'`).Scan(&after)
		if after-before != 2 {
			t.Fatalf("%d session_ended events, want 2", after-before)
		}
		if n, err := ss.EndAll(ctx, "ann@example.com", ""); err != nil || n != 1 {
			t.Fatalf("EndAll of all: %d, %v", n, err)
		}
		if n, err := ss.EndAll(ctx, "ann@example.com", ""); err != nil || n != 0 {
			t.Fatalf("EndAll of none: %d, %v", n, err)
		}
		if list, err := ss.List(ctx, "ann@example.com", now); err != nil || len(list) != 0 {
			t.Fatalf("list after EndAll: %+v, %v", list, err)
		}
		verifyChain(t, l)

		// Staff sessions half way (before the TOTP code) end without an
		// event, as End ends them.
		st := portaldb.NewStaffSessions(l)
		if _, err := st.List(ctx, "nobody@example.com", now); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessionTouchAndChangePassword(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := context.Background()
		acc := portaldb.NewAccounts(l)
		if err := acc.Create(ctx, portaldb.Account{Email: "ann@example.com", PasswordHash: "old", Confirmed: true}, portaldb.Token{}); err != nil {
			t.Fatal(err)
		}
		ss := portaldb.NewCustomerSessions(l)
		for _, h := range []string{"s1", "s2"} {
			if err := ss.Start(ctx, h, "ann@example.com", true, now.Add(12*time.Hour), ""); err != nil {
				t.Fatal(err)
			}
		}
		long := strings.Repeat("é", portaldb.MaxAgent)
		if err := ss.Touch(ctx, "s1", long, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		s, err := ss.Get(ctx, "s1", now)
		if err != nil || len(s.Agent) > portaldb.MaxAgent || !utf8.ValidString(s.Agent) || !strings.HasPrefix(long, s.Agent) || !s.LastUsed.Equal(now.Add(time.Minute)) {
			t.Fatalf("touched session: %+v, %v", s, err)
		}
		if s, err := ss.Get(ctx, "s2", now); err != nil || s.Agent != "" || !s.LastUsed.Equal(day0) {
			t.Fatalf("untouched session: %+v, %v", s, err)
		}

		if err := acc.ChangePassword(ctx, "ann@example.com", "new", "s1", ledger.Mail{To: "ann@example.com", Subject: "Changed", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ss.Get(ctx, "s1", now); err != nil {
			t.Fatalf("the session that changed it: %v", err)
		}
		if _, err := ss.Get(ctx, "s2", now); err == nil {
			t.Fatal("another session survived a password change")
		}
		if a, err := acc.Get(ctx, "ann@example.com"); err != nil || a.PasswordHash != "new" {
			t.Fatalf("account: %+v, %v", a, err)
		}
		if err := acc.ChangePassword(ctx, "bob@example.com", "new", ""); !errors.Is(err, portaldb.ErrNoAccount) {
			t.Fatalf("no account: %v", err)
		}
		verifyChain(t, l)
	})
}
