//go:build unix

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// The mail fault tests queue faultMail messages, have 'licmint serve'
// send them to a real SMTP relay, and strike when the relay has taken
// faultAt: the serve process killed, PostgreSQL stopped for a moment, the
// disk full. Each message must then reach the relay, and at most one
// (serve has one sending worker) twice, as told by its Message-ID.
const (
	faultMail = 300
	faultAt   = 100
	// The mailer looks for due mail every 100 ms, and its claims last
	// 10 s, so that a dead process's claims lapse within the test. Not
	// shorter: a message whose exchange the claim's end cuts short may
	// have been taken by the relay all the same, and is sent again; a
	// batch of 50 under the race detector on a loaded machine took more
	// than 3 s.
	faultMailTiming = "100ms,10s"
)

// SIGKILL of the serve process as the relay takes a message: that
// message, sent and not recorded, is the one that may go twice, once the
// claims of the dead process lapse and a new one sends them. With two
// instances sending at once, the one that sent the message is killed, and
// the other sends the rest: none sends a message the other has claimed.
func TestMailOnceAfterKill(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		store     string
		instances int
	}{{"sqlite", 1}, {"postgres", 1}, {"sqlite", 2}, {"postgres", 2}} {
		t.Run(fmt.Sprintf("%s/%d", c.store, c.instances), func(t *testing.T) {
			t.Parallel()
			f := newMailFault(t, storeDSN(t, c.store))
			f.queue()
			// Each instance sends from an address of its own, which tells
			// the relay whom to kill. The relay may take its messages
			// before the instances are ready.
			// The relay holds the messages until every instance has
			// claimed some, so that they send at once.
			ready, killed := make(chan map[string]*serveProc, 1), make(chan *serveProc, 1)
			var before map[string]int
			f.relay.strike(faultAt, func(from string) {
				before = f.relay.senders()
				p := (<-ready)[from]
				p.cmd.Process.Kill()
				killed <- p
			})
			gate := f.relay.hold()
			procs := map[string]*serveProc{}
			for i := range c.instances {
				from := fmt.Sprintf("licenses%d@vendor.test", i)
				procs[from] = f.serve(from)
			}
			f.claimedBy(c.instances)
			close(gate)
			ready <- procs
			var dead *serveProc
			select {
			case dead = <-killed:
			case <-time.After(time.Minute):
				t.Fatalf("the relay took %d messages, not %d, in a minute", f.relay.total(), faultAt)
			}
			<-dead.exited
			if len(before) != c.instances {
				t.Errorf("before the fault, the relay took mail from %v: not from every instance", before)
			}
			var alive []*serveProc
			for _, p := range procs {
				if p != dead {
					alive = append(alive, p)
				}
			}
			if len(alive) == 0 {
				alive = append(alive, f.serve("licenses@vendor.test"))
			}
			f.check(alive...)
		})
	}
}

// PostgreSQL stopped as the relay takes a message, and started again
// 0.7 s later: the mailer records that message once the database is
// back, and sends nothing meanwhile.
func TestMailOnceAfterPostgresRestart(t *testing.T) {
	t.Parallel()
	c := ledgertest.NewCluster(t)
	f := newMailFault(t, c.DSN())
	f.queue()
	restarted := make(chan struct{})
	f.relay.strike(faultAt, func(string) {
		c.Stop()
		go func() {
			time.Sleep(700 * time.Millisecond)
			c.Start()
			close(restarted)
		}()
	})
	p := f.serve("licenses@vendor.test")
	select {
	case <-restarted:
	case <-time.After(time.Minute):
		t.Fatalf("the relay took %d messages, not %d, in a minute\n%s", f.relay.total(), faultAt, p.stderr)
	}
	f.check(p)
	if !strings.Contains(p.stderr.String(), "recording it failed") {
		t.Errorf("the mailer never failed to record a message: the fault missed\n%s", p.stderr)
	}
}

