package portal

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
)

// Config is a portal for Run to serve: what `licmint serve` reads from
// its flags.
type Config struct {
	// Ledger holds the issuance record and the portal's own state, and
	// Key signs; the caller opens and closes both. With Demo they are
	// left nil.
	Ledger *ledger.Ledger
	Key    *signer.Key
	// Catalog is what the portal sells; nil is catalog.Default.
	Catalog *catalog.Catalog
	// RequestIdentities open renewal requests sealed to the portal; the
	// first X25519 one's recipient is Started.Recipient.
	RequestIdentities []age.Identity
	// Demo runs on an in-memory ledger with a throwaway key and request
	// identity, a demo account and sample keys, and shows the outbox at
	// /outbox. Nothing is kept.
	Demo bool

	// Addr is the address to listen on, such as 127.0.0.1:8080.
	Addr string
	// PublicURL is the URL customers reach the portal at; "" is the
	// address listened on.
	PublicURL string
	// TLS, if set, serves HTTPS with this certificate.
	TLS *tls.Certificate
	// Mail, if set, sends the outbox's messages from MailFrom.
	Mail     Sender
	MailFrom string
	// PasswordHashes bounds the password hashes running at once
	// (WithPasswordHashes); 0 is runtime.GOMAXPROCS(0).
	PasswordHashes int
	// Support says how customers reach support (WithSupport).
	Support        string
	TrustedProxies []netip.Prefix

	// MailInterval is how often the outbox is checked for mail to send
	// or retry; NotifyEvery how often expiry notices are sent, none when 0.
	MailInterval, NotifyEvery time.Duration
	// MailLease is how long the mailer's claim on a message lasts
	// (WithMailLease); 0 is 2 minutes.
	MailLease time.Duration
	// ShutdownGrace bounds how long the requests in flight may take to
	// finish once the context ends.
	ShutdownGrace time.Duration
	// Now is the clock, time.Now by default.
	Now func() time.Time
	// Log gets the portal's own failures, and a line when it stops.
	Log func(format string, args ...any)
	// Started, if set, is called once the portal serves; an error it
	// returns stops the portal, and Run returns it.
	Started func(Started) error

	// CheckpointKey signs the ledger's checkpoints (Ed25519, as
	// signer.Key's Signer); nil is Key. They are made every
	// CheckpointEvery (DefaultCheckpointEvery when 0) while events are
	// recorded, and once more when the portal stops.
	CheckpointKey   crypto.Signer
	CheckpointEvery time.Duration
	// checkpointTicks, set by tests, replaces CheckpointEvery's ticker.
	checkpointTicks <-chan time.Time
}

// Started is what a portal that Run started tells the operator.
type Started struct {
	URL string
	// Recipient is the age recipient renewal requests are sealed to, if
	// any.
	Recipient string
	// Demo is the demo's account and sample keys, with Config.Demo.
	Demo *Demo
}

// Demo is the demo's account and its sample Registration Keys, two of each
// kind.
type Demo struct {
	Email, Password      string
	Full, Trial, Renewal []formats.RegistrationKey
}

// The demo's account.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

// A RunError is Run failing at one step, which Op names: RunKey (the
// signing key cannot be used), RunListen, RunStart (the portal cannot
// start on its ledger), RunServe or RunStop (requests in flight did not
// finish within the grace).
type RunError struct {
	Op  string
	Err error
}

// The steps of a RunError.
const (
	RunKey    = "key"
	RunListen = "listen"
	RunStart  = "start"
	RunServe  = "serve"
	RunStop   = "stop"
)

func (e *RunError) Error() string { return "portal: " + e.Op + ": " + e.Err.Error() }

func (e *RunError) Unwrap() error { return e.Err }

