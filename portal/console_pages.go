package portal

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// MaxQuery bounds what the console's search box takes.
const MaxQuery = 300

// consolePage is what every console template is rendered with.
type consolePage struct {
	Title  string
	Staff  string
	Admin  bool
	CSRF   string
	Error  string // shown in role="alert"
	Notice string // shown in role="status"

	Email, Query, ReadAs string
	Results              []consoleResult
	Searched             bool
	License              *consoleLicense
	Action               *consoleAction
	Values               url.Values // echoed form values of an action
	ResetCode            string
	TOTPURI              template.URL // otpauth://, which html/template would refuse as a link
	TOTPSecret           string
	StaffUsers           []staffView
	Tokens               []tokenView
	NewToken             string
}

type consoleResult struct {
	Link, Title, Detail string
}

// consoleLicense is a license's page, or an unregistered key's.
type consoleLicense struct {
	ID, Path          string
	Key               string // for a key page: the key
	KeyState          string
	Fields            [][2]string
	Code              string
	Codes             []codeView
	Keys              []string
	Events            []eventView
	Actions           []*consoleAction
	Owner             string
	ProductAndEdition string
	Generation        uint8
}

type eventView struct {
	Seq           int64
	At, Actor     string
	Kind, Details string
}

type staffView struct {
	Email, Role, Created, CreatedBy, Disabled string
	// Enrol says where the user's authenticator stands.
	Enrol string
}

type tokenView struct {
	ID                                int64
	Name, Scope, Created, By, Revoked string
}

// consoleAction is an action on a license or key: its GET page says what
// it will do and asks for its fields; its POST does it.
type consoleAction struct {
	Name, Title, Button string
	What                []string
	Fields              []actionField
	Path                string
	// run does the action; it returns the notice for the license page, and
	// a reset code to show once, if any. An error that is an *InputError
	// is shown in the form; any other is the portal's failure.
	run func(r *http.Request, h *ledger.History) (notice, resetCode string, err error)
}

type actionField struct {
	Name, Label, Type, Hint string
	Required                bool
	Value                   string
}

func (s *Server) consoleRender(w http.ResponseWriter, r *http.Request, status int, name string, p consolePage) {
	if v, ok := r.Context().Value(staffVisitKey{}).(*staffVisit); ok {
		p.CSRF = v.csrf
		if v.verified {
			p.Staff, p.Admin = v.email, v.role == ledger.RoleAdmin
		}
	}
	s.writePage(w, consoleTemplates()[name], status, "console/"+name, p)
}

func (s *Server) consoleFail(w http.ResponseWriter, r *http.Request, err error) {
	s.logf("portal: %s %s: %v", r.Method, r.URL.Path, err)
	s.consoleRender(w, r, http.StatusInternalServerError, "message", consolePage{Title: "Something went wrong",
		Error: "The console could not do this just now; the log has the details. Nothing was changed unless the license's history shows it."})
}

func (s *Server) consoleNotFound(w http.ResponseWriter, r *http.Request, what string) {
	s.consoleRender(w, r, http.StatusNotFound, "message", consolePage{Title: "Not found", Error: what})
}

