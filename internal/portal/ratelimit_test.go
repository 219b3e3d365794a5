package portal_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// burst sends n log-in attempts at once for email and counts the ones
// tried (401) rather than refused (429).
func burst(t *testing.T, e *env, n int, email, password string) (tried int) {
	t.Helper()
	b := e.browser()
	b.get("/login")
	csrf := b.csrf()
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			f := url.Values{"csrf": {csrf}, "email": {email}, "password": {password}}
			req, _ := http.NewRequest("POST", e.url("/login"), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		switch c {
		case http.StatusUnauthorized:
			tried++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("an attempt answered %d", c)
		}
	}
	return tried
}

// Guesses sent at once are held to the limits as guesses sent one by one
// are: per address, and per account and address.
func TestLoginBurst(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginIP = portal.Limit{Max: 4, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits))
	if tried := burst(t, e, 16, "nobody@example.com", "a guess"); tried > limits.LoginIP.Max {
		t.Fatalf("%d of 16 guesses sent at once were tried; the limit per address is %d", tried, limits.LoginIP.Max)
	}

	limits = portal.DefaultLimits
	limits.LoginPair = portal.Limit{Max: 3, Window: 15 * time.Minute}
	e = newEnv(t, portal.WithLimits(limits))
	e.signup("ann@example.com", "correct horse battery")
	if tried := burst(t, e, 12, "ann@example.com", "a guess"); tried > limits.LoginPair.Max {
		t.Fatalf("%d of 12 guesses sent at once were tried; the limit per account and address is %d", tried, limits.LoginPair.Max)
	}
}

// A log-in that succeeds does not count against the account's limit of
// failures.
func TestLoginSuccessNotCounted(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginPair = portal.Limit{Max: 2, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits))
	e.signup("ann@example.com", "correct horse battery")
	b := e.browser()
	for i := range 2 * limits.LoginAccount.Max {
		if b.login("ann@example.com", "correct horse battery"); !strings.Contains(b.last, "Logged in as ann@example.com") {
			t.Fatalf("log-in %d: %d", i, b.code)
		}
	}
	b.login("ann@example.com", "a guess")
	b.login("ann@example.com", "a guess")
	if b.login("ann@example.com", "correct horse battery"); b.code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d", limits.LoginPair.Max, b.code)
	}
}

// atOnce posts n forms to action at once from b, the i-th with fields(i)
// and the CSRF token of from, and returns the statuses.
func atOnce(t *testing.T, b *browser, from, action string, n int, fields func(i int) url.Values) []int {
	t.Helper()
	b.get(from)
	csrf := b.csrf()
	status := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			f := fields(i)
			f.Set("csrf", csrf)
			req, _ := http.NewRequest("POST", b.e.url(action), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			status[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return status
}

// Registration Keys guessed at once are held to the limit of refusals, on
// either store: each is counted before it is checked.
func TestRegisterGuessesAtOnce(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			var e *env
			if store == "postgres" {
				e = newEnvOn(t, ledgertest.PostgresDSN(t), nil)
			} else {
				e = newEnv(t)
			}
			b := e.signup("ann@example.com", "correct horse battery")
			// A license to renew, so that the renewal keys are looked up.
			k := e.mint(1, false, ledger.PurposeLicense)[0]
			if b.submit("/register", "/register", url.Values{"rk": {k.String()}}); b.code != http.StatusOK {
				t.Fatalf("register: %d", b.code)
			}
			license := pc.String() + "-" + k.Serial.String()
			const n = 50
			guess := func(i int) string {
				k, err := formats.NewRegistrationKey(pc, false, formats.Serial(900000+i))
				if err != nil {
					t.Fatal(err)
				}
				return k.String()
			}
			for _, path := range []string{"/register", "/renew"} {
				status := atOnce(t, b, path, path, n, func(i int) url.Values {
					return url.Values{"rk": {guess(i)}, "license": {license}}
				})
				checked := 0
				for i, st := range status {
					switch st {
					case http.StatusUnprocessableEntity:
						checked++
					case http.StatusTooManyRequests:
					default:
						t.Errorf("%s guess %d: %d", path, i, st)
					}
				}
				t.Logf("%s: %d of %d keys guessed at once were checked", path, checked, n)
				if max := portal.DefaultLimits.RegisterAccount.Max; checked > max {
					t.Fatalf("%s: %d of %d keys guessed at once were checked; the limit is %d", path, checked, n, max)
				}
				e.clock.add(time.Hour)
			}
		})
	}
}

