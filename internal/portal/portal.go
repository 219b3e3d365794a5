// Package portal is the Customer Licensing Portal that `licmint serve`
// runs: customers sign up, register their Registration Keys, get their
// Activation Codes back, renew and report stolen codes, on the vendor's
// issuance ledger. It is a thin layer of HTTP handlers and server-rendered
// pages over package issuance, which holds the licensing rules; the
// portal's own state (accounts, sessions, rate limits, the mail outbox)
// lives in the ledger too, so that several instances can share one
// database.
//
// Every page works without JavaScript. The HTML contract that automated
// checks rely on is stable: the paths /signup, /login, /logout, /forgot,
// /register, /licenses, /renew and /report-stolen; the form fields email,
// password, rk and request, and a hidden csrf field in every form; each
// Activation Code shown in an element with a data-activation-code
// attribute; and form errors in an element with role="alert".
//
// The support console, for the vendor's staff, is under /console/, with a
// cookie, sessions and CSRF tokens of its own: /console/login (fields
// email, password), /console/totp (code; on the first log-in the page
// shows the TOTP secret in data-totp-secret and the otpauth URI in
// data-totp-uri), /console/logout, the search /console/?q= (a
// Registration Key, an Activation Code or its short form, an email
// address, a serial or an order reference; results are links with
// data-result), the license page /console/licenses/PRODUCT-SERIAL (its
// history rows carry data-event) with the actions resend, replace
// (revoke_old, reason), revoke (reason), move (email, reason) and
// reset-code (install_id, remembered) at /console/licenses/ID/ACTION (the
// forms of replace and move also carry the generation their page showed,
// in a hidden field generation: a license replaced since is not), the
// key page /console/keys/RK with void (reason), and
// /console/revocation-list (product). Each action's GET page says what it
// will do; its POST, with csrf, does it. Admins also have /console/staff
// (email, role, password; /console/staff/remove?email=) and
// /console/tokens (name, scope; /console/tokens/ID/revoke); support users
// get 403 there.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
)

// Lifetimes of the portal's tokens and sessions.
const (
	SessionLifetime = 12 * time.Hour
	ConfirmLifetime = 24 * time.Hour
	ResetLifetime   = time.Hour
)

// MaxForm bounds a request body: a form, or an uploaded renewal request.
const MaxForm = 64 << 10

// Limit is a rate limit: at most Max counted attempts in each Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limits are the rate limits the portal applies, per client IP address
// and per account (the login id given). Which attempts count is said for
// each; a request over a limit is refused with 429 before it is tried.
type Limits struct {
	// LoginIP counts every log-in attempt from an address, and LoginPair
	// the failed ones for a login id from an address. LoginAccount counts
	// a customer's failed ones from anywhere, and past it slows them
	// rather than refusing them, so that a stranger cannot keep the
	// customer out: each address then gets one try a slot, of 1 second
	// after the first failure past it, twice as long after each further
	// one, up to LoginWait. A completed password reset clears the
	// account's counts. For a staff user of the console LoginAccount is a
	// hard limit, which an admin can lift.
	LoginIP, LoginPair, LoginAccount Limit
	LoginWait                        time.Duration
	// RegisterIP and RegisterAccount count the Registration Keys refused:
	// mistyped, never minted, void or another account's. A key's check
	// digit stops only 9 in 10 guesses; these limits and the ledger's
	// minted-key check stop the rest.
	RegisterIP, RegisterAccount Limit
	// ResetIP and ResetAccount count every password reset request, and
	// SignupIP every sign-up, so that the portal cannot be made to mail
	// anyone without end.
	ResetIP, ResetAccount Limit
	SignupIP              Limit
	// TOTPAccount counts every TOTP code given for a staff user of the
	// console, counted before it is checked so that a burst sent at once
	// is held to it too. With six digits, three of them accepted at a
	// time (one step of skew either way), 5 tries in 15 minutes leave a
	// guesser who has the password about one chance in 700 a day.
	TOTPAccount Limit
	// CurrentIP counts the requests refused by POST
	// /api/v1/current-code: malformed, not authentic, or of no license.
	// Past it they get 429; a code of a license is answered whatever the
	// count, however often a product asks.
	CurrentIP Limit
	// MailHour and MailDay count the mail a visitor can have sent to one
	// address, whoever asks: confirmation links, "you already have an
	// account" and reset links. Past them the page answers as if the
	// message were sent, and none is, so that sign-ups from many
	// addresses cannot flood a mailbox.
	MailHour, MailDay Limit
}