// consoleHandler returns the console's routes, behind consoleSecured.
func (s *Server) consoleMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/login", s.consoleLoginForm)
	mux.HandleFunc("POST /console/login", s.consoleLogin)
	mux.HandleFunc("GET /console/totp", s.needPassword(s.totpForm))
	mux.HandleFunc("POST /console/totp", s.needPassword(s.totpCheck))
	mux.HandleFunc("POST /console/logout", s.consoleLogout)
	mux.HandleFunc("GET /console/password", s.needStaff(s.passwordForm))
	mux.HandleFunc("POST /console/password", s.needStaff(s.passwordChange))
	mux.HandleFunc("GET /console/{$}", s.needStaff(s.consoleSearch))
	mux.HandleFunc("GET /console/licenses/{license}", s.needStaff(s.consoleLicensePage))
	mux.HandleFunc("GET /console/licenses/{license}/{action}", s.needStaff(s.licenseAction))
	mux.HandleFunc("POST /console/licenses/{license}/{action}", s.needStaff(s.licenseAction))
	mux.HandleFunc("GET /console/keys/{rk}", s.needStaff(s.consoleKeyPage))
	mux.HandleFunc("GET /console/keys/{rk}/void", s.needStaff(s.keyVoid))
	mux.HandleFunc("POST /console/keys/{rk}/void", s.needStaff(s.keyVoid))
	mux.HandleFunc("GET /console/revocation-list", s.needStaff(s.crlForm))
	mux.HandleFunc("POST /console/revocation-list", s.needStaff(s.crlPublish))
	mux.HandleFunc("GET /console/staff", s.needAdmin(s.staffPage))
	mux.HandleFunc("POST /console/staff", s.needAdmin(s.staffAdd))
	mux.HandleFunc("GET /console/staff/remove", s.needAdmin(s.staffRemove))
	mux.HandleFunc("POST /console/staff/remove", s.needAdmin(s.staffRemove))
	mux.HandleFunc("GET /console/tokens", s.needAdmin(s.tokensPage))
	mux.HandleFunc("POST /console/tokens", s.needAdmin(s.tokenCreate))
	mux.HandleFunc("GET /console/tokens/{id}/revoke", s.needAdmin(s.tokenRevoke))
	mux.HandleFunc("POST /console/tokens/{id}/revoke", s.needAdmin(s.tokenRevoke))
	mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		s.consoleNotFound(w, r, "There is no such page in the console.")
	})
	return mux
}

func day(t time.Time) string { return t.UTC().Format(time.DateTime) + " UTC" }

// consoleSearch finds licenses by what the one search box holds, telling
// which of RK, short form (or whole code), email, serial or order
// reference it read.
func (s *Server) consoleSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := consolePage{Title: "Find a license", Query: q}
	if q == "" {
		s.consoleRender(w, r, http.StatusOK, "search", p)
		return
	}
	if len(q) > MaxQuery {
		p.Error = fmt.Sprintf("Search for at most %d characters: one key, code, email, serial or order reference.", MaxQuery)
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "search", p)
		return
	}
	query, readAs := searchQuery(q)
	p.ReadAs, p.Searched = readAs, true
	hs, err := s.led.Find(r.Context(), query)
	if errors.Is(err, ledger.ErrNotMinted) {
		hs, err = nil, nil
	}
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	if len(hs) == 0 && query.Order != "" {
		if hs, err = s.led.Find(r.Context(), ledger.Query{Customer: q}); err != nil {
			s.consoleFail(w, r, err)
			return
		}
		if len(hs) > 0 {
			p.ReadAs = "a customer reference"
		}
	}
	for _, h := range hs {
		if h.License == nil {
			for _, k := range h.Keys {
				p.Results = append(p.Results, consoleResult{Link: "/console/keys/" + k.Key.String(), Title: k.Key.String(),
					Detail: fmt.Sprintf("Registration Key, %s, %s, order %s", k.State, k.Edition, orNone(k.Order))})
			}
			continue
		}
		lic := h.License
		p.Results = append(p.Results, consoleResult{Link: "/console/licenses/" + licenseID(lic.Product, lic.Serial),
			Title:  licenseID(lic.Product, lic.Serial),
			Detail: fmt.Sprintf("%s %s, generation %d, owner %s, order %s, %s", lic.Product, lic.Edition, lic.Generation, orNone(lic.Owner), orNone(lic.Order), licenseState(lic))})
	}
	s.consoleRender(w, r, http.StatusOK, "search", p)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func licenseState(lic *ledger.License) string {
	switch {
	case lic.RevokesCurrent():
		return "revoked: " + lic.RevokeReason
	case lic.Revoked:
		return fmt.Sprintf("in force; generations below %d revoked", lic.RevokedBelow)
	}
	return "in force"
}