// A stranger failing to log in to an account from many addresses slows
// its log-ins but cannot keep its customer out: each address gets one try
// a slot, and the customer's own address its own.
func TestLoginNoLockOut(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 3, Window: 15 * time.Minute}
	limits.LoginWait = time.Minute
	e := newEnv(t, portal.WithLimits(limits), portal.WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8")))
	e.signup("ann@example.com", "correct horse battery")
	tried := 0
	for i := range 40 {
		m := e.behindProxy(fmt.Sprintf("203.0.113.%d", i))
		for range 2 {
			switch m.login("ann@example.com", "a guess"); m.code {
			case http.StatusUnauthorized:
				tried++
			case http.StatusTooManyRequests:
			default:
				t.Fatalf("guess from address %d: %d", i, m.code)
			}
		}
	}
	if tried < 40 {
		t.Fatalf("%d of 80 guesses from 40 addresses were tried; the first from each address is", tried)
	}
	ann := e.behindProxy("192.0.2.44")
	if ann.login("ann@example.com", "correct horse battery"); !strings.Contains(ann.last, "Logged in as ann@example.com") {
		t.Fatalf("the customer, after a stranger's %d failures: %d %q", tried, ann.code, alert(ann.last))
	}

	// Past the limit, an address waits for its next slot, and is told
	// how long.
	m := e.behindProxy("198.51.100.7")
	if m.login("ann@example.com", "a guess"); m.code != http.StatusUnauthorized {
		t.Fatalf("first guess from a new address: %d", m.code)
	}
	req, _ := http.NewRequest("GET", e.url("/login"), nil)
	m.do(req)
	f := url.Values{"csrf": {m.csrf()}, "email": {"ann@example.com"}, "password": {"a guess"}}
	req, _ = http.NewRequest("POST", e.url("/login"), strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := m.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || wait < 1 || wait > int(limits.LoginWait/time.Second) {
		t.Fatalf("second guess at once: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if m.login("ann@example.com", "a guess"); m.code != http.StatusTooManyRequests || !strings.Contains(alert(m.last), fmt.Sprintf("try again in %d seconds", wait)) {
		t.Fatalf("third guess at once: %d %q", m.code, alert(m.last))
	}
	e.clock.add(time.Duration(wait) * time.Second)
	if m.login("ann@example.com", "a guess"); m.code != http.StatusUnauthorized {
		t.Fatalf("a guess after %d seconds: %d", wait, m.code)
	}
}

// A completed password reset lifts the limits of the account's failed
// log-ins, its owner's own included.
func TestResetClearsLoginLimits(t *testing.T) {
	e := newEnv(t)
	e.signup("ann@example.com", "correct horse battery")
	b := e.browser()
	for range portal.DefaultLimits.LoginAccount.Max + portal.DefaultLimits.LoginPair.Max {
		b.login("ann@example.com", "a guess")
	}
	if b.login("ann@example.com", "correct horse battery"); b.code != http.StatusTooManyRequests {
		t.Fatalf("after many failures: %d", b.code)
	}
	b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	token := tokenRE.FindStringSubmatch(e.mail.link(t, "ann@example.com", "Reset your password"))[1]
	b.get("/reset?token=" + token)
	b.post("/reset", url.Values{"csrf": {b.csrf()}, "token": {token}, "password": {"a brand new password"}})
	if !strings.Contains(b.last, "Your password is changed") {
		t.Fatalf("reset: %d %q", b.code, alert(b.last))
	}
	if b.login("ann@example.com", "a brand new password"); !strings.Contains(b.last, "Logged in as ann@example.com") {
		t.Fatalf("log-in after the reset: %d %q", b.code, alert(b.last))
	}
}

// A staff user's failed log-ins are a hard limit, which an admin lifts
// from the staff page.
func TestStaffUnlock(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff("ada@vendor.test", "admin")
	_, secret := e.staff("sam@vendor.test", "support")
	sam := e.browser()
	for range portal.DefaultLimits.LoginAccount.Max {
		sam.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {"a guess"}})
	}
	if sam.submit("/console/login", "/console/login", url.Values{"email": {"sam@vendor.test"}, "password": {staffPassword}}); sam.code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d", portal.DefaultLimits.LoginAccount.Max, sam.code)
	}
	admin.get("/console/staff")
	if !strings.Contains(admin.last, "Lift the log-in lock") {
		t.Fatal("the staff page shows no lock to lift")
	}
	admin.post("/console/staff/unlock", url.Values{"email": {"sam@vendor.test"}})
	if admin.code != http.StatusForbidden {
		t.Fatalf("an unlock without a CSRF token: %d", admin.code)
	}
	admin.get("/console/staff")
	admin.post("/console/staff/unlock", url.Values{"csrf": {admin.csrf()}, "email": {"sam@vendor.test"}})
	if admin.code != http.StatusOK || strings.Contains(admin.last, "Lift the log-in lock") {
		t.Fatalf("unlock: %d %q", admin.code, alert(admin.last))
	}
	e.clock.add(30 * time.Second) // the next TOTP step: the last one was used
	if sam.staffLogin("sam@vendor.test", secret); !strings.Contains(sam.last, "Logged in to the console") {
		t.Fatalf("after the unlock: %d %q", sam.code, alert(sam.last))
	}
}