// DefaultLimits are the limits README.md documents.
var DefaultLimits = Limits{
	LoginIP:         Limit{30, 15 * time.Minute},
	LoginPair:       Limit{10, 15 * time.Minute},
	LoginAccount:    Limit{10, 15 * time.Minute},
	LoginWait:       5 * time.Minute,
	RegisterIP:      Limit{30, time.Hour},
	RegisterAccount: Limit{10, time.Hour},
	ResetIP:         Limit{10, time.Hour},
	ResetAccount:    Limit{3, time.Hour},
	SignupIP:        Limit{10, time.Hour},
	TOTPAccount:     Limit{5, 15 * time.Minute},
	CurrentIP:       Limit{30, time.Hour},
	MailHour:        Limit{3, time.Hour},
	MailDay:         Limit{10, 24 * time.Hour},
}

// Server is the portal. Its Handler is safe for concurrent use.
type Server struct {
	d *deps
	// The audiences the portal serves, each with its own realm: customers
	// with their sessions, the vendor's staff with TOTP, the shop and
	// products with bearer tokens and codes, and the operator.
	customers *customerPages
	console   *consolePages
	api       *shopAPI
	ops       *operations
}

// deps is what every handler of the portal shares.
type deps struct {
	svc *issuance.Service
	led *ledger.Ledger
	// The portal's records, kept in the ledger's database.
	accounts      *portaldb.Accounts
	sessions      *portaldb.Sessions // customers'
	staff         *portaldb.Staff
	staffSessions *portaldb.Sessions
	apiTokens     *portaldb.APITokens
	rates         *portaldb.RateLimits
	mailbox       *portaldb.Outbox

	keys      []verifier.Key
	publicURL string
	now       func() time.Time
	rand      io.Reader
	ids       []age.Identity
	demo      bool
	secure    bool
	limits    Limits
	hashes    *hashGate
	hashSlots int
	mailFrom  string
	sender    Sender
	mailLease time.Duration
	// mailer names this portal's mailer in the outbox's claims.
	mailer  string
	support string
	logf    func(format string, args ...any)

	proxies []netip.Prefix

	csrfKey []byte
	kick    chan struct{}
	metrics *metrics
}

// An Option configures a Server.
type Option func(*deps)

// WithPublicURL sets the absolute URL the portal is reached at, which
// mailed links start with, such as https://licenses.example.com.
func WithPublicURL(u string) Option {
	return func(s *deps) { s.publicURL = strings.TrimRight(u, "/") }
}

// WithNow sets the clock, time.Now by default: token and session expiry,
// rate-limit windows and the days left of licenses are read from it.
func WithNow(now func() time.Time) Option { return func(s *deps) { s.now = now } }

// WithRand sets the source of tokens, session ids and salts, crypto/rand
// by default.
func WithRand(r io.Reader) Option { return func(s *deps) { s.rand = r } }

// WithTrustedKeys sets the public keys that the licenses page checks
// codes with, to tell their status as the product would. Required.
func WithTrustedKeys(keys ...verifier.Key) Option {
	return func(s *deps) { s.keys = append(s.keys, keys...) }
}

// WithRequestIdentities sets the age identities that open renewal
// requests sealed to the portal. Their recipient is the vendor's to give
// products (Started.Recipient); customers never need it.
func WithRequestIdentities(ids ...age.Identity) Option {
	return func(s *deps) { s.ids = ids }
}

// WithDemo shows the outbox at /outbox, for the demo, where mail is kept
// rather than sent.
func WithDemo(on bool) Option { return func(s *deps) { s.demo = on } }

// WithSecureCookies marks the cookies Secure and sends HSTS, for a portal
// served over TLS.
func WithSecureCookies(on bool) Option { return func(s *deps) { s.secure = on } }