// searchQuery tells what q is: a Registration Key, an Activation Code or
// its short form, an email address, a serial (PRODUCT-SERIAL, or the
// digits alone for PC), or else an order reference.
func searchQuery(q string) (ledger.Query, string) {
	if k, err := formats.ParseRegistrationKey(q); err == nil {
		return ledger.Query{RK: &k}, "a Registration Key"
	}
	if c, err := formats.ParseActivationCode(q); err == nil {
		if c.Signed {
			return ledger.Query{ShortForm: c.ShortForm()}, "an Activation Code"
		}
		return ledger.Query{ShortForm: c.ShortForm()}, "the short form of an Activation Code"
	}
	if strings.Contains(q, "@") {
		return ledger.Query{Owner: strings.ToLower(q)}, "an account's email address"
	}
	id := q
	if len(q) <= 14 && strings.Trim(q, "0123456789") == "" {
		id = "PC-" + strings.Repeat("0", 14-len(q)) + q
	}
	if p, serial, ok := parseLicenseID(strings.ToUpper(id)); ok {
		return ledger.Query{Product: p, Serial: serial}, "a license serial"
	}
	return ledger.Query{Order: q}, "an order reference"
}

// findLicense returns the history of the license the path names.
func (s *Server) findLicense(w http.ResponseWriter, r *http.Request) (*ledger.History, bool) {
	id := r.PathValue("license")
	p, serial, ok := parseLicenseID(id)
	if !ok {
		s.consoleNotFound(w, r, "A license is named PRODUCT-SERIAL, such as PC-31415926535897.")
		return nil, false
	}
	hs, err := s.led.Find(r.Context(), ledger.Query{Product: p, Serial: serial})
	if err != nil {
		s.consoleFail(w, r, err)
		return nil, false
	}
	if len(hs) != 1 || hs[0].License == nil {
		s.consoleNotFound(w, r, "The ledger has no license "+id+".")
		return nil, false
	}
	return hs[0], true
}

func events(es []*ledger.Event) []eventView {
	out := make([]eventView, 0, len(es))
	for _, e := range es {
		var body map[string]any
		json.Unmarshal(e.Body, &body)
		var parts []string
		for k, v := range body {
			switch k {
			case "seq", "at", "actor", "kind", "product", "serial":
				continue
			}
			parts = append(parts, fmt.Sprintf("%s: %v", strings.ReplaceAll(k, "_", " "), v))
		}
		slices.Sort(parts)
		out = append(out, eventView{Seq: e.Seq, At: day(e.At), Actor: e.Actor, Kind: strings.ReplaceAll(e.Kind, "_", " "), Details: strings.Join(parts, "; ")})
	}
	return out
}

// licenseView builds the license page of h.
func (s *Server) consoleView(h *ledger.History) *consoleLicense {
	lic := h.License
	id := licenseID(lic.Product, lic.Serial)
	lv := s.view(h)
	cl := &consoleLicense{ID: id, Path: "/console/licenses/" + id, Owner: lic.Owner, Code: lv.Code.Text,
		ProductAndEdition: lv.ProductAndEdition, Events: events(h.Events), Generation: lic.Generation}
	cl.Fields = [][2]string{{"Product and edition", lv.ProductAndEdition}, {"Trial", strconv.FormatBool(lic.Trial)},
		{"Generation", strconv.Itoa(int(lic.Generation))}, {"Status", lv.Status + " (" + licenseState(lic) + ")"},
		{"Maintenance until", lv.Maintenance}, {"Owner account", orNone(lic.Owner)}, {"Customer", orNone(lic.Customer)},
		{"Order", orNone(lic.Order)}, {"Install id", orNone(lic.InstallID)}}
	for _, c := range h.Codes {
		cl.Codes = append(cl.Codes, codeView{Text: c.Code, Generation: int(c.Generation), Expires: lastDay(c.Expires)})
	}
	for _, k := range h.Keys {
		cl.Keys = append(cl.Keys, fmt.Sprintf("%s (%s, %s)", k.Key, k.Purpose, k.State))
	}
	cl.Actions = s.licenseActions(cl)
	return cl
}

// doneNotices are the notices of the license page after an action (post,
// redirect, get: a reload does not act again).
var doneNotices = map[string]string{
	"resend":  "The current Activation Code is queued for mail to the owner.",
	"replace": "Replaced: the new generation is the current code, mailed to the owner.",
	"revoke":  "Revoked. It goes on the next revocation list: publish one from Revocation lists.",
	"move":    "Moved: the old code is revoked, and the new owner has the replacement by mail.",
	"void":    "The key is void: it can no longer be registered.",
}

func (s *Server) consoleLicensePage(w http.ResponseWriter, r *http.Request) {
	h, ok := s.findLicense(w, r)
	if !ok {
		return
	}
	cl := s.consoleView(h)
	s.consoleRender(w, r, http.StatusOK, "license", consolePage{Title: "License " + cl.ID, License: cl, Notice: doneNotices[r.URL.Query().Get("done")]})
}

