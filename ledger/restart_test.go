package ledger_test

import (
	"context"
	"testing"

	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// TestWriteAfterDatabaseRestart: connections pooled before PostgreSQL
// restarted are dead; the first write after it is made on a live one,
// not refused.
func TestWriteAfterDatabaseRestart(t *testing.T) {
	c := ledgertest.NewCluster(t)
	ctx := context.Background()
	l, err := ledger.Open(ctx, c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Fill the pools, so that every pooled connection is one from before.
	for range 8 {
		mint(t, l, ledger.MintRequest{Count: 1})
		if _, err := l.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.Stop()
	c.Start()
	for i := range 3 {
		if _, err := l.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 1}); err != nil {
			t.Fatalf("write %d after the restart: %v", i+1, err)
		}
	}
}
