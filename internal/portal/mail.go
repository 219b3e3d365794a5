package portal

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/licmint/licmint/ledger"
)

// Sender hands a message to a mail relay.
type Sender interface {
	// Send sends msg, a complete RFC 5322 message, from from to to.
	Send(ctx context.Context, from, to string, msg []byte) error
}

// SMTP sends mail through a relay. It upgrades the connection with
// STARTTLS whenever the relay offers it, and requires it unless the
// relay is on the loopback interface (the usual local relay, which may
// offer none). Credentials, if any, are sent only over TLS.
type SMTP struct {
	Addr               string // host:port
	Username, Password string
	// TLS is the configuration for STARTTLS; nil verifies the relay's
	// certificate for its host name against the system's roots.
	TLS *tls.Config
	// Hello is the name the portal greets the relay with, "localhost" by
	// default.
	Hello   string
	Timeout time.Duration // for the whole exchange; 30 s by default
}

// ErrInsecureRelay: the relay offers no STARTTLS and is not local, or
// credentials would have been sent in the clear.
var ErrInsecureRelay = errors.New("portal: the mail relay offers no STARTTLS")

// Send implements Sender.
func (m *SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := sendOne(c.Client, from, to, msg); err != nil {
		return err
	}
	return c.Quit()
}

// outgoing is a message for sendEach.
type outgoing struct {
	to  string
	msg []byte
}

// eachSender is a Sender that sends several messages over one
// connection, as the mailer's rounds do when they can.
type eachSender interface {
	// sendEach sends msgs one at a time, and calls done with each one's
	// result as soon as it has it; done returning false, or ctx ending,
	// stops it before the next message, which is left untried.
	sendEach(ctx context.Context, from string, msgs []outgoing, done func(i int, err error) bool)
}

// sendEach sends msgs in one session with the relay: under load a round
// of the mailer sends dozens, each of which would otherwise cost a
// connection, a TLS handshake and a log-in. A message the relay refuses
// fails alone; a relay that cannot be reached fails the rest. A session
// found closed before a message (the relay timed it out while done
// recorded the previous one, closing it or answering 421) is opened
// again: nothing of the message was taken then.
func (m *SMTP) sendEach(ctx context.Context, from string, msgs []outgoing, done func(i int, err error) bool) {
	var c *smtpConn
	defer func() {
		if c != nil {
			// Every message was taken or refused at its end of data: a
			// failing QUIT changes neither.
			c.Quit()
			c.Close()
		}
	}()
	for i, o := range msgs {
		if ctx.Err() != nil {
			return
		}
		fresh := false
		if c == nil {
			var err error
			if c, err = m.dial(ctx); err != nil {
				failRest(i, len(msgs), err, done)
				return
			}
			fresh = true
		}
		c.conn.SetDeadline(m.deadline(ctx))
		err := sendOne(c.Client, from, o.to, o.msg)
		var se *sendError
		if errors.As(err, &se) && se.stage == stageMail && !fresh && (!isReply(se.err) || replyCode(se.err) == 421) {
			c.Close()
			if c, err = m.dial(ctx); err != nil {
				failRest(i, len(msgs), err, done)
				return
			}
			c.conn.SetDeadline(m.deadline(ctx))
			err = sendOne(c.Client, from, o.to, o.msg)
		}
		if err != nil {
			// A refusal leaves the session usable once reset; anything
			// else ends it, and the next message opens another.
			if !isReply(err) || c.Reset() != nil {
				c.Close()
				c = nil
			}
		}
		if !done(i, err) {
			return
		}
	}
}

// failRest fails messages from up to n with err, until done says to stop.
func failRest(from, n int, err error, done func(int, error) bool) {
	for i := from; i < n; i++ {
		if !done(i, err) {
			return
		}
	}
}

// deadline is when the exchange with the relay must be over: its
// timeout from now, or ctx's deadline if sooner (the mailer's claim).
func (m *SMTP) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(m.timeout())
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

func (m *SMTP) timeout() time.Duration {
	if m.Timeout == 0 {
		return 30 * time.Second
	}
	return m.Timeout
}

// smtpConn is a session with the relay and its connection.
type smtpConn struct {
	*smtp.Client
	conn net.Conn
}

func (c *smtpConn) Close() error {
	c.Client.Close()
	return c.conn.Close()
}

// dial opens a session with the relay: greeted, upgraded with STARTTLS
// whenever offered (required unless the relay is on loopback), and logged
// in if credentials are set, only over TLS.
func (m *SMTP) dial(ctx context.Context) (*smtpConn, error) {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return nil, fmt.Errorf("portal: mail relay %q: %w", m.Addr, err)
	}
	d := net.Dialer{Timeout: m.timeout()}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(m.deadline(ctx))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	sc := &smtpConn{Client: c, conn: conn}
	if err := m.hello(sc.Client, host); err != nil {
		sc.Close()
		return nil, err
	}
	return sc, nil
}

func (m *SMTP) hello(c *smtp.Client, host string) error {
	hello := m.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return err
	}
	secure := false
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
		secure = true
	} else if !isLoopback(host) {
		return fmt.Errorf("%w: %s is not on this host, and mail to it would travel in the clear", ErrInsecureRelay, m.Addr)
	}
	if m.Username != "" {
		if !secure {
			return fmt.Errorf("%w: the credentials are not sent without TLS", ErrInsecureRelay)
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return err
		}
	}
	return nil
}

// The stages of sending a message in a session, for a sendError.
const (
	stageMail = iota // MAIL FROM: the first command, nothing taken yet
	stageRcpt
	stageData // DATA and the message, up to the relay's answer at its end
)

// A sendError is a message that could not be sent, and the stage at
// which: before stageData, the relay has taken nothing of it.
type sendError struct {
	stage int
	err   error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// isReply tells the relay's answer (a refusal, in a session that goes on)
// from a failure of the session itself.
func isReply(err error) bool { return replyCode(err) != 0 }

// replyCode is the code of the relay's answer err, or 0.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// sendOne sends one message in an open session.
func sendOne(c *smtp.Client, from, to string, msg []byte) error {
	if err := c.Mail(from); err != nil {
		return &sendError{stageMail, err}
	}
	if err := c.Rcpt(to); err != nil {
		return &sendError{stageRcpt, err}
	}
	w, err := c.Data()
	if err != nil {
		return &sendError{stageData, err}
	}
	if _, err := w.Write(msg); err != nil {
		return &sendError{stageData, err}
	}
	if err := w.Close(); err != nil {
		return &sendError{stageData, err}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// message builds the RFC 5322 message for m: plain text, quoted-printable,
// so that long lines such as codes and links survive any relay.
func (s *deps) message(m *ledger.Mail) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n",
		s.mailFrom, m.To, mime.QEncoding.Encode("utf-8", m.Subject), s.now().UTC().Format(time.RFC1123Z), m.MessageID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// Mail delivery sends each message once wherever SMTP allows. A mailer
// claims due messages for its lease (mailLease by default), so that no
// other instance sends them meanwhile, and sends each only while its claim
// lasts; it records each message sent as soon as the relay has taken it,
// before it sends the next, trying that write again with a backoff from
// sentRetryFirst up to sentRetryMax for as long as it fails. A crash (or a
// database that stays out of reach until the portal stops) can thus leave
// at most one message taken by the relay and not recorded: the one in
// flight, sent again once its claim lapses, with the same Message-ID. A
// failure is retried after a backoff that doubles from retryFirst up to
// retryMax, for as long as it takes: mail is never dropped, and `licmint
// serve outbox` shows its attempts.
const (
	mailLease      = 2 * time.Minute
	mailBatch      = 50
	mailGather     = 50 * time.Millisecond
	retryFirst     = 30 * time.Second
	retryMax       = time.Hour
	sentRetryFirst = 50 * time.Millisecond
	sentRetryMax   = 5 * time.Second
)

// mailerName names this process's mailer (one for each Server) in the
// outbox's claims: its host, process and start, which no other mailer
// shares.
func mailerName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%d.%d", host, os.Getpid(), processStart.UnixNano(), mailers.Add(1))
}

var (
	processStart = time.Now()
	mailers      atomic.Int64
)

func retryAfter(attempts int) time.Duration {
	d := retryFirst
	for i := 1; i < attempts && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// mailAllowed counts a message that a visitor's request would have sent
// to the address, and reports whether it is within the limits of mail to
// one recipient. The buckets are keyed by the hash of the address, so
// that no address is written where the counts are.
func (s *deps) mailAllowed(ctx context.Context, to string) (bool, error) {
	key := tokenHash(strings.ToLower(to))
	// The day counts only the messages the hour let through.
	_, over, err := s.overLimit(ctx, true, bucket{"mail:hour:" + key, s.limits.MailHour}, bucket{"mail:day:" + key, s.limits.MailDay})
	return !over, err
}

// DeliverMail sends the outbox's due messages once, and returns how many
// it sent. Without WithMail it sends nothing.
func (s *deps) deliverMail(ctx context.Context) (int, error) {
	if s.sender == nil {
		return 0, nil
	}
	ctx = ledger.WithClient(ctx, "portal", "")
	// The claim is measured on the ledger's clock, the sending on this
	// host's: taken before the claim, and a tenth short, the deadline
	// falls within the claim.
	deadline := time.Now().Add(s.mailLease - s.mailLease/10)
	ms, err := s.mailbox.Claim(ctx, s.mailer, mailBatch, s.mailLease)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	sendCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	sent, tried := 0, 0
	var unrecorded, ferr error
	done := func(i int, err error) bool {
		m := ms[i]
		if err == nil {
			if err := s.recordSent(ctx, m.ID); err != nil {
				unrecorded = err
				return false
			}
			sent++
			tried++
			return true
		}
		if sendCtx.Err() != nil || !time.Now().Before(deadline) {
			// Stopping, or the claim is ending: not the relay's failure.
			// The message goes back with the rest, to be tried again.
			// (A dial or a read cut at the deadline may report before
			// the context's own timer fires: hence the clock too.)
			return false
		}
		s.logf("portal: mail %d to %s, attempt %d: %v", m.ID, m.To, m.Attempts, err)
		if e := s.mailbox.Failed(ctx, s.mailer, m.ID, err.Error(), s.now().Add(retryAfter(m.Attempts))); e != nil && ferr == nil {
			// Not recorded, the failure is retried when the claim lapses.
			ferr = e
		}
		tried++
		return true
	}
	if es, ok := s.sender.(eachSender); ok && len(ms) > 1 {
		out := make([]outgoing, len(ms))
		for i, m := range ms {
			out[i] = outgoing{to: m.To, msg: s.message(m)}
		}
		es.sendEach(sendCtx, s.mailFrom, out, done)
	} else {
		for i, m := range ms {
			if sendCtx.Err() != nil || !done(i, s.sender.Send(sendCtx, s.mailFrom, m.To, s.message(m))) {
				break
			}
		}
	}
	if tried < len(ms) {
		// The rest go back at once rather than when the claim lapses.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.mailbox.Release(rctx, s.mailer); err != nil && ferr == nil {
			ferr = err
		}
	}
	if unrecorded != nil {
		return sent, unrecorded
	}
	return sent, ferr
}

// recordSent records message id as sent, trying again with a backoff for
// as long as the write fails, until ctx ends: meanwhile the mailer sends
// nothing more, since a message sent and not recorded is sent again.
func (s *deps) recordSent(ctx context.Context, id int64) error {
	wait := sentRetryFirst
	for {
		// A stop does not cut the write short: it may well succeed.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := s.mailbox.Sent(wctx, id)
		cancel()
		if err == nil {
			return nil
		}
		s.logf("portal: mail %d was sent, and recording it failed (sending no more until it is recorded): %v", id, err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("portal: mail %d was sent and is not recorded: it will be sent again: %w", id, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, sentRetryMax)
	}
}

// RunMailer delivers mail until ctx ends: shortly after a page queues a
// message, and every interval for retries and for mail queued by other
// instances.
func (s *deps) runMailer(ctx context.Context, interval time.Duration) {
	if s.sender == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := s.deliverMail(ctx)
		if err != nil && ctx.Err() == nil {
			s.logf("portal: delivering mail: %v", err)
		}
		if err == nil && n == mailBatch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			// Each round costs a commit for its claim however many
			// messages it sends: under load, let the pages served
			// meanwhile queue theirs too.
			select {
			case <-ctx.Done():
				return
			case <-time.After(mailGather):
			}
		}
	}
}

func (s *deps) kickMailer() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// mailView is a message on the demo's outbox page.
type mailView struct {
	ID      int64
	To      string
	Subject string
	Body    string
	Status  string
	Queued  string
}

func (s *customerPages) outbox(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.mailbox.List(r.Context(), 100)
	if err != nil {
		return err
	}
	p := &outboxPage{layout: titled("Outbox")}
	for _, m := range ms {
		p.Mail = append(p.Mail, mailView{ID: m.ID, To: m.To, Subject: m.Subject, Body: m.Body, Status: MailStatus(m), Queued: m.Queued.UTC().Format(time.DateTime)})
	}
	s.render(w, r, http.StatusOK, "outbox", p)
	return nil
}

// MailStatus words where a message of the outbox stands.
func MailStatus(m *ledger.Mail) string {
	switch {
	case !m.Sent.IsZero():
		return "sent " + m.Sent.UTC().Format(time.DateTime)
	case m.LastError != "":
		return fmt.Sprintf("retrying at %s after %d attempts: %s", m.NextAttempt.UTC().Format(time.DateTime), m.Attempts, m.LastError)
	default:
		return "queued"
	}
}
