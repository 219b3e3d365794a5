package ledger_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// Many readers at once reuse the pool's connections rather than open one
// for each read and close it after.
func TestConnectionsKept(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		keys := mint(t, l, ledger.MintRequest{Count: 1})
		var wg sync.WaitGroup
		for range 4 * ledger.PostgresConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					if _, err := l.RegistrationKey(context.Background(), keys[0]); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if st := ledger.ReadStats(l); st.MaxIdleClosed != 0 || st.OpenConnections > ledger.PostgresConns {
			t.Fatalf("%d connections open, %d closed as idle ones too many", st.OpenConnections, st.MaxIdleClosed)
		}
	})
}

// Reads are answered while writers wait for the write lock: a burst of
// writes, such as a portal's rate-limit counts under a burst of log-ins,
// must not take every connection and leave reads, most pages, waiting
// for the burst to end.
func TestReadsWhileWritersWait(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l := open(t, dsn)
		ctx := context.Background()
		db := ledgerdb.Of(l)
		held, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Locked(ctx, func(*sql.Tx) error { close(held); <-release; return nil }); err != nil {
				t.Error(err)
			}
		}()
		<-held
		for range 2 * ledger.PostgresConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.Locked(ctx, func(*sql.Tx) error { return nil }); err != nil {
					t.Error(err)
				}
			}()
		}
		defer func() { close(release); wg.Wait() }()
		// Until the writers have taken every writing connection and more
		// wait for one.
		for st := ledger.WriteStats(l); st.InUse < st.MaxOpenConnections || st.WaitCount == 0; st = ledger.WriteStats(l) {
			time.Sleep(time.Millisecond)
		}
		// The bound is not a speed: without a connection a read would
		// wait for the lock's holder, which waits for the read.
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := l.Head(rctx); err != nil {
			t.Fatalf("a read while writers wait for the lock: %v", err)
		}
	})
}
