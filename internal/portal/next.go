package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// localPath returns next when it is a path on this site, and "" when it
// is anything else: an absolute URL, a "//host" or "\\host" that browsers
// read as another site, or a control character. The log-in page sends a
// customer to it, so nothing else may pass.
func localPath(next string) string {
	if len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\") {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return next
}

// keptFields are the fields of each form behind the log-in that a
// session ending while the form was open keeps: what the customer typed
// or chose, never a password, a file or the form's token.
var keptFields = map[string][]string{
	"/register":      {"rk"},
	"/renew":         {"license", "rk", "request"},
	"/report-stolen": {"license"},
	// The account page's forms go back to the account page.
	"/account/password":            {},
	"/account/email":               {"new_email"},
	"/account/sessions/end-others": {},
}

// formPage is the page that shows the form posted to path, which a
// customer logging in again is given back.
func formPage(path string) string {
	if path == "/report-stolen" {
		// The report is confirmed again, not made by the log-in.
		return "/report-stolen/confirm"
	}
	if strings.HasPrefix(path, "/account/") {
		return "/account"
	}
	return path
}

// loginKept is a value kept across a log-in, in a hidden field of the
// log-in form: never in a URL, where history, logs and the Referer
// would keep it.
type loginKept struct{ Name, Value string }

// keptPrefix names the log-in form's fields that carry kept values.
const keptPrefix = "kept-"

// sessionEnded answers a form sent to a page behind the log-in once the
// session has ended: nothing is done, and the log-in page says so and
// carries what was typed back to the form, in its own hidden fields.
func (s *customerPages) sessionEnded(w http.ResponseWriter, r *http.Request) {
	var kept []loginKept
	for _, f := range keptFields[r.URL.Path] {
		if v := r.PostFormValue(f); v != "" && len(v) <= MaxForm {
			kept = append(kept, loginKept{f, v})
		}
	}
	s.render(w, r, http.StatusUnauthorized, "login", &emailForm{
		layout: layout{Title: "Log in", Error: "Your session has ended, so nothing was done. Log in again to continue: what you typed is kept."},
		Next:   formPage(r.URL.Path), Kept: kept})
}

// keptFor reads the kept values of the log-in form r posted, when next
// is the page of a form that keeps them.
func keptFor(r *http.Request, next string) []loginKept {
	var kept []loginKept
	for path, fields := range keptFields {
		if formPage(path) != next {
			continue
		}
		for _, f := range fields {
			if v := r.PostFormValue(keptPrefix + f); v != "" {
				kept = append(kept, loginKept{f, v})
			}
		}
	}
	return kept
}

type keptKey struct{}

// keptValue is the value of field kept across the log-in that r renders
// the form again after, or "".
func keptValue(r *http.Request, field string) string {
	kept, _ := r.Context().Value(keptKey{}).([]loginKept)
	for _, k := range kept {
		if k.Name == field {
			return k.Value
		}
	}
	return ""
}

// formAgain renders the form of page filled in with kept, in answer to
// the log-in that r posted: the address bar then shows /login, and what
// was typed never enters a URL.
func (s *customerPages) formAgain(w http.ResponseWriter, r *http.Request, page string, kept []loginKept) error {
	g := r.Clone(context.WithValue(r.Context(), keptKey{}, kept))
	g.Method, g.URL, g.Form, g.PostForm, g.MultipartForm = http.MethodGet, &url.URL{Path: page}, nil, nil, nil
	switch page {
	case "/register":
		return s.registerForm(w, g)
	case "/renew":
		return s.renewForm(w, g)
	case "/report-stolen/confirm":
		return s.stolenConfirm(w, g)
	case "/account":
		return s.account(w, g)
	}
	http.Redirect(w, r, page, http.StatusSeeOther)
	return nil
}