// licenseActions are the actions of a license page.
func (s *Server) licenseActions(cl *consoleLicense) []*consoleAction {
	base := cl.Path + "/"
	owner := orNone(cl.Owner)
	// The generation the page showed: what replace and move act on.
	shown := actionField{Name: "generation", Type: "hidden", Value: strconv.Itoa(int(cl.Generation))}
	return []*consoleAction{
		{Name: "resend", Title: "Resend the Activation Code", Button: "Resend to " + owner, Path: base + "resend",
			What: []string{"The license's current Activation Code is mailed to its owner account, " + owner + ".", "Nothing about the license changes."},
			run:  s.actResend},
		{Name: "replace", Title: "Replace the code", Button: "Replace", Path: base + "replace",
			What: []string{"A new Activation Code, the license's next generation, is issued and mailed to " + owner + ".",
				"Products that see the new code stop accepting the older ones. Tick 'Revoke' to also put the older generations on the next revocation list, as for a stolen code."},
			Fields: []actionField{shown, {Name: "revoke_old", Label: "Revoke the older generations", Type: "checkbox"},
				{Name: "reason", Label: "Reason", Type: "text", Hint: "recorded in the history; needed to revoke"}},
			run: s.actReplace},
		{Name: "revoke", Title: "Revoke the license", Button: "Revoke", Path: base + "revoke",
			What: []string{"Every generation of " + cl.ID + " is revoked: it goes on the next revocation list, and products that load it refuse the license.",
				"It cannot be renewed or replaced afterwards."},
			Fields: []actionField{{Name: "reason", Label: "Reason", Type: "text", Required: true, Hint: "such as: chargeback"}},
			run:    s.actRevoke},
		{Name: "move", Title: "Move to another account", Button: "Move", Path: base + "move",
			What: []string{"The license goes to the account you name, the rightful licensee: its current code is invalidated (revoked, for the next list), and a replacement is issued to the new owner and mailed to them.",
				"The current owner, " + owner + ", no longer sees it."},
			Fields: []actionField{shown, {Name: "email", Label: "New owner's email address (their portal login id)", Type: "email", Required: true},
				{Name: "reason", Label: "Reason", Type: "text", Required: true}},
			run: s.actMove},
		{Name: "reset-code", Title: "Make a reset code for a clock lock", Button: "Make the reset code", Path: base + "reset-code",
			What: []string{"A product whose clock was once set ahead reports clock_rollback and names the day it remembers. A reset code clears that lock once, for the one install id the customer reads out."},
			Fields: []actionField{{Name: "install_id", Label: "Install id", Type: "text", Required: true, Hint: "exactly as the product shows it"},
				{Name: "remembered", Label: "Day the product remembers", Type: "text", Required: true, Hint: "YYYY-MM-DD, as its clock_rollback message names it"}},
			run: s.actResetCode},
	}
}

// licenseAction shows an action's confirmation (GET) or does it (POST).
func (s *Server) licenseAction(w http.ResponseWriter, r *http.Request) {
	h, ok := s.findLicense(w, r)
	if !ok {
		return
	}
	cl := s.consoleView(h)
	var act *consoleAction
	for _, a := range cl.Actions {
		if a.Name == r.PathValue("action") {
			act = a
		}
	}
	if act == nil {
		s.consoleNotFound(w, r, "There is no such action on a license.")
		return
	}
	s.runAction(w, r, cl, act, h)
}

func (s *Server) runAction(w http.ResponseWriter, r *http.Request, cl *consoleLicense, act *consoleAction, h *ledger.History) {
	p := consolePage{Title: act.Title + ": " + cl.ID, License: cl, Action: act, Values: r.PostForm}
	if r.Method == http.MethodGet {
		s.consoleRender(w, r, http.StatusOK, "confirm", p)
		return
	}
	notice, reset, err := act.run(r, h)
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		p.Error = ie.Msg
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "confirm", p)
		return
	case err != nil:
		s.consoleFail(w, r, err)
		return
	}
	if reset != "" {
		// Shown once, on this answer: it is not kept.
		hs, err := s.led.Find(r.Context(), ledger.Query{Product: h.License.Product, Serial: h.License.Serial})
		if err != nil {
			s.consoleFail(w, r, err)
			return
		}
		cl = s.consoleView(hs[0])
		s.consoleRender(w, r, http.StatusOK, "license", consolePage{Title: "License " + cl.ID, License: cl, Notice: notice, ResetCode: reset})
		return
	}
	http.Redirect(w, r, cl.Path+"?done="+act.Name, http.StatusSeeOther)
}

