package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// MaxEmail is the longest login id taken, in bytes (RFC 5321's limit on a
// path).
const MaxEmail = 254

// parseEmail returns the login id for what was typed: an address alone,
// with no display name, in lower case. What is wrong with it is an
// *InputError, worded for the person who typed it.
func parseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", &InputError{Field: "email", Msg: "Enter your email address."}
	}
	if len(s) > MaxEmail || !utf8.ValidString(s) {
		return "", &InputError{Field: "email", Msg: fmt.Sprintf("An email address has at most %d characters.", MaxEmail)}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") && !strings.HasSuffix(s, "@localhost") {
		return "", &InputError{Field: "email", Msg: "This is not an email address: write it as name@example.com."}
	}
	return s, nil
}

// checkNewPassword says, as an *InputError, what is wrong with a password
// chosen for the account email.
func checkNewPassword(password, email string) error {
	msg := ""
	switch {
	case len(password) < MinPassword:
		msg = fmt.Sprintf("Choose a password of at least %d characters.", MinPassword)
	case len(password) > MaxPassword:
		msg = fmt.Sprintf("A password has at most %d characters.", MaxPassword)
	case strings.EqualFold(password, email):
		msg = "Choose a password other than your email address."
	default:
		return nil
	}
	return &InputError{Field: "password", Msg: msg}
}

// inputMsg is what is wrong with a value typed, in words for the person
// who typed it: an *InputError's message.
func inputMsg(err error) string {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Msg
	}
	return err.Error()
}

func (s *customerPages) signupForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "signup", &emailForm{layout: titled("Sign up")})
	return nil
}

func (s *customerPages) signup(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	typed := r.PostFormValue("email")
	p := &emailForm{layout: titled("Sign up"), Email: typed}
	if err := s.reserve(w, r, "signup", p, bucket{"signup:ip:" + rateAddr(v.ip), s.limits.SignupIP}); err != nil {
		return err
	}
	email, err := parseEmail(typed)
	if err == nil {
		err = checkNewPassword(r.PostFormValue("password"), email)
	}
	if err != nil {
		p.fieldError(err, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "signup", p)
		return nil
	}
	sent := &layout{Title: "Check your mail",
		Notice: "We have sent a confirmation link to " + email + ". Follow it to confirm your address, then log in. Your email address is your login id; you can change it later on the Account page."}
	if ok, err := s.mailAllowed(r.Context(), email); err != nil || !ok {
		// Past the limit of mail to the address nothing is recorded,
		// and the answer is the same.
		if err == nil {
			s.render(w, r, http.StatusOK, "message", sent)
		}
		return err
	}
	hash, err := s.hashes.hash(r.Context(), s.rand, r.PostFormValue("password"))
	if err != nil {
		return s.busy(w, err, "signup", p)
	}
	token, th, err := newToken(s.rand)
	if err != nil {
		return err
	}
	err = s.accounts.Create(r.Context(), portaldb.Account{Email: email, PasswordHash: hash},
		portaldb.Token{Hash: th, Expires: s.now().Add(ConfirmLifetime)},
		ledger.Mail{To: email, Subject: "Confirm your email address",
			Body: s.mailText("welcome", mailData{Link: s.link("/confirm", token)})})
	if errors.Is(err, portaldb.ErrAccountExists) {
		// The same answer as for a new account, so that sign-up does not
		// tell who has one; the owner of the address is told instead.
		err = s.mailbox.Queue(r.Context(), ledger.Mail{To: email, Subject: "You already have an account",
			Body: s.mailText("account-exists", mailData{URL: s.publicURL})})
	}
	if err != nil {
		return err
	}
	s.kickMailer()
	s.render(w, r, http.StatusOK, "message", sent)
	return nil
}

func (s *customerPages) confirmForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "confirm", &tokenForm{layout: titled("Confirm your email address"), Token: r.URL.Query().Get("token")})
	return nil
}

func (s *customerPages) confirm(w http.ResponseWriter, r *http.Request) error {
	token := r.PostFormValue("token")
	_, err := s.accounts.Confirm(r.Context(), tokenHash(token))
	switch {
	case errors.Is(err, portaldb.ErrTokenInvalid):
		s.render(w, r, http.StatusBadRequest, "confirm", &tokenForm{layout: layout{Title: "Confirm your email address",
			Error: "This confirmation link is unknown, used already or expired. Log in to have a new one sent."}})
	case err != nil:
		return err
	default:
		s.render(w, r, http.StatusOK, "login", &emailForm{layout: layout{Title: "Log in", Notice: "Your email address is confirmed. You can log in now."}})
	}
	return nil
}