// The disk full on SQLite, for real: the ledger's database may not grow
// past the pages it has and a few more (SQLite's max_page_count, the
// writes failing as on a full disk), which fill up as the mailer records
// what it sent. The mailer then sends nothing until space is freed (a
// table of ballast deleted, its pages reused), and goes on.
func TestMailOnceAfterFullDisk(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "ledger.db")
	f := newMailFault(t, "sqlite:"+file)
	f.queue()
	db := f.db
	if _, err := db.Exec(`CREATE TABLE ballast (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 64 {
		if _, err := db.Exec(`INSERT INTO ballast VALUES (randomblob(3000))`); err != nil {
			t.Fatal(err)
		}
	}
	var pages int
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	f.dsn = fmt.Sprintf("sqlite:%s?_pragma=max_page_count(%d)", file, pages+8)
	p := f.serve("licenses@vendor.test")
	for deadline := time.Now().Add(time.Minute); !strings.Contains(p.stderr.String(), "database or disk is full"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the disk did not fill in a minute; the relay took %d messages\n%s", f.relay.total(), p.stderr)
		}
	}
	// While the disk is full, nothing more is sent.
	full := f.relay.total()
	time.Sleep(500 * time.Millisecond)
	if n := f.relay.total(); n != full {
		t.Errorf("the relay took %d messages while the disk was full", n-full)
	}
	if full == faultMail {
		t.Fatalf("all %d messages went before the disk filled", faultMail)
	}
	if _, err := db.Exec(`DELETE FROM ballast`); err != nil {
		t.Fatal(err)
	}
	f.check(p)
	t.Logf("disk full after %d messages", full)
}

// storeDSN is a new, empty ledger on store.
func storeDSN(t *testing.T, store string) string {
	if store == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "ledger.db")
	}
	return ledgertest.PostgresDSN(t)
}

// mailFault is a ledger with mail queued, the serve processes that send
// it, and the relay they send it to.
type mailFault struct {
	t               *testing.T
	dsn             string
	keyPath, idPath string
	relay           *faultRelay
	env             []string // of the serve processes
	db              *sql.DB
	ids             []string // the Message-IDs queued
}

func newMailFault(t *testing.T, dsn string) *mailFault {
	if _, err := exec.LookPath("licmint"); err != nil { // put on PATH by testscript.Main
		t.Skip(err)
	}
	// The processes' clock runs from the test day's midday, now.
	f := &mailFault{t: t, dsn: dsn, relay: startFaultRelay(t),
		env: []string{testClockTicksVar + "=" + time.Now().Format(time.RFC3339Nano), testMailVar + "=" + faultMailTiming}}
	f.keyPath, f.idPath = writeServeKey(t, t.TempDir())
	return f
}

// queue queues faultMail messages, and opens the database for the test's
// own queries.
func (f *mailFault) queue() {
	t := f.t
	ctx := ledger.WithClient(context.Background(), "test", "")
	l, err := ledger.Open(ctx, f.dsn, ledger.WithNow(func() time.Time { return day1 }))
	if err != nil {
		t.Fatal(err)
	}
	var ms []ledger.Mail
	for i := range faultMail {
		ms = append(ms, ledger.Mail{To: fmt.Sprintf("c%d@example.com", i), Subject: fmt.Sprintf("Your code %d", i), Body: strings.Repeat("code ", 40)})
	}
	if err := portaldb.NewOutbox(l).Queue(ctx, ms...); err != nil {
		t.Fatal(err)
	}
	l.Close()
	driver, target := "pgx", f.dsn
	if after, ok := strings.CutPrefix(f.dsn, "sqlite:"); ok {
		driver, target = "sqlite", after+"?_pragma=busy_timeout(30000)"
	}
	if f.db, err = sql.Open(driver, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	rows, err := f.db.Query(`SELECT message_id FROM mail_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
	}
	if err := rows.Err(); err != nil || len(f.ids) != faultMail {
		t.Fatalf("%d messages queued: %v", len(f.ids), err)
	}
}

// serve starts a 'licmint serve' that sends the mail from the address.
func (f *mailFault) serve(from string) *serveProc {
	return startServe(f.t, "licmint", "2027-03-01", []string{"serve", "--ledger", f.dsn, "--key", f.keyPath, "--identity", f.idPath,
		"--addr", "127.0.0.1:0", "--json", "--smtp", f.relay.addr, "--mail-from", from}, f.env...)
}

