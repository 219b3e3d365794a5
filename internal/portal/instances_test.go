package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// raw posts fields to action on e as br's user would, from any goroutine:
// it returns the status (redirects not followed) and the body.
func raw(e *env, br *browser, action string, fields url.Values) (int, string, error) {
	c := &http.Client{Jar: br.c.Jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.url(action), fields)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

type outcome struct {
	code int
	body string
	err  error
}

// race runs each call at once and returns their outcomes in order.
func race(calls ...func() (int, string, error)) []outcome {
	out := make([]outcome, len(calls))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i].code, out[i].body, out[i].err = call()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func kinds(h *ledger.History) map[string]int {
	n := map[string]int{}
	for _, ev := range h.Events {
		n[ev.Kind]++
	}
	return n
}

// TestInstancesOnPostgres runs two portals, each with its own connections,
// on one PostgreSQL ledger, as two hosts behind a load balancer, and has
// them race: the same key registered by two customers at once, the same
// license replaced from both, and the notice scheduler on both. No double
// issue, no duplicate generation, no duplicate notice, no lost event.
func TestInstancesOnPostgres(t *testing.T) {
	dsn := ledgertest.PostgresDSN(t)
	a := newEnvOn(t, dsn, nil)
	b := newEnvOn(t, dsn, a)
	ctx := context.Background()
	ann := a.signup("ann@example.com", "correct horse battery")
	bob := b.signup("bob@example.com", "correct horse battery")

	// The same key from ann on A and bob on B, at once, five times.
	const rounds = 5
	rks := a.mint(rounds, false, ledger.PurposeLicense)
	owner := raceRegistrations(t, a, b, ann, bob, rks)

	// One license replaced from both instances at once, by its owner
	// (sessions live in the ledger: one cookie serves on both).
	rk := rks[0]
	holder := map[string]*browser{"ann@example.com": ann, "bob@example.com": bob}[owner[rk.String()]]
	replaced := raceReplacements(t, a, b, holder, rk)
	hs, err := a.led.Find(ctx, ledger.Query{RK: &rk})
	if err != nil || len(hs) != 1 {
		t.Fatal(err)
	}
	gens := map[uint8]bool{}
	for _, c := range hs[0].Codes {
		if gens[c.Generation] {
			t.Fatalf("generation %d issued twice: %+v", c.Generation, hs[0].Codes)
		}
		gens[c.Generation] = true
	}
	if len(gens) != 1+replaced || kinds(hs[0])["replaced"] != replaced || int(hs[0].License.Generation) != replaced {
		t.Fatalf("%d replacements answered, %d codes, license generation %d, events %v", replaced, len(gens), hs[0].License.Generation, kinds(hs[0]))
	}

	// Ten months on, the scheduler on both instances, three times each, at
	// once: one notice per license.
	a.clock.add(320 * 24 * time.Hour)
	var notices []func() (int, string, error)
	for i := range 6 {
		srv := []*env{a, b}[i%2].srv
		notices = append(notices, func() (int, string, error) {
			n, err := srv.SendNotices(ctx)
			return n, "", err
		})
	}
	sent := 0
	for _, r := range race(notices...) {
		if r.err != nil {
			t.Fatalf("SendNotices: %v", r.err)
		}
		sent += r.code
	}
	if sent != rounds {
		t.Fatalf("%d notices sent for %d licenses", sent, rounds)
	}
	for _, rk := range rks {
		hs, err := b.led.Find(ctx, ledger.Query{RK: &rk})
		if err != nil || len(hs) != 1 || kinds(hs[0])["notified"] != 1 {
			t.Fatalf("%s: %v, events %v", rk, err, kinds(hs[0]))
		}
		a.mail.wait(t, owner[rk.String()], "Maintenance of your PC license ends")
	}

	// Every event chained, none lost: each instance verifies the chain
	// from the first event. The mailers may still be recording deliveries,
	// so B's head is A's or a later one.
	head, err := a.led.Verify(ctx)
	if err != nil {
		t.Fatalf("the chain: %v", err)
	}
	if hb, err := b.led.Verify(ctx); err != nil || hb.Seq < head.Seq {
		t.Fatalf("instance B verified %v, A verified %v (%v)", hb, head, err)
	}
}

// raceRegistrations registers each key from ann on a and bob on b at
// once, and returns who won each: one of them, with one code.
func raceRegistrations(t *testing.T, a, b *env, ann, bob *browser, rks []formats.RegistrationKey) map[string]string {
	t.Helper()
	ctx := context.Background()
	owner := map[string]string{}
	for _, rk := range rks {
		ann.get("/register")
		annCSRF := ann.csrf()
		bob.get("/register")
		bobCSRF := bob.csrf()
		res := race(
			func() (int, string, error) {
				return raw(a, ann, "/register", url.Values{"rk": {rk.String()}, "csrf": {annCSRF}})
			},
			func() (int, string, error) {
				return raw(b, bob, "/register", url.Values{"rk": {rk.String()}, "csrf": {bobCSRF}})
			})
		won := ""
		for i, r := range res {
			who := []string{"ann@example.com", "bob@example.com"}[i]
			switch {
			case r.err != nil:
				t.Fatalf("%s registering %s: %v", who, rk, r.err)
			case r.code == http.StatusOK && len(codeRE.FindAllString(r.body, -1)) == 1:
				if won != "" {
					t.Fatalf("%s registered to both %s and %s", rk, won, who)
				}
				won = who
			case r.code == http.StatusUnprocessableEntity && strings.Contains(r.body, "cannot be registered"):
			default:
				t.Fatalf("%s registering %s: %d\n%s", who, rk, r.code, r.body)
			}
		}
		if won == "" {
			t.Fatalf("%s: neither registration succeeded: %+v", rk, res)
		}
		hs, err := a.led.Find(ctx, ledger.Query{RK: &rk})
		if err != nil || len(hs) != 1 || hs[0].License == nil {
			t.Fatalf("%s in the ledger: %v, %d histories", rk, err, len(hs))
		}
		if h := hs[0]; h.License.Owner != won || len(h.Codes) != 1 || kinds(h)["signed"] != 1 {
			t.Fatalf("%s: owner %q (won by %s), %d codes, events %v", rk, h.License.Owner, won, len(h.Codes), kinds(h))
		}
		owner[rk.String()] = won
	}

	return owner
}

// raceReplacements reports rk's license stolen from a and b at once, as
// its holder, and returns how many replacements were answered.
func raceReplacements(t *testing.T, a, b *env, holder *browser, rk formats.RegistrationKey) int {
	t.Helper()
	id := rk.Product.String() + "-" + rk.Serial.String()
	holder.get("/report-stolen")
	csrf := holder.csrf()
	replaced := 0
	const tries = 4
	var calls []func() (int, string, error)
	for i := range tries {
		e := []*env{a, b}[i%2]
		calls = append(calls, func() (int, string, error) {
			return raw(e, holder, "/report-stolen", url.Values{"license": {id}, "csrf": {csrf}})
		})
	}
	for _, r := range race(calls...) {
		switch {
		case r.err != nil:
			t.Fatal(r.err)
		case r.code == http.StatusSeeOther:
			replaced++
		case r.code == http.StatusUnprocessableEntity && strings.Contains(r.body, "cannot be replaced"):
		default:
			t.Fatalf("replacing %s: %d\n%s", id, r.code, r.body)
		}
	}
	if replaced == 0 {
		t.Fatal("no replacement succeeded")
	}
	return replaced
}
