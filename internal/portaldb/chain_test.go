package portaldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// The portal's records append events to the ledger's chain: their bytes
// are part of every ledger written, and must not change, or ledgers
// recorded before would no longer match a replay. The head pins every
// event's body, actor and time.
func TestChainBytes(t *testing.T) {
	const want = "19 f746eb2f68e23cd244c53c654f43e1394507498fa8a32a6bf5869a79148afc05"
	ctx := context.Background()
	now := day0
	l := open(t, "sqlite::memory:", ledger.WithNow(func() time.Time { return now }))
	accounts, sessions, staff := portaldb.NewAccounts(l), portaldb.NewCustomerSessions(l), portaldb.NewStaff(l)
	staffSessions, tokens, outbox := portaldb.NewStaffSessions(l), portaldb.NewAPITokens(l), portaldb.NewOutbox(l)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c := ledger.WithClient(ctx, "ann@example.com", "192.0.2.7")
	must(accounts.Create(c, portaldb.Account{Email: "ann@example.com", PasswordHash: "h"}, portaldb.Token{Hash: "c1", Expires: now.Add(time.Hour)},
		ledger.Mail{To: "ann@example.com", Subject: "Confirm", Body: "link"}))
	_, err := accounts.Confirm(c, "c1")
	must(err)
	must(accounts.AddToken(c, portaldb.Token{Hash: "r1", Email: "ann@example.com", Purpose: portaldb.TokenReset, Expires: now.Add(time.Hour)}))
	must(sessions.Start(c, "s1", "ann@example.com", true, now.Add(time.Hour), ""))
	must(sessions.End(c, "s1"))
	_, err = accounts.ResetPassword(c, "r1", "h2")
	must(err)
	must(staff.Create(ctx, portaldb.StaffUser{Email: "sam@vendor.test", Role: portaldb.RoleSupport, PasswordHash: "p"}))
	_, err = staff.TOTPSecret(ctx, "sam@vendor.test", "SECRET")
	must(err)
	must(staff.UseTOTPStep(ctx, "sam@vendor.test", 5))
	sc := ledger.WithClient(ctx, "console:sam@vendor.test", "192.0.2.8")
	must(staffSessions.Start(sc, "h1", "sam@vendor.test", false, now.Add(time.Hour), ""))
	must(staffSessions.Start(sc, "h2", "sam@vendor.test", true, now.Add(time.Hour), "h1"))
	must(staffSessions.End(sc, "h2"))
	must(staff.SetPassword(sc, "sam@vendor.test", "p2", ""))
	must(staff.Disable(ctx, "sam@vendor.test"))
	id, err := tokens.Create(ctx, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "shop", portaldb.ScopeMint)
	must(err)
	must(tokens.Revoke(ctx, id))
	must(outbox.Queue(ctx, ledger.Mail{To: "b@example.com", Subject: "two", Body: "b"}))
	ms, err := outbox.Claim(ctx, "mailer-1", 10, time.Minute)
	must(err)
	must(outbox.Sent(ctx, ms[0].ID))
	must(outbox.Failed(ctx, "mailer-1", ms[1].ID, "relay down", now.Add(time.Minute)))
	if h := verifyChain(t, l); fmt.Sprint(h) != want {
		t.Fatalf("head %v, want %s", h, want)
	}
}
