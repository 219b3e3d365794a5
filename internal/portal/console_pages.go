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
	"unicode"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// MaxQuery bounds what the console's search box takes.
const MaxQuery = 300

// consoleLayout is what the console's layout.html draws around every
// page, and all that "message", "crl" and "password" are rendered with.
type consoleLayout struct {
	Title   string
	Staff   string
	Admin   bool
	CSRF    string
	Error   string   // shown in role="alert"
	Invalid []string // the ids of the inputs Error is about
	Notice  string   // shown in role="status"
}

func (l *consoleLayout) consoleFrame() *consoleLayout { return l }

// Field returns the attributes that tie the input id to the page's error
// when the error is about it.
func (l *consoleLayout) Field(id string) template.HTMLAttr { return fieldAttrs(l.Invalid, id) }

// A consoleViewer is what a console page is rendered with: its own fields
// and the layout's.
type consoleViewer interface{ consoleFrame() *consoleLayout }

// loginScreen is the page "login": the address typed, echoed.
type loginScreen struct {
	consoleLayout
	Email string
}

// totpScreen is the page "totp", with the secret to enrol until the user
// has.
type totpScreen struct {
	consoleLayout
	TOTPURI    template.URL // otpauth://, which html/template would refuse as a link
	TOTPQR     template.HTML
	TOTPSecret string
}

// searchScreen is the page "search".
type searchScreen struct {
	consoleLayout
	Query, ReadAs string
	Results       []consoleResult
	Searched      bool
}

// licenseScreen is the page "license", of a license or a key, with a
// reset code to show once.
type licenseScreen struct {
	consoleLayout
	License   *consoleLicense
	ResetCode string
}

// confirmScreen is the page "confirm": what an action will do, and its
// form, with the values sent echoed when they were refused.
type confirmScreen struct {
	consoleLayout
	License *consoleLicense
	Action  *consoleAction
	Values  url.Values
	// Back and BackTo are the page the action is of and its name, when
	// that is not a license's.
	Back, BackTo string
}

// staffScreen is the admins' page "staff".
type staffScreen struct {
	consoleLayout
	Email      string
	StaffUsers []staffView
}

// tokensScreen is the admins' page "tokens", with a new token to show once.
type tokensScreen struct {
	consoleLayout
	Tokens   []tokenView
	NewToken string
}

type consoleResult struct {
	Link, Title, Detail string
	// Account is the owner's email, and AccountLink its page, if any.
	Account, AccountLink string
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
	OwnerLink         string // the owner's account page
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
	// Locked is set while failed log-ins keep the user out.
	Locked bool
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

func (s *consolePages) consoleRender(w http.ResponseWriter, r *http.Request, status int, name string, p consoleViewer) {
	if v, ok := r.Context().Value(staffVisitKey{}).(*staffVisit); ok {
		l := p.consoleFrame()
		l.CSRF = v.csrf
		if v.verified {
			l.Staff, l.Admin = v.email, v.role == portaldb.RoleAdmin
		}
	}
	s.writePage(w, consoleTemplates()[name], status, "console/"+name, p)
}

func day(t time.Time) string { return t.UTC().Format(time.DateTime) + " UTC" }

// consoleSearch finds licenses by what the one search box holds, telling
// which of RK, short form (or whole code), email, serial or order
// reference it read.
func (s *consolePages) consoleSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &searchScreen{consoleLayout: consoleLayout{Title: "Find a license"}, Query: q}
	if q == "" {
		s.consoleRender(w, r, http.StatusOK, "search", p)
		return nil
	}
	if len(q) > MaxQuery {
		p.Error, p.Invalid = fmt.Sprintf("Search for at most %d characters: one key, code, email, serial or order reference.", MaxQuery), []string{"q"}
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "search", p)
		return nil
	}
	query, readAs := searchQuery(q)
	p.ReadAs, p.Searched = readAs, true
	hs, err := s.led.Find(r.Context(), query)
	if errors.Is(err, ledger.ErrNotMinted) {
		hs, err = nil, nil
	}
	if err != nil {
		return err
	}
	if len(hs) == 0 && query.Order != "" {
		if hs, err = s.led.Find(r.Context(), ledger.Query{Customer: q}); err != nil {
			return err
		}
		if len(hs) > 0 {
			p.ReadAs = "a customer reference"
		}
	}
	for _, h := range hs {
		if h.License == nil {
			for _, k := range h.Keys {
				kind := "full"
				if k.Key.Trial {
					kind = "trial"
				}
				p.Results = append(p.Results, consoleResult{Link: "/console/keys/" + k.Key.String(), Title: k.Key.String(),
					Detail: fmt.Sprintf("Registration Key, %s: %s %s, %s, minted %s, order %s", k.State, k.Key.Product, k.Edition, kind, day(k.MintedAt), orNone(k.Order))})
			}
			continue
		}
		lic := h.License
		res := consoleResult{Link: "/console/licenses/" + licenseID(lic.Product, lic.Serial), Title: licenseID(lic.Product, lic.Serial),
			Detail: fmt.Sprintf("%s %s, generation %d, owner %s, order %s, %s", lic.Product, lic.Edition, lic.Generation, orNone(lic.Owner), orNone(lic.Order), licenseState(lic))}
		if lic.Owner != "" {
			res.Account, res.AccountLink = lic.Owner, accountPath(lic.Owner)
		}
		p.Results = append(p.Results, res)
	}
	if query.Owner != "" {
		// The account itself, after its licenses, whether or not it owns
		// any.
		switch _, err := s.accounts.Get(r.Context(), query.Owner); {
		case err == nil:
			p.Results = append(p.Results, consoleResult{Link: accountPath(query.Owner), Title: "Account " + query.Owner,
				Detail: "Portal account: its licenses, mail, sessions and log-in lock"})
		case !errors.Is(err, ledger.ErrNoAccount):
			return err
		}
	}
	if len(p.Results) == 0 && query.Order != "" {
		// Read as an order reference, as nothing else: if it is shaped
		// like a key or a code, the agent is told where it is mistyped, as
		// the customer would be.
		p.Error = typoHint(q)
	}
	s.consoleRender(w, r, http.StatusOK, "search", p)
	return nil
}

