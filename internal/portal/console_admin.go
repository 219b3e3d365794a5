package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/licmint/licmint/internal/portaldb"
)

// Admin pages: staff users and API tokens.

func (s *consolePages) staffPage(w http.ResponseWriter, r *http.Request) error {
	return s.staffList(w, r, http.StatusOK, &staffScreen{})
}

func (s *consolePages) staffList(w http.ResponseWriter, r *http.Request, status int, p *staffScreen) error {
	list, err := s.staff.List(r.Context())
	if err != nil {
		return err
	}
	for _, st := range list {
		v := staffView{Email: st.Email, Role: st.Role, Created: day(st.Created), CreatedBy: st.CreatedBy, Enrol: "set up"}
		switch {
		case st.TOTPConfirmed:
		case s.enrolExpired(st):
			v.Enrol = "set-up expired: remove and add again"
		default:
			v.Enrol = "at first log-in, until " + day(st.Created.Add(StaffEnrolLifetime))
		}
		if !st.Disabled.IsZero() {
			v.Disabled = day(st.Disabled)
		}
		if _, v.Locked, err = s.overLimit(r.Context(), false, staffLoginBuckets(s.limits, st.Email)...); err != nil {
			return err
		}
		p.StaffUsers = append(p.StaffUsers, v)
	}
	p.Title = "Staff users"
	s.consoleRender(w, r, status, "staff", p)
	return nil
}

func (s *consolePages) staffAdd(w http.ResponseWriter, r *http.Request) error {
	p := &staffScreen{Email: r.PostFormValue("email")}
	err := addStaff(r.Context(), s.led, s.hashes, s.rand, r.PostFormValue("email"), r.PostFormValue("role"), r.PostFormValue("password"))
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		p.Error, p.Invalid = ie.Msg, invalidField(err, nil)
	case errors.Is(err, portaldb.ErrStaffExists):
		p.Error, p.Invalid = "A staff user with this login id exists already.", []string{"email"}
	case err != nil:
		return err
	}
	if p.Error != "" {
		return s.staffList(w, r, http.StatusUnprocessableEntity, p)
	}
	p.Email, p.Notice = "", fmt.Sprintf("Added. They log in at /console/login and set up their authenticator there, within %d hours.", int(StaffEnrolLifetime.Hours()))
	return s.staffList(w, r, http.StatusOK, p)
}

// removal returns the staff user that ?email= names and the action that
// removes them.
func (s *consolePages) removal(r *http.Request) (*portaldb.StaffUser, *consoleAction, error) {
	email := r.URL.Query().Get("email")
	st, err := s.staff.Get(r.Context(), email)
	if errors.Is(err, portaldb.ErrNoStaff) {
		return nil, nil, notFound("There is no staff user %s to remove.", email)
	}
	if err != nil {
		return nil, nil, err
	}
	act := &consoleAction{Title: "Remove a staff user", Button: "Remove " + st.Email, Path: "/console/staff/remove?email=" + url.QueryEscape(st.Email),
		What: []string{st.Email + " (" + st.Role + ") can no longer log in, and their sessions end now.", "Their name stays in the histories of what they did."}}
	return st, act, nil
}

func (s *consolePages) staffRemoveForm(w http.ResponseWriter, r *http.Request) error {
	_, act, err := s.removal(r)
	if err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title}, Action: act})
	return nil
}

func (s *consolePages) staffRemove(w http.ResponseWriter, r *http.Request) error {
	st, act, err := s.removal(r)
	if err != nil {
		return err
	}
	if st.Email == staffOf(r).email {
		return consoleAgain(http.StatusUnprocessableEntity, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title,
			Error: "You cannot remove yourself: ask another admin."}, Action: act})
	}
	if err := s.staff.Disable(r.Context(), st.Email); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/staff", http.StatusSeeOther)
	return nil
}

func (s *consolePages) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.tokenList(w, r, http.StatusOK, &tokensScreen{})
}

func (s *consolePages) tokenList(w http.ResponseWriter, r *http.Request, status int, p *tokensScreen) error {
	toks, err := s.apiTokens.List(r.Context())
	if err != nil {
		return err
	}
	for _, t := range toks {
		v := tokenView{ID: t.ID, Name: t.Name, Scope: t.Scope, Created: day(t.Created), By: t.CreatedBy}
		if !t.Revoked.IsZero() {
			v.Revoked = day(t.Revoked)
		}
		p.Tokens = append(p.Tokens, v)
	}
	p.Title = "Shop API tokens"
	s.consoleRender(w, r, status, "tokens", p)
	return nil
}

func (s *consolePages) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	name, scope := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("scope")
	if !portaldb.ValidScope(scope) || !portaldb.ValidTokenName(name) {
		var invalid []string
		if !portaldb.ValidTokenName(name) {
			invalid = append(invalid, "name")
		}
		if !portaldb.ValidScope(scope) {
			invalid = append(invalid, "scope")
		}
		return s.tokenList(w, r, http.StatusUnprocessableEntity, &tokensScreen{consoleLayout: consoleLayout{Error: fmt.Sprintf("Choose the scope (mint, read or revoke) and a name of at most %d characters.", portaldb.MaxTokenName),
			Invalid: invalid}})
	}
	token, id, err := CreateAPIToken(r.Context(), s.led, name, scope)
	if err != nil {
		return err
	}
	// Shown on this answer only: the ledger keeps its hash.
	return s.tokenList(w, r, http.StatusOK, &tokensScreen{NewToken: token,
		consoleLayout: consoleLayout{Notice: fmt.Sprintf("Token %d (scope %s) created. It is shown this once: copy it to the shop's secret store now.", id, scope)}})
}

// tokenRevocation returns the token id the path names and the action that
// revokes it.
func tokenRevocation(r *http.Request) (int64, *consoleAction, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, nil, notFound("A token is named by its number.")
	}
	act := &consoleAction{Title: fmt.Sprintf("Revoke API token %d", id), Button: "Revoke the token", Path: fmt.Sprintf("/console/tokens/%d/revoke", id),
		What: []string{"Every portal instance refuses the token from its next request on. This cannot be undone: make a new token instead."}}
	return id, act, nil
}

func (s *consolePages) tokenRevokeForm(w http.ResponseWriter, r *http.Request) error {
	_, act, err := tokenRevocation(r)
	if err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title}, Action: act})
	return nil
}

func (s *consolePages) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, _, err := tokenRevocation(r)
	if err != nil {
		return err
	}
	if err := s.apiTokens.Revoke(r.Context(), id); errors.Is(err, portaldb.ErrNoAPIToken) {
		return notFound("There is no token %d in force.", id)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/tokens", http.StatusSeeOther)
	return nil
}
