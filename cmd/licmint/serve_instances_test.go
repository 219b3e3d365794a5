//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/emersion/go-smtp"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

// TestServeInstancesOnPostgres runs two 'licmint serve' processes on one
// PostgreSQL ledger, as two hosts behind a load balancer, and drives them
// over HTTP at once: customers register keys on both (the same key by two
// customers, and by one customer on both instances), the same license is
// replaced from both, and then, 320 days on, both instances' notice
// schedulers run while customers register more keys. The ledger must then
// hold no double issue, no generation twice, one notice per license and
// term, and every event: 'licmint ledger verify' passes, and the events
// and the mail the relay received agree with the answers the customers got.
func TestServeInstancesOnPostgres(t *testing.T) {
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		t.Skip(err)
	}
	s := newServeInstances(t, licmint, ledgertest.PostgresDSN(t))

	// The shop's keys: some for one customer each, some that two
	// customers race for, some that one customer registers on both
	// instances at once, and some for the second day.
	const nOwn, nContested, nTwice, nLater = 32, 8, 4, 4
	const registered = nOwn + nContested + nTwice
	keys := mintShopKeys(t, s.dsn, registered+nLater)
	own, contested, twice, later := keys[:nOwn], keys[nOwn:nOwn+nContested], keys[nOwn+nContested:registered], keys[registered:]

	// Day one: four customers sign up, two on each instance.
	a, b := s.serve("2027-03-01")
	// at is the instance of turn i; it follows a and b when they are
	// started again.
	at := func(i int) *serveProc { return []*serveProc{a, b}[i%2] }
	custs := s.signUpCustomers(at, "ann", "bob", "cat", "dan")
	calls := registrationCalls(custs, at, a, b, own, contested, twice)
	registerAllAtOnce(calls)
	owner := registeredOnce(t, calls)
	if len(owner) != registered {
		t.Fatalf("%d of %d keys registered: %v", len(owner), registered, owner)
	}
	for i, rk := range own {
		if owner[rk] != custs[i%4].email {
			t.Fatalf("%s: registered to %q, not %s", rk, owner[rk], custs[i%4].email)
		}
	}

	// One license, replaced by its owner from both instances at once
	// (sessions live in the ledger: one cookie serves on both).
	stolen := own[0]
	id := stolen.Product.String() + "-" + stolen.Serial.String()
	replaced := replaceFromBoth(t, custs[0], at, id)
	if replaced == 0 || t.Failed() {
		t.Fatalf("%d replacements", replaced)
	}
	t.Logf("day one: %d keys registered by %d requests at once on two instances, license %s replaced %d times by 4 requests", registered, len(calls), id, replaced)
	drained(t, s.db)
	a.stop(t)
	b.stop(t)

	// 320 days on, within 60 days of the first term's end: both instances
	// run the notice scheduler every 50 ms while customers register more
	// keys on both.
	a, b = s.serve("2028-01-15", "--notify-every", "50ms")
	for _, c := range custs {
		c.login(a)
	}
	registerLater(t, custs, at, later)
	s.relay.await(t, subject("Maintenance of your PC license ends"), registered, registered)
	// Many rounds of both schedulers later, still one notice a license.
	time.Sleep(time.Second)
	notices := s.relay.await(t, subject("Maintenance of your PC license ends"), registered, registered)
	checkNotices(t, notices, keys, owner, registered)
	// A customer who registered a key on both instances at once may get
	// its code by mail twice, never anyone else's.
	s.relay.await(t, subject("Your Activation Code for PC"), registered+nLater, registered+nLater+nTwice)
	drained(t, s.db)
	a.stop(t)
	b.stop(t)

	if out, err := exec.Command(licmint, "ledger", "verify", "--ledger", s.dsn).CombinedOutput(); err != nil {
		t.Fatalf("ledger verify: %v\n%s", err, out)
	}
	checkInstancesLedger(t, s.db, s.relay.count(), owner, registered+nLater, replaced, registered)
}

// serveInstances is what the 'licmint serve' processes of
// TestServeInstancesOnPostgres share: the ledger, the signing key and the
// mail relay.
type serveInstances struct {
	t               *testing.T
	licmint, dsn    string
	keyPath, idPath string
	relay           *relay
	db              *sql.DB
}

