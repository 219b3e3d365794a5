package portal

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

var checkpointDay = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)

// eachCheckpointStore runs f on a new SQLite ledger and, with
// LICMINT_TEST_POSTGRES, a PostgreSQL one.
func eachCheckpointStore(t *testing.T, f func(t *testing.T, led *ledger.Ledger)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "ledger.db")
			if store == "postgres" {
				dsn = ledgertest.PostgresDSN(t)
			}
			led, err := ledger.Open(context.Background(), dsn, ledger.WithNow(func() time.Time { return checkpointDay }), ledger.WithActor("portal"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { led.Close() })
			f(t, led)
		})
	}
}

// checkpointsAt returns the head and the event the newest checkpoint
// signs, 0 for none.
func checkpointsAt(t *testing.T, led *ledger.Ledger) (head, signed int64) {
	t.Helper()
	h, err := led.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := led.LatestCheckpoint(context.Background())
	switch {
	case errors.Is(err, ledger.ErrNoCheckpoint):
		return h.Seq, 0
	case err != nil:
		t.Fatal(err)
	}
	return h.Seq, cp.Head.Seq
}

func mintSome(t *testing.T, led *ledger.Ledger, n int) {
	t.Helper()
	if _, err := led.Mint(context.Background(), ledger.MintRequest{Product: formats.MustProduct("PC"), Edition: "standard", Count: n}); err != nil {
		t.Fatal(err)
	}
}

// TestPortalCheckpoints runs a portal on a ledger with its ticker
// injected: a tick checkpoints only when events were recorded since the
// last checkpoint, and stopping the portal checkpoints what is left.
func TestPortalCheckpoints(t *testing.T) {
	eachCheckpointStore(t, func(t *testing.T, led *ledger.Ledger) {
		key, err := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
		if err != nil {
			t.Fatal(err)
		}
		ticks := make(chan time.Time)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, Config{Ledger: led, Key: key, Addr: "127.0.0.1:0", ShutdownGrace: 5 * time.Second, MailInterval: time.Hour,
				Now: func() time.Time { return checkpointDay }, checkpointTicks: ticks, Log: t.Logf,
				Started: func(Started) error { close(started); return nil }})
		}()
		select {
		case <-started:
		case err := <-done:
			t.Fatal(err)
		}
		// The checkpointer takes one tick at a time: a second tick is
		// taken only once the first is done.
		tick := func() { ticks <- checkpointDay; ticks <- checkpointDay }
		want := func(head, signed int64) {
			t.Helper()
			if h, s := checkpointsAt(t, led); h != head || s != signed {
				t.Fatalf("head %d, checkpoint signs %d; want %d, %d", h, s, head, signed)
			}
		}
		tick()
		want(0, 0) // nothing to sign
		mintSome(t, led, 2)
		tick()
		want(3, 2)
		tick()
		tick()
		want(3, 2) // nothing new
		mintSome(t, led, 1)
		tick()
		want(5, 4)
		mintSome(t, led, 2)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want(8, 7) // the last, on stopping
		if _, err := led.Verify(context.Background(), ledger.WithCheckpointKeys(key.Public().Public)); err != nil {
			t.Fatal(err)
		}
	})
}
