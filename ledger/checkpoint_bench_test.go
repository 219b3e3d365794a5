package ledger_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// BenchmarkCheckpoint measures what a checkpoint adds to a command that
// wrote to the ledger: the baseline, "write", is the smallest such command's
// own write (one key minted, one event, a synced commit); "write+checkpoint"
// adds the checkpoint, one Ed25519 signature and one event row in a
// transaction of its own, as licmint makes before it closes the ledger.
// "checkpoint-idle" is a
// checkpoint with nothing new, which writes nothing (the portal's tick).
func BenchmarkCheckpoint(b *testing.B) {
	ctx := context.Background()
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			dsn := "sqlite:" + filepath.Join(b.TempDir(), "ledger.db")
			if store == "postgres" {
				dsn = ledgertest.PostgresDSN(b)
			}
			l := open(b, dsn)
			write := func(b *testing.B) {
				if _, err := l.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 1}); err != nil {
					b.Fatal(err)
				}
			}
			checkpoint := func(b *testing.B, l *ledger.Ledger) {
				if _, made, err := l.Checkpoint(ctx, auditKey); err != nil || !made {
					b.Fatal(made, err)
				}
			}
			b.Run("write", func(b *testing.B) {
				for b.Loop() {
					write(b)
				}
			})
			b.Run("write+checkpoint", func(b *testing.B) {
				for b.Loop() {
					write(b)
					checkpoint(b, l)
				}
			})
			b.Run("checkpoint-idle", func(b *testing.B) {
				for b.Loop() {
					if _, made, err := l.Checkpoint(ctx, auditKey); err != nil || made {
						b.Fatal(made, err)
					}
				}
			})
		})
	}
}