// claimedBy waits for n mailers to hold claims in the outbox.
func (f *mailFault) claimedBy(n int) {
	t := f.t
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var have int
		err := f.db.QueryRow(`SELECT COUNT(DISTINCT claimed_by) FROM mail_outbox WHERE claimed_by <> '' AND sent_at IS NULL`).Scan(&have)
		if err == nil && have >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute, %d mailers hold claims, not %d (%v)", have, n, err)
		}
	}
}

// check waits for the outbox to be sent, stops the instances, and counts
// the messages the relay got more than once and those it never got: at
// most one went twice, the one in flight at the fault.
func (f *mailFault) check(procs ...*serveProc) {
	t := f.t
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var unsent int
		err := f.db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&unsent)
		if err == nil && unsent == 0 && f.relay.distinct() >= faultMail {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %d unsent (%v), the relay got %d of %d\n%s", unsent, err, f.relay.distinct(), faultMail, procs[0].stderr)
		}
	}
	for _, p := range procs {
		p.stop(t)
	}
	got := f.relay.counts()
	twice, lost := 0, 0
	for _, id := range f.ids {
		switch n := got[id]; {
		case n == 0:
			lost++
		case n > 1:
			twice += n - 1
		}
		delete(got, id)
	}
	t.Logf("%d messages: %d sent twice, %d lost", faultMail, twice, lost)
	if twice > 1 || lost > 0 || len(got) > 0 {
		t.Errorf("%d sent twice (at most 1, the one in flight), %d lost, %d the outbox never had", twice, lost, len(got))
	}
	if out, err := exec.Command("licmint", "ledger", "verify", "--ledger", f.dsn).CombinedOutput(); err != nil {
		t.Errorf("ledger verify: %v\n%s", err, out)
	}
}

// faultRelay is an SMTP relay on loopback that counts the messages it
// takes by Message-ID, and runs a fault once, as it takes a given one
// before it answers it.
type faultRelay struct {
	addr  string
	mu    sync.Mutex
	got   map[string]int
	from  map[string]int // messages by sender
	n     int
	at    int
	fault func(from string)
	gate  chan struct{}
}

func startFaultRelay(t *testing.T) *faultRelay {
	r := &faultRelay{got: map[string]int{}, from: map[string]int{}}
	s := smtp.NewServer(r)
	s.Domain = "relay.test"
	// A killed client's connection reset is no news.
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return r
}

// strike runs fault as the relay takes its n-th message, with the
// message's sender.
func (r *faultRelay) strike(n int, fault func(from string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at, r.fault = n, fault
}

// hold holds every message the relay is given until the channel it
// returns is closed.
func (r *faultRelay) hold() chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gate = make(chan struct{})
	return r.gate
}

// senders counts the messages taken from each sender.
func (r *faultRelay) senders() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.from))
	for k, v := range r.from {
		out[k] = v
	}
	return out
}

func (r *faultRelay) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *faultRelay) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *faultRelay) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.got))
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

func (r *faultRelay) NewSession(*smtp.Conn) (smtp.Session, error) { return &faultSession{r: r}, nil }

type faultSession struct {
	r    *faultRelay
	from string
}

func (s *faultSession) Reset()        { s.from = "" }
func (s *faultSession) Logout() error { return nil }
func (s *faultSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (*faultSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *faultSession) Data(body io.Reader) error {
	msg, err := mail.ReadMessage(body)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, msg.Body); err != nil {
		return err
	}
	r := s.r
	r.mu.Lock()
	gate := r.gate
	r.mu.Unlock()
	if gate != nil {
		<-gate
	}
	r.mu.Lock()
	r.got[msg.Header.Get("Message-ID")]++
	r.from[s.from]++
	r.n++
	var fault func(string)
	if r.n == r.at {
		fault = r.fault
	}
	r.mu.Unlock()
	if fault != nil {
		fault(s.from)
	}
	return nil
}
