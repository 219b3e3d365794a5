package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The support console, under /console/, is the vendor's side of the
// portal: staff users (portaldb.RoleSupport, portaldb.RoleAdmin) log in with a
// password and a TOTP code (RFC 6238), search licenses and act on them.
// Its sessions, cookie and CSRF tokens are its own, apart from the
// customers': a customer's session never reaches it.

// Lifetimes of the console's sessions: a session half way (the password
// right, the TOTP code not yet given) lasts TOTPPendingLifetime.
const (
	StaffSessionLifetime = 8 * time.Hour
	TOTPPendingLifetime  = 5 * time.Minute
)

// StaffEnrolLifetime is how long a new staff user's first password lets
// them set up their authenticator: whoever has the password first does,
// so the password an admin handed over is good for enrolling only so
// long. After it, an admin removes the user and adds them again.
const StaffEnrolLifetime = 72 * time.Hour

// TOTP parameters: those every authenticator app takes (SHA-1, six
// digits, 30-second steps), and one step of clock skew either way.
const (
	TOTPPeriod = 30
	TOTPDigits = 6
	TOTPSkew   = 1
	// TOTPIssuer names the console in authenticator apps.
	TOTPIssuer = "licmint console"
	// totpSecretSize is the secret's size in bytes (RFC 4226 asks for at
	// least 16; 20 is what the apps expect).
	totpSecretSize = 20
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

const staffCookie = "licmint_staff"

// staffVisit is what the console's handlers know of a request.
type staffVisit struct {
	id       string
	email    string
	role     string
	verified bool
	ip       string
	csrf     string
}

type staffVisitKey struct{}

func staffOf(r *http.Request) *staffVisit { return r.Context().Value(staffVisitKey{}).(*staffVisit) }

func (s *consolePages) setStaffCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: staffCookie, Value: id, Path: "/console", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode})
}