func inputErr(field, format string, a ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// reason returns the form's reason, which must be given when required.
func reason(r *http.Request, required bool) (string, error) {
	why := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case len(why) > MaxReason || !printable(why):
		return "", inputErr("reason", "Give a reason on one line, of at most %d bytes (a letter outside English takes 2 to 4).", MaxReason)
	case required && why == "":
		return "", inputErr("reason", "Give a reason: it is recorded in the license's history.")
	}
	return why, nil
}

var errResendRevoked = inputErr("", "This license is revoked: its code no longer works, so it is not mailed.")

func (s *Server) actResend(r *http.Request, h *ledger.History) (string, string, error) {
	lic := h.License
	err := s.svc.ResendCode(r.Context(), lic.Product, lic.Serial, func(lic *ledger.License, cur *ledger.Code) ledger.Mail {
		return ledger.Mail{To: lic.Owner, Subject: "Your Activation Code for " + lic.Product.String(),
			Body: fmt.Sprintf("As you asked our support, here is the current Activation Code of your license %s (maintenance until %s):\n\n%s\n\nEnter it in the product. You can find it again under My licenses:\n\n%s/licenses\n",
				licenseID(lic.Product, lic.Serial), lastDay(cur.Expires), cur.Code, s.publicURL)}
	})
	switch {
	case errors.Is(err, ledger.ErrNoAccount):
		return "", "", inputErr("", "This license has no owner account to mail: it was not registered through the portal. Give the customer the code from this page.")
	case errors.Is(err, ledger.ErrRevoked):
		return "", "", errResendRevoked
	}
	if err != nil {
		return "", "", err
	}
	s.kickMailer()
	return doneNotices["resend"], "", nil
}

// replaceErr words the refusals of a replacement.
func replaceErr(err error) error {
	switch {
	case errors.Is(err, ledger.ErrRevoked):
		return inputErr("", "This license is revoked: it cannot be replaced.")
	case errors.Is(err, ledger.ErrLastGeneration):
		return inputErr("", "This license has reached its last generation: it cannot be replaced again.")
	case errors.Is(err, ledger.ErrSuperseded):
		return errReplacedMeanwhile
	case errors.Is(err, signer.ErrNotReplaceable):
		return inputErr("", "This license's code cannot be replaced: %v.", err)
	}
	return err
}

var errReplacedMeanwhile = inputErr("", "This license was replaced meanwhile, by someone else or the customer: nothing was done. Check its history, and act again from its page if it is still needed.")

// shownCode returns the code that a replace or move form was confirmed
// for: the current code of the generation its page showed. Replacing it
// (the ledger checks the generation in the transaction) refuses a license
// replaced since, so that two staff users acting at once, or one form
// sent twice, make one generation.
func (s *Server) shownCode(r *http.Request, h *ledger.History) (*formats.ActivationCode, error) {
	g, err := strconv.ParseUint(r.PostFormValue("generation"), 10, 8)
	if err != nil {
		return nil, inputErr("", "This form does not say which generation of the license it acts on: open the action from the license's page and confirm it there.")
	}
	if uint8(g) != h.License.Generation {
		return nil, errReplacedMeanwhile
	}
	cur, err := s.led.CurrentCode(r.Context(), h.License)
	if err != nil {
		return nil, err
	}
	c, err := formats.ParseActivationCode(cur.Code)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Server) actReplace(r *http.Request, h *ledger.History) (string, string, error) {
	revokeOld := r.PostFormValue("revoke_old") != ""
	why, err := reason(r, revokeOld)
	if err != nil {
		return "", "", err
	}
	lic := h.License
	shown, err := s.shownCode(r, h)
	if err != nil {
		return "", "", err
	}
	is, err := s.svc.Replace(r.Context(), &issuance.Replacement{Code: shown, InstallID: lic.InstallID, RevokeOld: revokeOld, Reason: why})
	if err != nil {
		return "", "", replaceErr(err)
	}
	s.codeIssued(issuedReplaced)
	s.mailReplacement(r, is, "Our support replaced the Activation Code of your license")
	return "", "", nil
}