func (s *customerPages) loginForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "login", &emailForm{layout: titled("Log in"), Next: localPath(r.URL.Query().Get("next"))})
	return nil
}

// errLogin is the one answer to a wrong login id or password, so that it
// never tells whether an account exists.
const errLogin = "The email address or the password is not right."

// errTampered answers a log-in whose account's record no longer matches
// the ledger's event log (ledger.ErrTampered): the refusal is recorded.
const errTampered = "This account's record no longer matches the ledger's log, so it cannot log in. The refusal has been recorded; contact support."

func (s *customerPages) login(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	typed := r.PostFormValue("email")
	next := localPath(r.PostFormValue("next"))
	kept := keptFor(r, next)
	p := &emailForm{layout: titled("Log in"), Email: typed, Next: next, Kept: kept}
	email, emailErr := parseEmail(typed)
	ipBucket := bucket{"login:ip:" + rateAddr(v.ip), s.limits.LoginIP}
	accBucket := bucket{loginBucket(email), s.limits.LoginAccount}
	pairBucket := bucket{accBucket.key + " " + rateAddr(v.ip), s.limits.LoginPair}
	if emailErr != nil {
		accBucket.key, pairBucket.key = "", ""
	}
	// All are counted first, so that guesses sent at once meet the limits
	// too; the account's are given back if the log-in succeeds, as they
	// count failures.
	if err := s.reserve(w, r, "login", p, ipBucket, pairBucket); err != nil {
		return err
	}
	if err := s.slowLogin(w, r, "login", p, accBucket, rateAddr(v.ip)); err != nil {
		s.release(r, pairBucket)
		return err
	}
	password := r.PostFormValue("password")
	var acc *portaldb.Account
	var err error
	if emailErr == nil && len(password) <= MaxPassword {
		acc, err = s.accounts.Get(r.Context(), email)
		if errors.Is(err, ledger.ErrTampered) {
			p.Error = errTampered
			s.render(w, r, http.StatusForbidden, "login", p)
			return nil
		}
		if err != nil && !errors.Is(err, ledger.ErrNoAccount) {
			return err
		}
	}
	stored := dummyHash()
	if acc != nil {
		stored = acc.PasswordHash
	}
	ok, err := s.hashes.check(r.Context(), stored, password)
	if errors.Is(err, errBusy) {
		// Refused for the server's load, not for the password: no
		// failure of the account's.
		s.release(r, accBucket)
	}
	if err != nil {
		return s.busy(w, err, "login", p)
	}
	if acc == nil || !ok {
		p.Error, p.Invalid = errLogin, []string{"email", "password"}
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return nil
	}
	s.release(r, pairBucket, accBucket)
	if !acc.Confirmed {
		// Whoever signed the address up knows the password: the new
		// link counts as mail to the address.
		ok, err := s.mailAllowed(r.Context(), email)
		if err == nil && ok {
			err = s.sendConfirmation(r.Context(), email)
		}
		if err != nil {
			return err
		}
		p.Error = "Confirm your email address first: we have sent you a new link."
		s.render(w, r, http.StatusForbidden, "login", p)
		return nil
	}
	// A new id at every log-in, and the old one ended: an id that someone
	// planted in the browser before never becomes a logged-in session.
	id, hash, err := newToken(s.rand)
	if err != nil {
		return err
	}
	ctx := ledger.WithClient(r.Context(), email, v.ip)
	if err := s.sessions.Start(ctx, hash, email, true, s.now().Add(SessionLifetime), tokenHash(v.id)); err != nil {
		return err
	}
	s.setCookie(w, id)
	if len(kept) > 0 {
		// The form is shown filled in under the new session, so that
		// the values typed never travel in a redirect's URL.
		v.id, v.account, v.csrf = id, email, s.csrfToken(id)
		return s.formAgain(w, r, next, kept)
	}
	if next == "" {
		next = "/licenses"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *customerPages) logout(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	if err := s.sessions.End(r.Context(), tokenHash(v.id)); err != nil {
		return err
	}
	id, _, err := newToken(s.rand)
	if err != nil {
		return err
	}
	s.setCookie(w, id)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *customerPages) forgotForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "forgot", &emailForm{layout: titled("Forgot your password?")})
	return nil
}

func (s *customerPages) forgot(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	typed := r.PostFormValue("email")
	p := &emailForm{layout: titled("Forgot your password?"), Email: typed}
	email, err := parseEmail(typed)
	if err != nil {
		p.fieldError(err, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "forgot", p)
		return nil
	}
	buckets := []bucket{{"reset:ip:" + rateAddr(v.ip), s.limits.ResetIP}, {"reset:account:" + email, s.limits.ResetAccount}}
	if err := s.reserve(w, r, "forgot", p, buckets...); err != nil {
		return err
	}
	ok, err := s.mailAllowed(r.Context(), email)
	if err != nil || !ok {
		if err == nil {
			s.render(w, r, http.StatusOK, "message", forgotSent(email))
		}
		return err
	}
	// Both answers do the same work, a token made and a message queued
	// in one write, so that the time taken does not tell whether the
	// account exists: without one, the address is told there is none.
	token, th, err := newToken(s.rand)
	if err != nil {
		return err
	}
	_, err = s.accounts.RequestReset(r.Context(), portaldb.Token{Hash: th, Email: email, Expires: s.now().Add(ResetLifetime)},
		ledger.Mail{To: email, Subject: "Reset your password", Body: s.mailText("reset", mailData{Link: s.link("/reset", token)})},
		ledger.Mail{To: email, Subject: "No account with this address", Body: s.mailText("reset-no-account", mailData{URL: s.publicURL})})
	if err != nil {
		return err
	}
	s.kickMailer()
	s.render(w, r, http.StatusOK, "message", forgotSent(email))
	return nil
}

// forgotSent is the answer to a reset request, whether an account exists
// or not, and whether the mail was sent or held back by its limit.
func forgotSent(email string) *layout {
	return &layout{Title: "Check your mail",
		Notice: "If an account exists for " + email + ", we have sent it a link to reset the password. The link works once, for one hour."}
}

func (s *customerPages) resetForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "reset", &tokenForm{layout: titled("Choose a new password"), Token: r.URL.Query().Get("token")})
	return nil
}

func (s *customerPages) reset(w http.ResponseWriter, r *http.Request) error {
	token := r.PostFormValue("token")
	p := &tokenForm{layout: titled("Choose a new password"), Token: token}
	password := r.PostFormValue("password")
	if err := checkNewPassword(password, ""); err != nil {
		p.fieldError(err, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "reset", p)
		return nil
	}
	hash, err := s.hashes.hash(r.Context(), s.rand, password)
	if err != nil {
		return s.busy(w, err, "reset", p)
	}
	email, err := s.accounts.ResetPassword(r.Context(), tokenHash(token), hash)
	if err == nil {
		// Whoever failed to log in to the account before, its owner
		// logs in now.
		if err := s.rates.Clear(r.Context(), loginBucket(email)); err != nil {
			s.logf("portal: rate limit %s: %v", loginBucket(email), err)
		}
	}
	switch {
	case errors.Is(err, portaldb.ErrTokenInvalid):
		p.Error = "This reset link is unknown, used already or expired. Ask for a new one on the Forgot password page."
		s.render(w, r, http.StatusBadRequest, "reset", p)
	case err != nil:
		return err
	default:
		s.render(w, r, http.StatusOK, "login", &emailForm{layout: layout{Title: "Log in", Notice: "Your password is changed. Log in with it now."}})
	}
	return nil
}

func (s *customerPages) forgotLogin(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "forgot-login", &layout{Title: "Forgot your login id?"})
	return nil
}

// AddAccount makes a confirmed account with a password, as a vendor does
// for a customer (and the demo for its demo account).
func (s *deps) addAccount(ctx context.Context, email, password string) error {
	email, err := parseEmail(email)
	if err != nil {
		return fmt.Errorf("portal: %s", inputMsg(err))
	}
	if err := checkNewPassword(password, email); err != nil {
		return fmt.Errorf("portal: %s", inputMsg(err))
	}
	hash, err := s.hashes.hash(ctx, s.rand, password)
	if err != nil {
		return err
	}
	return s.accounts.Create(ctx, portaldb.Account{Email: email, PasswordHash: hash, Confirmed: true}, portaldb.Token{})
}