// WithTrustedProxies names the reverse proxies and load balancers in
// front of the portal. A request from one of them is taken to come from
// the address they report in X-Forwarded-For, which rate limits and the
// ledger's events then use; without this every client behind a proxy
// would share the proxy's limits. A header from any other peer is
// ignored, as any client can write one.
func WithTrustedProxies(prefixes ...netip.Prefix) Option {
	return func(s *deps) {
		for _, p := range prefixes {
			s.proxies = append(s.proxies, p.Masked())
		}
	}
}

// WithPasswordHashes sets how many argon2id password hashes (19 MiB
// each) may run at once, runtime.GOMAXPROCS(0) when n <= 0, the default.
// A few more log-ins wait a second for a slot; past that they are
// answered 503 with Retry-After, so that a burst of log-ins cannot take
// the server's memory.
func WithPasswordHashes(n int) Option { return func(s *deps) { s.hashSlots = n } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option { return func(s *deps) { s.limits = l } }

// WithMail sends the outbox's messages through sender, from the address
// from. Without it mail stays in the outbox.
func WithMail(sender Sender, from string) Option {
	return func(s *deps) { s.sender, s.mailFrom = sender, from }
}

// WithMailLease sets how long the mailer's claim on a message lasts, 2
// minutes by default: no other instance sends the message meanwhile, the
// mailer stops sending it when the claim ends, and a mailer that dies
// holding claims delays their messages by at most this. It must exceed
// the time the relay takes to accept a message.
func WithMailLease(d time.Duration) Option { return func(s *deps) { s.mailLease = d } }

// WithSupport sets how customers reach support, shown in the footer of
// every customer page and of every mail, and where the portal cannot
// help, such as a forgotten login id.
func WithSupport(contact string) Option { return func(s *deps) { s.support = contact } }

// WithLog sets where the portal reports its own failures, such as the
// database or the mail relay failing; by default it reports nothing.
// Customers never see these details.
func WithLog(logf func(format string, args ...any)) Option { return func(s *deps) { s.logf = logf } }

// New returns a portal over svc, which must record in led: the portal
// changes licenses, keys, codes and lists through svc only, and reads
// them, and keeps its own state, in led.
func New(ctx context.Context, svc *issuance.Service, led *ledger.Ledger, opts ...Option) (*Server, error) {
	s := &deps{svc: svc, led: led, now: time.Now, rand: rand.Reader, limits: DefaultLimits, mailFrom: "licenses@localhost",
		support: "the vendor's customer service", kick: make(chan struct{}, 1), logf: func(string, ...any) {}, mailLease: mailLease}
	for _, o := range opts {
		o(s)
	}
	if svc == nil || led == nil {
		return nil, errors.New("portal: the issuance service needs a ledger")
	}
	if s.mailLease <= 0 {
		return nil, errors.New("portal: the mail lease must be positive")
	}
	s.mailer = mailerName()
	if len(s.keys) == 0 {
		return nil, errors.New("portal: no public keys to check codes with: give WithTrustedKeys")
	}
	if u, err := url.Parse(s.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("portal: the public URL must be absolute, http:// or https://, such as https://licenses.example.com")
	}
	// A page that does not parse stops the server here, not a visitor.
	templates()
	consoleTemplates()
	mailTemplates()
	s.hashes = newHashGate(s.hashSlots, hashWait)
	s.accounts, s.sessions = portaldb.NewAccounts(led), portaldb.NewCustomerSessions(led)
	s.staff, s.staffSessions = portaldb.NewStaff(led), portaldb.NewStaffSessions(led)
	s.apiTokens, s.rates, s.mailbox = portaldb.NewAPITokens(led), portaldb.NewRateLimits(led), portaldb.NewOutbox(led)
	key, err := portaldb.Secret(ctx, led, "portal-csrf")
	if err != nil {
		return nil, err
	}
	s.csrfKey = key
	s.metrics = newMetrics(s)
	return &Server{d: s, customers: &customerPages{s}, console: &consolePages{s}, api: &shopAPI{s}, ops: &operations{s}}, nil
}

// customerPages are the pages of the customers, who log in with their
// email address and a password.
type customerPages struct{ *deps }

// consolePages are the support console's pages, for the vendor's staff,
// who log in with a password and a TOTP code.
type consolePages struct{ *deps }

// shopAPI is the JSON API for the vendor's shop, with bearer tokens, and
// for products, with their codes; and the revocation lists products
// fetch.
type shopAPI struct{ *deps }

// operations are the operator's health checks and metrics.
type operations struct{ *deps }

// PublicURL returns the URL that mailed links start with.
func (s *Server) PublicURL() string { return s.d.publicURL }

const sessionCookie = "licmint_session"

// visit is what the handlers know of a request: the cookie's id, the
// account logged in (if any), the client, and the form's CSRF token.
type visit struct {
	id      string
	account string
	ip      string
	csrf    string
}

type visitKey struct{}

func visitOf(r *http.Request) *visit { return r.Context().Value(visitKey{}).(*visit) }

// csrfToken binds a form to the cookie id: a page from another site
// cannot read the cookie, and so cannot compute the token.
func (s *deps) csrfToken(id string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *customerPages) setCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}