// mailReplacement mails a replacement to the license's owner, if any.
func (s *Server) mailReplacement(r *http.Request, is issuance.Issued, why string) {
	if is.License == nil || is.License.Owner == "" {
		return
	}
	id := licenseID(is.Code.Product, is.Code.Serial)
	s.mail(r, is.License.Owner, "Your replacement Activation Code for "+is.Code.Product.String(),
		fmt.Sprintf("%s %s.\n\nYour Activation Code (generation %d, maintenance until %s):\n\n%s\n\nEnter it in your product. You can find it again under My licenses:\n\n%s/licenses\n",
			why, id, is.Code.Generation, lastDay(is.Code.Expires), is.Code, s.publicURL))
}

func (s *Server) actRevoke(r *http.Request, h *ledger.History) (string, string, error) {
	why, err := reason(r, true)
	if err != nil {
		return "", "", err
	}
	if _, err := s.svc.Revoke(r.Context(), h.License.Product, h.License.Serial, why); err != nil {
		return "", "", err
	}
	return "", "", nil
}

func (s *Server) actMove(r *http.Request, h *ledger.History) (string, string, error) {
	to, err := parseEmail(r.PostFormValue("email"))
	if err != nil {
		return "", "", inputErr("email", "%s", err)
	}
	why, err := reason(r, true)
	if err != nil {
		return "", "", err
	}
	lic := h.License
	if to == lic.Owner {
		return "", "", inputErr("email", "%s owns this license already.", to)
	}
	acc, err := s.led.Account(r.Context(), to)
	if errors.Is(err, ledger.ErrNoAccount) || err == nil && !acc.Confirmed {
		return "", "", inputErr("email", "No confirmed portal account has the login id %s: the rightful licensee signs up first.", to)
	}
	if err != nil {
		return "", "", err
	}
	shown, err := s.shownCode(r, h)
	if err != nil {
		return "", "", err
	}
	is, err := s.svc.Replace(r.Context(), &issuance.Replacement{Code: shown, InstallID: lic.InstallID, RevokeOld: true,
		Reason: "moved to " + to + ": " + why, NewOwner: to})
	if err != nil {
		return "", "", replaceErr(err)
	}
	s.codeIssued(issuedReplaced)
	s.mailReplacement(r, is, "Our support moved to your account the license")
	return "", "", nil
}

func (s *Server) actResetCode(r *http.Request, h *ledger.History) (string, string, error) {
	// Only what FORMAT.md rules out at an install id's ends is trimmed:
	// any other character, such as a no-break space, is part of the id
	// the code is signed for.
	install := strings.Trim(r.PostFormValue("install_id"), " \t\r\n")
	if err := formats.CheckInstallID(install); err != nil || !printable(install) {
		return "", "", inputErr("install_id", "Enter the install id exactly as the product shows it: 1 to %d bytes of text on one line.", formats.MaxInstallIDLen)
	}
	remembered, err := formats.ParseDay(strings.TrimSpace(r.PostFormValue("remembered")))
	if err != nil {
		return "", "", inputErr("remembered", "Enter the day the product remembers as YYYY-MM-DD, such as 2036-11-29.")
	}
	c, err := s.svc.ResetCode(r.Context(), h.License.Product, h.License.Serial, install, remembered)
	if errors.Is(err, signer.ErrBadReset) {
		return "", "", inputErr("remembered", "No reset code for this: %v.", err)
	}
	if err != nil {
		return "", "", err
	}
	return "Read this reset code to the customer, for install " + install + ". It is shown once; the ledger keeps only that it was made.", c.String(), nil
}

// consoleKeyPage shows a Registration Key that registered no license.
func (s *Server) consoleKeyPage(w http.ResponseWriter, r *http.Request) {
	cl, rec, ok := s.findKey(w, r)
	if !ok {
		return
	}
	if rec.State == ledger.StateRegistered {
		http.Redirect(w, r, "/console/licenses/"+licenseID(rec.Key.Product, rec.License), http.StatusSeeOther)
		return
	}
	s.consoleRender(w, r, http.StatusOK, "license", consolePage{Title: "Registration Key " + cl.Key, License: cl, Notice: doneNotices[r.URL.Query().Get("done")]})
}

