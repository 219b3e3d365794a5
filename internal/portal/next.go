package portal

import (
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

// afterLogin is the page a POST to path is sent back to once the
// customer has logged in again, with what they had typed.
func afterLogin(path string, kept url.Values) string {
	if _, ok := keptFields[path]; !ok {
		return ""
	}
	if path == "/report-stolen" {
		// The report is confirmed again, not made by the log-in.
		path = "/report-stolen/confirm"
	}
	if strings.HasPrefix(path, "/account/") {
		path = "/account"
	}
	if len(kept) == 0 {
		return path
	}
	return path + "?" + kept.Encode()
}

// sessionEnded answers a form sent to a page behind the log-in once the
// session has ended: nothing is done, and the log-in page says so and
// carries what was typed back to the form.
func (s *customerPages) sessionEnded(w http.ResponseWriter, r *http.Request) {
	kept := url.Values{}
	for _, f := range keptFields[r.URL.Path] {
		if v := r.PostFormValue(f); v != "" && len(v) <= MaxForm {
			kept.Set(f, v)
		}
	}
	s.render(w, r, http.StatusUnauthorized, "login", &emailForm{
		layout: layout{Title: "Log in", Error: "Your session has ended, so nothing was done. Log in again to continue: what you typed is kept."},
		Next:   afterLogin(r.URL.Path, kept)})
}