// clientIP is the address the request came from: the peer's, or, when
// the peer is a trusted proxy (WithTrustedProxies), the address that the
// proxies say they received the request from.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type clientIPKey struct{}

// rateAddr is the part of a client address that rate limits count by:
// an IPv6 client by its /64, the least a site is given, so that one
// client cannot take a new address for each attempt; an IPv4 client by
// its address.
func rateAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	switch {
	case err != nil:
		return ip
	case a.Unmap().Is4():
		return a.Unmap().String()
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// MaxForwardedFor bounds the X-Forwarded-For hops read, from the right: a
// chain of trusted proxies longer than this is not a deployment.
const MaxForwardedFor = 16

// forwardedFor is the client address the trusted proxies report in
// X-Forwarded-For, read from the right: each trusted proxy appends the
// address it received the request from, and the first address not of a
// trusted proxy is the client. Anything left of it was written by the
// client and is neither believed nor read, so that a client cannot pad the
// header until its own address is dropped. It reports false when the
// header names no address that can be used, so that the peer's address is
// kept.
func forwardedFor(h http.Header, trusted []netip.Prefix) (string, bool) {
	vals := h.Values("X-Forwarded-For")
	client, read := "", 0
	for i := len(vals) - 1; i >= 0 && read < MaxForwardedFor; i-- {
		v := vals[i]
		for more := true; more && read < MaxForwardedFor; read++ {
			hop := v
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				hop, v = v[j+1:], v[:j]
			} else {
				more = false
			}
			hop = strings.TrimSpace(hop)
			a, err := netip.ParseAddr(hop)
			if err != nil {
				// Some proxies add the client's port: 192.0.2.7:4711, [2001:db8::7]:4711.
				ap, perr := netip.ParseAddrPort(hop)
				if perr != nil {
					return client, client != ""
				}
				a = ap.Addr()
			}
			client = a.Unmap().String()
			if !isTrusted(a, trusted) {
				return client, true
			}
		}
	}
	return client, client != ""
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromProxies resolves the client address once for every handler, when
// the peer is a trusted proxy.
func (s *deps) fromProxies(next http.Handler) http.Handler {
	if len(s.proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && isTrusted(peer.Addr(), s.proxies) {
			if ip, ok := forwardedFor(r.Header, s.proxies); ok {
				r = r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// protect sets the security headers of every page, the customers' and the
// console's, and bounds the request body.
func (s *deps) protect(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Reset and confirmation links carry tokens: never pass them on.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxForm)
}

// secured sets the security headers, bounds the body, finds the visit
// from its cookie and checks the CSRF token of every state-changing
// request before any handler runs.
func (s *customerPages) secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.protect(w, r)

		v := &visit{ip: clientIP(r)}
		// A session that cannot be read is not a visitor logged out:
		// once the CSRF token is checked, the request is answered 503.
		var unreadable error
		if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) == 43 {
			v.id = c.Value
			switch sess, err := s.sessions.Get(r.Context(), tokenHash(c.Value), s.now()); {
			case err == nil:
				v.account = sess.Email
				s.touch(r, tokenHash(c.Value), sess)
			case !errors.Is(err, portaldb.ErrNoSession):
				unreadable = &unavailableError{fmt.Errorf("looking up the session: %w", err)}
			}
		}
		if v.id == "" {
			// A visitor without a session gets an id all the same, which
			// its forms' CSRF tokens are bound to; it is stored nowhere
			// and never becomes a logged-in session.
			id, _, err := newToken(s.rand)
			if err != nil {
				s.page(func(http.ResponseWriter, *http.Request) error { return err })(w, r)
				return
			}
			v.id = id
			s.setCookie(w, id)
		}
		v.csrf = s.csrfToken(v.id)
		ctx := context.WithValue(r.Context(), visitKey{}, v)
		actor := v.account
		if actor == "" {
			actor = "portal"
		}
		r = r.WithContext(ledger.WithClient(ctx, actor, v.ip))

		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			var got string
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				if err := r.ParseMultipartForm(MaxForm); err == nil {
					got = r.PostFormValue("csrf")
				}
			} else {
				got = r.PostFormValue("csrf")
			}
			if !hmac.Equal([]byte(got), []byte(v.csrf)) && v.account == "" && r.Method == http.MethodPost && keptFields[r.URL.Path] != nil {
				// A form behind the log-in whose session has ended and
				// whose cookie is gone with it: a log-in, not a forgery.
				// Nothing is done either way.
				s.sessionEnded(w, r)
				return
			}
			if !hmac.Equal([]byte(got), []byte(v.csrf)) {
				s.render(w, r, http.StatusForbidden, "message", &layout{Title: "Form expired",
					Error: "This form has expired or did not come from this site. Go back, reload the page and try again."})
				return
			}
		}
		// The static files need no visitor: the 503 page itself has them.
		if unreadable != nil && !strings.HasPrefix(r.URL.Path, "/static/") {
			s.unavailable(w, r, unreadable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// touchEvery is how stale a session's record of its last use may grow:
// it is written at most this often, not at every page.
const touchEvery = 5 * time.Minute

// touch records the session's use for its owner's list of sessions, when
// its record is stale or names another browser. A failure only leaves the
// record stale.
func (s *customerPages) touch(r *http.Request, hash string, sess *portaldb.Session) {
	agent := r.UserAgent()
	if len(agent) > portaldb.MaxAgent {
		agent = agent[:portaldb.MaxAgent]
	}
	now := s.now()
	sameAgent := sess.Agent == agent || sess.Agent != "" && strings.HasPrefix(agent, sess.Agent)
	if now.Sub(sess.LastUsed) < touchEvery && sameAgent {
		return
	}
	if err := s.sessions.Touch(r.Context(), hash, agent, now); err != nil {
		s.logf("portal: recording a session's use: %v", err)
	}
}

// needLogin sends a visitor who is not logged in to the log-in page.
func (s *customerPages) needLogin(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if visitOf(r).account == "" {
			if r.Method == http.MethodPost {
				s.sessionEnded(w, r)
				return nil
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		return h(w, r)
	}
}

func (s *customerPages) home(w http.ResponseWriter, r *http.Request) error {
	if visitOf(r).account != "" {
		http.Redirect(w, r, "/licenses", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// link returns the absolute URL of path with a token, as mailed.
func (s *deps) link(path, token string) string {
	return s.publicURL + path + "?token=" + url.QueryEscape(token)
}

// DeliverMail sends the outbox's due messages once, and returns how many
// it sent. Without WithMail it sends nothing.
func (s *Server) DeliverMail(ctx context.Context) (int, error) { return s.d.deliverMail(ctx) }

// RunMailer delivers mail until ctx ends: shortly after a page queues a
// message, and every interval for retries and for mail queued by other
// instances.
func (s *Server) RunMailer(ctx context.Context, interval time.Duration) { s.d.runMailer(ctx, interval) }

// SendNotices queues a notice to the owner of each license whose
// maintenance ends within NoticeDays of today (by the portal's clock) and
// who has not been told of that expiry, and returns how many it queued.
func (s *Server) SendNotices(ctx context.Context) (int, error) { return s.d.sendNotices(ctx) }

// RunNotices sends the notices due at once and then every interval until
// ctx ends; an interval of 0 or less sends none.
func (s *Server) RunNotices(ctx context.Context, interval time.Duration) {
	s.d.runNotices(ctx, interval)
}

// AddAccount makes a confirmed account with a password, as a vendor does
// for a customer (and the demo for its demo account).
func (s *Server) AddAccount(ctx context.Context, email, password string) error {
	return s.d.addAccount(ctx, email, password)
}
