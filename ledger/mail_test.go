package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
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
