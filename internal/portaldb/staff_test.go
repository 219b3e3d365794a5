package portaldb_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func TestStaffAndSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		now := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time { return now }), ledger.WithActor("root@build"))
		ctx := context.Background()
		if err := portaldb.NewStaff(l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: "boss", PasswordHash: "$argon2id$x"}); err == nil {
			t.Fatal("a role that is not support or admin was taken")
		}
		if err := portaldb.NewStaff(l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleSupport, PasswordHash: "$argon2id$x"}); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewStaff(l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleAdmin}); !errors.Is(err, portaldb.ErrStaffExists) {
			t.Fatalf("the same login id again: %v", err)
		}
		s, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test")
		if err != nil || s.Role != portaldb.RoleSupport || s.TOTPSecret != "" || s.TOTPConfirmed || s.CreatedBy != "root@build" {
			t.Fatalf("staff: %+v, %v", s, err)
		}

		// The first secret stays: a second log-in racing to enrol gets it.
		var wg sync.WaitGroup
		got, errs := make([]string, 2), make([]error, 2)
		for i, fresh := range []string{"AAAA", "BBBB"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = portaldb.NewStaff(l).TOTPSecret(ctx, "sam@vendor.test", fresh)
			}()
		}
		wg.Wait()
		if got[0] != got[1] || got[0] == "" || errs[0] != nil || errs[1] != nil {
			t.Fatalf("enrolment secrets: %q, %v", got, errs)
		}

		// A step is taken once, and only steps newer than the last.
		if err := portaldb.NewStaff(l).UseTOTPStep(ctx, "sam@vendor.test", 100); err != nil {
			t.Fatal(err)
		}
		for _, step := range []int64{100, 99} {
			if err := portaldb.NewStaff(l).UseTOTPStep(ctx, "sam@vendor.test", step); !errors.Is(err, portaldb.ErrTOTPReplayed) {
				t.Fatalf("step %d again: %v", step, err)
			}
		}
		if s, _ := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); !s.TOTPConfirmed || s.TOTPLastStep != 100 {
			t.Fatalf("after a code: %+v", s)
		}
		if sec, _ := portaldb.NewStaff(l).TOTPSecret(ctx, "sam@vendor.test", "CCCC"); sec != got[0] {
			t.Fatalf("a confirmed secret was replaced by %q", sec)
		}

		// Sessions: half way, then verified, replacing the first.
		sctx := ledger.WithClient(ctx, "console:sam@vendor.test", "192.0.2.9")
		if err := portaldb.NewStaffSessions(l).Start(sctx, "h1", "sam@vendor.test", false, now.Add(5*time.Minute), ""); err != nil {
			t.Fatal(err)
		}
		if ss, err := portaldb.NewStaffSessions(l).Get(ctx, "h1", now); err != nil || ss.Verified || ss.Role != portaldb.RoleSupport {
			t.Fatalf("half-way session: %+v, %v", ss, err)
		}
		if err := portaldb.NewStaffSessions(l).Start(sctx, "h2", "sam@vendor.test", true, now.Add(8*time.Hour), "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewStaffSessions(l).Get(ctx, "h1", now); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("the replaced session: %v", err)
		}
		if ss, err := portaldb.NewStaffSessions(l).Get(ctx, "h2", now); err != nil || !ss.Verified {
			t.Fatalf("verified session: %+v, %v", ss, err)
		}
		if _, err := portaldb.NewStaffSessions(l).Get(ctx, "h2", now.Add(8*time.Hour)); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("expired: %v", err)
		}
		// A customer session is not a staff session, nor the other way.
		if _, err := portaldb.NewCustomerSessions(l).Get(ctx, "h2", now); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("a staff session as a customer's: %v", err)
		}

		// Disabling ends the sessions and the log-in; the record stays.
		if err := portaldb.NewStaff(l).Disable(ctx, "sam@vendor.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := portaldb.NewStaffSessions(l).Get(ctx, "h2", now); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("session of a disabled user: %v", err)
		}
		if _, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); !errors.Is(err, portaldb.ErrNoStaff) {
			t.Fatalf("disabled user: %v", err)
		}
		if err := portaldb.NewStaff(l).Disable(ctx, "sam@vendor.test"); !errors.Is(err, portaldb.ErrNoStaff) {
			t.Fatalf("disabled twice: %v", err)
		}
		list, err := portaldb.NewStaff(l).List(ctx)
		if err != nil || len(list) != 1 || list[0].Disabled.IsZero() {
			t.Fatalf("list: %+v, %v", list, err)
		}
		// Added again: a new password and role, and a new secret to enrol.
		if err := portaldb.NewStaff(l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleAdmin, PasswordHash: "$argon2id$y"}); err != nil {
			t.Fatal(err)
		}
		if s, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); err != nil || s.Role != portaldb.RoleAdmin || s.PasswordHash != "$argon2id$y" ||
			s.TOTPSecret != "" || s.TOTPConfirmed || s.TOTPLastStep != 100 {
			t.Fatalf("added again: %+v, %v", s, err)
		}

		verifyChain(t, l)
		rows, err := rawDB(t, dsn).Query(`SELECT kind, actor FROM events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		kinds, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (string, error) {
			var k, a string
			err := sc.Scan(&k, &a)
			return k + "/" + a, err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := "staff_created/root@build staff_totp_enrolled/root@build staff_session_started/console:sam@vendor.test staff_disabled/root@build staff_created/root@build"
		if strings.Join(kinds, " ") != want {
			t.Fatalf("events:\n got %s\nwant %s", strings.Join(kinds, " "), want)
		}
	})
}

func TestSetStaffPassword(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		if err := portaldb.NewStaff(l).Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleSupport, PasswordHash: "$argon2id$x"}); err != nil {
			t.Fatal(err)
		}
		// Of two sessions, the one that changes the password stays.
		sessions := portaldb.NewStaffSessions(l)
		for _, h := range []string{"here", "elsewhere"} {
			if err := sessions.Start(ctx, h, "sam@vendor.test", true, day0.Add(time.Hour), ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := portaldb.NewStaff(l).SetPassword(ledger.WithClient(ctx, "console:sam@vendor.test", "192.0.2.1"), "sam@vendor.test", "$argon2id$own", "here"); err != nil {
			t.Fatal(err)
		}
		if _, err := sessions.Get(ctx, "here", day0); err != nil {
			t.Fatalf("the session that changed the password: %v", err)
		}
		if _, err := sessions.Get(ctx, "elsewhere", day0); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("another session after the change: %v", err)
		}
		if s, err := portaldb.NewStaff(l).Get(ctx, "sam@vendor.test"); err != nil || s.PasswordHash != "$argon2id$own" {
			t.Fatalf("%+v %v", s, err)
		}
		if err := portaldb.NewStaff(l).SetPassword(ctx, "nobody@vendor.test", "$argon2id$z", ""); !errors.Is(err, portaldb.ErrNoStaff) {
			t.Fatalf("unknown user: %v", err)
		}
		var kind, actor, body string
		if err := rawDB(t, dsn).QueryRow(`SELECT kind, actor, body FROM events ORDER BY seq DESC LIMIT 1`).Scan(&kind, &actor, &body); err != nil {
			t.Fatal(err)
		}
		if kind != "staff_password_changed" || actor != "console:sam@vendor.test" || strings.Contains(body, "argon2id") {
			t.Fatalf("event %s by %s: %s", kind, actor, body)
		}
		verifyChain(t, l)
	})
}
