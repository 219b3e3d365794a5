package portal_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

var (
	retryRE     = regexp.MustCompile(`<a href="(/console/accounts/[^"]+/retry-mail\?mail=(\d+))" data-retry-mail>`)
	mailRowRE   = regexp.MustCompile(`<tr data-mail="(\d+)" data-mail-state="([a-z]+)"><td>[a-z]+(?: <a [^>]*>[^<]*</a>)?</td><td>([^<]*)</td>`)
	accActionRE = regexp.MustCompile(`data-action="([a-z-]+)"`)
)

// chainEvents returns the kind and actor of each event after seq, of any
// product or none.
func chainEvents(t *testing.T, e *env, seq int64) []string {
	t.Helper()
	rows, err := ledgerdb.Of(e.led).Read.QueryContext(context.Background(), `SELECT kind, actor FROM events WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, actor string
		if err := rows.Scan(&kind, &actor); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+" by "+actor)
	}
	return out
}

func headSeq(t *testing.T, e *env) int64 {
	t.Helper()
	h, err := e.led.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

// only keeps the events of kind.
func only(events []string, kind string) []string {
	var out []string
	for _, ev := range events {
		if strings.HasPrefix(ev, kind+" by ") {
			out = append(out, ev)
		}
	}
	return out
}

// offered returns the actions the page offers.
func offered(page string) []string {
	var out []string
	for _, m := range accActionRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// failMail has the relay refuse mail while queue queues a message to
// to, and returns the message's id once the mailer has failed to send it.
func failMail(t *testing.T, e *env, to string, queue func()) int64 {
	t.Helper()
	e.quiet()
	e.mail.setFail(true)
	defer e.mail.setFail(false)
	queue()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ms, err := portaldb.NewOutbox(e.led).ListTo(context.Background(), to, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].LastError != "" {
			return ms[0].ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the mailer did not fail to send within 10 s")
	return 0
}

// A support agent's account view: what the account has and where it
// stands, then each action, recorded for the agent.
func TestConsoleAccountView(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key, ann := e.registered()
		code := ann.codes()[0]
		id := "PC-" + key.Serial.String()
		// A second session, on another device.
		phone := e.browser()
		phone.login("ann@example.com", "correct horse battery")
		// Three wrong passwords, and a key never minted.
		guesser := e.browser()
		for range 3 {
			guesser.login("ann@example.com", "not her password")
		}
		ann.submit("/register", "/register", url.Values{"rk": {"PC-1000-0000-0000-0001"}})
		sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
		actor := "console:sam@vendor.test"
		// A mail the relay refused: the code, resent from the console.
		failed := failMail(t, e, "ann@example.com", func() {
			consoleDo(t, sam, "/console/licenses/"+id+"/resend", "mailed to its owner account", url.Values{})
		})

		sam.get("/console/accounts/ann@example.com")
		page := sam.last
		for _, want := range []string{"<h1>Account ann@example.com</h1>", "<dd data-account-email>ann@example.com</dd>", "<dd data-confirmed>confirmed</dd>",
			"<dd data-session-count>2</dd>", `<a href="/console/licenses/` + id + `" data-license>` + id + `</a>`,
			`<a href="/console/keys/` + key.String() + `" data-key>`, "license key, registered, for " + id,
			"<td>3 of 10</td><td>no</td><td>2027-03-01 10:15:00 UTC</td><td>Failed log-ins, from anywhere (past the limit, each address gets one try a slot)</td>",
			"<td>3 of 10</td><td>no</td><td>2027-03-01 10:15:00 UTC</td><td>Failed log-ins from 127.0.0.1 (past the limit, refused from there)</td>",
			"<td>1 of 10</td><td>no</td><td>2027-03-01 11:00:00 UTC</td><td>Registration Keys refused (past the limit, registering and renewing wait)</td>",
			"<dd data-held>no</dd>"} {
			if !strings.Contains(page, want) {
				t.Errorf("no %q on the account page", want)
			}
		}
		rows := mailRowRE.FindAllStringSubmatch(page, -1)
		if len(rows) < 3 || rows[0][1] != strconv.FormatInt(failed, 10) || rows[0][2] != "failed" || rows[len(rows)-1][3] != "Confirm your email address" || rows[len(rows)-1][2] != "sent" {
			t.Errorf("mail rows: %v", rows)
		}
		if got := strings.Join(offered(page), " "); got != "unlock logout" {
			t.Errorf("offered: %q", got)
		}
		// Confirmed: no new confirmation link, even from a page left open.
		sam.get("/console/accounts/ann@example.com/confirmation")
		if sam.code != http.StatusConflict || !strings.Contains(alert(sam.last), "cannot be done on this account as it is now") {
			t.Errorf("the confirmation of a confirmed account: %d %q", sam.code, alert(sam.last))
		}

		// Send the failed message again now: the same message arrives.
		m := retryRE.FindStringSubmatch(page)
		if m == nil || m[2] != strconv.FormatInt(failed, 10) {
			t.Fatalf("no retry of message %d: %v", failed, m)
		}
		seq := headSeq(t, e)
		consoleDo(t, sam, m[1], "is sent at once", url.Values{})
		if got := e.mail.wait(t, "ann@example.com", "Your Activation Code"); !mailHasCode(got.Body, code) {
			t.Errorf("the message sent again:\n%s", got.Body)
		}
		if !strings.Contains(statusText(sam.last), "The message is due now") {
			t.Errorf("after the retry: %q", statusText(sam.last))
		}
		if evs := only(chainEvents(t, e, seq), "mail_retry_now"); len(evs) != 1 || evs[0] != "mail_retry_now by "+actor {
			t.Errorf("events: %v", chainEvents(t, e, seq))
		}
		// Sent since: it can no longer be sent again.
		e.quiet()
		sam.get(m[1])
		if sam.code != http.StatusConflict {
			t.Errorf("a sent message sent again: %d", sam.code)
		}

		// Lift the lock: the counts are gone, and it is recorded.
		seq = headSeq(t, e)
		consoleDo(t, sam, "/console/accounts/ann@example.com/unlock", "are cleared", url.Values{})
		rl := portaldb.NewRateLimits(e.led)
		for _, b := range []string{"login:account:ann@example.com", "register:account:ann@example.com"} {
			if cs, err := rl.Under(ctx, b); err != nil || len(cs) != 0 {
				t.Errorf("%s after unlock: %+v %v", b, cs, err)
			}
		}
		if evs := chainEvents(t, e, seq); len(evs) != 1 || evs[0] != "account_unlocked by "+actor {
			t.Errorf("events of unlock: %v", evs)
		}
		if strings.Contains(sam.last, "data-limit") || strings.Join(offered(sam.last), " ") != "logout" {
			t.Errorf("after unlock: %v", offered(sam.last))
		}

		// Log out everywhere: both sessions end.
		seq = headSeq(t, e)
		consoleDo(t, sam, "/console/accounts/ann@example.com/logout", "2 open sessions end now", url.Values{})
		for _, b := range []*browser{ann, phone} {
			if b.get("/licenses"); strings.Contains(b.last, "Logged in as") {
				t.Error("a session lives on")
			}
		}
		if evs := chainEvents(t, e, seq); len(evs) != 2 || evs[0] != "session_ended by "+actor || evs[1] != evs[0] {
			t.Errorf("events of log-out: %v", evs)
		}
		if !strings.Contains(sam.last, "<dd data-session-count>0</dd>") || len(offered(sam.last)) != 0 {
			t.Errorf("after log-out: %v", offered(sam.last))
		}
		sam.get("/console/accounts/ann@example.com/logout")
		if sam.code != http.StatusConflict {
			t.Errorf("log-out with no session: %d", sam.code)
		}

		// An account not confirmed: a new link, which confirms it.
		cy := e.browser()
		cy.submit("/signup", "/signup", url.Values{"email": {"cy@example.com"}, "password": {"correct horse battery"}})
		e.mail.wait(t, "cy@example.com", "Confirm your email address")
		sam.get("/console/?q=cy%40example.com")
		if res := resultRE.FindAllStringSubmatch(sam.last, -1); len(res) != 1 || res[0][1] != "/console/accounts/cy@example.com" {
			t.Fatalf("search for cy: %v", res)
		}
		sam.get("/console/accounts/cy@example.com")
		if !strings.Contains(sam.last, "<dd data-confirmed>not confirmed") || strings.Join(offered(sam.last), " ") != "confirmation" {
			t.Errorf("cy's account: %v\n%s", offered(sam.last), sam.last)
		}
		seq = headSeq(t, e)
		consoleDo(t, sam, "/console/accounts/cy@example.com/confirmation", "works for 24 hours, once", url.Values{})
		link := e.mail.link(t, "cy@example.com", "Confirm your email address")
		if evs := only(chainEvents(t, e, seq), "token_issued"); len(evs) != 1 || evs[0] != "token_issued by "+actor {
			t.Errorf("events of the confirmation: %v", chainEvents(t, e, seq))
		}
		cy.get(strings.TrimPrefix(link, e.ts.URL))
		token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(cy.last)
		if token == nil {
			t.Fatalf("the confirmation page:\n%s", cy.last)
		}
		cy.post("/confirm", url.Values{"csrf": {cy.csrf()}, "token": {token[1]}})
		if !strings.Contains(cy.last, "Your email address is confirmed") {
			t.Fatalf("confirming with the new link: %q", alert(cy.last))
		}

		// A failed message with a one-time link is never sent again: a
		// new link is.
		dan := e.browser()
		failed = failMail(t, e, "dan@example.com", func() {
			dan.submit("/signup", "/signup", url.Values{"email": {"dan@example.com"}, "password": {"correct horse battery"}})
		})
		sam.get("/console/accounts/dan@example.com")
		if retryRE.MatchString(sam.last) || !strings.Contains(sam.last, "carries a one-time link") {
			t.Errorf("a failed confirmation mail offered again:\n%s", sam.last)
		}
		seq = headSeq(t, e)
		sam.get("/console/accounts/dan@example.com/retry-mail?mail=" + strconv.FormatInt(failed, 10))
		if sam.code != http.StatusConflict {
			t.Errorf("the retry page of a link's mail: %d", sam.code)
		}
		sam.post("/console/accounts/dan@example.com/retry-mail?mail="+strconv.FormatInt(failed, 10), url.Values{"csrf": {sam.csrf()}})
		if sam.code != http.StatusConflict || len(chainEvents(t, e, seq)) != 0 {
			t.Errorf("a retry of a link's mail: %d %v", sam.code, chainEvents(t, e, seq))
		}
		// Nor another account's message, through this one's page.
		sam.post("/console/accounts/ann@example.com/retry-mail?mail="+strconv.FormatInt(failed, 10), url.Values{"csrf": {sam.csrf()}})
		if sam.code != http.StatusConflict || len(chainEvents(t, e, seq)) != 0 {
			t.Errorf("dan's message through ann's page: %d", sam.code)
		}
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// The account view is staff's only: a customer's cookie, a staff session
// half way through its TOTP step, a forged form and a login id of no
// account reach nothing and change nothing; what is shown of an address
// is text, never markup.
func TestConsoleAccountRefusals(t *testing.T) {
	e := newEnv(t)
	_, ann := e.registered()
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	if err := portal.AddStaff(context.Background(), e.led, "pat@vendor.test", portaldb.RoleAdmin, staffPassword); err != nil {
		t.Fatal(err)
	}
	pat := e.browser()
	pat.submit("/console/login", "/console/login", url.Values{"email": {"pat@vendor.test"}, "password": {staffPassword}})
	if !secretRE.MatchString(pat.last) {
		t.Fatalf("pat half way: %s", pat.last)
	}
	failed := failMail(t, e, "ann@example.com", func() {
		consoleDo(t, sam, "/console/licenses/PC-"+strings.TrimPrefix(regexp.MustCompile(`PC-\d{14}`).FindString(ann.get("/licenses")), "PC-")+"/resend", "mailed", url.Values{})
	})
	// Sessions and counts for each action to act on.
	ann.get("/licenses")
	e.browser().login("ann@example.com", "wrong password here")
	ann.get("/licenses")
	customerCSRF := ann.csrf()
	pat.get("/console/totp")
	patCSRF := pat.csrf()
	sam.get("/console/")
	samCSRF := sam.csrf()
	retry := "/console/accounts/ann@example.com/retry-mail?mail=" + strconv.FormatInt(failed, 10)
	paths := []string{"/console/accounts/ann@example.com/unlock", "/console/accounts/ann@example.com/logout", retry}
	// Each is offered to sam, of the support staff, and to an admin.
	sam.get("/console/accounts/ann@example.com")
	if got := strings.Join(offered(sam.last), " "); got != "unlock logout" || !retryRE.MatchString(sam.last) {
		t.Fatalf("offered: %q", got)
	}
	ada, _ := e.staff("ada@vendor.test", portaldb.RoleAdmin)
	ada.get("/console/accounts/ann@example.com")
	if got := strings.Join(offered(ada.last), " "); ada.code != http.StatusOK || got != "unlock logout" || !retryRE.MatchString(ada.last) {
		t.Fatalf("offered to an admin: %d %q", ada.code, got)
	}

	seq := headSeq(t, e)
	for _, path := range append(paths, "/console/accounts/ann@example.com/confirmation") {
		for name, try := range map[string]struct {
			b    *browser
			csrf string
		}{"no token": {sam, ""}, "a made-up token": {sam, strings.Repeat("A", 43)}, "a customer page's token": {sam, customerCSRF},
			"another staff session's token": {sam, patCSRF}, "a customer's cookie": {ann, customerCSRF}, "half way": {pat, patCSRF}} {
			f := url.Values{}
			if try.csrf != "" {
				f.Set("csrf", try.csrf)
			}
			try.b.post(path, f)
			switch name {
			case "a customer's cookie":
				if !strings.Contains(try.b.last, "did not come from this console") && !strings.Contains(try.b.last, `action="/console/login"`) {
					t.Errorf("POST %s with %s: %d", path, name, try.b.code)
				}
			case "half way":
				if !strings.Contains(try.b.last, `action="/console/totp"`) || strings.Contains(try.b.last, "ann@example.com") {
					t.Errorf("POST %s %s: %d", path, name, try.b.code)
				}
			default:
				if try.b.code != http.StatusForbidden || !strings.Contains(alert(try.b.last), "did not come from this console") {
					t.Errorf("POST %s with %s: %d %q", path, name, try.b.code, alert(try.b.last))
				}
			}
		}
	}
	if evs := chainEvents(t, e, seq); len(evs) != 0 {
		t.Fatalf("forged forms changed the ledger: %v", evs)
	}
	if ann.get("/licenses"); !strings.Contains(ann.last, "Logged in as ann@example.com") {
		t.Fatal("a forged log-out ended the customer's session")
	}

	// Reading: a customer's cookie and a half-way session see nothing of
	// the account, the same whether it exists or not.
	for _, b := range []*browser{ann, pat, e.browser()} {
		var pages []string
		for _, path := range []string{"/console/accounts/ann@example.com", "/console/accounts/nobody@example.com", "/console/accounts/ann@example.com/unlock", retry} {
			b.get(path)
			if strings.Contains(b.last, "ann@example.com") || strings.Contains(b.last, "nobody@") || b.code != http.StatusOK {
				t.Errorf("GET %s by a visitor not staff: %d\n%s", path, b.code, b.last)
			}
			pages = append(pages, regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(b.last, ""))
		}
		if pages[0] != pages[1] {
			t.Errorf("an account that exists and one that does not answer differently:\n%s\n%s", pages[0], pages[1])
		}
	}

	// Unknown, malformed or marked-up login ids: 404, said as text.
	for _, path := range []string{"/console/accounts/nobody@example.com", "/console/accounts/nobody@example.com/unlock",
		"/console/accounts/" + url.PathEscape(`<script>alert(1)</script>@example.com`), "/console/accounts/" + url.PathEscape(`"><img src=x onerror=alert(1)>`),
		"/console/accounts/" + url.PathEscape("x'&y@example.com") + "/logout", "/console/accounts/" + strings.Repeat("a", 5000) + "@example.com"} {
		sam.get(path)
		if sam.code != http.StatusNotFound || !strings.Contains(alert(sam.last), "The portal has no account with the login id") ||
			strings.Contains(sam.last, "<script>alert") || strings.Contains(sam.last, "<img") || strings.Contains(sam.last, strings.Repeat("a", 300)) {
			t.Errorf("GET %s: %d %q", path, sam.code, alert(sam.last))
		}
		f := url.Values{"csrf": {samCSRF}}
		sam.post(path, f)
		if sam.code != http.StatusNotFound {
			t.Errorf("POST %s: %d", path, sam.code)
		}
	}
	if evs := chainEvents(t, e, seq); len(evs) != 0 {
		t.Fatalf("refused requests changed the ledger: %v", evs)
	}
	// A message by a number that is not one.
	for _, q := range []string{"", "x", "0", "-1", "99999999999999999999"} {
		sam.get("/console/accounts/ann@example.com/retry-mail?mail=" + url.QueryEscape(q))
		if sam.code != http.StatusNotFound {
			t.Errorf("retry-mail?mail=%q: %d", q, sam.code)
		}
	}
}

