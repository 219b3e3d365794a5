package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// A revoked license's code is not resent: the check is in the transaction
// that queues the mail, so a revocation at the same moment holds too.
func TestResendRevoked(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 1})
		r := reg(t, s, keys[0], "standard", "")
		r.Owner = "ops@globex.example"
		register(t, l, r)
		m := ledger.Mail{To: "ops@globex.example", Subject: "Your code", Body: "..."}
		if err := l.ResendCode(ctx, pc, keys[0].Serial, m); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Revoke(ctx, pc, keys[0].Serial, 0, "chargeback"); err != nil {
			t.Fatal(err)
		}
		if err := l.ResendCode(ctx, pc, keys[0].Serial, m); !errors.Is(err, ledger.ErrRevoked) {
			t.Fatalf("resend of a revoked license: %v", err)
		}
		verifyChain(t, l)
	})
}

// A registration's mail is queued by the transaction that records its
// code, and only then: a key registered again, or refused, queues none.
func TestRegisterQueuesMail(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		s := testSigner(t)
		ctx := context.Background()
		keys := mint(t, l, ledger.MintRequest{Count: 2})
		if err := l.Void(ctx, keys[1], "test"); err != nil {
			t.Fatal(err)
		}
		withMail := func(r ledger.Registration, subject string) ledger.Registration {
			r.Owner = "ann@example.com"
			r.Mail = []ledger.Mail{{To: "ann@example.com", Subject: subject, Body: r.Issue.Code.String()}}
			return r
		}
		first := withMail(reg(t, s, keys[0], "standard", ""), "new")
		out, err := l.Register(ctx, []ledger.Registration{first, withMail(reg(t, s, keys[1], "standard", ""), "void")})
		if err != nil || out[0].Err != nil || out[0].Existing || !errors.Is(out[1].Err, ledger.ErrVoid) {
			t.Fatalf("register: %+v, %v", out, err)
		}
		if again := register(t, l, withMail(first, "again")); !again.Existing {
			t.Fatalf("again: %+v", again)
		}
		ms, err := portaldb.NewOutbox(l).List(ctx, 0)
		if err != nil || len(ms) != 1 || ms[0].Subject != "new" || ms[0].Body != first.Issue.Code.String() {
			t.Fatalf("outbox: %+v, %v", ms, err)
		}
		verifyChain(t, l)
	})
}

// A replacement's, a move's, a renewal's and a revocation's mail are
// queued by the transaction that records them, and only if it does: a
// change refused, or a revocation of what is revoked already, queues none.
func TestChangesQueueMail(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 2})
		rk := mint(t, l, ledger.MintRequest{Purpose: ledger.PurposeRenewal})[0]
		for _, k := range keys {
			r := reg(t, s, k, "standard", "")
			r.Owner = "ann@example.com"
			register(t, l, r)
		}
		outbox := func() []string {
			t.Helper()
			ms, err := portaldb.NewOutbox(l).List(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.To+" "+m.Subject)
			}
			return got
		}
		mail := func(to, subject string) []ledger.Mail { return []ledger.Mail{{To: to, Subject: subject, Body: "."}} }
		sign := func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
			old, err := formats.ParseActivationCode(cur.Code)
			if err != nil {
				return ledger.Issue{}, err
			}
			c, err := s.Replace(old, lic.InstallID)
			return ledger.Issue{Code: c}, err
		}
		move := ledger.Replacement{Product: pc, Serial: keys[0].Serial, RevokeOld: true, Reason: "moved", NewOwner: "bob@example.com",
			Mail: func(from string, lic *ledger.License, code *ledger.Code) []ledger.Mail {
				return append(mail(lic.Owner, fmt.Sprintf("generation %d", code.Generation)), mail(from, "lost")...)
			}}
		if _, _, err := l.Replace(ctx, move, sign); err != nil {
			t.Fatal(err)
		}
		renewal := ledger.Renewal{Product: pc, Serial: keys[0].Serial, Generation: 1, RenewalKey: &rk,
			Mail: func(lic *ledger.License, code *ledger.Code) []ledger.Mail {
				return mail(lic.Owner, "renewed to "+code.Expires.String())
			}}
		lic, _, err := l.Renew(ctx, renewal, func(lic *ledger.License, cur *ledger.Code, key *ledger.RegistrationKey) (ledger.Issue, error) {
			old, err := formats.ParseActivationCode(cur.Code)
			if err != nil {
				return ledger.Issue{}, err
			}
			c, err := s.Renew(old, signer.Renewal{Days: key.Days})
			return ledger.Issue{Code: c}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		lost := func(lic *ledger.License) []ledger.Mail { return mail(lic.Owner, "revoked") }
		for range 2 {
			if _, err := l.Revoke(ctx, pc, keys[1].Serial, 0, "chargeback", lost); err != nil {
				t.Fatal(err)
			}
		}
		// Refused: the key is used, the license revoked, the move stale.
		if _, _, err := l.Renew(ctx, renewal, nil); !errors.Is(err, ledger.ErrUsed) {
			t.Fatalf("renewal key used again: %v", err)
		}
		move.Serial = keys[1].Serial
		if _, _, err := l.Replace(ctx, move, sign); !errors.Is(err, ledger.ErrRevoked) {
			t.Fatalf("replacing a revoked license: %v", err)
		}
		want := []string{"bob@example.com generation 1", "ann@example.com lost",
			"bob@example.com renewed to " + lic.Expires.String(), "ann@example.com revoked"}
		got := outbox()
		slices.Reverse(got) // newest first
		if !slices.Equal(got, want) {
			t.Fatalf("outbox:\n got %q\nwant %q", got, want)
		}
		verifyChain(t, l)
	})
}
