package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// The console's account page: a customer's account as support sees it
// (its licenses and keys, whether it is confirmed or held back by failed
// log-ins, its open sessions and the mail sent to it), and what support
// may do about it. Every action is open to support and admin alike; each
// has a page that says what it will do and changes nothing, and a POST
// that does it, recorded in the ledger's chain for the staff user.

// accountMailShown bounds the messages the page lists, newest first.
const accountMailShown = 50

// accountScreen is the page "account".
type accountScreen struct {
	consoleLayout
	Account *accountView
}

type accountView struct {
	Email, Path        string
	Confirmed          bool
	Created            string
	Licenses, Keys     []consoleResult
	Sessions           []sessionView
	Mail               []mailRow
	Limits             []limitView
	Held               bool // some count holds the customer back now
	Actions            []*consoleAction
	retriable          map[int64]*ledger.Mail
	sessionsOpen, hits int
}

// mailRow is a message to the account, as the page lists it: never its
// body, which may hold a one-time link.
type mailRow struct {
	ID                     int64
	Subject, State, Queued string
	Attempts               int
	// Last is when it was sent, or its last error and next attempt.
	Last string
	// Retry is the path of the action that sends it again now, if it can
	// be; Note says why not, when that is not plain.
	Retry, Note string
}

// limitView is one count of failures that holds the account back past
// its limit.
type limitView struct {
	What, Count, Until string
	Held               bool
}

// accountDone are the notices of the account page after an action.
var accountDone = map[string]string{
	"confirmation": "A new confirmation link is queued for mail to the account.",
	"unlock":       "The lock is lifted: the account's counts of failures are cleared.",
	"logout":       "Logged out everywhere: every session of the account has ended.",
	"retry-mail":   "The message is due now: the mailer sends it at once.",
}

// registerBucket counts the Registration Keys an account had refused.
func registerBucket(email string) string { return "register:account:" + email }

// findAccount returns the page of the account the path names.
func (s *consolePages) findAccount(r *http.Request) (*accountView, error) {
	email, err := parseEmail(r.PathValue("account"))
	if err != nil {
		// Not echoed: it may be anything, of any length.
		return nil, notFound("The portal has no account with the login id given: a login id is an email address.")
	}
	acc, err := s.accounts.Get(r.Context(), email)
	switch {
	case errors.Is(err, ledger.ErrNoAccount):
		return nil, notFound("The portal has no account with the login id %s.", email)
	case errors.Is(err, ledger.ErrTampered):
		return nil, &pageError{status: http.StatusConflict, title: "Account record altered",
			msg: "This account's record no longer matches the ledger's log, so it cannot log in; the refusal has been recorded. Check the ledger (licmint ledger verify) before acting on it."}
	case err != nil:
		return nil, err
	}
	a := &accountView{Email: email, Path: accountPath(email), Confirmed: acc.Confirmed, Created: day(acc.Created)}
	if err := s.fillLicenses(r.Context(), a); err != nil {
		return nil, err
	}
	if err := s.fillLimits(r.Context(), a); err != nil {
		return nil, err
	}
	ss, err := s.sessions.List(r.Context(), email, s.now())
	if err != nil {
		return nil, err
	}
	for _, si := range ss {
		a.Sessions = append(a.Sessions, newSessionView(si, ""))
	}
	a.sessionsOpen = len(ss)
	if err := s.fillMail(r.Context(), a); err != nil {
		return nil, err
	}
	a.Actions = s.accountActions(a)
	return a, nil
}

func (s *consolePages) fillLicenses(ctx context.Context, a *accountView) error {
	hs, err := s.led.Find(ctx, ledger.Query{Owner: a.Email})
	if err != nil {
		return err
	}
	for _, h := range hs {
		lic := h.License
		id := licenseID(lic.Product, lic.Serial)
		trial := ""
		if lic.Trial {
			trial = " trial"
		}
		a.Licenses = append(a.Licenses, consoleResult{Link: "/console/licenses/" + id, Title: id,
			Detail: fmt.Sprintf("%s %s%s, generation %d, maintenance until %s, order %s, %s", lic.Product, lic.Edition, trial, lic.Generation,
				lastDay(lic.Expires), orNone(lic.Order), licenseState(lic))})
		for _, k := range h.Keys {
			a.Keys = append(a.Keys, consoleResult{Link: "/console/keys/" + k.Key.String(), Title: k.Key.String(),
				Detail: fmt.Sprintf("%s key, %s, for %s, minted %s, order %s", k.Purpose, k.State, id, day(k.MintedAt), orNone(k.Order))})
		}
	}
	return nil
}

