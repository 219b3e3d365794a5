package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// accountPage is the page "account": the customer's password, login id
// and sessions, each form's errors by field (the id of its input).
type accountPage struct {
	layout
	NewEmail string
	Fields   map[string]string
	Sessions []sessionView
}

// sessionView is one of an account's sessions as the account page and
// the console list it: never its id.
type sessionView struct {
	Started, LastUsed, Expires, Browser string
	Current                             bool
}

func newSessionView(si portaldb.SessionInfo, current string) sessionView {
	return sessionView{Started: shortTime(si.Started), LastUsed: shortTime(si.LastUsed), Expires: shortTime(si.Expires),
		Browser: shortAgent(si.Agent), Current: si.Hash == current}
}

// fieldError shows msg at the field with the id.
func (p *accountPage) fieldError(id, msg string) {
	if p.Fields == nil {
		p.Fields = map[string]string{}
	}
	p.Fields[id] = msg
	// Said at the top too, where a reader starts, and beside the field.
	p.Error = msg
}

// accountRateKeys are the rate-limit counters kept under a login id,
// which follow the account when its login id changes.
func accountRateKeys(email string) []string {
	return []string{loginBucket(email), "reset:account:" + email, emailChangeBucket(email)}
}

// emailChangeBucket counts the changes of login id an account asks for:
// each mails two addresses.
func emailChangeBucket(email string) string { return "email-change:account:" + email }

// newAccountPage is the account page of the visitor, with its sessions.
func (s *customerPages) newAccountPage(r *http.Request) (*accountPage, error) {
	v := visitOf(r)
	p := &accountPage{layout: titled("Your account")}
	list, err := s.sessions.List(r.Context(), v.account, s.now())
	if err != nil {
		return nil, err
	}
	this := tokenHash(v.id)
	for _, si := range list {
		sv := newSessionView(si, this)
		if sv.Current {
			// This browser first.
			p.Sessions = append([]sessionView{sv}, p.Sessions...)
			continue
		}
		p.Sessions = append(p.Sessions, sv)
	}
	return p, nil
}

// shortTime is a time as the account page shows it: to the minute, UTC.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// shortAgent names the browser and system a User-Agent says, in a few
// words: "Firefox on Windows". It is what the browser claims, which is
// enough for its owner to know it again.
func shortAgent(ua string) string {
	browser := ""
	for _, b := range []struct{ mark, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.mark) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ mark, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"}, {"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.mark) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "An unknown browser"
}