// An address with characters that mean something in HTML and in paths is
// shown as text, linked escaped, and acted on.
func TestConsoleAccountOddAddress(t *testing.T) {
	e := newEnv(t)
	odd := "o'hara/x&y{z}@example.com"
	key := e.mint(1, false, ledger.PurposeLicense)[0]
	b := e.signup(odd, "correct horse battery")
	b.submit("/register", "/register", url.Values{"rk": {key.String()}})
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
	sam.get("/console/?q=" + url.QueryEscape(odd))
	res := resultRE.FindAllStringSubmatch(sam.last, -1)
	path := "/console/accounts/" + url.PathEscape(odd)
	if len(res) != 2 || html.UnescapeString(res[1][1]) != path {
		t.Fatalf("search: %v", res)
	}
	sam.get(path)
	if sam.code != http.StatusOK || !strings.Contains(sam.last, "<dd data-account-email>o&#39;hara/x&amp;y{z}@example.com</dd>") {
		t.Fatalf("the account page: %d\n%s", sam.code, sam.last)
	}
	// A key registered is counted, then given back: no count to show.
	if strings.Contains(sam.last, "data-limit") || strings.Contains(sam.last, `data-action="unlock"`) {
		t.Errorf("counts given back are shown:\n%s", sam.last)
	}
	consoleDo(t, sam, path+"/logout", "open sessions end now", url.Values{})
	if b.get("/licenses"); strings.Contains(b.last, "Logged in as") {
		t.Fatal("the session lives on")
	}
	if !strings.Contains(statusText(sam.last), "Logged out everywhere") {
		t.Fatalf("after log-out: %q", statusText(sam.last))
	}
}
