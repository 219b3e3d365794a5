package ledger

import (
	"context"
	"sync"
)

// group lets concurrent Register calls share one writing transaction
// (group commit). Every write waits for the one write lock and pays a
// commit, a sync to disk on SQLite; a portal serving many customers at
// once would otherwise spend its time queued behind that one writer,
// one registration a commit. Calls that arrive while a transaction runs
// wait together, and the next transaction records them all: each call's
// rows are still recorded whole, with its own results and its own client
// as the events' actor.
type group struct {
	mu      sync.Mutex
	pending []*joined
	// token is held by the call that runs the group's transaction.
	token chan struct{}
}

// joined is one Register call waiting in a group.
type joined struct {
	ctx  context.Context
	regs []Registration
	out  []Registered
	err  error
	done chan struct{} // closed once out and err are set
}

func (j *joined) finish(err error) {
	j.err = err
	close(j.done)
}

// registerJoined records regs (at most MaxBatch) with the calls waiting
// alongside.
func (l *Ledger) registerJoined(ctx context.Context, regs []Registration) ([]Registered, error) {
	g := &l.group
	j := &joined{ctx: ctx, regs: regs, out: make([]Registered, len(regs)), done: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, j)
	g.mu.Unlock()
	select {
	case <-j.done:
		return j.out, j.err
	case <-ctx.Done():
		if g.withdraw(j) {
			j.fail(ctx.Err())
			return j.out, ctx.Err()
		}
		// Taken by a transaction already: its outcome is the answer.
		<-j.done
		return j.out, j.err
	case g.token <- struct{}{}:
	}
	defer func() { <-g.token }()
	// A transaction that ended before this call got the token may have
	// recorded it; only the token's holder takes calls, so until then j
	// is still pending.
	for {
		select {
		case <-j.done:
			return j.out, j.err
		default:
		}
		l.runGroup(ctx, g.take())
	}
}

// withdraw removes j if no transaction has taken it.
func (g *group) withdraw(j *joined) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, p := range g.pending {
		if p == j {
			g.pending = append(g.pending[:i], g.pending[i+1:]...)
			return true
		}
	}
	return false
}

// take removes the oldest pending calls, as many as MaxBatch rows hold
// (and at least one), and answers those whose context ended meanwhile.
func (g *group) take() []*joined {
	g.mu.Lock()
	defer g.mu.Unlock()
	var calls []*joined
	rows, n := 0, 0
	for _, j := range g.pending {
		if len(calls) > 0 && rows+len(j.regs) > MaxBatch {
			break
		}
		n++
		if err := j.ctx.Err(); err != nil {
			j.fail(err)
			j.finish(err)
			continue
		}
		calls = append(calls, j)
		rows += len(j.regs)
	}
	g.pending = append(g.pending[:0], g.pending[n:]...)
	return calls
}

// runGroup records calls in one transaction. If it fails, each call runs
// again in a transaction of its own, so that one call's failure (a
// database error its rows caused) is not the others'.
func (l *Ledger) runGroup(ctx context.Context, calls []*joined) {
	if len(calls) == 0 {
		return
	}
	var regs []Registration
	for _, j := range calls {
		c, _ := clientOf(j.ctx)
		for _, r := range j.regs {
			r.by = &c
			regs = append(regs, r)
		}
	}
	out := make([]Registered, len(regs))
	// The transaction is every call's, not only the one that runs it: it
	// is not cut short when this caller goes away.
	tctx := context.WithoutCancel(ctx)
	err := l.update(tctx, func(t *tx) error { return t.registerAll(regs, out) })
	if err != nil && len(calls) > 1 {
		for _, j := range calls {
			err := l.update(context.WithoutCancel(j.ctx), func(t *tx) error { return t.registerAll(j.regs, j.out) })
			j.fail(err)
			j.finish(err)
		}
		return
	}
	at := 0
	for _, j := range calls {
		at += copy(j.out, out[at:at+len(j.regs)])
		j.fail(err)
		j.finish(err)
	}
}

// fail gives each of j's rows the transaction's error, if any.
func (j *joined) fail(err error) {
	if err == nil {
		return
	}
	for i := range j.out {
		j.out[i] = Registered{Err: err}
	}
}
