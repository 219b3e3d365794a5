package portal

import (
	"errors"
	"fmt"
	"net/http"
)

// A handler answers a request, or returns why it did not: a *pageError,
// which the visitor is shown, or any other error, the portal's own
// failure, which goes to the log while the visitor is told that it failed.
// Each audience renders the errors of its handlers in one place.
type handler func(w http.ResponseWriter, r *http.Request) error

// A pageError is a request the portal refuses: the status it answers with,
// and the title and words of the page that says why.
type pageError struct {
	status int
	title  string
	msg    string
}

func (e *pageError) Error() string { return e.msg }

// notFound is a pageError of status 404.
func notFound(format string, a ...any) error {
	return &pageError{status: http.StatusNotFound, title: "Not found", msg: fmt.Sprintf(format, a...)}
}

// page renders the errors of a customer page's handler.
func (s *customerPages) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		var pe *pageError
		var fe *formError[view]
		switch {
		case err == nil:
		case errors.As(err, &fe):
			s.render(w, r, fe.status, fe.name, fe.view)
		case errors.As(err, &pe):
			s.render(w, r, pe.status, "message", &layout{Title: pe.title, Error: pe.msg})
		case errors.Is(err, errBusy):
			w.Header().Set("Retry-After", busyRetry)
			s.render(w, r, http.StatusServiceUnavailable, "message", &layout{Title: "Busy", Error: busyMsg})
		default:
			// The customer learns that nothing went wrong on their side;
			// the log gets the details, never the customer.
			s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
			s.render(w, r, http.StatusInternalServerError, "message", &layout{Title: "Something went wrong",
				Error: "The portal could not do this just now. Nothing was lost: please try again in a few minutes."})
		}
	}
}

func (s *customerPages) notFound(w http.ResponseWriter, r *http.Request) error {
	return notFound("There is no such page here.")
}

// page renders the errors of a console page's handler.
func (s *consolePages) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		var pe *pageError
		var fe *formError[consoleViewer]
		switch {
		case err == nil:
		case errors.As(err, &fe):
			s.consoleRender(w, r, fe.status, fe.name, fe.view)
		case errors.As(err, &pe):
			s.consoleRender(w, r, pe.status, "message", &consoleLayout{Title: pe.title, Error: pe.msg})
		case errors.Is(err, errBusy):
			w.Header().Set("Retry-After", busyRetry)
			s.consoleRender(w, r, http.StatusServiceUnavailable, "message", &consoleLayout{Title: "Busy", Error: busyMsg})
		default:
			s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
			s.consoleRender(w, r, http.StatusInternalServerError, "message", &consoleLayout{Title: "Something went wrong",
				Error: "The console could not do this just now; the log has the details. Nothing was changed unless the license's history shows it."})
		}
	}
}

func (s *consolePages) notFound(w http.ResponseWriter, r *http.Request) error {
	return notFound("There is no such page in the console.")
}

// An apiErr is a call the API refuses, answered with its kind's status.
type apiErr struct {
	kind string
	msg  string
}

func (e *apiErr) Error() string { return e.kind + ": " + e.msg }

func apiRefuse(kind, format string, a ...any) error {
	return &apiErr{kind: kind, msg: fmt.Sprintf(format, a...)}
}

// call renders the errors of an API handler as the API's JSON errors.
func (s *shopAPI) call(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		var ae *apiErr
		var ue *unavailableError
		switch {
		case err == nil:
		case errors.As(err, &ae):
			apiError(w, ae.kind, "%s", ae.msg)
		case errors.As(err, &ue):
			s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
			w.Header().Set("Retry-After", unavailableRetry)
			apiError(w, apiUnavailable, "the portal cannot reach its records just now, and did nothing: try again in a few seconds")
		default:
			// The caller sees that it failed, the log sees why.
			s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
			apiError(w, apiInternal, "the request could not be done just now; nothing was changed that a retry would repeat")
		}
	}
}

func (s *shopAPI) notFound(w http.ResponseWriter, r *http.Request) error {
	return apiRefuse(apiNotFound, "%s is no endpoint of the shop API: /api/openapi.json lists them", r.URL.Path)
}

// A formError shows a page again, most often a form with what was wrong
// in it: the page name rendered with view, answered with status.
type formError[V any] struct {
	status int
	name   string
	view   V
}

func (e *formError[V]) Error() string { return fmt.Sprintf("page %s: status %d", e.name, e.status) }

// again shows the customer page name again with p, answered with status.
func again(status int, name string, p view) error {
	return &formError[view]{status: status, name: name, view: p}
}

// consoleAgain shows the console page name again with p, answered with
// status.
func consoleAgain(status int, name string, p consoleViewer) error {
	return &formError[consoleViewer]{status: status, name: name, view: p}
}
