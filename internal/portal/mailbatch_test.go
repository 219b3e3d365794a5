package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// countingRelay is a mailServer that counts its sessions and refuses one
// recipient.
type countingRelay struct {
	*mailServer
	sessions atomic.Int32
	refuse   string
}

func (c *countingRelay) NewSession(conn *smtp.Conn) (smtp.Session, error) {
	c.sessions.Add(1)
	s, err := c.mailServer.NewSession(conn)
	return &refusingSession{Session: s, refuse: c.refuse}, err
}

type refusingSession struct {
	smtp.Session
	refuse string
}

func (s *refusingSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if to == s.refuse {
		return &smtp.SMTPError{Code: 550, Message: "no such mailbox"}
	}
	return s.Session.Rcpt(to, opts)
}

// A round of the mailer sends its messages over one connection to the
// relay; a message the relay refuses fails alone.
func TestMailerOneConnectionARound(t *testing.T) {
	relay := &countingRelay{mailServer: &mailServer{}, refuse: "nobody@example.com"}
	srv := smtp.NewServer(relay)
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	e := newEnv(t, portal.WithMail(&portal.SMTP{Addr: l.Addr().String()}, "licenses@vendor.test"))
	var mail []ledger.Mail
	for _, to := range []string{"a@example.com", "b@example.com", "nobody@example.com", "c@example.com", "d@example.com"} {
		mail = append(mail, ledger.Mail{To: to, Subject: "Hello " + to, Body: "body"})
	}
	ctx := context.Background()
	if err := portaldb.NewOutbox(e.led).Queue(ctx, mail...); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		relay.wait(t, to, "Hello "+to)
	}
	var refused *ledger.Mail
	for deadline := time.Now().Add(10 * time.Second); refused == nil || refused.LastError == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the refused message: %+v", refused)
		}
		ms, err := portaldb.NewOutbox(e.led).List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.To == "nobody@example.com" {
				refused = m
			}
			if m.To != "nobody@example.com" && m.Sent.IsZero() {
				refused = nil // not every other one is recorded yet
				break
			}
		}
	}
	if !refused.Sent.IsZero() {
		t.Fatalf("the refused message is recorded as sent: %+v", refused)
	}
	if n := relay.sessions.Load(); n != 1 {
		t.Fatalf("%d connections to the relay for one round", n)
	}
}

// recordingRelay is a mailServer that, as it takes each message, checks
// that every message it took before is recorded as sent in the outbox.
type recordingRelay struct {
	*mailServer
	outbox *portaldb.Outbox
	mu     sync.Mutex
	taken  []string // Message-IDs
	late   []string // those not recorded when the next came
}

func (c *recordingRelay) NewSession(conn *smtp.Conn) (smtp.Session, error) {
	s, err := c.mailServer.NewSession(conn)
	return &recordingSession{Session: s, r: c}, err
}

type recordingSession struct {
	smtp.Session
	r *recordingRelay
}

func (s *recordingSession) Data(body io.Reader) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	ms, err := s.r.outbox.List(context.Background(), 0)
	if err != nil {
		return err
	}
	sent := map[string]bool{}
	for _, m := range ms {
		sent[m.MessageID] = !m.Sent.IsZero()
	}
	s.r.mu.Lock()
	for _, id := range s.r.taken {
		if !sent[id] {
			s.r.late = append(s.r.late, id)
		}
	}
	s.r.taken = append(s.r.taken, msg.Header.Get("Message-ID"))
	s.r.mu.Unlock()
	return s.Session.Data(bytes.NewReader(b))
}

// The mailer records each message sent before it sends the next, so that
// a crash can send again only the one in flight; each goes with the
// Message-ID it was queued with.
func TestMailerRecordsEachMessageBeforeTheNext(t *testing.T) {
	relay := &recordingRelay{mailServer: &mailServer{}}
	srv := smtp.NewServer(relay)
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	e := newEnv(t, portal.WithMail(&portal.SMTP{Addr: l.Addr().String()}, "licenses@vendor.test"))
	relay.outbox = portaldb.NewOutbox(e.led)
	var mail []ledger.Mail
	for i := range 20 {
		to := fmt.Sprintf("c%d@example.com", i)
		mail = append(mail, ledger.Mail{To: to, Subject: "Hello " + to, Body: "body"})
	}
	ctx := context.Background()
	if err := relay.outbox.Queue(ctx, mail...); err != nil {
		t.Fatal(err)
	}
	for _, m := range mail {
		relay.wait(t, m.To, m.Subject)
	}
	ms, err := relay.outbox.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string]bool{}
	for _, m := range ms {
		queued[m.MessageID] = true
	}
	relay.mu.Lock()
	defer relay.mu.Unlock()
	if len(relay.late) > 0 {
		t.Errorf("sent before the previous one was recorded: %v", relay.late)
	}
	for _, id := range relay.taken {
		if !queued[id] {
			t.Errorf("Message-ID %q is none the outbox gave", id)
		}
	}
	if len(relay.taken) != len(mail) {
		t.Errorf("the relay took %d messages, want %d", len(relay.taken), len(mail))
	}
}

// oneShotRelay is a mailServer whose sessions each take one message, and
// at the next drop the connection, or answer 421, as a relay that timed
// out an idle session would.
type oneShotRelay struct {
	*mailServer
	answer   bool
	sessions atomic.Int32
}

func (o *oneShotRelay) NewSession(conn *smtp.Conn) (smtp.Session, error) {
	o.sessions.Add(1)
	s, err := o.mailServer.NewSession(conn)
	return &oneShotSession{Session: s, conn: conn, answer: o.answer}, err
}

type oneShotSession struct {
	smtp.Session
	conn          *smtp.Conn
	answer, taken bool
}

func (s *oneShotSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.taken {
		if !s.answer {
			s.conn.Conn().Close()
		}
		return &smtp.SMTPError{Code: 421, Message: "idle too long, closing"}
	}
	return s.Session.Mail(from, opts)
}

func (s *oneShotSession) Data(r io.Reader) error {
	s.taken = true
	return s.Session.Data(r)
}

// A session the relay closed between two messages, with nothing of the
// next one taken, is opened again for it: the message is sent at once,
// not held back as a failure.
func TestMailerReopensAClosedSession(t *testing.T) {
	t.Run("closed", func(t *testing.T) { testReopen(t, false) })
	t.Run("421", func(t *testing.T) { testReopen(t, true) })
}

func testReopen(t *testing.T, answer bool) {
	relay := &oneShotRelay{mailServer: &mailServer{}, answer: answer}
	srv := smtp.NewServer(relay)
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	e := newEnv(t, portal.WithMail(&portal.SMTP{Addr: l.Addr().String()}, "licenses@vendor.test"))
	var mail []ledger.Mail
	for i := range 5 {
		to := fmt.Sprintf("c%d@example.com", i)
		mail = append(mail, ledger.Mail{To: to, Subject: "Hello " + to, Body: "body"})
	}
	ctx := context.Background()
	outbox := portaldb.NewOutbox(e.led)
	if err := outbox.Queue(ctx, mail...); err != nil {
		t.Fatal(err)
	}
	for _, m := range mail {
		relay.wait(t, m.To, m.Subject)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, err := outbox.Unsent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages unsent", n)
		}
	}
	ms, err := outbox.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Attempts != 1 || m.LastError != "" {
			t.Errorf("message %d: %d attempts, last error %q", m.ID, m.Attempts, m.LastError)
		}
	}
	if n := relay.sessions.Load(); n != int32(len(mail)) {
		t.Errorf("%d messages in %d sessions, want one a session", len(mail), n)
	}
}
