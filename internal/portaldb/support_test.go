package portaldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// An account's mail, listed apart from the others', and a failed message
// made due at once: only a failed one waiting, to that address, and not
// while a mailer holds it. Each is an event of the staff user acting.
func TestOutboxListToAndRetryNow(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := ledger.WithClient(context.Background(), "portal", "")
		ob := portaldb.NewOutbox(l)
		if err := ob.Queue(ctx, ledger.Mail{To: "ann@example.com", Subject: "one", Body: "a"}, ledger.Mail{To: "bob@example.com", Subject: "two", Body: "b"},
			ledger.Mail{To: "ann@example.com", Subject: "three", Body: "c"}); err != nil {
			t.Fatal(err)
		}
		ms, err := ob.ListTo(ctx, "ann@example.com", 0)
		if err != nil || len(ms) != 2 || ms[0].Subject != "three" || ms[1].Subject != "one" {
			t.Fatalf("ann's mail: %+v %v", ms, err)
		}
		if ms, _ := ob.ListTo(ctx, "ann@example.com", 1); len(ms) != 1 || ms[0].Subject != "three" {
			t.Fatalf("ann's newest: %+v", ms)
		}
		one, three := ms[1].ID, ms[0].ID
		claimed, err := ob.Claim(ctx, "m1", 10, time.Minute)
		if err != nil || len(claimed) != 3 {
			t.Fatal(claimed, err)
		}
		staff := ledger.WithClient(ctx, "console:sam@vendor.test", "192.0.2.9")
		// Held by the mailer: it may be sending it now.
		if err := ob.RetryNow(staff, one, "ann@example.com"); !errors.Is(err, portaldb.ErrNotRetriable) {
			t.Fatalf("a claimed message: %v", err)
		}
		if err := ob.Failed(ctx, "m1", one, "relay down", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := ob.Sent(ctx, three); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id int64
			to string
		}{{three, "ann@example.com"}, {one, "bob@example.com"}, {one + 1000, "ann@example.com"}} {
			if err := ob.RetryNow(staff, c.id, c.to); !errors.Is(err, portaldb.ErrNotRetriable) {
				t.Errorf("message %d to %s: %v", c.id, c.to, err)
			}
		}
		if due, _ := ob.Claim(ctx, "m2", 10, time.Minute); len(due) != 0 {
			t.Fatalf("due before its retry: %+v", due)
		}
		head, _ := l.Head(ctx)
		if err := ob.RetryNow(staff, one, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		due, err := ob.Claim(ctx, "m2", 10, time.Minute)
		if err != nil || len(due) != 1 || due[0].ID != one || due[0].Attempts != 2 {
			t.Fatalf("after RetryNow: %+v %v", due, err)
		}
		if es := eventsAfter(t, dsn, head.Seq); len(es) != 1 || es[0].kind != "mail_retry_now" || es[0].actor != "console:sam@vendor.test" {
			t.Fatalf("events: %+v", es)
		}
		verifyChain(t, l)
	})
}

// Under reads a bucket and those under it, in their current windows;
// ClearLimits forgets them and records it.
func TestRateUnderAndClearLimits(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }))
		ctx := context.Background()
		rl := portaldb.NewRateLimits(l)
		acc := "login:account:ann@example.com"
		for _, b := range []string{acc, acc, acc + " 192.0.2.1", "login:account:ann@example.community", "register:account:ann@example.com"} {
			if _, err := rl.Hits(ctx, b, 15*time.Minute, true); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := rl.Under(ctx, acc)
		if err != nil || len(cs) != 2 || cs[0].Bucket != acc || cs[0].Hits != 2 || cs[1].Bucket != acc+" 192.0.2.1" || cs[1].Hits != 1 ||
			!cs[0].Expires.Equal(day0.Truncate(15*time.Minute).Add(15*time.Minute)) {
			t.Fatalf("under %s: %+v %v", acc, cs, err)
		}
		now = now.Add(15 * time.Minute)
		if cs, _ := rl.Under(ctx, acc); len(cs) != 0 {
			t.Fatalf("past the window: %+v", cs)
		}
		now = now.Add(-15 * time.Minute)
		if err := portaldb.NewAccounts(l).Create(ctx, portaldb.Account{Email: "ann@example.com", PasswordHash: "$argon2id$x"}, portaldb.Token{}); err != nil {
			t.Fatal(err)
		}
		staff := ledger.WithClient(ctx, "console:sam@vendor.test", "192.0.2.9")
		head, _ := l.Head(ctx)
		if err := portaldb.NewAccounts(l).ClearLimits(staff, "ann@example.com", acc, "register:account:ann@example.com"); err != nil {
			t.Fatal(err)
		}
		for b, want := range map[string]int{acc: 0, acc + " 192.0.2.1": 0, "register:account:ann@example.com": 0, "login:account:ann@example.community": 1} {
			if n, _ := rl.Hits(ctx, b, 15*time.Minute, false); n != want {
				t.Errorf("%s: %d, want %d", b, n, want)
			}
		}
		es := eventsAfter(t, dsn, head.Seq)
		if len(es) != 1 || es[0].kind != "account_unlocked" || es[0].actor != "console:sam@vendor.test" {
			t.Fatalf("events: %+v", es)
		}
		var body struct{ Account string }
		if json.Unmarshal([]byte(es[0].body), &body); body.Account != "ann@example.com" {
			t.Fatalf("event body: %s", es[0].body)
		}
		verifyChain(t, l)
	})
}

type event struct{ kind, actor, body string }

// eventsAfter returns the events of the chain after seq.
func eventsAfter(t *testing.T, dsn string, seq int64) []event {
	t.Helper()
	rows, err := rawDB(t, dsn).Query(`SELECT kind, actor, body FROM events WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.kind, &e.actor, &e.body); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}
