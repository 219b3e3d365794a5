package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// SMTP credentials come from the environment, never from a flag value,
// which any user of the host can read in the process list.
const (
	smtpUserEnv = "LICMINT_SMTP_USERNAME"
	smtpPassEnv = "LICMINT_SMTP_PASSWORD"
)

type serveFlags struct {
	ledger                  ledgerFlags
	key, catalogFile        string
	secret                  secretFlags
	requestIdentity         []string
	addr, publicURL         string
	smtp, mailFrom, support string
	tlsCert, tlsKey         string
	demo, asJSON            bool
	shutdownGrace           time.Duration
	mailInterval, mailLease time.Duration
	notifyEvery             time.Duration
	trustedProxies          []string
	// Tests only: ready is called once the portal listens, and smtpTLS
	// trusts the test relay's certificate.
	ready   func(url string)
	smtpTLS *tls.Config
}

func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve --ledger DSN --key FILE [--addr HOST:PORT] | serve --demo",
		Short: "Run the Customer Licensing Portal",
		Long: `Run the Customer Licensing Portal: a web site where customers sign up with
their email address, register the Registration Keys they bought and get
their Activation Codes, find them again, renew (also offline, with a request
from 'licmint request'), and report a stolen code to have it replaced. Every
page works without JavaScript.

The portal keeps its accounts, sessions, rate limits and mail outbox in the
ledger (--ledger or $LICMINT_LEDGER), so that several instances can share one
PostgreSQL database. The signing key is opened once at start, with --identity
files or the passphrase from $LICMINT_PASSPHRASE or --passphrase-file; the
--identity files (and --request-identity) also open renewal requests sealed to
the portal.

Mail (confirmation and reset links, codes) goes to the outbox first. With
--smtp it is sent to that relay, with STARTTLS, and retried with backoff while
the relay is down; credentials come from $LICMINT_SMTP_USERNAME and
$LICMINT_SMTP_PASSWORD and are sent only over TLS. A relay on localhost that
offers no STARTTLS is used without credentials. Without --smtp mail stays in
the outbox: 'licmint serve outbox' lists it. Each message is sent once
wherever SMTP allows, by one instance at a time, and recorded as soon as the
relay takes it: a crash, or a database out of reach until the portal stops,
may send again only the message in flight then (one per instance), with the
same Message-ID; none is lost.

With --notify-every the portal mails each license's owner once per term, 60
days before its maintenance ends, with a renewal link; every instance may run
it, as the ledger records each notice once.

The shop API (/api/v1/, described at /api/openapi.json) mints keys for orders
and reads and revokes licenses, with tokens from 'licmint serve token'.
Products that are online pick up renewals from POST /api/v1/current-code,
with the code they hold and no token.
The support console at /console/ is for the vendor's staff, added with
'licmint serve adduser': they log in with a password and a TOTP code, find
licenses by key, code, email, serial or order, and resend, replace, revoke,
move, void, make reset codes and publish revocation lists; admins also
manage staff users and API tokens there.
/healthz, /readyz and /metrics (Prometheus) are for the operator.

Serve over TLS with --tls-cert and --tls-key (cookies are then Secure), or
behind a TLS proxy with --public-url https://... Name the proxies and load
balancers with --trusted-proxy, so that rate limits count each client by the
address they forward (X-Forwarded-For) rather than all by the proxy's; the
header is ignored from any other peer. SIGINT and SIGTERM stop the portal
after the requests in flight finish.

Every minute in which events were recorded, and once when it stops, the
portal signs the ledger's head as a checkpoint (docs/ledger.md), with
--audit-key (or $LICMINT_AUDIT_KEY) or else the signing key.

--demo runs on an in-memory ledger with a throwaway key and a demo account,
prints sample Registration Keys (full, trial, renewal), and shows the outbox
at /outbox instead of sending mail. Nothing is kept when it stops.`,
		Example: `  licmint serve --demo
  LICMINT_PASSPHRASE=... licmint serve --ledger licenses.db --key keys/vendor.key.age --addr 127.0.0.1:8080
  licmint serve --ledger postgres://portal@db/licmint --key keys/vendor.key.age --identity vendor-id.txt \
      --public-url https://licenses.example.com --smtp mail.example.com:587 --mail-from licenses@example.com
  licmint serve outbox --ledger licenses.db`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd, f) },
	}
	fl := cmd.Flags()
	jsonFlagVar(cmd, &f.asJSON)
	f.ledger.registerWriting(cmd)
	fl.StringVar(&f.key, "key", "", "private key `FILE` (NAME.key.age from keygen), opened once at start")
	f.secret.register(cmd)
	fl.StringArrayVar(&f.requestIdentity, "request-identity", nil, "age identity `FILE` that opens renewal requests sealed to the portal (repeatable; --identity files are tried too)")
	fl.StringVar(&f.catalogFile, "catalog", "", "product catalog JSON `FILE` (default: the built-in catalog, product PC)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	fl.StringVar(&f.publicURL, "public-url", "", "the `URL` customers reach the portal at, which mailed links start with (default: the listen address)")
	fl.StringVar(&f.smtp, "smtp", "", "send mail through the relay at `HOST:PORT` (default: keep it in the outbox)")
	fl.StringVar(&f.mailFrom, "mail-from", "", "the `ADDRESS` mail is sent from (required with --smtp)")
	fl.StringVar(&f.support, "support", "", "how customers reach support, shown in every page's footer and every mail, such as an email `ADDRESS`")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this certificate `FILE` (PEM, with --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the private key `FILE` of --tls-cert")
	fl.BoolVar(&f.demo, "demo", false, "run a demo: in-memory ledger, throwaway key, demo account, outbox page")
	fl.DurationVar(&f.notifyEvery, "notify-every", 0, "mail each license owner once per term, 60 days before maintenance ends, checking every `INTERVAL` such as 24h (default: off)")
	fl.StringArrayVar(&f.trustedProxies, "trusted-proxy", nil, "believe X-Forwarded-For from the proxy or load balancer at `CIDR` or address, for rate limits and the ledger's client addresses (repeatable)")
	f.shutdownGrace, f.mailInterval, f.mailLease = 15*time.Second, serveMailInterval, serveMailLease
	cmd.AddCommand(newServeOutboxCmd(), newServeTokenCmd(), newServeAddUserCmd())
	return cmd
}

// How often serve's mailer looks for mail due, and how long its claim on
// a message lasts (0: the portal's 2 minutes). Only the tests change them,
// so that a lease lapses within a test.
var (
	serveMailInterval = 30 * time.Second
	serveMailLease    time.Duration
)

// parseTrustedProxies reads --trusted-proxy values: a CIDR prefix, or a
// single address.
func parseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, usageError("--trusted-proxy %q: want an address or a CIDR prefix, such as 10.0.0.0/8 or 192.0.2.7", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

// serveJSON is what serve prints at start.
type serveJSON struct {
	URL       string         `json:"url"`
	Recipient string         `json:"request_recipient,omitempty"`
	Demo      *serveDemoJSON `json:"demo,omitempty"`
}

type serveDemoJSON struct {
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Full     []string `json:"full_keys"`
	Trial    []string `json:"trial_keys"`
	Renewal  []string `json:"renewal_keys"`
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	switch {
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return usageError("give --tls-cert and --tls-key together")
	case f.notifyEvery < 0:
		return usageError("--notify-every %s: want a positive interval, such as 24h", f.notifyEvery)
	case f.smtp != "" && f.mailFrom == "":
		return usageError("--smtp needs --mail-from ADDRESS, the sender of the portal's mail")
	case f.demo && (cmd.Flags().Changed("ledger") || f.key != ""):
		return usageError("--demo makes its own in-memory ledger and key: leave out --ledger and --key")
	}
	proxies, err := parseTrustedProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	if f.smtp != "" {
		if _, _, err := net.SplitHostPort(f.smtp); err != nil {
			return usageError("--smtp %q: want HOST:PORT", f.smtp)
		}
	}
	stderr := cmd.ErrOrStderr()
	cfg := portal.Config{Demo: f.demo, Addr: f.addr, PublicURL: f.publicURL, Support: f.support, TrustedProxies: proxies,
		MailInterval: f.mailInterval, MailLease: f.mailLease, NotifyEvery: f.notifyEvery, ShutdownGrace: f.shutdownGrace, Now: now,
		Log: func(format string, a ...any) { fmt.Fprintf(stderr, "licmint: "+format+"\n", a...) },
		Started: func(st portal.Started) error {
			if err := printServe(cmd, f, st); err != nil {
				return err
			}
			if f.ready != nil {
				f.ready(st.URL)
			}
			return nil
		}}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return withHint(exitError, fmt.Errorf("--tls-cert/--tls-key: %w", err), "give a PEM certificate (with its chain) and its PEM private key")
		}
		cfg.TLS = &cert
	}
	if f.smtp != "" {
		cfg.Mail = &portal.SMTP{Addr: f.smtp, Username: os.Getenv(smtpUserEnv), Password: os.Getenv(smtpPassEnv), TLS: f.smtpTLS}
		cfg.MailFrom = f.mailFrom
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Catalog, err = loadCatalog(f.catalogFile); err != nil {
		return err
	}
	if !f.demo {
		if err := serveLedgerAndKey(ctx, cmd, f, &cfg); err != nil {
			return err
		}
		defer cfg.Ledger.Close()
	}
	return serveError(portal.Run(ctx, cfg), f.addr)
}

// serveLedgerAndKey opens the ledger, the request identities and the
// signing key that the flags name.
func serveLedgerAndKey(ctx context.Context, cmd *cobra.Command, f *serveFlags, cfg *portal.Config) error {
	dsn := ledgerDSN(cmd, f.ledger.dsn)
	if dsn == "" {
		return usageError("give --ledger DSN (or set $%s): the portal keeps its accounts and licenses there; or try --demo", ledgerEnv)
	}
	led, err := openLedger(ctx, dsn, false)
	if err != nil {
		return err
	}
	ids, err := readIdentities("--request-identity", f.requestIdentity)
	if err == nil {
		var more []age.Identity
		more, err = readIdentities("--identity", f.secret.identities)
		ids = append(ids, more...)
	}
	if err == nil {
		cfg.Key, err = f.secret.loadKey(cmd, f.key)
	}
	if ref := auditKeyRef(cmd); err == nil && ref != "" {
		var k *signer.Key
		if k, err = loadAuditKey(cmd, ref); err == nil {
			cfg.CheckpointKey = k.Signer()
		}
	}
	if err != nil {
		led.Close()
		return err
	}
	cfg.Ledger, cfg.RequestIdentities = led, ids
	return nil
}

// serveError gives the portal's failures their exit status, kind and hint.
func serveError(err error, addr string) error {
	var re *portal.RunError
	if !errors.As(err, &re) {
		return err
	}
	switch re.Op {
	case portal.RunKey:
		return keyError(re.Err, "")
	case portal.RunListen:
		return withHint(exitError, fmt.Errorf("--addr %s: %w", addr, re.Err), "choose a free address, such as --addr 127.0.0.1:8081")
	case portal.RunStart:
		return &cliError{code: exitError, kind: kindLedger, err: re.Err}
	case portal.RunServe:
		return withHint(exitError, fmt.Errorf("serving: %w", re.Err), "")
	case portal.RunStop:
		return withHint(exitError, fmt.Errorf("stopping: %w", re.Err), "some requests did not finish in time")
	}
	return err
}

func printServe(cmd *cobra.Command, f *serveFlags, st portal.Started) error {
	public, recipient := st.URL, st.Recipient
	var demo *serveDemoJSON
	if d := st.Demo; d != nil {
		demo = &serveDemoJSON{Email: d.Email, Password: d.Password, Full: keyStrings(d.Full), Trial: keyStrings(d.Trial), Renewal: keyStrings(d.Renewal)}
	}
	w := cmd.OutOrStdout()
	if f.asJSON {
		return printJSON(w, serveJSON{URL: public, Recipient: recipient, Demo: demo})
	}
	fmt.Fprintf(w, "licmint: the Customer Licensing Portal is at %s\n", public)
	if recipient != "" {
		fmt.Fprintf(w, "renewal requests sealed to %s are opened\n", recipient)
	}
	if demo == nil {
		if f.smtp == "" {
			fmt.Fprintln(w, "mail stays in the outbox (no --smtp): 'licmint serve outbox' lists it")
		}
		return nil
	}
	fmt.Fprintf(w, "\nDemo: an in-memory ledger and a throwaway key; nothing is kept. Mail is shown at %s/outbox.\n", public)
	fmt.Fprintf(w, "Log in as %s with the password %s, or sign up.\n\n", demo.Email, demo.Password)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SAMPLE REGISTRATION KEY\tKIND")
	for _, k := range demo.Full {
		fmt.Fprintf(tw, "%s\tfull (standard edition, 1 year)\n", k)
	}
	for _, k := range demo.Trial {
		fmt.Fprintf(tw, "%s\ttrial\n", k)
	}
	for _, k := range demo.Renewal {
		fmt.Fprintf(tw, "%s\trenewal (enter it on Renew)\n", k)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
	return nil
}

func newServeOutboxCmd() *cobra.Command {
	var (
		led    ledgerFlags
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "outbox --ledger DSN",
		Short: "List the portal's mail outbox",
		Long: `List the portal's mail, newest first: who it is to, its subject, and whether it
was sent, is queued, or is being retried after a failure (with the number
of attempts, the next attempt and the relay's last error). Message bodies
are not shown: they carry links and codes. Sent messages keep no body.`,
		Example: `  licmint serve outbox --ledger licenses.db
  licmint serve outbox --ledger licenses.db --json --limit 10`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 || limit > portaldb.MaxOutbox {
				return usageError("--limit %d: want 1 to %d", limit, portaldb.MaxOutbox)
			}
			l, err := commandLedger(cmd, led.dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			ms, err := portaldb.NewOutbox(l).List(cmd.Context(), limit)
			if err != nil {
				return ledgerError(err, func(err error) error { return err })
			}
			return printOutbox(cmd, ms, asJSON)
		},
	}
	led.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 100, "list at most `N` messages")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

type outboxJSON struct {
	ID          int64  `json:"id"`
	MessageID   string `json:"message_id"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	Queued      string `json:"queued"`
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	Sent        string `json:"sent,omitempty"`
	Status      string `json:"status"`
}

func printOutbox(cmd *cobra.Command, ms []*ledger.Mail, asJSON bool) error {
	recs := make([]outboxJSON, len(ms))
	for i, m := range ms {
		r := outboxJSON{ID: m.ID, MessageID: m.MessageID, To: m.To, Subject: m.Subject, Queued: m.Queued.UTC().Format(time.RFC3339), Attempts: m.Attempts,
			LastError: m.LastError, Status: "queued"}
		switch {
		case !m.Sent.IsZero():
			r.Status, r.Sent = "sent", m.Sent.UTC().Format(time.RFC3339)
		case m.LastError != "":
			r.Status, r.NextAttempt = "retrying", m.NextAttempt.UTC().Format(time.RFC3339)
		}
		recs[i] = r
	}
	w := cmd.OutOrStdout()
	if asJSON {
		return printJSON(w, recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(w, "The outbox is empty.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUEUED\tTO\tSUBJECT\tSTATUS\tATTEMPTS\tNEXT\tLAST ERROR")
	for _, r := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Queued, r.To, r.Subject, r.Status, r.Attempts, r.NextAttempt, r.LastError)
	}
	return tw.Flush()
}

func keyStrings(keys []formats.RegistrationKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.String()
	}
	return out
}
