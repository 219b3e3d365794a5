package portal_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		// Valid on any day the test runs: TLS checks it against the real clock.
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestSMTP(t *testing.T) {
	ctx := context.Background()
	msg := []byte("Subject: hello\r\n\r\nbody\r\n")
	cert, pool := selfSigned(t)
	relay := startMailServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	relay.user, relay.pass = "portal", "s3cret"

	// STARTTLS, then the credentials.
	s := &portal.SMTP{Addr: relay.addr, Username: "portal", Password: "s3cret", TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	if err := s.Send(ctx, "licenses@vendor.test", "ann@example.com", msg); err != nil {
		t.Fatal(err)
	}
	if got := relay.wait(t, "ann@example.com", "hello"); !got.TLS || !got.Auth {
		t.Fatalf("delivered without TLS or auth: %+v", got)
	}
	// A relay whose certificate does not verify gets nothing.
	s.TLS = &tls.Config{ServerName: "127.0.0.1"}
	if err := s.Send(ctx, "licenses@vendor.test", "ann@example.com", msg); err == nil {
		t.Fatal("sent to a relay with an unknown certificate")
	}

	// A local relay with no STARTTLS takes mail without credentials...
	plain := startMailServer(t, nil)
	if err := (&portal.SMTP{Addr: plain.addr}).Send(ctx, "licenses@vendor.test", "ann@example.com", msg); err != nil {
		t.Fatal(err)
	}
	if got := plain.wait(t, "ann@example.com", "hello"); got.TLS {
		t.Fatalf("%+v", got)
	}
	// ... and credentials are never sent to it in the clear.
	plain.user, plain.pass = "portal", "s3cret"
	err := (&portal.SMTP{Addr: plain.addr, Username: "portal", Password: "s3cret"}).Send(ctx, "licenses@vendor.test", "ann@example.com", msg)
	if !errors.Is(err, portal.ErrInsecureRelay) {
		t.Fatalf("credentials without TLS: %v", err)
	}
}

func TestMailRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.mail.setFail(true)
	if err := portaldb.NewOutbox(e.led).Queue(ctx, ledger.Mail{To: "ann@example.com", Subject: "Your code", Body: "PC-1234"}); err != nil {
		t.Fatal(err)
	}
	// waitOutbox waits for the mailer to have tried n times and recorded
	// the outcome. The background mailer may hold the message meanwhile:
	// its next attempt is then the claim's lease end, two minutes on, and
	// its last error the attempt before's.
	waitOutbox := func(attempts int, sent bool) *ledger.Mail {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := e.srv.DeliverMail(ctx); err != nil {
				t.Fatal(err)
			}
			ms, err := portaldb.NewOutbox(e.led).List(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			claimed := ms[0].NextAttempt.Equal(e.clock.now().Add(2 * time.Minute))
			if ms[0].Attempts == attempts && !ms[0].Sent.IsZero() == sent && (sent || ms[0].LastError != "" && !claimed) {
				return ms[0]
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the mailer did not make attempt %d", attempts)
		return nil
	}
	m := waitOutbox(1, false)
	if !strings.Contains(m.LastError, "try again later") || !m.NextAttempt.Equal(day0.Add(30*time.Second)) {
		t.Fatalf("first failure: %+v", m)
	}
	if st := portal.MailStatus(m); !strings.Contains(st, "retrying") || !strings.Contains(st, "1 attempts") {
		t.Fatalf("status: %q", st)
	}
	// Not before its time; then again, with twice the wait.
	e.clock.add(29 * time.Second)
	e.srv.DeliverMail(ctx)
	if ms, _ := portaldb.NewOutbox(e.led).List(ctx, 1); ms[0].Attempts != 1 {
		t.Fatalf("retried early: %+v", ms[0])
	}
	e.clock.add(time.Second)
	m = waitOutbox(2, false)
	if !m.NextAttempt.Equal(e.clock.now().Add(time.Minute)) {
		t.Fatalf("second backoff: %+v", m)
	}
	// The relay is back: the mail goes, and its body leaves the ledger.
	e.mail.setFail(false)
	e.clock.add(time.Minute)
	m = waitOutbox(3, true)
	if m.Body != "" {
		t.Fatal("a sent message keeps its body")
	}
	if got := e.mail.wait(t, "ann@example.com", "Your code"); !strings.Contains(got.Body, "PC-1234") {
		t.Fatalf("delivered: %+v", got)
	}
}