func (s *Server) findKey(w http.ResponseWriter, r *http.Request) (*consoleLicense, *ledger.RegistrationKey, bool) {
	k, err := formats.ParseRegistrationKey(r.PathValue("rk"))
	if err != nil {
		s.consoleNotFound(w, r, rkError(err))
		return nil, nil, false
	}
	rec, err := s.led.RegistrationKey(r.Context(), k)
	if errors.Is(err, ledger.ErrNotMinted) {
		s.consoleNotFound(w, r, "The ledger has no key "+k.String()+": it was never minted nor imported.")
		return nil, nil, false
	}
	if err != nil {
		s.consoleFail(w, r, err)
		return nil, nil, false
	}
	es, err := s.led.Events(r.Context(), k.Product, k.Serial)
	if err != nil {
		s.consoleFail(w, r, err)
		return nil, nil, false
	}
	cl := &consoleLicense{ID: k.String(), Key: k.String(), KeyState: rec.State, Path: "/console/keys/" + k.String(), Events: events(es),
		Fields: [][2]string{{"State", rec.State}, {"Purpose", string(rec.Purpose)}, {"Edition", rec.Edition}, {"Trial", strconv.FormatBool(k.Trial)},
			{"Order", orNone(rec.Order)}, {"Customer", orNone(rec.Customer)}, {"Minted", day(rec.MintedAt) + " by " + rec.MintedBy}}}
	if rec.State == ledger.StateMinted {
		cl.Actions = []*consoleAction{{Name: "void", Title: "Void the key", Button: "Void", Path: cl.Path + "/void",
			What:   []string{"The key " + k.String() + " can no longer be registered or used to renew, as for a refunded order.", "A void key stays void."},
			Fields: []actionField{{Name: "reason", Label: "Reason", Type: "text", Required: true, Hint: "such as: refunded"}}}}
	}
	return cl, rec, true
}

func (s *Server) keyVoid(w http.ResponseWriter, r *http.Request) {
	cl, rec, ok := s.findKey(w, r)
	if !ok {
		return
	}
	if len(cl.Actions) == 0 {
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "license", consolePage{Title: "Registration Key " + cl.Key, License: cl,
			Error: "Only a key that is minted and unused can be voided: this one is " + rec.State + ". A registered key's license is revoked instead."})
		return
	}
	act := cl.Actions[0]
	act.run = func(r *http.Request, _ *ledger.History) (string, string, error) {
		why, err := reason(r, true)
		if err != nil {
			return "", "", err
		}
		if err := s.svc.Void(r.Context(), rec.Key, why); errors.Is(err, ledger.ErrUsed) {
			return "", "", inputErr("", "This key was registered meanwhile: revoke its license instead.")
		} else if err != nil {
			return "", "", err
		}
		return "", "", nil
	}
	s.runAction(w, r, cl, act, nil)
}

// The revocation list: the next one, from every revocation the ledger
// holds, published and downloaded at once; /crl/{product} serves it after.

func (s *Server) crlForm(w http.ResponseWriter, r *http.Request) {
	s.consoleRender(w, r, http.StatusOK, "crl", consolePage{Title: "Revocation lists"})
}

func (s *Server) crlPublish(w http.ResponseWriter, r *http.Request) {
	typed := strings.ToUpper(strings.TrimSpace(r.PostFormValue("product")))
	p, err := formats.ParseProduct(typed)
	if err == nil {
		_, err = s.svc.Catalog().Product(p.String())
	}
	if err != nil {
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "crl", consolePage{Title: "Revocation lists",
			Error: "Enter a product code of the catalog, two letters such as PC."})
		return
	}
	seq, list, err := s.svc.RevocationList(r.Context(), &issuance.ListRequest{Product: p})
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.lmrl"`, p, seq))
	h.Set("X-Licmint-List-Seq", strconv.FormatUint(seq, 10))
	w.Write(list)
}

// Admin pages: staff users and API tokens.

