package portaldb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

func TestAPITokens(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn, ledger.WithNow(func() time.Time { return day0 }), ledger.WithActor("vendor@test"))
		ctx := context.Background()
		h1, h2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
		if _, err := portaldb.NewAPITokens(l).Create(ctx, h1, "shop", "admin"); err == nil {
			t.Fatal("a scope that is not mint, read or revoke was taken")
		}
		if _, err := portaldb.NewAPITokens(l).Create(ctx, "short", "shop", portaldb.ScopeMint); err == nil {
			t.Fatal("a hash that is not SHA-256 hex was taken")
		}
		id1, err := portaldb.NewAPITokens(l).Create(ctx, h1, "shop", portaldb.ScopeMint)
		if err != nil {
			t.Fatal(err)
		}
		id2, err := portaldb.NewAPITokens(l).Create(ctx, h2, "crm", portaldb.ScopeRead)
		if err != nil || id2 == id1 {
			t.Fatalf("second token: %d, %v", id2, err)
		}
		tok, err := portaldb.NewAPITokens(l).Get(ctx, h1)
		if err != nil || tok.ID != id1 || tok.Scope != portaldb.ScopeMint || tok.Name != "shop" || tok.CreatedBy != "vendor@test" || !tok.Created.Equal(day0) {
			t.Fatalf("token: %+v, %v", tok, err)
		}
		if _, err := portaldb.NewAPITokens(l).Get(ctx, strings.Repeat("c", 64)); !errors.Is(err, portaldb.ErrNoAPIToken) {
			t.Fatalf("unknown token: %v", err)
		}
		if err := portaldb.NewAPITokens(l).Revoke(ctx, id1); err != nil {
			t.Fatal(err)
		}
		if err := portaldb.NewAPITokens(l).Revoke(ctx, id1); !errors.Is(err, portaldb.ErrNoAPIToken) {
			t.Fatalf("revoked twice: %v", err)
		}
		if _, err := portaldb.NewAPITokens(l).Get(ctx, h1); !errors.Is(err, portaldb.ErrNoAPIToken) {
			t.Fatalf("revoked token still in force: %v", err)
		}
		all, err := portaldb.NewAPITokens(l).List(ctx)
		if err != nil || len(all) != 2 || all[0].Revoked.IsZero() || !all[1].Revoked.IsZero() {
			t.Fatalf("list: %v, %v", all, err)
		}
		if _, err := l.Verify(ctx); err != nil {
			t.Fatalf("verify after token events: %v", err)
		}
	})
}

// A lookup that fails is not a session or token that does not exist:
// only the sentinels say that, so that a caller never takes a database
// out of reach for a visitor logged out.
func TestLookupFailureIsNoSentinel(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		sessions, staff, tokens := portaldb.NewCustomerSessions(l), portaldb.NewStaffSessions(l), portaldb.NewAPITokens(l)
		hash := strings.Repeat("ab", 32)
		if _, err := sessions.Get(ctx, hash, day0); !errors.Is(err, portaldb.ErrNoSession) {
			t.Fatalf("unknown session: %v", err)
		}
		if _, err := tokens.Get(ctx, hash); !errors.Is(err, portaldb.ErrNoAPIToken) {
			t.Fatalf("unknown token: %v", err)
		}
		l.Close()
		for name, get := range map[string]func() error{
			"session":       func() error { _, err := sessions.Get(ctx, hash, day0); return err },
			"staff session": func() error { _, err := staff.Get(ctx, hash, day0); return err },
			"API token":     func() error { _, err := tokens.Get(ctx, hash); return err },
		} {
			if err := get(); err == nil || errors.Is(err, portaldb.ErrNoSession) || errors.Is(err, portaldb.ErrNoAPIToken) {
				t.Errorf("%s on a closed ledger: %v", name, err)
			}
		}
	})
}
