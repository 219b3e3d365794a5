package portal_test

import (
	"context"
	"crypto/tls"
	"errors"
	"html"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// day0 is the tests' today: no test reads the wall clock's date.
var day0 = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)

var pc = formats.MustProduct("PC")

// clock is a settable clock shared by the ledger, the signer and the
// portal.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a portal on a fresh SQLite ledger, with a real SMTP relay in
// process that the portal's mailer delivers to.
type env struct {
	t     testing.TB
	clock *clock
	led   *ledger.Ledger
	svc   *issuance.Service
	sign  *signer.Signer
	key   *signer.Key
	srv   *portal.Server
	ts    *httptest.Server
	mail  *mailServer
}

func newEnv(t *testing.T, opts ...portal.Option) *env {
	t.Helper()
	return newEnvOn(t, "sqlite:"+filepath.Join(t.TempDir(), "ledger.db"), nil, opts...)
}

// newEnvOn is newEnv on the ledger at dsn. With peer, it is another
// instance of peer's portal: the same clock, key and mail relay.
func newEnvOn(t testing.TB, dsn string, peer *env, opts ...portal.Option) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: &clock{t: day0}}
	if peer != nil {
		e.clock, e.key, e.mail = peer.clock, peer.key, peer.mail
	}
	led, err := ledger.Open(ctx, dsn, ledger.WithNow(e.clock.now), ledger.WithActor("vendor@test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	e.led = led
	if e.key == nil {
		if e.key, err = signer.GenerateKey(1); err != nil {
			t.Fatal(err)
		}
	}
	s, err := signer.New(e.key, signer.WithCatalog(catalog.Default()), signer.WithNow(e.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	e.svc, e.sign = issuance.New(s, led), s
	if e.mail == nil {
		e.mail = startMailServer(t, nil)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	base := []portal.Option{portal.WithPublicURL("http://" + e.ts.Listener.Addr().String()), portal.WithNow(e.clock.now),
		portal.WithTrustedKeys(verifier.Key{ID: e.key.ID(), Public: e.key.Public().Public}),
		portal.WithMail(&portal.SMTP{Addr: e.mail.addr}, "licenses@vendor.test"), portal.WithLog(t.Logf)}
	if e.srv, err = portal.New(ctx, e.svc, led, append(base, opts...)...); err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = e.srv.Handler()
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.srv.RunMailer(mctx, 50*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// mint makes n keys in the ledger, as the vendor's shop would.
func (e *env) mint(n int, trial bool, purpose ledger.Purpose) []formats.RegistrationKey {
	e.t.Helper()
	m, err := e.svc.Mint(context.Background(), ledger.MintRequest{Product: pc, Edition: "standard", Trial: trial, Purpose: purpose, Count: n})
	if err != nil {
		e.t.Fatal(err)
	}
	return m.Keys
}

// product is the product's side: a verifier with a state that remembers
// the codes it saw.
func (e *env) product(store *memState) *verifier.Verifier {
	e.t.Helper()
	cp, _ := catalog.Default().Product("PC")
	opts := []verifier.Option{verifier.WithCatalog(cp), verifier.WithNow(e.clock.now)}
	if store != nil {
		opts = append(opts, verifier.WithState(store))
	}
	v, err := verifier.New("PC", []verifier.Key{{ID: e.key.ID(), Public: e.key.Public().Public}}, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// browser is an HTTP client with its own cookies.
type browser struct {
	e    *env
	c    *http.Client
	last string // the body of the last page
	code int
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (b *browser) do(req *http.Request) string {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last, b.code = string(body), resp.StatusCode
	return b.last
}

func (b *browser) get(path string) string {
	req, _ := http.NewRequest("GET", b.e.url(path), nil)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the token of the forms on the last page.
func (b *browser) csrf() string {
	m := csrfRE.FindStringSubmatch(b.last)
	if m == nil {
		b.e.t.Fatalf("no csrf field on the page:\n%s", b.last)
	}
	return m[1]
}

// submit loads the page at from and posts the form fields to action with
// the page's CSRF token.
func (b *browser) submit(from, action string, fields url.Values) string {
	b.e.t.Helper()
	b.get(from)
	fields.Set("csrf", b.csrf())
	return b.post(action, fields)
}

func (b *browser) post(action string, fields url.Values) string {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.url(action), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (e *env) url(path string) string { return e.ts.URL + path }

// signup makes a confirmed account through the pages and the mailed link,
// and returns a browser logged in to it.
func (e *env) signup(email, password string) *browser {
	e.t.Helper()
	b := e.browser()
	b.submit("/signup", "/signup", url.Values{"email": {email}, "password": {password}})
	if !strings.Contains(b.last, "We have sent a confirmation link") {
		e.t.Fatalf("sign-up: %d\n%s", b.code, b.last)
	}
	link := e.mail.link(e.t, email, "Confirm your email address")
	b.get(strings.TrimPrefix(link, e.ts.URL))
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(b.last)
	if token == nil {
		e.t.Fatalf("confirmation page:\n%s", b.last)
	}
	b.post("/confirm", url.Values{"csrf": {b.csrf()}, "token": {token[1]}})
	if !strings.Contains(b.last, "Your email address is confirmed") {
		e.t.Fatalf("confirm: %s", b.last)
	}
	b.login(email, password)
	if !strings.Contains(b.last, "Logged in as "+html.EscapeString(email)) {
		e.t.Fatalf("log-in: %d %s", b.code, b.last)
	}
	return b
}

func (b *browser) login(email, password string) string {
	return b.submit("/login", "/login", url.Values{"email": {email}, "password": {password}})
}

var (
	codeRE = regexp.MustCompile(`<code data-activation-code>(.*?)</code>`)
	tagRE  = regexp.MustCompile(`<[^>]*>`)
)

// mailHasCode reports whether a mail body holds code, broken over lines
// between its groups as the portal's mail has it.
func mailHasCode(body, code string) bool {
	return strings.Contains(strings.ReplaceAll(body, "-\n", "-"), code)
}

// codes returns the Activation Codes shown on the last page, their
// groups' markup taken out.
func (b *browser) codes() []string {
	var out []string
	for _, m := range codeRE.FindAllStringSubmatch(b.last, -1) {
		out = append(out, tagRE.ReplaceAllString(m[1], ""))
	}
	return out
}

// mailServer is a real SMTP server in process (go-smtp), which keeps the
// messages it is given.
type mailServer struct {
	addr string
	mu   sync.Mutex
	msgs []received
	// auth, when set, is the one user and password it takes; fail makes
	// it refuse every message.
	user, pass string
	fail       bool
}

type received struct {
	From, To, Subject, Body string
	TLS                     bool
	Auth                    bool
}

func startMailServer(t testing.TB, tlsConf *tls.Config) *mailServer {
	t.Helper()
	m := &mailServer{}
	s := smtp.NewServer(m)
	s.Domain = "relay.test"
	s.TLSConfig = tlsConf
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return m
}

func (m *mailServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &mailSession{m: m, c: c}, nil
}

type mailSession struct {
	m    *mailServer
	c    *smtp.Conn
	from string
	to   []string
	auth bool
}

func (s *mailSession) AuthMechanisms() []string {
	if s.m.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.m.user || pass != s.m.pass {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.m.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *mailSession) Data(r io.Reader) error {
	s.m.mu.Lock()
	fail := s.m.fail
	s.m.mu.Unlock()
	if fail {
		io.Copy(io.Discard, r)
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, to := range s.to {
		s.m.msgs = append(s.m.msgs, received{From: s.from, To: to, Subject: msg.Header.Get("Subject"),
			Body: strings.ReplaceAll(string(body), "\r\n", "\n"), TLS: isTLS, Auth: s.auth})
	}
	return nil
}

func (m *mailServer) setFail(on bool) { m.mu.Lock(); m.fail = on; m.mu.Unlock() }

// wait returns the newest message to to whose subject has subject, waiting
// up to ten seconds for it.
// quiet waits until the outbox has sent everything queued, so that no
// mailer event lands in the ledger after it returns.
func (e *env) quiet() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := portaldb.NewOutbox(e.led).Unsent(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatal("the outbox did not empty within 10 s")
}

func (m *mailServer) wait(t testing.TB, to, subject string) received {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		for i := len(m.msgs) - 1; i >= 0; i-- {
			if r := m.msgs[i]; r.To == to && strings.Contains(r.Subject, subject) {
				m.msgs = append(m.msgs[:i], m.msgs[i+1:]...)
				m.mu.Unlock()
				return r
			}
		}
		m.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no mail to %s about %q arrived", to, subject)
	return received{}
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// link returns the link in the newest message to to about subject.
func (m *mailServer) link(t testing.TB, to, subject string) string {
	t.Helper()
	r := m.wait(t, to, subject)
	l := linkRE.FindString(r.Body)
	if l == "" {
		t.Fatalf("no link in the mail:\n%s", r.Body)
	}
	return l
}

// memState is the product's memory between runs.
type memState = state.Memory
