package portal

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html templates/console/*.html
var templateFS embed.FS

//go:embed static
var staticDir embed.FS

var staticFS, _ = fs.Sub(staticDir, "static")

// layout is what layout.html draws around every customer page, and all
// that the pages with no more to show are rendered with ("message",
// "forgot-login").
type layout struct {
	Title   string
	Account string
	CSRF    string
	Demo    bool
	Error   string   // shown in role="alert"
	Invalid []string // the ids of the inputs Error is about
	Notice  string   // shown in role="status"
	Support string
}

func (l *layout) frame() *layout { return l }

// Field returns the attributes that tie the input id to the page's error
// when the error is about it.
func (l *layout) Field(id string) template.HTMLAttr { return fieldAttrs(l.Invalid, id) }

// fieldError shows err, an *InputError's message, on the page, tied to
// the input of its field (its name, the id it has unless ids says
// otherwise).
func (l *layout) fieldError(err error, ids map[string]string) {
	l.Error, l.Invalid = inputMsg(err), invalidField(err, ids)
}

// errorID is the id of the page's error, which aria-describedby of the
// inputs it is about names.
const errorID = "error"

// fieldAttrs marks the input id invalid, described by the page's error,
// when invalid holds it. Screen readers then read the error with the
// input, and axe-core checks the reference.
func fieldAttrs(invalid []string, id string) template.HTMLAttr {
	for _, v := range invalid {
		if v == id {
			return ` aria-invalid="true" aria-describedby="` + errorID + `"`
		}
	}
	return ""
}

// invalidField is the id of the input an *InputError is about, its field
// renamed by ids; none for other errors.
func invalidField(err error, ids map[string]string) []string {
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field == "" {
		return nil
	}
	if id, ok := ids[ie.Field]; ok {
		return []string{id}
	}
	return []string{ie.Field}
}

// A view is what a customer page is rendered with: its own fields and the
// layout's.
type view interface{ frame() *layout }

func titled(title string) layout { return layout{Title: title} }

// emailForm is the page of "signup", "login" and "forgot": the address
// typed, echoed.
type emailForm struct {
	layout
	Email string
	Next  string      // the local path to go to once logged in
	Kept  []loginKept // the values typed into Next's form, kept across the log-in
}

// tokenForm is the page of "confirm" and "reset": the link's token.
type tokenForm struct {
	layout
	Token string
}

// licensesPage is the page "licenses": the account's licenses by product.
type licensesPage struct {
	layout
	Products []productGroup
}

// productGroup is one product's licenses on the licenses page.
type productGroup struct {
	Code, Name string
	Licenses   []licenseView
}

// registerPage is the page "register": the key typed, and the code.
type registerPage struct {
	layout
	RK   string
	Code *codeView
}

// renewPage is the page "renew": the licenses that can be renewed, the
// form's values echoed and the code renewed.
type renewPage struct {
	layout
	RK, Request, Selected string
	Code                  *codeView
	Licenses              []licenseView
}

// stolenPage is the page "stolen": the licenses that can be replaced and
// the replacement, or the one license whose report waits to be confirmed.
type stolenPage struct {
	layout
	Code     *codeView
	Licenses []licenseView
	Confirm  *licenseView
}

// outboxPage is the demo's page "outbox".
type outboxPage struct {
	layout
	Mail []mailView
}

var funcs = template.FuncMap{
	"groups": codeGroups,
	// fieldOf is a form's errors by field and one field's id, for the
	// template that shows that field's error.
	"fieldOf": func(errs map[string]string, id string) fieldRef { return fieldRef{errs, id} },
	"qr":      qrSVG,
	// linkify splits a mail body into text and the links it holds, so
	// that the demo's outbox page can show them as links.
	"linkify": func(body string) []mailPart {
		var parts []mailPart
		for _, line := range strings.SplitAfter(body, "\n") {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "http://") || strings.HasPrefix(trimmed, "https://") {
				parts = append(parts, mailPart{Link: trimmed}, mailPart{Text: "\n"})
				continue
			}
			parts = append(parts, mailPart{Text: line})
		}
		return parts
	},
}

type mailPart struct{ Text, Link string }

type fieldRef struct {
	Fields map[string]string
	ID     string
}

// templates and consoleTemplates parse the pages on first use, not at
// package init: every licmint command links the portal, and only serve
// shows a page.
var (
	templates        = sync.OnceValue(func() map[string]*template.Template { return parsePages("templates") })
	consoleTemplates = sync.OnceValue(func() map[string]*template.Template { return parsePages("templates/console") })
)

// parsePages parses each page of dir with dir's layout.html.
func parsePages(dir string) map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, dir+"/layout.html"))
	pages, _ := fs.Glob(templateFS, dir+"/*.html")
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, dir+"/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, p))
	}
	return out
}

// render writes the page name with p, filling in what every page has.
func (s *customerPages) render(w http.ResponseWriter, r *http.Request, status int, name string, p view) {
	l := p.frame()
	if v, ok := r.Context().Value(visitKey{}).(*visit); ok {
		l.Account, l.CSRF = v.account, v.csrf
	}
	l.Demo, l.Support = s.demo, s.support
	s.writePage(w, templates()[name], status, name, p)
}

// writePage executes a page whole before anything is written, so that a
// page that fails to render is a clean 500 rather than half a page.
func (s *deps) writePage(w http.ResponseWriter, t *template.Template, status int, name string, p any) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		s.logf("portal: page %s: %v", name, err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// reserve counts an attempt in each bucket before it is tried, one
// statement counting and reading, and answers 429 on the page name with
// p (an error) when that goes over a limit; so attempts sent at once are
// held to the limits as well as attempts sent one by one.
func (s *customerPages) reserve(w http.ResponseWriter, r *http.Request, name string, p view, buckets ...bucket) error {
	l, over, err := s.overLimit(r.Context(), true, buckets...)
	if err != nil || !over {
		return err
	}
	p.frame().Error = s.tooMany(w, l)
	return again(http.StatusTooManyRequests, name, p)
}

// loginBucket counts the failed log-ins to a customer's account; the
// buckets under it, the failures from each address.
func loginBucket(email string) string { return "login:account:" + email }

// slowLogin counts a log-in to an account in acc before it is tried (or
// a check of its password, on the page name) and,
// past acc's limit, lets addr one try a slot, the slot twice as long
// after each further failure, up to the limits' LoginWait; a try sooner
// is answered 429 with the seconds to wait. A stranger failing from other
// addresses only makes the customer wait a slot, never locks them out.
func (s *customerPages) slowLogin(w http.ResponseWriter, r *http.Request, name string, p view, acc bucket, addr string) error {
	if acc.key == "" || acc.limit.Max <= 0 {
		return nil
	}
	n, err := s.rates.Hits(r.Context(), acc.key, acc.limit.Window, true)
	if err != nil || n <= acc.limit.Max {
		return err
	}
	slot := max(s.limits.LoginWait, time.Second)
	if past := n - acc.limit.Max - 1; past < 20 {
		slot = min(slot, time.Second<<past)
	}
	tries, err := s.rates.Hits(r.Context(), fmt.Sprintf("%s %s %d", acc.key, addr, slot/time.Second), slot, true)
	if err != nil || tries <= 1 {
		return err
	}
	s.release(r, acc)
	now := s.now()
	wait := int((slot - now.Sub(now.Truncate(slot)) + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", fmt.Sprint(wait))
	p.frame().Error = fmt.Sprintf("This account has had many failed log-ins. Please try again in %d seconds.", wait)
	return again(http.StatusTooManyRequests, name, p)
}

// overLimit reads each bucket's count, counting one more first if add,
// and reports the limit of the first that is over: reached, or passed by
// the attempt just counted. An attempt over a limit is not tried, so
// its counts are given back: attempts in flight that succeed, given back
// too, hold a bucket over its limit only while they are tried.
func (s *deps) overLimit(ctx context.Context, add bool, buckets ...bucket) (Limit, bool, error) {
	for i, b := range buckets {
		if b.key == "" || b.limit.Max <= 0 {
			continue
		}
		n, err := s.rates.Hits(ctx, b.key, b.limit.Window, add)
		if err != nil {
			return Limit{}, false, err
		}
		if n > b.limit.Max || !add && n == b.limit.Max {
			if add {
				for _, c := range buckets[:i+1] {
					if c.key == "" || c.limit.Max <= 0 {
						continue
					}
					if err := s.rates.Release(ctx, c.key, c.limit.Window); err != nil {
						return Limit{}, false, err
					}
				}
			}
			return b.limit, true, nil
		}
	}
	return Limit{}, false, nil
}

// tooMany sets Retry-After to the end of l's window and says so.
func (s *deps) tooMany(w http.ResponseWriter, l Limit) string {
	wait := l.Window - s.now().Sub(s.now().Truncate(l.Window))
	w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	return fmt.Sprintf("Too many attempts. Please wait %s and try again.", roundUp(wait))
}

// release takes back an attempt reserved in each bucket that turned out
// not to count: the buckets limit failures, and the attempt succeeded.
func (s *deps) release(r *http.Request, buckets ...bucket) {
	for _, b := range buckets {
		if b.key == "" || b.limit.Max <= 0 {
			continue
		}
		if err := s.rates.Release(r.Context(), b.key, b.limit.Window); err != nil {
			s.logf("portal: rate limit %s: %v", b.key, err)
		}
	}
}

type bucket struct {
	key   string
	limit Limit
}

func roundUp(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