// typoHint words q as a mistyped Registration Key or Activation Code, as
// the customers' pages do, or is "" when q is shaped like neither: an
// order reference, say.
func typoHint(q string) string {
	// The symbols typed, without the separators the parsers skip.
	compact := strings.Map(func(c rune) rune {
		if c == '-' || unicode.IsSpace(c) {
			return -1
		}
		return c
	}, q)
	if len(compact) < 2 || !isASCIILetter(compact[0]) || !isASCIILetter(compact[1]) {
		return ""
	}
	near := func(n int, want ...int) bool {
		for _, w := range want {
			if n >= w-3 && n <= w+3 {
				return true
			}
		}
		return false
	}
	if _, err := formats.ParseRegistrationKey(q); errors.Is(err, formats.ErrTypo) ||
		errors.Is(err, formats.ErrMalformed) && near(len(compact)-2, formats.RKDigits) && nonDigits(compact[2:]) <= 2 {
		return rkError(err)
	}
	if _, err := formats.ParseActivationCode(q); errors.Is(err, formats.ErrTypo) ||
		errors.Is(err, formats.ErrMalformed) && near(len(compact)-2, formats.ShortSymbols, formats.SignedSymbols) {
		return mistyped("Activation Code", "", err)
	}
	return ""
}

func nonDigits(s string) int {
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			n++
		}
	}
	return n
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// accountPath is the console's page of the account email.
func accountPath(email string) string { return "/console/accounts/" + url.PathEscape(email) }

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
func (s *consolePages) findLicense(r *http.Request) (*ledger.History, error) {
	id := r.PathValue("license")
	p, serial, ok := parseLicenseID(id)
	if !ok {
		return nil, notFound("A license is named PRODUCT-SERIAL, such as PC-31415926535897.")
	}
	hs, err := s.led.Find(r.Context(), ledger.Query{Product: p, Serial: serial})
	if err != nil {
		return nil, err
	}
	if len(hs) != 1 || hs[0].License == nil {
		return nil, notFound("The ledger has no license %s.", id)
	}
	return hs[0], nil
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
func (s *consolePages) consoleView(h *ledger.History) *consoleLicense {
	lic := h.License
	id := licenseID(lic.Product, lic.Serial)
	lv := s.view(h)
	cl := &consoleLicense{ID: id, Path: "/console/licenses/" + id, Owner: lic.Owner, OwnerLink: accountPath(lic.Owner), Code: lv.Code.Text,
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
	cl.Actions = s.licenseActions(cl, lic)
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

func (s *consolePages) consoleLicensePage(w http.ResponseWriter, r *http.Request) error {
	h, err := s.findLicense(r)
	if err != nil {
		return err
	}
	cl := s.consoleView(h)
	s.consoleRender(w, r, http.StatusOK, "license", &licenseScreen{consoleLayout: consoleLayout{Title: "License " + cl.ID, Notice: doneNotices[r.URL.Query().Get("done")]}, License: cl})
	return nil
}

// consoleCodeFile serves a license's current Activation Code as a text
// file, for an agent to attach to a reply.
func (s *consolePages) consoleCodeFile(w http.ResponseWriter, r *http.Request) error {
	h, err := s.findLicense(r)
	if err != nil {
		return err
	}
	writeCodeFile(w, h)
	return nil
}

// licenseActionNames are the names of every action on a license.
var licenseActionNames = []string{"resend", "replace", "revoke", "move", "reset-code"}

// licenseActions are the actions that can be done on lic, by the rules the
// ledger refuses the others by: a page offers no action that would only
// be refused once its form is filled in.
func (s *consolePages) licenseActions(cl *consoleLicense, lic *ledger.License) []*consoleAction {
	base := cl.Path + "/"
	owner := orNone(cl.Owner)
	// The generation the page showed: what replace and move act on.
	shown := actionField{Name: "generation", Type: "hidden", Value: strconv.Itoa(int(cl.Generation))}
	all := []*consoleAction{
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
	possible := map[string]bool{"resend": lic.Resendable(), "replace": lic.Replaceable(), "revoke": !lic.RevokesAll(),
		"move": lic.Replaceable(), "reset-code": true}
	return slices.DeleteFunc(all, func(a *consoleAction) bool { return !possible[a.Name] })
}

// findAction returns the license the path names, its page and the action
// the path names.
func (s *consolePages) findAction(r *http.Request) (*ledger.History, *consoleLicense, *consoleAction, error) {
	h, err := s.findLicense(r)
	if err != nil {
		return nil, nil, nil, err
	}
	cl := s.consoleView(h)
	name := r.PathValue("action")
	for _, a := range cl.Actions {
		if a.Name == name {
			return h, cl, a, nil
		}
	}
	if slices.Contains(licenseActionNames, name) {
		// Offered when the page was loaded, not since (such as revoked
		// meanwhile): the license's page shows what can be done now.
		return nil, nil, nil, consoleAgain(http.StatusConflict, "license", &licenseScreen{consoleLayout: consoleLayout{Title: "License " + cl.ID,
			Error: "This action cannot be done on this license as it is now (" + licenseState(h.License) + "). Below is what can be done."}, License: cl})
	}
	return nil, nil, nil, notFound("There is no such action on a license.")
}

// licenseActionForm shows what an action will do, and asks for its
// fields; it changes nothing.
func (s *consolePages) licenseActionForm(w http.ResponseWriter, r *http.Request) error {
	_, cl, act, err := s.findAction(r)
	if err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title + ": " + cl.ID}, License: cl, Action: act})
	return nil
}

// licenseAction does an action confirmed on its page.
func (s *consolePages) licenseAction(w http.ResponseWriter, r *http.Request) error {
	h, cl, act, err := s.findAction(r)
	if err != nil {
		return err
	}
	return s.runAction(w, r, cl, act, h)
}

func (s *consolePages) runAction(w http.ResponseWriter, r *http.Request, cl *consoleLicense, act *consoleAction, h *ledger.History) error {
	notice, reset, err := act.run(r, h)
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		return consoleAgain(http.StatusUnprocessableEntity, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title + ": " + cl.ID, Error: ie.Msg, Invalid: invalidField(err, nil)},
			License: cl, Action: act, Values: r.PostForm})
	case err != nil:
		return err
	}
	if reset != "" {
		// Shown once, on this answer: it is not kept.
		hs, err := s.led.Find(r.Context(), ledger.Query{Product: h.License.Product, Serial: h.License.Serial})
		if err != nil {
			return err
		}
		cl = s.consoleView(hs[0])
		s.consoleRender(w, r, http.StatusOK, "license", &licenseScreen{consoleLayout: consoleLayout{Title: "License " + cl.ID, Notice: notice}, License: cl, ResetCode: reset})
		return nil
	}
	http.Redirect(w, r, cl.Path+"?done="+act.Name, http.StatusSeeOther)
	return nil
}

