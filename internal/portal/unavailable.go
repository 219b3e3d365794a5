package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// An unavailableError is a request the portal cannot answer because its
// database cannot be read just now: not knowing whether the visitor is
// logged in (or the caller's token is in force), it does nothing, and
// answers 503 rather than take them for a visitor who is not.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string {
	return "the ledger's database cannot be read: " + e.err.Error()
}

func (e *unavailableError) Unwrap() error { return e.err }

// unavailableRetry is the Retry-After of a 503 for a database out of
// reach, in seconds: a restart or a fail-over takes about that.
const unavailableRetry = "10"

const unavailableMsg = "The portal cannot reach its records just now, so nothing was done. This is brief: please try again in a minute."

// unavailablePage is the page "unavailable" of both audiences: the form
// posted, with what was typed in it, to send again.
type unavailablePage struct {
	layout
	keptForm
}

type consoleUnavailablePage struct {
	consoleLayout
	keptForm
}

// keptForm is the form a request posted, shown again with its values.
type keptForm struct {
	Action    string
	Multipart bool
	Fields    []keptField
}

// keptField is a field of a keptForm. A password is not shown again, nor
// a file: those the visitor gives again.
type keptField struct {
	ID, Name, Label, Value string
	Type                   string // text, textarea, password or file
}

// fieldLabels words the names of the portal's form fields.
var fieldLabels = map[string]string{
	"rk": "Registration Key", "email": "Email address", "password": "Password", "license": "License",
	"request": "Renewal request", "token": "Token", "q": "Search", "code": "Code", "name": "Name",
	"scope": "Scope", "role": "Role", "product": "Product", "new_password": "New password",
	"current_password": "Current password",
}

// keep returns the form r posted, if any, to be shown again.
func keep(r *http.Request) keptForm {
	if r.Method != http.MethodPost {
		return keptForm{Action: r.URL.RequestURI()}
	}
	k := keptForm{Action: r.URL.Path}
	values := r.PostForm
	var files []string
	if r.MultipartForm != nil {
		k.Multipart = true
		values = r.MultipartForm.Value
		for name := range r.MultipartForm.File {
			files = append(files, name)
		}
	}
	label := func(name string) string {
		if l, ok := fieldLabels[name]; ok {
			return l
		}
		return name
	}
	names := make([]string, 0, len(values))
	for name := range values {
		if name != "csrf" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range values[name] {
			f := keptField{Name: name, Label: label(name), Value: v, Type: "text"}
			switch {
			case strings.Contains(name, "password"):
				f.Type, f.Value = "password", ""
			case strings.ContainsAny(v, "\r\n") || len(v) > 200:
				f.Type = "textarea"
			}
			k.Fields = append(k.Fields, f)
		}
	}
	slices.Sort(files)
	for _, name := range files {
		k.Fields = append(k.Fields, keptField{Name: name, Label: label(name), Type: "file"})
	}
	for i := range k.Fields {
		k.Fields[i].ID = fmt.Sprintf("kept-%d", i)
	}
	return k
}

// unavailable answers a customer page's request that failed with err, a
// database out of reach, logging why.
func (s *customerPages) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
	w.Header().Set("Retry-After", unavailableRetry)
	s.render(w, r, http.StatusServiceUnavailable, "unavailable", &unavailablePage{layout: layout{Title: "Briefly unavailable", Error: unavailableMsg}, keptForm: keep(r)})
}

// unavailable answers a console page's request that failed with err.
func (s *consolePages) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
	w.Header().Set("Retry-After", unavailableRetry)
	s.consoleRender(w, r, http.StatusServiceUnavailable, "unavailable", &consoleUnavailablePage{consoleLayout: consoleLayout{Title: "Briefly unavailable", Error: unavailableMsg}, keptForm: keep(r)})
}