// consoleSecured is secured for the console: headers, a bounded body, the
// staff session from its own cookie, and the CSRF check of every POST,
// with tokens that a customer page's token never matches.
func (s *consolePages) consoleSecured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.protect(w, r)

		v := &staffVisit{ip: clientIP(r)}
		// A session that cannot be read is not a user logged out: once
		// the CSRF token is checked, the request is answered 503.
		var unreadable error
		if c, err := r.Cookie(staffCookie); err == nil && len(c.Value) == 43 {
			v.id = c.Value
			switch sess, err := s.staffSessions.Get(r.Context(), tokenHash(c.Value), s.now()); {
			case err == nil:
				v.email, v.role, v.verified = sess.Email, sess.Role, sess.Verified
			case !errors.Is(err, portaldb.ErrNoSession):
				unreadable = &unavailableError{fmt.Errorf("looking up the staff session: %w", err)}
			}
		}
		if v.id == "" {
			id, _, err := newToken(s.rand)
			if err != nil {
				s.page(func(http.ResponseWriter, *http.Request) error { return err })(w, r)
				return
			}
			v.id = id
			s.setStaffCookie(w, id)
		}
		v.csrf = s.csrfToken("console\x00" + v.id)
		ctx := context.WithValue(r.Context(), staffVisitKey{}, v)
		actor := "console"
		if v.verified {
			actor = "console:" + v.email
		}
		r = r.WithContext(ledger.WithClient(ctx, actor, v.ip))
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(v.csrf)) {
				s.consoleRender(w, r, http.StatusForbidden, "message", &consoleLayout{Title: "Form expired",
					Error: "This form has expired or did not come from this console. Go back, reload the page and try again."})
				return
			}
		}
		if unreadable != nil {
			s.unavailable(w, r, unreadable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// needStaff lets only a fully logged-in staff user through.
func (s *consolePages) needStaff(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := staffOf(r)
		switch {
		case v.verified:
			return h(w, r)
		case v.email != "":
			http.Redirect(w, r, "/console/totp", http.StatusSeeOther)
		default:
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		}
		return nil
	}
}

// needAdmin lets only an admin through; a support user gets 403.
func (s *consolePages) needAdmin(h handler) handler {
	return s.needStaff(func(w http.ResponseWriter, r *http.Request) error {
		if staffOf(r).role != portaldb.RoleAdmin {
			return &pageError{status: http.StatusForbidden, title: "Admins only",
				msg: "Only an admin manages staff users and API tokens. Ask an admin of the console."}
		}
		return h(w, r)
	})
}

func (s *consolePages) consoleLoginForm(w http.ResponseWriter, r *http.Request) error {
	s.consoleRender(w, r, http.StatusOK, "login", &loginScreen{consoleLayout: consoleLayout{Title: "Staff log-in"}})
	return nil
}

func (s *consolePages) consoleLogin(w http.ResponseWriter, r *http.Request) error {
	v := staffOf(r)
	typed := r.PostFormValue("email")
	p := &loginScreen{consoleLayout: consoleLayout{Title: "Staff log-in"}, Email: typed}
	email, emailErr := parseEmail(typed)
	ipBucket := bucket{"console:login:ip:" + rateAddr(v.ip), s.limits.LoginIP}
	accBucket := bucket{"console:login:account:" + email, s.limits.LoginAccount}
	if emailErr != nil {
		accBucket.key = ""
	}
	// Both are counted before the password is checked, so that guesses
	// sent at once, from one address or many, meet the limits; the
	// account's is given back if the password is right, as it limits
	// failures.
	if err := s.consoleReserve(w, r, "login", p, ipBucket, accBucket); err != nil {
		return err
	}
	password := r.PostFormValue("password")
	var st *portaldb.StaffUser
	if emailErr == nil && len(password) <= MaxPassword {
		var err error
		st, err = s.staff.Get(r.Context(), email)
		if errors.Is(err, ledger.ErrTampered) {
			p.Error = errTampered
			s.consoleRender(w, r, http.StatusForbidden, "login", p)
			return nil
		}
		if err != nil && !errors.Is(err, portaldb.ErrNoStaff) {
			return err
		}
	}
	stored := dummyHash()
	if st != nil {
		stored = st.PasswordHash
	}
	ok, err := s.hashes.check(r.Context(), stored, password)
	if errors.Is(err, errBusy) {
		// Refused for the server's load, not for the password: no
		// failure of the account's.
		s.release(r, accBucket)
	}
	if err != nil {
		return s.consoleBusy(w, err, "login", p)
	}
	if st == nil || !ok {
		p.Error, p.Invalid = errLogin, []string{"email", "password"}
		s.consoleRender(w, r, http.StatusUnauthorized, "login", p)
		return nil
	}
	s.release(r, accBucket)
	if s.enrolExpired(st) {
		p.Error = errEnrolExpired
		s.consoleRender(w, r, http.StatusForbidden, "login", p)
		return nil
	}
	// A new id for the half-way session, and the id held before ended.
	return s.startStaffSession(w, r, email, false)
}

// staffLoginBuckets are the counts of a staff user's failed passwords
// and TOTP codes from anywhere: unlike a customer's, a hard limit, as
// staff can do more harm and an admin is at hand to lift it.
func staffLoginBuckets(l Limits, email string) []bucket {
	return []bucket{{"console:login:account:" + email, l.LoginAccount}, {"console:totp:account:" + email, l.TOTPAccount}}
}

// staffUnlock lifts the lock of a staff user whom failed log-ins keep
// out, once an admin has made sure it is them.
func (s *consolePages) staffUnlock(w http.ResponseWriter, r *http.Request) error {
	email := r.PostFormValue("email")
	if _, err := s.staff.Get(r.Context(), email); errors.Is(err, portaldb.ErrNoStaff) {
		return notFound("There is no staff user %s.", email)
	} else if err != nil {
		return err
	}
	for _, b := range staffLoginBuckets(s.limits, email) {
		if err := s.rates.Clear(r.Context(), b.key); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/console/staff", http.StatusSeeOther)
	return nil
}

// startStaffSession gives the browser a new session id, ending the one it
// held, so that an id planted before a log-in step never gains by it.
func (s *consolePages) startStaffSession(w http.ResponseWriter, r *http.Request, email string, verified bool) error {
	v := staffOf(r)
	id, hash, err := newToken(s.rand)
	if err != nil {
		return err
	}
	life, next := TOTPPendingLifetime, "/console/totp"
	if verified {
		life, next = StaffSessionLifetime, "/console/"
	}
	ctx := ledger.WithClient(r.Context(), "console:"+email, v.ip)
	if err := s.staffSessions.Start(ctx, hash, email, verified, s.now().Add(life), tokenHash(v.id)); err != nil {
		return err
	}
	s.setStaffCookie(w, id)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// needPassword lets through a staff user whose password was right, to
// give the TOTP code.
func (s *consolePages) needPassword(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := staffOf(r)
		switch {
		case v.verified:
			http.Redirect(w, r, "/console/", http.StatusSeeOther)
		case v.email == "":
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		default:
			return h(w, r)
		}
		return nil
	}
}

// enrolExpired reports whether st never set up an authenticator and the
// time to do so with the first password is over.
func (s *consolePages) enrolExpired(st *portaldb.StaffUser) bool {
	return !st.TOTPConfirmed && !s.now().Before(st.Created.Add(StaffEnrolLifetime))
}

var errEnrolExpired = fmt.Sprintf("The time to set up your authenticator (%d hours from when you were added) is over. Ask an admin to remove you and add you again, with a new first password.",
	int(StaffEnrolLifetime.Hours()))

// totpPage fills in the enrolment for a user who has not yet entered a
// code: the secret as text and as an otpauth URI, made on first use. It
// refuses with 403 when the time to enrol is over.
func (s *consolePages) totpPage(r *http.Request, p *totpScreen) error {
	if err := s.fillTOTPPage(r, p); errors.Is(err, errEnrolOver) {
		return &pageError{status: http.StatusForbidden, title: "Set-up expired", msg: errEnrolExpired}
	} else if err != nil {
		return err
	}
	return nil
}

var errEnrolOver = errors.New("portal: the time to enrol is over")

func (s *consolePages) fillTOTPPage(r *http.Request, p *totpScreen) error {
	email := staffOf(r).email
	st, err := s.staff.Get(r.Context(), email)
	if err != nil {
		return err
	}
	p.Title = "Enter your authenticator code"
	if st.TOTPConfirmed {
		return nil
	}
	if s.enrolExpired(st) {
		return errEnrolOver
	}
	fresh := make([]byte, totpSecretSize)
	if _, err := io.ReadFull(s.rand, fresh); err != nil {
		return err
	}
	secret, err := s.staff.TOTPSecret(r.Context(), email, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(fresh))
	if err != nil {
		return err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return fmt.Errorf("portal: the TOTP secret of %s is not base32: %w", email, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: email, Period: TOTPPeriod, Digits: otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return err
	}
	p.Title = "Set up your authenticator"
	p.TOTPSecret, p.TOTPURI = key.Secret(), template.URL(key.URL())
	p.TOTPQR, err = qrSVG(key.URL(), "QR code of the authenticator link")
	return err
}

func (s *consolePages) totpForm(w http.ResponseWriter, r *http.Request) error {
	p := &totpScreen{}
	if err := s.totpPage(r, p); err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "totp", p)
	return nil
}

// matchTOTP returns the time step whose code is code, within the skew of
// now, or false.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	step := now.Unix() / TOTPPeriod
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*TOTPPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

func (s *consolePages) totpCheck(w http.ResponseWriter, r *http.Request) error {
	v := staffOf(r)
	ipBucket := bucket{"console:totp:ip:" + rateAddr(v.ip), s.limits.LoginIP}
	accBucket := bucket{"console:totp:account:" + v.email, s.limits.TOTPAccount}
	p := &totpScreen{}
	if err := s.totpPage(r, p); err != nil {
		return err
	}
	refuse := func(status int, msg string) {
		p.Error, p.Invalid = msg, []string{"code"}
		s.consoleRender(w, r, status, "totp", p)
	}
	// The attempt is counted before the code is checked, and refused if
	// it is one too many: counted only after a wrong code, a burst of
	// guesses sent at once would all be checked before the first was
	// counted. The address's count, of failures, is given back on success.
	if err := s.consoleReserve(w, r, "totp", p, ipBucket, accBucket); err != nil {
		return err
	}
	code := strings.Join(strings.Fields(r.PostFormValue("code")), "")
	st, err := s.staff.Get(r.Context(), v.email)
	if err != nil {
		return err
	}
	step, ok := int64(0), false
	if len(code) == TOTPDigits && st.TOTPSecret != "" {
		step, ok = matchTOTP(st.TOTPSecret, code, s.now())
	}
	if !ok {
		refuse(http.StatusUnauthorized, fmt.Sprintf("This code is not right. Enter the %d digits your authenticator shows now.", TOTPDigits))
		return nil
	}
	switch err := s.staff.UseTOTPStep(r.Context(), v.email, step); {
	case errors.Is(err, portaldb.ErrTOTPReplayed):
		refuse(http.StatusUnauthorized, "This code was used already. Wait for your authenticator to show the next one.")
		return nil
	case err != nil:
		return err
	}
	s.release(r, ipBucket)
	return s.startStaffSession(w, r, v.email, true)
}

func (s *consolePages) passwordForm(w http.ResponseWriter, r *http.Request) error {
	s.consoleRender(w, r, http.StatusOK, "password", &consoleLayout{Title: "Change your password"})
	return nil
}

// passwordChange sets a password of the staff user's own choosing: the
// first one came from an admin, who should not know it for good.
func (s *consolePages) passwordChange(w http.ResponseWriter, r *http.Request) error {
	v := staffOf(r)
	p := &consoleLayout{Title: "Change your password"}
	accBucket := bucket{"console:login:account:" + v.email, s.limits.LoginAccount}
	if err := s.consoleReserve(w, r, "password", p, accBucket); err != nil {
		return err
	}
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	st, err := s.staff.Get(r.Context(), v.email)
	if err != nil {
		return err
	}
	ok := false
	if len(current) <= MaxPassword {
		if ok, err = s.hashes.check(r.Context(), st.PasswordHash, current); err != nil {
			if errors.Is(err, errBusy) {
				// Refused for the server's load, not for the password:
				// no failure of the user's, which would lock them out.
				s.release(r, accBucket)
			}
			return s.consoleBusy(w, err, "password", p)
		}
	}
	if !ok {
		p.Error, p.Invalid = "Your current password is not right.", []string{"current_password"}
		s.consoleRender(w, r, http.StatusUnauthorized, "password", p)
		return nil
	}
	s.release(r, accBucket)
	if err := checkNewPassword(next, v.email); err != nil {
		p.Error, p.Invalid = inputMsg(err), invalidField(err, map[string]string{"password": "new_password"})
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "password", p)
		return nil
	}
	if next == current {
		p.Error, p.Invalid = "Choose a new password, not the one you have.", []string{"new_password"}
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "password", p)
		return nil
	}
	hash, err := s.hashes.hash(r.Context(), s.rand, next)
	if err != nil {
		return s.consoleBusy(w, err, "password", p)
	}
	if err := s.staff.SetPassword(r.Context(), v.email, hash, tokenHash(v.id)); err != nil {
		return err
	}
	p.Notice = "Your password is changed, and you are logged out everywhere else. Use the new one from your next log-in."
	s.consoleRender(w, r, http.StatusOK, "password", p)
	return nil
}

