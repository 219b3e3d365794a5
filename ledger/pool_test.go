package ledger_test

import (
	"context"
	"sync"
	"testing"

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