// actionRefused is err as the words of the form of an action o, when it is
// one of o's refusals.
func actionRefused(o op, err error) error {
	if rf, ok := refused(o, err, ""); ok {
		return &InputError{Msg: rf.msg}
	}
	return err
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

func (s *consolePages) actResend(r *http.Request, h *ledger.History) (string, string, error) {
	lic := h.License
	err := s.svc.ResendCode(r.Context(), lic.Product, lic.Serial, func(lic *ledger.License, cur *ledger.Code) ledger.Mail {
		return ledger.Mail{To: lic.Owner, Subject: "Your Activation Code for " + lic.Product.String(),
			Body: s.mailText("resent", mailData{License: licenseID(lic.Product, lic.Serial), Until: lastDay(cur.Expires), Code: cur.Code, URL: s.publicURL})}
	})
	if err != nil {
		return "", "", actionRefused(opResend, err)
	}
	s.kickMailer()
	return doneNotices["resend"], "", nil
}

// shownCode returns the code that a replace or move form was confirmed
// for: the current code of the generation its page showed. Replacing it
// (the ledger checks the generation in the transaction) refuses a license
// replaced since, so that two staff users acting at once, or one form
// sent twice, make one generation.
func (s *consolePages) shownCode(r *http.Request, h *ledger.History) (*formats.ActivationCode, error) {
	g, err := strconv.ParseUint(r.PostFormValue("generation"), 10, 8)
	if err != nil {
		return nil, inputErr("", "This form does not say which generation of the license it acts on: open the action from the license's page and confirm it there.")
	}
	if uint8(g) != h.License.Generation {
		return nil, &InputError{Msg: msgReplacedMeantime}
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

func (s *consolePages) actReplace(r *http.Request, h *ledger.History) (string, string, error) {
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
	_, err = s.svc.Replace(r.Context(), &issuance.Replacement{Code: shown, InstallID: lic.InstallID, RevokeOld: revokeOld, Reason: why,
		Mail: func(_ string, is issuance.Issued) []ledger.Mail {
			return s.replacementMail(is, "Our support replaced the Activation Code of your license")
		}})
	if err != nil {
		return "", "", actionRefused(opReplace, err)
	}
	s.codeIssued(issuedReplaced)
	s.kickMailer()
	return "", "", nil
}

// replacementMail carries a replacement to the license's owner, if any.
func (s *consolePages) replacementMail(is issuance.Issued, why string) []ledger.Mail {
	if is.License == nil || is.License.Owner == "" {
		return nil
	}
	id := licenseID(is.Code.Product, is.Code.Serial)
	return []ledger.Mail{{To: is.License.Owner, Subject: "Your replacement Activation Code for " + is.Code.Product.String(),
		Body: s.mailText("replaced", mailData{Why: why, License: id, Generation: is.Code.Generation, Until: lastDay(is.Code.Expires), Code: is.Code.String(), URL: s.publicURL})}}
}

func (s *consolePages) actRevoke(r *http.Request, h *ledger.History) (string, string, error) {
	why, err := reason(r, true)
	if err != nil {
		return "", "", err
	}
	lic := h.License
	if _, err := s.svc.Revoke(r.Context(), lic.Product, lic.Serial, why, func(lic *ledger.License) []ledger.Mail {
		return s.lostMail(lic.Owner, "revoked", licenseID(lic.Product, lic.Serial), why)
	}); err != nil {
		return "", "", err
	}
	s.kickMailer()
	return "", "", nil
}

func (s *consolePages) actMove(r *http.Request, h *ledger.History) (string, string, error) {
	to, err := parseEmail(r.PostFormValue("email"))
	if err != nil {
		return "", "", err
	}
	why, err := reason(r, true)
	if err != nil {
		return "", "", err
	}
	lic := h.License
	if to == lic.Owner {
		return "", "", inputErr("email", "%s owns this license already.", to)
	}
	acc, err := s.accounts.Get(r.Context(), to)
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
	_, err = s.svc.Replace(r.Context(), &issuance.Replacement{Code: shown, InstallID: lic.InstallID, RevokeOld: true,
		Reason: "moved to " + to + ": " + why, NewOwner: to, NewOwnerAccount: true,
		Mail: func(from string, is issuance.Issued) []ledger.Mail {
			// The reason given here, not the ledger's, which names the
			// new owner.
			return append(s.replacementMail(is, "Our support moved to your account the license"),
				s.lostMail(from, "moved", licenseID(is.Code.Product, is.Code.Serial), why)...)
		}})
	if errors.Is(err, ledger.ErrNoAccount) {
		// Its login id changed since the check above.
		return "", "", inputErr("email", "No portal account has the login id %s now: it may have just changed. Search for the customer again.", to)
	}
	if err != nil {
		return "", "", actionRefused(opReplace, err)
	}
	s.codeIssued(issuedReplaced)
	s.kickMailer()
	return "", "", nil
}

func (s *consolePages) actResetCode(r *http.Request, h *ledger.History) (string, string, error) {
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
