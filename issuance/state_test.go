package issuance_test

import (
	"errors"
	"testing"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// The changes of state that have no code to sign: revoking a license,
// voiding a key, mailing a license's code again and telling its owner of
// its expiry.
func TestStateChanges(t *testing.T) {
	s, led := newServiceLedger(t)
	unused := mint(t, s, ledger.MintRequest{})
	if err := s.Void(ctx, unused, "refunded"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: unused}}); !errors.Is(err, ledger.ErrVoid) {
		t.Fatalf("registered a void key: %v", err)
	}
	k := mint(t, s, ledger.MintRequest{})
	is, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Void(ctx, k, "refunded"); !errors.Is(err, ledger.ErrUsed) {
		t.Fatalf("voided a registered key: %v", err)
	}
	mail := func(lic *ledger.License, cur *ledger.Code) ledger.Mail {
		return ledger.Mail{To: lic.Owner, Subject: "code", Body: cur.Code}
	}
	if err := s.ResendCode(ctx, pc, k.Serial, mail); !errors.Is(err, ledger.ErrNoAccount) {
		t.Fatalf("resent to no owner: %v", err)
	}

	owned := mint(t, s, ledger.MintRequest{})
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: owned}, Owner: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ResendCode(ctx, pc, owned.Serial, mail); err != nil {
		t.Fatal(err)
	}
	lic, err := led.License(ctx, pc, owned.Serial)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		if told, err := s.NotifyExpiry(ctx, lic, ledger.Mail{To: lic.Owner, Subject: "expiry", Body: "soon"}); err != nil || told != want {
			t.Fatalf("notice %d: %v %v", i, told, err)
		}
	}
	if _, err := s.Revoke(ctx, pc, owned.Serial+1000, "chargeback"); !errors.Is(err, ledger.ErrNoLicense) {
		t.Fatalf("revoked no license: %v", err)
	}
	revoked, err := s.Revoke(ctx, pc, owned.Serial, "chargeback")
	if err != nil || !revoked.RevokesCurrent() || revoked.RevokeReason != "chargeback" {
		t.Fatalf("%+v %v", revoked, err)
	}
	if err := s.ResendCode(ctx, pc, owned.Serial, mail); !errors.Is(err, ledger.ErrRevoked) {
		t.Fatalf("resent a revoked code: %v", err)
	}
	if _, err := s.Current(ctx, is.Code, ""); err != nil {
		t.Fatalf("another license's code: %v", err)
	}
	ms, err := portaldb.NewOutbox(led).List(ctx, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("the outbox holds %d messages, want the code and the notice: %v", len(ms), err)
	}
	if _, err := led.Verify(ctx); err != nil {
		t.Fatal(err)
	}

	none := issuance.New(newSigner(t, 1), nil)
	if _, err := none.Revoke(ctx, pc, owned.Serial, "x"); !errors.Is(err, issuance.ErrNoLedger) {
		t.Fatal(err)
	}
	if err := none.Void(ctx, k, "x"); !errors.Is(err, issuance.ErrNoLedger) {
		t.Fatal(err)
	}
	if none.Catalog() == nil || issuance.New(nil, nil).Catalog() != nil {
		t.Fatal("Catalog: the signer's, or nil without one")
	}
}