// fillLimits reads the counts that hold the account back: its failed
// log-ins from anywhere (past the limit it is slowed), from each address
// (past the limit that address is refused), and its refused keys.
func (s *consolePages) fillLimits(ctx context.Context, a *accountView) error {
	login := loginBucket(a.Email)
	for _, b := range []struct {
		bucket string
		what   func(rest string) (string, Limit)
	}{
		{login, func(rest string) (string, Limit) {
			switch {
			case rest == "":
				return "Failed log-ins, from anywhere (past the limit, each address gets one try a slot)", s.limits.LoginAccount
			case !strings.Contains(rest, " "):
				return "Failed log-ins from " + rest + " (past the limit, refused from there)", s.limits.LoginPair
			}
			return "", Limit{}
		}},
		{registerBucket(a.Email), func(rest string) (string, Limit) {
			return "Registration Keys refused (past the limit, registering and renewing wait)", s.limits.RegisterAccount
		}},
	} {
		cs, err := s.rates.Under(ctx, b.bucket)
		if err != nil {
			return err
		}
		for _, c := range cs {
			what, l := b.what(strings.TrimPrefix(strings.TrimPrefix(c.Bucket, b.bucket), " "))
			if what == "" || c.Hits == 0 {
				// A slot's own count, or attempts that were given back.
				continue
			}
			v := limitView{What: what, Count: strconv.Itoa(c.Hits), Until: day(c.Expires)}
			if l.Max > 0 {
				v.Count += " of " + strconv.Itoa(l.Max)
				v.Held = c.Hits >= l.Max
			}
			a.Held = a.Held || v.Held
			a.hits += c.Hits
			a.Limits = append(a.Limits, v)
		}
	}
	return nil
}

// fillMail lists the newest messages to the account, and which of them
// can be sent again now: a failed one waiting for its next attempt, and
// carrying no one-time link, which may have been used or have expired
// since (a new confirmation link is sent instead; a customer asks for a
// new reset link). A sent message's body is not kept, so it cannot be.
func (s *consolePages) fillMail(ctx context.Context, a *accountView) error {
	ms, err := s.mailbox.ListTo(ctx, a.Email, accountMailShown)
	if err != nil {
		return err
	}
	a.retriable = map[int64]*ledger.Mail{}
	for _, m := range ms {
		row := mailRow{ID: m.ID, Subject: m.Subject, Queued: day(m.Queued), Attempts: m.Attempts}
		switch {
		case !m.Sent.IsZero():
			row.State, row.Last = "sent", day(m.Sent)
		case m.LastError != "":
			row.State, row.Last = "failed", fmt.Sprintf("%s; next attempt %s", m.LastError, day(m.NextAttempt))
			if strings.Contains(m.Body, "?token=") {
				row.Note = "It carries a one-time link that may have been used or have expired since: send a new confirmation link, or have the customer ask for a new password reset link."
			} else {
				row.Retry = fmt.Sprintf("%s/retry-mail?mail=%d", a.Path, m.ID)
				a.retriable[m.ID] = m
			}
		default:
			row.State = "queued"
		}
		a.Mail = append(a.Mail, row)
	}
	return nil
}

// accountActions are the actions that can be done on the account as it
// is: a page offers none that would only be refused.
func (s *consolePages) accountActions(a *accountView) []*consoleAction {
	var out []*consoleAction
	base := a.Path + "/"
	if !a.Confirmed {
		out = append(out, &consoleAction{Name: "confirmation", Title: "Send a new confirmation link", Button: "Send the link", Path: base + "confirmation",
			What: []string{fmt.Sprintf("A new link to confirm the address is mailed to %s; it works for %d hours, once.", a.Email, int(ConfirmLifetime.Hours())),
				"Links sent before work until they expire. Nothing else about the account changes."}})
	}
	if a.hits > 0 {
		out = append(out, &consoleAction{Name: "unlock", Title: "Lift the lock", Button: "Clear the counts", Path: base + "unlock",
			What: []string{"The counts of this account's failed log-ins (from anywhere and from each address) and of its refused Registration Keys are cleared: the customer can log in and register at once.",
				"The counts hold back whoever guesses the password or keys: lift them once you know it is the customer asking."}})
	}
	if a.sessionsOpen > 0 {
		out = append(out, &consoleAction{Name: "logout", Title: "Log out everywhere", Button: "End every session", Path: base + "logout",
			What: []string{fmt.Sprintf("The account's %d open sessions end now: whoever uses them must log in again, on every device.", a.sessionsOpen),
				"The password does not change: if someone else may know it, the customer resets it (Forgot your password?)."}})
	}
	return out
}

