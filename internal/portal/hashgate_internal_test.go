package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashGateBound holds every slot, fills the queue, and checks that
// the next caller is refused, that the waiters then run no more than the
// slots at once, and that every waiter gets its turn. No step depends on
// how long anything takes: the wait is longer than any test.
func TestHashGateBound(t *testing.T) {
	const slots = 2
	g := newHashGate(slots, time.Hour)
	waiters := cap(g.queue)
	if waiters != hashWaitersPerSlot*slots {
		t.Fatalf("queue of %d, want %d", waiters, hashWaitersPerSlot*slots)
	}
	ctx := context.Background()
	var held []func()
	for range slots {
		release, err := g.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}

	var running, most atomic.Int32
	running.Store(slots)
	most.Store(slots)
	finish := make(chan struct{})
	errs := make(chan error, waiters)
	var wg sync.WaitGroup
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := g.acquire(ctx)
			if err != nil {
				errs <- err
				return
			}
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-finish
			running.Add(-1)
			release()
		}()
	}
	// The queue fills as the waiters arrive; then there is no room.
	for len(g.queue) < waiters {
		time.Sleep(time.Millisecond)
	}
	if _, err := g.acquire(ctx); !errors.Is(err, errBusy) {
		t.Fatalf("past the queue: %v, want errBusy", err)
	}
	for _, release := range held {
		running.Add(-1)
		release()
	}
	close(finish)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a waiter was refused: %v", err)
	}
	if m := most.Load(); m > slots {
		t.Errorf("%d hashes ran at once, want at most %d", m, slots)
	}
	if len(g.slots) != 0 || len(g.queue) != 0 {
		t.Errorf("left %d slots and %d waiters taken", len(g.slots), len(g.queue))
	}
}

// TestHashGateGivesUp checks that a waiter is refused when its request
// ends, and when its wait is over, rather than waiting on.
func TestHashGateGivesUp(t *testing.T) {
	g := newHashGate(1, time.Hour)
	release, err := g.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.acquire(ctx); !errors.Is(err, errBusy) {
		t.Errorf("request ended: %v, want errBusy", err)
	}
	g.wait = 0
	if _, err := g.acquire(context.Background()); !errors.Is(err, errBusy) {
		t.Errorf("wait over: %v, want errBusy", err)
	}
	if len(g.queue) != 0 {
		t.Errorf("%d waiters left in the queue", len(g.queue))
	}
	release()
	if _, err := g.acquire(context.Background()); err != nil {
		t.Errorf("after release: %v", err)
	}
}

// TestHashGateDefault sizes the gate by the cores when no number is
// given, and hashes and checks through it.
func TestHashGateDefault(t *testing.T) {
	g := newHashGate(0, time.Hour)
	if cap(g.slots) < 1 {
		t.Fatalf("%d slots", cap(g.slots))
	}
	h, err := g.hash(context.Background(), rand.Reader, "a password of ours")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := g.check(context.Background(), h, "a password of ours"); !ok || err != nil {
		t.Errorf("check: %v, %v", ok, err)
	}
	if len(g.slots) != 0 {
		t.Errorf("%d slots left taken", len(g.slots))
	}
}

// TestHashGateGivesMemoryBack checks that the memory is given back once
// more hashes than slots have ended and the gate is idle, and not after
// a single round.
func TestHashGateGivesMemoryBack(t *testing.T) {
	g := newHashGate(1, time.Hour)
	g.idleFor = 0
	freed := make(chan struct{}, 4)
	g.freeOSMemory = func() { freed <- struct{}{} }
	round := func() {
		release, err := g.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	round()
	g.mu.Lock()
	armed := g.idle != nil
	g.mu.Unlock()
	if armed {
		t.Fatal("memory to be given back after one round of hashes")
	}
	round()
	<-freed
	g.mu.Lock()
	since := g.since
	g.mu.Unlock()
	if since != 0 {
		t.Errorf("%d hashes counted after the memory was given back", since)
	}
}
