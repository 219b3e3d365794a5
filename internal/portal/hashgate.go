package portal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Each argon2id hash takes Argon2Memory (19 MiB) for the time it runs, so
// the hashes running at once bound the memory that log-ins can take. A
// hashGate holds that number: a hash past it waits briefly in a short
// queue, and past the queue it is refused with errBusy at once, so that a
// burst of log-ins costs the server a few hashes' memory and queued
// requests, never a hash for each.
//
// The hashes' buffers are garbage once they end, but the runtime gives
// the memory back to the system only slowly, over minutes, on a server
// left idle; so once a burst is over and no hash has run for a second,
// the gate has the memory given back at once.
type hashGate struct {
	slots chan struct{} // one token per hash running
	queue chan struct{} // one token per hash waiting for a slot
	wait  time.Duration

	mu           sync.Mutex
	since        int         // hashes ended since memory was last given back
	idle         *time.Timer // runs giveBack when no hash has ended for idleFor
	idleFor      time.Duration
	freeOSMemory func() // debug.FreeOSMemory
}

// errBusy is a password not hashed or checked because as many hashes as
// the portal allows were running and waiting: the server's load, not the
// password. It is answered 503 with Retry-After, and is no failed
// attempt.
var errBusy = errors.New("portal: too many passwords are being checked at once; try again in a few seconds")

// Defaults of a hashGate: waiters per slot, and how long each may wait.
const (
	hashWaitersPerSlot = 4
	hashWait           = time.Second
	// hashIdle is how long no hash ends before the memory of a burst
	// (more hashes than slots) is given back.
	hashIdle = time.Second
	// busyRetry is the Retry-After, in seconds, of a request refused
	// with errBusy: a burst of hashes drains within a second or two.
	busyRetry = "2"
)

// newHashGate lets n hashes run at once, runtime.GOMAXPROCS(0) when n <= 0
// (a hash keeps one core busy, so more at once finish no sooner), and
// hashWaitersPerSlot*n more wait up to wait each.
func newHashGate(n int, wait time.Duration) *hashGate {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &hashGate{slots: make(chan struct{}, n), queue: make(chan struct{}, hashWaitersPerSlot*n), wait: wait,
		idleFor: hashIdle, freeOSMemory: debug.FreeOSMemory}
}

// acquire takes a slot, waiting for one up to g.wait if the queue has
// room, and returns the function that gives it back; or errBusy, when the
// queue is full, the wait is over or ctx ends first.
func (g *hashGate) acquire(ctx context.Context) (release func(), err error) {
	release = g.done
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
		defer func() { <-g.queue }()
	default:
		return nil, errBusy
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, errBusy
	}
}

// done gives back a slot, and has the memory given back once no hash has
// ended for g.idleFor after a burst.
func (g *hashGate) done() {
	<-g.slots
	g.mu.Lock()
	defer g.mu.Unlock()
	g.since++
	if g.since <= cap(g.slots) {
		return
	}
	if g.idle == nil {
		g.idle = time.AfterFunc(g.idleFor, g.giveBack)
	} else {
		g.idle.Reset(g.idleFor)
	}
}

// giveBack returns the memory of the hashes that ended to the system,
// unless hashes run again: the last of them will call it again.
func (g *hashGate) giveBack() {
	g.mu.Lock()
	if len(g.slots) > 0 || g.since <= cap(g.slots) {
		g.mu.Unlock()
		return
	}
	g.since = 0
	g.mu.Unlock()
	g.freeOSMemory()
}

// hash returns the PHC string of password's argon2id hash, made within
// the gate; g may be nil, for the commands that hash one password.
func (g *hashGate) hash(ctx context.Context, r io.Reader, password string) (string, error) {
	if g == nil {
		return hashPassword(r, password)
	}
	release, err := g.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashPassword(r, password)
}

// check reports whether password matches stored, checked within the gate.
func (g *hashGate) check(ctx context.Context, stored, password string) (bool, error) {
	if g == nil {
		return checkPassword(stored, password)
	}
	release, err := g.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return checkPassword(stored, password)
}

// busyMsg is what a visitor refused with errBusy reads.
const busyMsg = "The portal is busy just now. Please try again in a few seconds."

// busy answers errBusy on the customer page name, shown again with p
// (whose password fields come back empty) with 503 and Retry-After; it
// returns any other error as it is.
func (s *customerPages) busy(w http.ResponseWriter, err error, name string, p view) error {
	if !errors.Is(err, errBusy) {
		return err
	}
	w.Header().Set("Retry-After", busyRetry)
	p.frame().Error = busyMsg
	return again(http.StatusServiceUnavailable, name, p)
}

// consoleBusy is busy for the console's pages.
func (s *consolePages) consoleBusy(w http.ResponseWriter, err error, name string, p consoleViewer) error {
	if !errors.Is(err, errBusy) {
		return err
	}
	w.Header().Set("Retry-After", busyRetry)
	p.consoleFrame().Error = busyMsg
	return consoleAgain(http.StatusServiceUnavailable, name, p)
}