// findAccountAction returns the account the path names and the action
// it names, the message's for retry-mail.
func (s *consolePages) findAccountAction(r *http.Request, name string) (*accountView, *consoleAction, error) {
	a, err := s.findAccount(r)
	if err != nil {
		return nil, nil, err
	}
	if name == "retry-mail" {
		id, err := strconv.ParseInt(r.URL.Query().Get("mail"), 10, 64)
		if err != nil || id < 1 {
			return nil, nil, notFound("A message is named by its number: open it from the account's page.")
		}
		if m := a.retriable[id]; m != nil {
			return a, &consoleAction{Name: name, Title: fmt.Sprintf("Send message %d again now", id), Button: "Send it now", Path: fmt.Sprintf("%s/retry-mail?mail=%d", a.Path, id),
				What: []string{fmt.Sprintf("The message %q to %s, not sent after %s, is sent at once rather than at its next attempt, %s.", m.Subject, a.Email, attempts(m.Attempts), day(m.NextAttempt)),
					"It is the same message: if the first attempts did reach the customer after all, they have it twice."}}, nil
		}
	} else {
		for _, act := range a.Actions {
			if act.Name == name {
				return a, act, nil
			}
		}
	}
	// Offered when the page was loaded, not since: the account's page
	// shows what can be done now.
	return nil, nil, consoleAgain(http.StatusConflict, "account", &accountScreen{consoleLayout: consoleLayout{Title: "Account " + a.Email,
		Error: "This cannot be done on this account as it is now. Below is what can be done."}, Account: a})
}

func (s *consolePages) accountPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.findAccount(r)
	if err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "account", &accountScreen{consoleLayout: consoleLayout{Title: "Account " + a.Email,
		Notice: accountDone[r.URL.Query().Get("done")]}, Account: a})
	return nil
}

// accountActionForm shows what an action will do; it changes nothing.
func (s *consolePages) accountActionForm(name string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, act, err := s.findAccountAction(r, name)
		if err != nil {
			return err
		}
		s.consoleRender(w, r, http.StatusOK, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title + ": " + a.Email},
			Action: act, Back: a.Path, BackTo: a.Email})
		return nil
	}
}

// accountAction does an action confirmed on its page.
func (s *consolePages) accountAction(name string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, act, err := s.findAccountAction(r, name)
		if err != nil {
			return err
		}
		ctx := r.Context()
		switch act.Name {
		case "confirmation":
			err = s.sendConfirmation(ctx, a.Email)
		case "unlock":
			err = s.accounts.ClearLimits(ctx, a.Email, loginBucket(a.Email), registerBucket(a.Email))
		case "logout":
			_, err = s.sessions.EndAll(ctx, a.Email, "")
		case "retry-mail":
			id, _ := strconv.ParseInt(r.URL.Query().Get("mail"), 10, 64)
			if err = s.mailbox.RetryNow(ctx, id, a.Email); errors.Is(err, portaldb.ErrNotRetriable) {
				// Sent, or taken by a mailer, since the page was loaded.
				return consoleAgain(http.StatusConflict, "account", &accountScreen{consoleLayout: consoleLayout{Title: "Account " + a.Email,
					Error: "This message is no longer waiting for its next attempt: a mailer has it, or sent it. Below is where it stands."}, Account: a})
			}
			s.kickMailer()
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, a.Path+"?done="+act.Name, http.StatusSeeOther)
		return nil
	}
}

// sendConfirmation mails the account email a new link to confirm its
// address.
func (s *deps) sendConfirmation(ctx context.Context, email string) error {
	token, th, err := newToken(s.rand)
	if err != nil {
		return err
	}
	err = s.accounts.AddToken(ctx, portaldb.Token{Hash: th, Email: email, Purpose: portaldb.TokenConfirm, Expires: s.now().Add(ConfirmLifetime)},
		ledger.Mail{To: email, Subject: "Confirm your email address", Body: s.mailText("confirm", mailData{Link: s.link("/confirm", token)})})
	if err == nil {
		s.kickMailer()
	}
	return err
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}