func newServeInstances(t *testing.T, licmint, dsn string) *serveInstances {
	t.Helper()
	s := &serveInstances{t: t, licmint: licmint, dsn: dsn}
	s.keyPath, s.idPath = writeServeKey(t, t.TempDir())
	s.relay = startRelay(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.db = db
	return s
}

// serve starts two instances on the test clock's day, with extra flags.
func (s *serveInstances) serve(day string, extra ...string) (*serveProc, *serveProc) {
	args := append([]string{"serve", "--ledger", s.dsn, "--key", s.keyPath, "--identity", s.idPath, "--addr", "127.0.0.1:0", "--json",
		"--smtp", s.relay.addr, "--mail-from", "licenses@vendor.test"}, extra...)
	a, b := startServe(s.t, s.licmint, day, args), startServe(s.t, s.licmint, day, args)
	return a, b
}

// signUpCustomers signs up a customer of each name, the i-th on at(i).
func (s *serveInstances) signUpCustomers(at func(int) *serveProc, names ...string) []*customer {
	var custs []*customer
	for i, name := range names {
		c := newCustomer(s.t, name+"@example.com")
		c.signup(at(i), s.relay)
		custs = append(custs, c)
	}
	return custs
}

// mintShopKeys mints n registration keys on day one, a year's license
// each.
func mintShopKeys(t *testing.T, dsn string, n int) []formats.RegistrationKey {
	t.Helper()
	l, err := ledger.Open(context.Background(), dsn, ledger.WithNow(func() time.Time { return day1 }))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m, err := l.Mint(context.Background(), ledger.MintRequest{Product: formats.MustProduct("PC"), Edition: "standard", Count: n, Days: 365})
	if err != nil {
		t.Fatal(err)
	}
	return m.Keys
}

// registrationCalls are day one's registrations: each own key by one
// customer, on the instance of its turn; each contested key by two
// customers, one on each instance; each twice key by one customer on
// both instances.
func registrationCalls(custs []*customer, at func(int) *serveProc, a, b *serveProc, own, contested, twice []formats.RegistrationKey) []*regCall {
	var calls []*regCall
	for i, rk := range own {
		calls = append(calls, &regCall{who: custs[i%4], p: at(i / 4), rk: rk})
	}
	for i, rk := range contested {
		calls = append(calls, &regCall{who: custs[i%4], p: a, rk: rk}, &regCall{who: custs[(i+1)%4], p: b, rk: rk})
	}
	for i, rk := range twice {
		calls = append(calls, &regCall{who: custs[i%4], p: a, rk: rk}, &regCall{who: custs[i%4], p: b, rk: rk})
	}
	return calls
}

// registerAllAtOnce sends every call at once and keeps each answer.
func registerAllAtOnce(calls []*regCall) {
	allAtOnce(len(calls), func(i int) {
		c := calls[i]
		// A registration counts against the limits of refused keys
		// while it is tried, so more at once than a limit are answered
		// 429 until the others are done; tried again, as a customer would.
		for range 300 {
			if c.code, c.body = c.who.submit(c.p, "/register", url.Values{"rk": {c.rk.String()}}); c.code != http.StatusTooManyRequests {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// registerLater registers later[i] as custs[i] on at(i), all at once,
// each to get its code.
func registerLater(t *testing.T, custs []*customer, at func(int) *serveProc, later []formats.RegistrationKey) {
	t.Helper()
	allAtOnce(len(later), func(i int) {
		code, body := custs[i].submit(at(i), "/register", url.Values{"rk": {later[i].String()}})
		if code != http.StatusOK || len(serveCodeRE.FindAllString(body, -1)) != 1 {
			t.Errorf("registering %s on day two: %d\n%s", later[i], code, body)
		}
	})
}

// regCall is a registration a customer sends, and its answer.
type regCall struct {
	who  *customer
	p    *serveProc
	rk   formats.RegistrationKey
	code int
	body string
}

// registeredOnce checks that each key registered went to one customer
// with one code, and that every refusal is the one answer for a key
// another customer has; it returns each key's owner.
func registeredOnce(t *testing.T, calls []*regCall) map[formats.RegistrationKey]string {
	t.Helper()
	owner := map[formats.RegistrationKey]string{}
	codes := map[formats.RegistrationKey]string{}
	for _, c := range calls {
		switch {
		case c.code == http.StatusOK && len(serveCodeRE.FindAllString(c.body, -1)) == 1:
			code := serveTagRE.ReplaceAllString(serveCodeRE.FindStringSubmatch(c.body)[1], "")
			if o, ok := owner[c.rk]; ok && (o != c.who.email || codes[c.rk] != code) {
				t.Fatalf("%s registered to %s and to %s, codes %s and %s", c.rk, o, c.who.email, codes[c.rk], code)
			}
			owner[c.rk], codes[c.rk] = c.who.email, code
		case c.code == http.StatusUnprocessableEntity && strings.Contains(c.body, "cannot be registered"):
		default:
			t.Fatalf("%s registering %s at %s: %d\n%s", c.who.email, c.rk, c.p.url, c.code, c.body)
		}
	}
	return owner
}

// replaceFromBoth reports the license id stolen four times at once, from
// both instances, as its owner c, and returns how many replacements
// the customer was answered with.
func replaceFromBoth(t *testing.T, c *customer, at func(int) *serveProc, id string) int {
	t.Helper()
	replaced := 0
	var mu sync.Mutex
	allAtOnce(4, func(i int) {
		code, body := c.submit(at(i), "/report-stolen", url.Values{"license": {id}})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case code == http.StatusOK && strings.Contains(body, "data-activation-code"):
			replaced++
		case code == http.StatusUnprocessableEntity && strings.Contains(body, "cannot be replaced"):
		default:
			t.Errorf("replacing %s: %d\n%s", id, code, body)
		}
	})
	return replaced
}

// checkNotices checks that each license registered got one expiry notice,
// to its owner.
func checkNotices(t *testing.T, notices []relayed, keys []formats.RegistrationKey, owner map[formats.RegistrationKey]string, registered int) {
	t.Helper()
	noticed := map[string]int{}
	for _, n := range notices {
		lic := regexp.MustCompile(`license (PC-\d{14})`).FindStringSubmatch(n.body)
		if lic == nil {
			t.Fatalf("notice without a license:\n%s", n.body)
		}
		noticed[lic[1]]++
		if o := owner[keyOf(t, keys, lic[1])]; o != n.to {
			t.Fatalf("notice for %s went to %s, the license is %s's", lic[1], n.to, o)
		}
	}
	if len(noticed) != registered {
		t.Fatalf("notices for %d licenses, want %d: %v", len(noticed), registered, noticed)
	}
}

// checkInstancesLedger checks the ledger's tables against what the
// customers were answered: licenses, codes, generations, notices, and
// the mail the relay received (sent).
func checkInstancesLedger(t *testing.T, db *sql.DB, sent int, owner map[formats.RegistrationKey]string, licenses, replaced, noticed int) {
	t.Helper()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM licenses WHERE owner <> ''`:                                   licenses,
		`SELECT COUNT(*) FROM registration_keys WHERE state = 'registered'`:                 licenses,
		`SELECT COUNT(*) FROM events WHERE kind = 'signed'`:                                 licenses,
		`SELECT COUNT(*) FROM events WHERE kind = 'replaced'`:                               replaced,
		`SELECT MAX(generation) FROM licenses`:                                              replaced,
		`SELECT COUNT(*) FROM codes`:                                                        licenses + replaced,
		`SELECT COUNT(*) FROM (SELECT 1 FROM codes GROUP BY product, serial, generation) g`: licenses + replaced,
		`SELECT COUNT(*) FROM events WHERE kind = 'notified'`:                               noticed,
		`SELECT COUNT(*) FROM mail_outbox`:                                                  sent,
		`SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL`:                        sent,
		`SELECT COUNT(*) FROM events WHERE kind = 'mail_queued'`:                            sent,
		`SELECT COUNT(*) FROM events WHERE kind = 'mail_sent'`:                              sent,
	} {
		if n := count(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	for rk, email := range owner {
		if n := count(`SELECT COUNT(*) FROM licenses WHERE product = 'PC' AND serial = $1 AND owner = $2`, int64(rk.Serial), email); n != 1 {
			t.Errorf("%s: not %s's in the ledger", rk, email)
		}
	}
}

// drained waits up to a minute for the outbox to have sent everything.
func drained(t *testing.T, db *sql.DB) {
	t.Helper()
	var n int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if err := db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages unsent after a minute", n)
		}
	}
}

var (
	day1 = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	// A code is shown as its groups, each in a span: serveTagRE takes
	// the markup out.
	serveCodeRE = regexp.MustCompile(`<code data-activation-code>(.*?)</code>`)
	serveTagRE  = regexp.MustCompile(`<[^>]*>`)
	serveCSRFRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

func keyOf(t *testing.T, keys []formats.RegistrationKey, license string) formats.RegistrationKey {
	t.Helper()
	for _, k := range keys {
		if k.Product.String()+"-"+k.Serial.String() == license {
			return k
		}
	}
	t.Fatalf("no key for license %s", license)
	return formats.RegistrationKey{}
}

// allAtOnce runs f(0) … f(n-1) in goroutines released together.
func allAtOnce(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// writeServeKey writes a signing key sealed to an age identity, and the
// identity, as serve opens them.
func writeServeKey(t *testing.T, dir string) (keyPath, idPath string) {
	t.Helper()
	key, err := signer.GenerateKey(1)
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := key.Encrypt(id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	keyPath, idPath = filepath.Join(dir, "vendor.key.age"), filepath.Join(dir, "id.txt")
	if err := os.WriteFile(keyPath, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyPath, idPath
}

// serveProc is a 'licmint serve' process.
type serveProc struct {
	url    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServe starts licmint with args on the test clock's day, with the
// variables env too, and returns once it answers /readyz. The process is
// killed when t ends.
func startServe(t *testing.T, licmint, day string, args []string, env ...string) *serveProc {
	t.Helper()
	p := &serveProc{cmd: exec.Command(licmint, args...), stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd.Env = append(append(os.Environ(), testClockVar+"="+day, "GORACE=atexit_sleep_ms=0"), env...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() {
		var start serveJSON
		err := json.NewDecoder(stdout).Decode(&start)
		p.url = start.URL
		started <- err
		io.Copy(io.Discard, stdout)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("licmint serve: %v\n%s", err, p.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatalf("licmint serve did not start\n%s", p.stderr)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz: %v\n%s", p.url, err, p.stderr)
		}
	}
}

// stop stops the portal as an operator would, with SIGTERM.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("licmint serve at %s: %v\n%s", p.url, err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("licmint serve at %s did not stop on SIGTERM\n%s", p.url, p.stderr)
	}
}

// customer is a browser with its own cookies. The instances share the
// host 127.0.0.1, and cookies do not tell ports apart: one session serves
// on both, as behind a load balancer.
type customer struct {
	t     *testing.T
	email string
	c     *http.Client
}

func newCustomer(t *testing.T, email string) *customer {
	jar, _ := cookiejar.New(nil)
	return &customer{t: t, email: email, c: &http.Client{Jar: jar, Timeout: time.Minute}}
}

func (c *customer) do(req *http.Request) (int, string) {
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", req.Method, req.URL, err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		c.t.Errorf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, string(body)
}

func (c *customer) get(u string) (int, string) {
	req, _ := http.NewRequest("GET", u, nil)
	return c.do(req)
}

// submit fetches the page at path on p and posts fields to it with the
// page's CSRF token, following redirects.
func (c *customer) submit(p *serveProc, path string, fields url.Values) (int, string) {
	_, page := c.get(p.url + path)
	m := serveCSRFRE.FindStringSubmatch(page)
	if m == nil {
		c.t.Errorf("%s%s has no form:\n%s", p.url, path, page)
		return 0, ""
	}
	fields.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", p.url+path, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

const customerPassword = "correct horse battery"

// signup makes the account on p, confirms it with the mailed link, and
// logs in.
func (c *customer) signup(p *serveProc, relay *relay) {
	c.t.Helper()
	if _, page := c.submit(p, "/signup", url.Values{"email": {c.email}, "password": {customerPassword}}); !strings.Contains(page, "We have sent a confirmation link") {
		c.t.Fatalf("sign-up of %s: %s", c.email, page)
	}
	msgs := relay.await(c.t, func(m relayed) bool { return m.to == c.email && m.subject == "Confirm your email address" }, 1, 1)
	link := regexp.MustCompile(`https?://\S+`).FindString(msgs[0].body)
	_, page := c.get(link)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		c.t.Fatalf("confirmation page: %s", page)
	}
	if _, page := c.submit(p, "/confirm", url.Values{"token": {token[1]}}); !strings.Contains(page, "Your email address is confirmed") {
		c.t.Fatalf("confirming %s: %s", c.email, page)
	}
	c.login(p)
}

func (c *customer) login(p *serveProc) {
	c.t.Helper()
	if _, page := c.submit(p, "/login", url.Values{"email": {c.email}, "password": {customerPassword}}); !strings.Contains(page, "Logged in as "+c.email) {
		c.t.Fatalf("log-in of %s: %s", c.email, page)
	}
}

// relay is an SMTP relay on loopback that keeps what it is given.
type relay struct {
	addr string
	mu   sync.Mutex
	msgs []relayed
}

type relayed struct{ to, subject, body string }

func startRelay(t *testing.T) *relay {
	r := &relay{}
	s := smtp.NewServer(r)
	s.Domain = "relay.test"
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

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r  *relay
	to []string
}

func (s *relaySession) Reset()                               { s.to = nil }
func (s *relaySession) Logout() error                        { return nil }
func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, to := range s.to {
		s.r.msgs = append(s.r.msgs, relayed{to: to, subject: msg.Header.Get("Subject"), body: strings.ReplaceAll(string(body), "\r\n", "\n")})
	}
	return nil
}

func (r *relay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// await waits up to a minute for the messages that match to number at
// least min, and returns them; more than max fails the test.
func (r *relay) await(t *testing.T, match func(relayed) bool, min, max int) []relayed {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var got []relayed
		r.mu.Lock()
		for _, m := range r.msgs {
			if match(m) {
				got = append(got, m)
			}
		}
		r.mu.Unlock()
		switch {
		case len(got) > max:
			t.Fatalf("%d such messages, want at most %d: %+v", len(got), max, got)
		case len(got) >= min:
			return got
		case time.Now().After(deadline):
			t.Fatalf("%d such messages after a minute, want %d", len(got), min)
		}
	}
}

func subject(prefix string) func(relayed) bool {
	return func(m relayed) bool { return strings.HasPrefix(m.subject, prefix) }
}
