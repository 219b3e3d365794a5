package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
)

// Registrations asked for while another is being recorded are recorded
// together, in one transaction (group commit), each still with its own
// results and its own client in the events; a call whose context ends
// while it waits is not recorded, and a call that fails the shared
// transaction does not fail the others.
func TestRegisterGroupCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		// Each reading of the clock is a second later: events recorded by
		// one transaction share its time, and no two transactions do.
		var mu sync.Mutex
		tick := day0
		l := open(t, dsn, ledger.WithNow(func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			tick = tick.Add(time.Second)
			return tick
		}))
		s := testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 10})
		type result struct {
			out []ledger.Registered
			err error
		}
		results := make([]chan result, len(keys))
		start := func(i int, ctx context.Context, r ledger.Registration) {
			results[i] = make(chan result, 1)
			go func() {
				out, err := l.Register(ctx, []ledger.Registration{r})
				results[i] <- result{out, err}
			}()
		}
		waitJoined := func(n int) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ledger.Joined(l) != n; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d calls waiting, want %d", ledger.Joined(l), n)
				}
			}
		}
		client := func(i int) context.Context {
			return ledger.WithClient(context.Background(), fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("192.0.2.%d", i))
		}

		// Six calls wait while a transaction runs, and a seventh gives up.
		release := ledger.HoldWriter(l)
		for i := range 6 {
			start(i, client(i), reg(t, s, keys[i], "standard", ""))
		}
		gone, cancel := context.WithCancel(client(6))
		start(6, gone, reg(t, s, keys[6], "standard", ""))
		waitJoined(7)
		cancel()
		if r := <-results[6]; !errors.Is(r.err, context.Canceled) || len(r.out) != 1 || !errors.Is(r.out[0].Err, context.Canceled) {
			t.Fatalf("the call given up: %+v", r)
		}
		waitJoined(6)
		release()
		var at time.Time
		for i := range 6 {
			r := <-results[i]
			if r.err != nil || len(r.out) != 1 || r.out[0].Err != nil || r.out[0].License == nil || r.out[0].License.Serial != keys[i].Serial {
				t.Fatalf("call %d: %+v", i, r)
			}
			hs, err := l.Find(context.Background(), ledger.Query{RK: &keys[i]})
			if err != nil || len(hs) != 1 || len(hs[0].Events) != 2 {
				t.Fatalf("%s: %v %+v", keys[i], err, hs)
			}
			ev := hs[0].Events[1]
			if ev.Kind != "signed" || ev.Actor != fmt.Sprintf("user%d@example.com", i) ||
				!strings.HasSuffix(string(ev.Body), fmt.Sprintf(`"client_ip":"192.0.2.%d"}`, i)) {
				t.Fatalf("%s's event: %+v %s", keys[i], ev, ev.Body)
			}
			if i == 0 {
				at = ev.At
			} else if !ev.At.Equal(at) {
				t.Fatalf("recorded at %v and %v: not one transaction", at, ev.At)
			}
		}
		if rk, err := l.RegistrationKey(context.Background(), keys[6]); err != nil || rk.State != ledger.StateMinted {
			t.Fatalf("the key of the call given up: %+v, %v", rk, err)
		}

		// A code that is not its key's fails the shared transaction: the
		// other calls are recorded all the same.
		release = ledger.HoldWriter(l)
		bad := reg(t, s, keys[9], "standard", "")
		bad.RK = keys[8]
		start(7, client(7), reg(t, s, keys[6], "standard", ""))
		start(8, client(8), bad)
		start(9, client(9), reg(t, s, keys[7], "standard", ""))
		waitJoined(3)
		release()
		for i, want := range map[int]formats.RegistrationKey{7: keys[6], 9: keys[7]} {
			if r := <-results[i]; r.err != nil || r.out[0].Err != nil || r.out[0].License.Serial != want.Serial {
				t.Fatalf("call %d: %+v", i, r)
			}
		}
		if r := <-results[8]; r.err == nil || r.out[0].Err == nil {
			t.Fatalf("the bad call: %+v", r)
		}
		verifyChain(t, l)
	})
}