// Run serves the portal of cfg until ctx ends, delivering its mail and
// sending its expiry notices meanwhile, and then lets the requests in
// flight finish.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.Default()
	}
	if cfg.Demo {
		if cfg.Ledger != nil || cfg.Key != nil {
			return errors.New("portal: a demo makes its own ledger and key")
		}
		closeDemo, err := demoConfig(ctx, &cfg)
		if err != nil {
			return err
		}
		defer closeDemo()
	}
	if cfg.Ledger == nil || cfg.Key == nil {
		return errors.New("portal: Run needs a ledger and a key")
	}
	s, err := signer.New(cfg.Key, signer.WithCatalog(cfg.Catalog), signer.WithNow(cfg.Now))
	if err != nil {
		return &RunError{RunKey, err}
	}
	svc := issuance.New(s, cfg.Ledger)

	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return &RunError{RunListen, err}
	}
	defer l.Close()
	if cfg.PublicURL == "" {
		scheme := "http"
		if cfg.TLS != nil {
			scheme = "https"
		}
		cfg.PublicURL = scheme + "://" + l.Addr().String()
	}
	p, started, err := newRunServer(ctx, svc, &cfg)
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() {
		if cfg.TLS != nil {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cfg.TLS}, MinVersion: tls.VersionTLS12}
			served <- srv.ServeTLS(l, "", "")
			return
		}
		served <- srv.Serve(l)
	}()
	mailCtx, stopMail := context.WithCancel(ctx)
	mailDone, noticesDone := make(chan struct{}), make(chan struct{})
	go func() { p.RunMailer(mailCtx, cfg.MailInterval); close(mailDone) }()
	go func() { p.RunNotices(mailCtx, cfg.NotifyEvery); close(noticesDone) }()
	defer func() { stopMail(); <-mailDone; <-noticesDone }()

	if cfg.Started != nil {
		if err := cfg.Started(started); err != nil {
			return err
		}
	}
	// Deferred after the server's shutdown, so that the last checkpoint
	// signs what the requests in flight recorded.
	stopCheckpoints := startCheckpoints(context.WithoutCancel(ctx), &cfg)
	defer stopCheckpoints()
	select {
	case err := <-served:
		return &RunError{RunServe, err}
	case <-ctx.Done():
	}
	cfg.Log("stopping: finishing the requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return &RunError{RunStop, err}
	}
	return nil
}

// newRunServer makes the Server of cfg, with the demo's account and keys
// for a demo.
func newRunServer(ctx context.Context, svc *issuance.Service, cfg *Config) (*Server, Started, error) {
	started := Started{URL: cfg.PublicURL}
	opts := []Option{WithPublicURL(cfg.PublicURL), WithNow(cfg.Now), WithDemo(cfg.Demo),
		WithTrustedKeys(verifier.Key{ID: cfg.Key.ID(), Public: cfg.Key.Public().Public}),
		WithTrustedProxies(cfg.TrustedProxies...), WithPasswordHashes(cfg.PasswordHashes),
		WithSecureCookies(cfg.TLS != nil || strings.HasPrefix(cfg.PublicURL, "https://")),
		WithLog(cfg.Log)}
	for _, id := range cfg.RequestIdentities {
		if x, ok := id.(*age.X25519Identity); ok {
			started.Recipient = x.Recipient().String()
			break
		}
	}
	if len(cfg.RequestIdentities) > 0 {
		opts = append(opts, WithRequestIdentities(cfg.RequestIdentities...))
	}
	if cfg.Support != "" {
		opts = append(opts, WithSupport(cfg.Support))
	}
	if cfg.Mail != nil {
		opts = append(opts, WithMail(cfg.Mail, cfg.MailFrom))
		if cfg.MailLease > 0 {
			opts = append(opts, WithMailLease(cfg.MailLease))
		}
	}
	p, err := New(ctx, svc, cfg.Ledger, opts...)
	if err != nil {
		return nil, started, &RunError{RunStart, err}
	}
	if cfg.Demo {
		if started.Demo, err = seedDemo(ctx, p, svc); err != nil {
			return nil, started, err
		}
	}
	return p, started, nil
}

// demoConfig fills in the demo's in-memory ledger, throwaway key and
// request identity; the function it returns closes the ledger.
func demoConfig(ctx context.Context, cfg *Config) (func(), error) {
	led, err := ledger.Open(ctx, "sqlite::memory:", ledger.WithNow(cfg.Now), ledger.WithActor("demo"))
	if err != nil {
		return nil, err
	}
	key, err := signer.GenerateKey(1)
	if err != nil {
		led.Close()
		return nil, err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		led.Close()
		return nil, err
	}
	cfg.Ledger, cfg.Key, cfg.RequestIdentities = led, key, []age.Identity{id}
	return func() { led.Close() }, nil
}

// seedDemo makes the demo's account and sample keys.
func seedDemo(ctx context.Context, p *Server, svc *issuance.Service) (*Demo, error) {
	if err := p.AddAccount(ctx, demoEmail, demoPassword); err != nil {
		return nil, err
	}
	d := &Demo{Email: demoEmail, Password: demoPassword}
	pc := formats.MustProduct("PC")
	for _, k := range []struct {
		trial   bool
		purpose ledger.Purpose
		out     *[]formats.RegistrationKey
	}{{false, ledger.PurposeLicense, &d.Full}, {true, ledger.PurposeLicense, &d.Trial}, {false, ledger.PurposeRenewal, &d.Renewal}} {
		m, err := svc.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Trial: k.trial, Purpose: k.purpose, Count: 2, Order: "demo-" + string(k.purpose) + fmt.Sprint(k.trial)})
		if err != nil {
			return nil, err
		}
		*k.out = m.Keys
	}
	return d, nil
}
