package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/licmint/licmint/internal/portaldb"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler returns the portal's HTTP handler: every route of the portal,
// with its method. A GET pattern also answers HEAD, which never changes
// anything: each action's GET page only says what its POST will do.
func (s *Server) Handler() http.Handler {
	c, con, api, ops := s.customers, s.console, s.api, s.ops
	mux := http.NewServeMux()
	// Customers: behind secured (their session, cookie and CSRF check).
	page := func(pattern string, h handler) { mux.Handle(pattern, c.secured(c.page(h))) }
	login := func(pattern string, h handler) { page(pattern, c.needLogin(h)) }
	mux.Handle("GET /static/", c.secured(http.StripPrefix("/static/", http.FileServerFS(staticFS))))
	page("GET /{$}", c.home)
	page("GET /signup", c.signupForm)
	page("POST /signup", c.signup)
	page("GET /confirm", c.confirmForm)
	page("POST /confirm", c.confirm)
	page("GET /login", c.loginForm)
	page("POST /login", c.login)
	page("POST /logout", c.logout)
	page("GET /forgot", c.forgotForm)
	page("POST /forgot", c.forgot)
	page("GET /reset", c.resetForm)
	page("POST /reset", c.reset)
	page("GET /forgot-login", c.forgotLogin)
	login("GET /register", c.registerForm)
	login("POST /register", c.register)
	login("GET /licenses", c.licenses)
	login("GET /licenses/jwt", c.jwt)
	login("GET /licenses/code", c.code)
	login("GET /renew", c.renewForm)
	login("POST /renew", c.renew)
	login("GET /report-stolen", c.stolenForm)
	login("POST /report-stolen", c.reportStolen)
	login("GET /report-stolen/confirm", c.stolenConfirm)
	login("GET /account", c.account)
	login("POST /account/password", c.passwordChange)
	login("POST /account/email", c.emailChange)
	login("POST /account/sessions/end-others", c.endOthers)
	page("GET /confirm-email", c.confirmEmailForm)
	page("POST /confirm-email", c.confirmEmail)
	if s.d.demo {
		page("GET /outbox", c.outbox)
	}
	page("/", c.notFound)

	// The support console: behind consoleSecured (the staff session, its
	// own cookie and CSRF tokens).
	console := func(pattern string, h handler) { mux.Handle(pattern, con.consoleSecured(con.page(h))) }
	staff := func(pattern string, h handler) { console(pattern, con.needStaff(h)) }
	admin := func(pattern string, h handler) { console(pattern, con.needAdmin(h)) }
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusSeeOther))
	console("GET /console/login", con.consoleLoginForm)
	console("POST /console/login", con.consoleLogin)
	console("GET /console/totp", con.needPassword(con.totpForm))
	console("POST /console/totp", con.needPassword(con.totpCheck))
	console("POST /console/logout", con.consoleLogout)
	staff("GET /console/password", con.passwordForm)
	staff("POST /console/password", con.passwordChange)
	staff("GET /console/{$}", con.consoleSearch)
	staff("GET /console/licenses/{license}", con.consoleLicensePage)
	staff("GET /console/licenses/{license}/code.txt", con.consoleCodeFile)
	staff("GET /console/licenses/{license}/{action}", con.licenseActionForm)
	staff("POST /console/licenses/{license}/{action}", con.licenseAction)
	staff("GET /console/keys/{rk}", con.consoleKeyPage)
	staff("GET /console/keys/{rk}/void", con.keyVoidForm)
	staff("POST /console/keys/{rk}/void", con.keyVoid)
	staff("GET /console/accounts/{account}", con.accountPage)
	staff("GET /console/accounts/{account}/confirmation", con.accountActionForm("confirmation"))
	staff("POST /console/accounts/{account}/confirmation", con.accountAction("confirmation"))
	staff("GET /console/accounts/{account}/unlock", con.accountActionForm("unlock"))
	staff("POST /console/accounts/{account}/unlock", con.accountAction("unlock"))
	staff("GET /console/accounts/{account}/logout", con.accountActionForm("logout"))
	staff("POST /console/accounts/{account}/logout", con.accountAction("logout"))
	staff("GET /console/accounts/{account}/retry-mail", con.accountActionForm("retry-mail"))
	staff("POST /console/accounts/{account}/retry-mail", con.accountAction("retry-mail"))
	staff("GET /console/revocation-list", con.crlForm)
	staff("POST /console/revocation-list", con.crlPublish)
	admin("GET /console/staff", con.staffPage)
	admin("POST /console/staff", con.staffAdd)
	admin("GET /console/staff/remove", con.staffRemoveForm)
	admin("POST /console/staff/remove", con.staffRemove)
	admin("POST /console/staff/unlock", con.staffUnlock)
	admin("GET /console/tokens", con.tokensPage)
	admin("POST /console/tokens", con.tokenCreate)
	admin("GET /console/tokens/{id}/revoke", con.tokenRevokeForm)
	admin("POST /console/tokens/{id}/revoke", con.tokenRevoke)
	console("/console/", con.notFound)

	// The shop API, with bearer tokens of a scope, and the product API
	// and revocation lists, with none. No cookies and no CSRF check:
	// browsers do not send bearer tokens on their own.
	bearer := func(method, path, scope string, h handler) {
		mux.Handle(method+" "+path, api.call(api.bearer(scope, h)))
		mux.Handle(path, methodNotAllowed(method))
	}
	bearer("POST", "/api/v1/registration-keys", portaldb.ScopeMint, api.apiMint)
	bearer("GET", "/api/v1/licenses", portaldb.ScopeRead, api.apiExpiring)
	bearer("GET", "/api/v1/licenses/{license}", portaldb.ScopeRead, api.apiLicense)
	bearer("POST", "/api/v1/licenses/{license}/revoke", portaldb.ScopeRevoke, api.apiRevoke)
	mux.Handle("POST /api/v1/current-code", api.call(api.apiCurrentCode))
	mux.Handle("/api/v1/current-code", methodNotAllowed("POST"))
	mux.Handle("GET /api/openapi.json", api.call(api.openAPI))
	mux.Handle("/api/", api.call(api.notFound))
	mux.Handle("GET /crl/{product}", api.call(api.crl))

	// The operator's.
	mux.HandleFunc("GET /healthz", ops.healthz)
	mux.HandleFunc("GET /readyz", ops.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.d.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil}))

	return s.d.fromProxies(s.d.measured(mux))
}

// measured counts every request and its time by the route pattern that
// answered it.
func (s *deps) measured(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		_, route := mux.Handler(r)
		if route == "" {
			route = "other" // a redirect to a cleaned path
		}
		mux.ServeHTTP(sw, r)
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