func (s *customerPages) account(w http.ResponseWriter, r *http.Request) error {
	p, err := s.newAccountPage(r)
	if err != nil {
		return err
	}
	// A form sent as the session ended comes back with what was typed.
	p.NewEmail = keptValue(r, "new_email")
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

// checkPassword checks the account's current password, typed in the
// field with the id, counted as a failed log-in until it is right.
// It returns nil and the account when it is right; otherwise what the
// page shows, or an error.
func (s *customerPages) checkPassword(w http.ResponseWriter, r *http.Request, p *accountPage, id string) (*portaldb.Account, error) {
	v := visitOf(r)
	acc := bucket{loginBucket(v.account), s.limits.LoginAccount}
	if err := s.slowLogin(w, r, "account", p, acc, rateAddr(v.ip)); err != nil {
		return nil, err
	}
	password := r.PostFormValue(id)
	a, err := s.accounts.Get(r.Context(), v.account)
	if errors.Is(err, ledger.ErrTampered) {
		s.release(r, acc)
		p.Error = errTampered
		return nil, again(http.StatusForbidden, "account", p)
	}
	if err != nil {
		s.release(r, acc)
		return nil, err
	}
	stored := a.PasswordHash
	if len(password) > MaxPassword {
		stored = dummyHash()
	}
	ok, err := s.hashes.check(r.Context(), stored, password)
	if err != nil {
		if errors.Is(err, errBusy) {
			// Refused for the server's load, not for the password.
			s.release(r, acc)
		}
		return nil, s.busy(w, err, "account", p)
	}
	if !ok || len(password) > MaxPassword {
		p.fieldError(id, "Your current password is not right.")
		return nil, again(http.StatusUnauthorized, "account", p)
	}
	s.release(r, acc)
	return a, nil
}

func (s *customerPages) passwordChange(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	p, err := s.newAccountPage(r)
	if err != nil {
		return err
	}
	if _, err := s.checkPassword(w, r, p, "current_password"); err != nil {
		return err
	}
	next := r.PostFormValue("new_password")
	if err := checkNewPassword(next, v.account); err != nil {
		p.fieldError("new_password", inputMsg(err))
		return again(http.StatusUnprocessableEntity, "account", p)
	}
	if next == r.PostFormValue("current_password") {
		p.fieldError("new_password", "Choose a new password, not the one you have.")
		return again(http.StatusUnprocessableEntity, "account", p)
	}
	hash, err := s.hashes.hash(r.Context(), s.rand, next)
	if err != nil {
		return s.busy(w, err, "account", p)
	}
	// The account is always told: this notice, to its own address about
	// its own security, takes nothing from the limits of mail to one
	// recipient, which hold back mail that strangers could make us send;
	// changing the password takes the password, and failing counts.
	notice := ledger.Mail{To: v.account, Subject: "Your password was changed",
		Body: s.mailText("password-changed", mailData{URL: s.publicURL})}
	if err := s.accounts.ChangePassword(r.Context(), v.account, hash, tokenHash(v.id), notice); err != nil {
		return err
	}
	s.kickMailer()
	if p, err = s.newAccountPage(r); err != nil {
		return err
	}
	p.Notice = "Your password is changed, and you are logged out everywhere else. Use the new password from your next log-in."
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

func (s *customerPages) emailChange(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	p, err := s.newAccountPage(r)
	if err != nil {
		return err
	}
	typed := r.PostFormValue("new_email")
	p.NewEmail = typed
	to, err := parseEmail(typed)
	if err != nil {
		p.fieldError("new_email", inputMsg(err))
		return again(http.StatusUnprocessableEntity, "account", p)
	}
	if to == v.account {
		p.fieldError("new_email", "This is your email address already: enter the new one.")
		return again(http.StatusUnprocessableEntity, "account", p)
	}
	// Counted first, so that changes sent at once meet the limit too, and
	// given back unless mail is queued: a mistyped password is counted
	// as a failed log-in, not as a change.
	change := bucket{emailChangeBucket(v.account), s.limits.ResetAccount}
	if err := s.reserve(w, r, "account", p, change); err != nil {
		return err
	}
	if _, err := s.checkPassword(w, r, p, "email_password"); err != nil {
		s.release(r, change)
		return err
	}
	sent := "We have sent a confirmation link to " + to + ". Your email address changes when you follow it; until then, log in with " +
		v.account + ". We have also told " + v.account + " of the change."
	// Both addresses are mailed. The new one is anybody's: past the limit
	// of mail to it, it gets nothing and the visitor the same answer. The
	// account's own address is always told, as the changes it can be
	// asked for are few (the change bucket above).
	okNew, err := s.mailAllowed(r.Context(), to)
	if err != nil {
		return err
	}
	told := ledger.Mail{To: v.account, Subject: "A change of your email address was asked for",
		Body: s.mailText("email-change-asked", mailData{URL: s.publicURL, NewEmail: to})}
	if okNew {
		// Whether the new address has an account is told to its owner
		// only, as sign-up does.
		_, err := s.accounts.Get(r.Context(), to)
		switch {
		case errors.Is(err, portaldb.ErrNoAccount):
			token, th, terr := newToken(s.rand)
			if terr != nil {
				return terr
			}
			err = s.accounts.AddToken(r.Context(), portaldb.Token{Hash: th, Email: v.account, Purpose: portaldb.TokenEmail, NewEmail: to,
				Expires: s.now().Add(ConfirmLifetime)},
				ledger.Mail{To: to, Subject: "Confirm your new email address",
					Body: s.mailText("email-confirm", mailData{Link: s.link("/confirm-email", token), OldEmail: v.account, NewEmail: to})},
				told)
		case err == nil || errors.Is(err, ledger.ErrTampered):
			err = s.mailbox.Queue(r.Context(), ledger.Mail{To: to, Subject: "This address has an account already",
				Body: s.mailText("email-taken", mailData{URL: s.publicURL})}, told)
		}
		if err != nil {
			return err
		}
	} else if err := s.mailbox.Queue(r.Context(), told); err != nil {
		return err
	}
	s.kickMailer()
	p.NewEmail = ""
	p.Notice = sent
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

func (s *customerPages) endOthers(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	n, err := s.sessions.EndAll(r.Context(), v.account, tokenHash(v.id))
	if err != nil {
		return err
	}
	p, err := s.newAccountPage(r)
	if err != nil {
		return err
	}
	switch n {
	case 0:
		p.Notice = "You were logged in nowhere else."
	case 1:
		p.Notice = "You are logged out of 1 other session."
	default:
		p.Notice = "You are logged out of " + strconv.Itoa(n) + " other sessions."
	}
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

func (s *customerPages) confirmEmailForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "confirm-email", &tokenForm{layout: titled("Confirm your new email address"), Token: r.URL.Query().Get("token")})
	return nil
}

func (s *customerPages) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	p := &tokenForm{layout: titled("Confirm your new email address")}
	ch, err := s.accounts.ChangeEmail(r.Context(), tokenHash(r.PostFormValue("token")), accountRateKeys, func(ch portaldb.EmailChange) []ledger.Mail {
		return []ledger.Mail{{To: ch.From, Subject: "Your email address was changed",
			Body: s.mailText("email-changed", mailData{URL: s.publicURL, OldEmail: ch.From, NewEmail: ch.To})}}
	})
	switch {
	case errors.Is(err, portaldb.ErrTokenInvalid):
		p.Error = "This confirmation link is unknown, used already or expired. Log in and ask for the change again on the Account page."
		return again(http.StatusBadRequest, "confirm-email", p)
	case errors.Is(err, portaldb.ErrAccountExists):
		p.Error = "This address has an account by now, so your email address was not changed. Log in with it, or ask for the change to another address."
		return again(http.StatusConflict, "confirm-email", p)
	case errors.Is(err, ledger.ErrTampered):
		p.Error = errTampered
		return again(http.StatusForbidden, "confirm-email", p)
	case err != nil:
		return err
	}
	s.kickMailer()
	if v.account == ch.From {
		// This browser's session moved with the account.
		v.account = ch.To
	}
	msg := &layout{Title: "Your email address is changed", Notice: "Your email address, and your login id, is now " + ch.To + ". Log in with it from now on."}
	s.render(w, r, http.StatusOK, "message", msg)
	return nil
}