func (s *consolePages) consoleLogout(w http.ResponseWriter, r *http.Request) error {
	v := staffOf(r)
	if err := s.staffSessions.End(r.Context(), tokenHash(v.id)); err != nil {
		return err
	}
	id, _, err := newToken(s.rand)
	if err != nil {
		return err
	}
	s.setStaffCookie(w, id)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	return nil
}

// consoleReserve is reserve for the console's pages.
func (s *consolePages) consoleReserve(w http.ResponseWriter, r *http.Request, name string, p consoleViewer, buckets ...bucket) error {
	l, over, err := s.overLimit(r.Context(), true, buckets...)
	if err != nil || !over {
		return err
	}
	p.consoleFrame().Error = s.tooMany(w, l)
	return consoleAgain(http.StatusTooManyRequests, name, p)
}

// AddStaff makes a staff user of the console with a role (portaldb.RoleSupport
// or RoleAdmin) and a password, stored as customers' are (argon2id). The
// user sets up TOTP at the first log-in.
func AddStaff(ctx context.Context, led *ledger.Ledger, email, role, password string) error {
	return addStaff(ctx, led, nil, rand.Reader, email, role, password)
}

// addStaff is AddStaff hashing within g, which may be nil.
func addStaff(ctx context.Context, led *ledger.Ledger, g *hashGate, rnd io.Reader, email, role, password string) error {
	if !portaldb.ValidRole(role) {
		return &InputError{Field: "role", Msg: fmt.Sprintf("Choose the role: %s or %s.", portaldb.RoleSupport, portaldb.RoleAdmin)}
	}
	email, err := parseEmail(email)
	if err != nil {
		return err
	}
	if err := checkNewPassword(password, email); err != nil {
		return err
	}
	hash, err := g.hash(ctx, rnd, password)
	if err != nil {
		return err
	}
	return portaldb.NewStaff(led).Create(ctx, portaldb.StaffUser{Email: email, Role: role, PasswordHash: hash})
}

// InputError is a value typed into a form, or given to AddStaff, that is
// not acceptable; Msg says
// why, in words for the person who typed it.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }
