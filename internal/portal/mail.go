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
	"strings"
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

// outgoing is a message for sendBatch.
type outgoing struct {
	to  string
	msg []byte
}

// batchSender is a Sender that sends several messages over one
// connection, as the mailer's rounds do when they can; it returns an error
// or nil for each message.
type batchSender interface {
	sendBatch(ctx context.Context, from string, msgs []outgoing) []error
}

// sendBatch sends msgs in one session with the relay: under load a round
// of the mailer sends dozens, each of which would otherwise cost a
// connection, a TLS handshake and a log-in. A message the relay refuses
// fails alone; a broken session fails the rest.
func (m *SMTP) sendBatch(ctx context.Context, from string, msgs []outgoing) []error {
	errs := make([]error, len(msgs))
	fail := func(from int, err error) []error {
		for i := from; i < len(errs); i++ {
			errs[i] = err
		}
		return errs
	}
	c, err := m.dial(ctx)
	if err != nil {
		return fail(0, err)
	}
	defer c.Close()
	for i, o := range msgs {
		if err := ctx.Err(); err != nil {
			return fail(i, err)
		}
		c.conn.SetDeadline(time.Now().Add(m.timeout()))
		if errs[i] = sendOne(c.Client, from, o.to, o.msg); errs[i] != nil {
			if err := c.Reset(); err != nil {
				return fail(i+1, err)
			}
		}
	}
	// Every message was taken or refused at its end of data: a failing
	// QUIT changes neither.
	c.Quit()
	return errs
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
	conn.SetDeadline(time.Now().Add(m.timeout()))
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

// sendOne sends one message in an open session.
func sendOne(c *smtp.Client, from, to string, msg []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
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
	domain := s.mailFrom[strings.LastIndexByte(s.mailFrom, '@')+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <outbox-%d-%d@%s>\r\n",
		s.mailFrom, m.To, mime.QEncoding.Encode("utf-8", m.Subject), s.now().UTC().Format(time.RFC1123Z), m.ID, m.Queued.Unix(), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// Mail delivery: each due message is claimed for mailLease, so that two
// instances never send it at once; a failure is retried after a backoff
// that doubles from retryFirst up to retryMax, for as long as it takes:
// mail is never dropped, and `licmint serve outbox` shows its attempts.
const (
	mailLease  = 2 * time.Minute
	mailBatch  = 50
	mailGather = 50 * time.Millisecond
	retryFirst = 30 * time.Second
	retryMax   = time.Hour
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
	ms, err := s.mailbox.Claim(ctx, mailBatch, mailLease)
	if err != nil {
		return 0, err
	}
	// What the relay took is recorded together, once the claim's messages
	// are sent: one commit, not one a message. A crash in between sends
	// them again when their lease ends, as a crash after any send would:
	// mail goes at least once. A stop (ctx ending) still records them.
	var sent []int64
	results := make([]error, len(ms))
	if bs, ok := s.sender.(batchSender); ok && len(ms) > 1 {
		out := make([]outgoing, len(ms))
		for i, m := range ms {
			out[i] = outgoing{to: m.To, msg: s.message(m)}
		}
		results = bs.sendBatch(ctx, s.mailFrom, out)
	} else {
		for i, m := range ms {
			results[i] = s.sender.Send(ctx, s.mailFrom, m.To, s.message(m))
		}
	}
	for i, m := range ms {
		if results[i] == nil {
			sent = append(sent, m.ID)
			continue
		}
		s.logf("portal: mail %d to %s, attempt %d: %v", m.ID, m.To, m.Attempts, results[i])
		// Not recorded, the failure is retried when the claim's lease
		// ends: the messages sent are recorded all the same.
		if ferr := s.mailbox.Failed(ctx, m.ID, results[i].Error(), s.now().Add(retryAfter(m.Attempts))); ferr != nil && err == nil {
			err = ferr
		}
	}
	if rerr := s.mailbox.Sent(context.WithoutCancel(ctx), sent...); rerr != nil {
		return 0, rerr
	}
	return len(sent), err
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
			// Each round costs two commits (the claim, and what was
			// sent) however many messages it sends: under load, let the
			// pages served meanwhile queue theirs too.
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
