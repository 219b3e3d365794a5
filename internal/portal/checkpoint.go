package portal

import (
	"context"
	"crypto"
	"time"

	"github.com/licmint/licmint/ledger"
)

// DefaultCheckpointEvery is how often the portal signs the ledger's head
// while it records events.
const DefaultCheckpointEvery = time.Minute

// checkpointer signs the ledger's head on each tick when events were
// recorded since the last checkpoint, by this instance or any other: a
// tick with nothing new writes nothing.
type checkpointer struct {
	led *ledger.Ledger
	key crypto.Signer
	log func(format string, args ...any)
}

// run checkpoints on every tick until ctx ends, and then once more, so
// that what the last requests recorded is signed before the portal stops.
func (c *checkpointer) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			// The requests in flight have finished (Run waits for them
			// before it ends ctx here); ctx's own end must not stop this.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			c.once(fctx)
			cancel()
			return
		case <-ticks:
			c.once(ctx)
		}
	}
}

func (c *checkpointer) once(ctx context.Context) {
	if _, _, err := c.led.Checkpoint(ctx, c.key); err != nil && ctx.Err() == nil {
		c.log("portal: checkpointing the ledger: %v", err)
	}
}

// startCheckpoints runs cfg's checkpointer; stop ends it, after its last
// checkpoint.
func startCheckpoints(ctx context.Context, cfg *Config) (stop func()) {
	key := cfg.CheckpointKey
	if key == nil {
		key = cfg.Key.Signer()
	}
	ticks := cfg.checkpointTicks
	var t *time.Ticker
	if ticks == nil {
		every := cfg.CheckpointEvery
		if every <= 0 {
			every = DefaultCheckpointEvery
		}
		t = time.NewTicker(every)
		ticks = t.C
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c := &checkpointer{led: cfg.Ledger, key: key, log: cfg.Log}
	go func() { c.run(ctx, ticks); close(done) }()
	return func() {
		cancel()
		<-done
		if t != nil {
			t.Stop()
		}
	}
}
