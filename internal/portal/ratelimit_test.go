package portal_test

import (
	"net/http"
	"net/url"
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
// are: per address, and per account.
func TestLoginBurst(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginIP = portal.Limit{Max: 4, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits))
	if tried := burst(t, e, 16, "nobody@example.com", "a guess"); tried > limits.LoginIP.Max {
		t.Fatalf("%d of 16 guesses sent at once were tried; the limit per address is %d", tried, limits.LoginIP.Max)
	}

	limits = portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 3, Window: 15 * time.Minute}
	e = newEnv(t, portal.WithLimits(limits))
	e.signup("ann@example.com", "correct horse battery")
	if tried := burst(t, e, 12, "ann@example.com", "a guess"); tried > limits.LoginAccount.Max {
		t.Fatalf("%d of 12 guesses sent at once were tried; the limit per account is %d", tried, limits.LoginAccount.Max)
	}
}

// A log-in that succeeds does not count against the account's limit of
// failures.
func TestLoginSuccessNotCounted(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginAccount = portal.Limit{Max: 2, Window: 15 * time.Minute}
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
		t.Fatalf("after %d failures: %d", limits.LoginAccount.Max, b.code)
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