func (s *Server) staffPage(w http.ResponseWriter, r *http.Request) {
	s.staffList(w, r, http.StatusOK, consolePage{})
}

func (s *Server) staffList(w http.ResponseWriter, r *http.Request, status int, p consolePage) {
	list, err := s.led.StaffList(r.Context())
	if err != nil {
		s.consoleFail(w, r, err)
		return
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
		p.StaffUsers = append(p.StaffUsers, v)
	}
	p.Title = "Staff users"
	s.consoleRender(w, r, status, "staff", p)
}

func (s *Server) staffAdd(w http.ResponseWriter, r *http.Request) {
	p := consolePage{Email: r.PostFormValue("email")}
	err := addStaff(r.Context(), s.led, s.rand, r.PostFormValue("email"), r.PostFormValue("role"), r.PostFormValue("password"))
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		p.Error = ie.Msg
	case errors.Is(err, ledger.ErrStaffExists):
		p.Error = "A staff user with this login id exists already."
	case err != nil:
		s.consoleFail(w, r, err)
		return
	}
	if p.Error != "" {
		s.staffList(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	p.Email, p.Notice = "", fmt.Sprintf("Added. They log in at /console/login and set up their authenticator there, within %d hours.", int(StaffEnrolLifetime.Hours()))
	s.staffList(w, r, http.StatusOK, p)
}

func (s *Server) staffRemove(w http.ResponseWriter, r *http.Request) {
	email := r.FormValue("email")
	st, err := s.led.Staff(r.Context(), email)
	if errors.Is(err, ledger.ErrNoStaff) {
		s.consoleNotFound(w, r, "There is no staff user "+email+" to remove.")
		return
	}
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	act := &consoleAction{Title: "Remove a staff user", Button: "Remove " + st.Email, Path: "/console/staff/remove?email=" + url.QueryEscape(st.Email),
		What: []string{st.Email + " (" + st.Role + ") can no longer log in, and their sessions end now.", "Their name stays in the histories of what they did."}}
	if r.Method == http.MethodGet {
		s.consoleRender(w, r, http.StatusOK, "confirm", consolePage{Title: act.Title, Action: act})
		return
	}
	if st.Email == staffOf(r).email {
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "confirm", consolePage{Title: act.Title, Action: act,
			Error: "You cannot remove yourself: ask another admin."})
		return
	}
	if err := s.led.DisableStaff(r.Context(), st.Email); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff", http.StatusSeeOther)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.tokenList(w, r, http.StatusOK, consolePage{})
}

func (s *Server) tokenList(w http.ResponseWriter, r *http.Request, status int, p consolePage) {
	toks, err := s.led.APITokens(r.Context())
	if err != nil {
		s.consoleFail(w, r, err)
		return
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
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	name, scope := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("scope")
	if !ledger.ValidScope(scope) || !ledger.ValidTokenName(name) {
		s.tokenList(w, r, http.StatusUnprocessableEntity, consolePage{Error: fmt.Sprintf("Choose the scope (mint, read or revoke) and a name of at most %d characters.", ledger.MaxTokenName)})
		return
	}
	token, id, err := CreateAPIToken(r.Context(), s.led, name, scope)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	// Shown on this answer only: the ledger keeps its hash.
	s.tokenList(w, r, http.StatusOK, consolePage{NewToken: token,
		Notice: fmt.Sprintf("Token %d (scope %s) created. It is shown this once: copy it to the shop's secret store now.", id, scope)})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.consoleNotFound(w, r, "A token is named by its number.")
		return
	}
	act := &consoleAction{Title: fmt.Sprintf("Revoke API token %d", id), Button: "Revoke the token", Path: fmt.Sprintf("/console/tokens/%d/revoke", id),
		What: []string{"Every portal instance refuses the token from its next request on. This cannot be undone: make a new token instead."}}
	if r.Method == http.MethodGet {
		s.consoleRender(w, r, http.StatusOK, "confirm", consolePage{Title: act.Title, Action: act})
		return
	}
	if err := s.led.RevokeAPIToken(r.Context(), id); errors.Is(err, ledger.ErrNoAPIToken) {
		s.consoleNotFound(w, r, fmt.Sprintf("There is no token %d in force.", id))
		return
	} else if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tokens", http.StatusSeeOther)
}
