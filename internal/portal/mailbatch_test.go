package portal_test

import (
	"context"
	"net"
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
