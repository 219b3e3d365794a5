package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/renewseal"
)

// codeView is an Activation Code as a page shows it.
type codeView struct {
	License    string // the license's id in forms, PRODUCT-SERIAL
	Text       string
	Generation int
	Expires    string
	Status     string
	ShowQR     bool // the QR code shown open, where the code was just issued
}

// licenseView is a row of the licenses page.
type licenseView struct {
	ID               string
	Product, Edition string
	Trial            bool
	Status           string
	RevokeReason     string // why, when the current code is revoked
	Maintenance      string // the last day covered
	DaysLeft         string
	Code             codeView
	JWT              bool
	Earlier          []codeView
	Renewable        bool
	Replaceable      bool
	// RK is the Registration Key the license was bought with, and
	// RenewalKeys the keys that renewed it, oldest first.
	RK          string
	RenewalKeys []string
	// RenewNow: a renewable license whose maintenance ends soon, is in
	// its grace days or has ended.
	RenewNow          bool
	Generation        int
	InstallBound      bool
	ProductAndEdition string
}

func licenseID(p formats.Product, serial formats.Serial) string {
	return p.String() + "-" + serial.String()
}

// parseLicenseID reads PRODUCT-SERIAL as licenseID writes it.
func parseLicenseID(s string) (formats.Product, formats.Serial, bool) {
	ps, ss, ok := strings.Cut(s, "-")
	if !ok || len(ss) != 14 {
		return formats.Product{}, 0, false
	}
	p, err := formats.ParseProduct(ps)
	if err != nil {
		return formats.Product{}, 0, false
	}
	serial, err := strconv.ParseUint(ss, 10, 64)
	return p, formats.Serial(serial), err == nil && serial <= formats.MaxSerial
}

// status tells where a code stands today, as the product would see it.
func (s *deps) status(lic *ledger.License, code string) (verifier.License, error) {
	cp, err := s.svc.Catalog().Product(lic.Product.String())
	if err != nil {
		return verifier.License{}, err
	}
	opts := []verifier.Option{verifier.WithCatalog(cp), verifier.WithNow(s.now)}
	if lic.InstallID != "" {
		opts = append(opts, verifier.WithInstallID(lic.InstallID))
	}
	v, err := verifier.New(lic.Product.String(), s.keys, opts...)
	if err != nil {
		return verifier.License{}, err
	}
	return v.Verify(code)
}

// view turns a license's history into a row of the licenses page.
func (s *deps) view(h *ledger.History) licenseView {
	lic := h.License
	lv := licenseView{ID: licenseID(lic.Product, lic.Serial), Product: lic.Product.String(), Edition: lic.Edition, Trial: lic.Trial,
		Generation: int(lic.Generation), InstallBound: lic.InstallID != ""}
	lv.ProductAndEdition = lv.Product + " " + lv.Edition
	for _, k := range h.Keys {
		switch k.Purpose {
		case ledger.PurposeLicense:
			lv.RK = k.Key.String()
		case ledger.PurposeRenewal:
			lv.RenewalKeys = append(lv.RenewalKeys, k.Key.String())
		}
	}
	var current *ledger.Code
	for _, c := range h.Codes {
		if c.Generation == lic.Generation {
			current = c // codes come oldest first: the last is the newest
		}
	}
	for _, c := range h.Codes {
		if c.Generation < lic.Generation && (len(lv.Earlier) == 0 || lv.Earlier[len(lv.Earlier)-1].Generation != int(c.Generation)) {
			st := "superseded"
			if lic.Revoked && (lic.RevokedBelow == 0 || c.Generation < lic.RevokedBelow) {
				st = "revoked"
			}
			lv.Earlier = append(lv.Earlier, codeView{License: lv.ID, Text: c.Code, Generation: int(c.Generation), Expires: lastDay(c.Expires), Status: st})
		}
	}
	if current == nil {
		lv.Status = "no code"
		return lv
	}
	lv.Code = codeView{License: lv.ID, Text: current.Code, Generation: int(current.Generation), Expires: lastDay(current.Expires)}
	lv.JWT = current.JWT != ""
	lv.Maintenance = lastDay(current.Expires)
	vl, err := s.status(lic, current.Code)
	switch {
	case lic.RevokesCurrent():
		lv.Status, lv.RevokeReason = "revoked", lic.RevokeReason
	case err != nil:
		lv.Status = "unknown"
	default:
		lv.Status = vl.Status.String()
		if !vl.Perpetual() {
			lv.DaysLeft = strconv.Itoa(max(vl.DaysLeft, 0))
		}
	}
	lv.Code.Status = lv.Status
	lv.Renewable = !lic.Trial && current.Expires != formats.Perpetual && !lic.RevokesCurrent()
	lv.Replaceable = lic.Replaceable()
	switch lv.Status {
	case "expiring", "grace", "expired":
		lv.RenewNow = lv.Renewable
	}
	return lv
}

// lastDay is the last day a code covers: its expiry is the first day it
// no longer does.
func lastDay(d formats.Day) string {
	if d == formats.Perpetual {
		return "perpetual"
	}
	return (d - 1).String()
}

// myLicenses returns the account's licenses.
func (s *customerPages) myLicenses(r *http.Request) ([]licenseView, error) {
	hs, err := s.led.Find(r.Context(), ledger.Query{Owner: visitOf(r).account})
	if err != nil {
		return nil, err
	}
	out := make([]licenseView, 0, len(hs))
	for _, h := range hs {
		if h.License != nil {
			out = append(out, s.view(h))
		}
	}
	return out, nil
}

// myLicense returns the account's license with the id, or false when the
// account has no such license.
func (s *customerPages) myLicense(r *http.Request, id string) (*ledger.History, bool, error) {
	p, serial, ok := parseLicenseID(id)
	if !ok {
		return nil, false, nil
	}
	hs, err := s.led.Find(r.Context(), ledger.Query{Product: p, Serial: serial})
	if err != nil || len(hs) != 1 || hs[0].License == nil || hs[0].License.Owner != visitOf(r).account {
		return nil, false, err
	}
	return hs[0], true, nil
}

func (s *customerPages) licenses(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.myLicenses(r)
	if err != nil {
		return err
	}
	p := &licensesPage{layout: titled("My licenses")}
	// Grouped by product, in the catalog's names, products in code order
	// and each product's licenses as the ledger lists them.
	slices.SortStableFunc(ls, func(a, b licenseView) int { return strings.Compare(a.Product, b.Product) })
	for _, l := range ls {
		if n := len(p.Products); n == 0 || p.Products[n-1].Code != l.Product {
			name := l.Product
			if cp, err := s.svc.Catalog().Product(l.Product); err == nil && cp.Name != "" {
				name = cp.Name
			}
			p.Products = append(p.Products, productGroup{Code: l.Product, Name: name})
		}
		p.Products[len(p.Products)-1].Licenses = append(p.Products[len(p.Products)-1].Licenses, l)
	}
	s.render(w, r, http.StatusOK, "licenses", p)
	return nil
}

func (s *customerPages) jwt(w http.ResponseWriter, r *http.Request) error {
	h, ok, err := s.myLicense(r, r.URL.Query().Get("license"))
	if err != nil {
		return err
	}
	var token string
	if ok {
		for _, c := range h.Codes {
			if c.Generation == h.License.Generation {
				token = c.JWT
			}
		}
	}
	if token == "" {
		s.render(w, r, http.StatusNotFound, "message", &layout{Title: "No token", Error: "This license's current code has no JWT license token."})
		return nil
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.jwt"`, licenseID(h.License.Product, h.License.Serial)))
	io.WriteString(w, token+"\n")
	return nil
}

// code serves the current Activation Code of one of the account's
// licenses as a text file, for a customer to carry to the product.
func (s *customerPages) code(w http.ResponseWriter, r *http.Request) error {
	h, ok, err := s.myLicense(r, r.URL.Query().Get("license"))
	if err != nil {
		return err
	}
	if !ok {
		s.render(w, r, http.StatusNotFound, "message", &layout{Title: "No such license", Error: "You have no license with this id: see My licenses."})
		return nil
	}
	writeCodeFile(w, h)
	return nil
}

// writeCodeFile answers with the current Activation Code of h as a text
// file named after the license: the code on one line, as products read it.
func writeCodeFile(w http.ResponseWriter, h *ledger.History) {
	var code string
	for _, c := range h.Codes {
		if c.Generation == h.License.Generation {
			code = c.Code
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.txt"`, licenseID(h.License.Product, h.License.Serial)))
	io.WriteString(w, code+"\n")
}

// rkError words a Registration Key that did not parse, with where the
// mistake is when that is known.
func rkError(err error) string {
	return mistyped("Registration Key", "This is not a Registration Key: it has two letters and four groups of four digits, such as PC-1234-5678-9012-3456.", err)
}

// mistyped words a key or code (what) that did not parse, with where the
// mistake is when that is known, or else says notOne.
func mistyped(what, notOne string, err error) string {
	var fe *formats.FormatError
	if !errors.As(err, &fe) {
		return notOne
	}
	at := ""
	if fe.Group > 0 {
		at = fmt.Sprintf(" at character %d of group %d", fe.Char, fe.Group)
	}
	msg := fmt.Sprintf("This %s is mistyped%s: %s.", what, at, fe.Msg)
	if fe.Hint != "" {
		msg += " " + strings.ToUpper(fe.Hint[:1]) + fe.Hint[1:]
		if !strings.HasSuffix(msg, "?") {
			msg += "."
		}
	}
	return msg
}

func (s *customerPages) registerBuckets(r *http.Request) []bucket {
	v := visitOf(r)
	return []bucket{{"register:ip:" + rateAddr(v.ip), s.limits.RegisterIP}, {registerBucket(v.account), s.limits.RegisterAccount}}
}

func (s *customerPages) registerForm(w http.ResponseWriter, r *http.Request) error {
	// The key may come back from the log-in page, kept from a form whose
	// session ended (sessionEnded): shown, never registered by a GET.
	s.render(w, r, http.StatusOK, "register", &registerPage{layout: titled("Register your product"), RK: keptValue(r, "rk")})
	return nil
}

// codeMail is the mail that brings a customer the code of a key they
// registered.
func (s *deps) codeMail(to string, rk formats.RegistrationKey, kind, edition string, code formats.ActivationCode) ledger.Mail {
	return ledger.Mail{To: to, Subject: "Your Activation Code for " + rk.Product.String(),
		Body: s.mailText("registered", mailData{RK: rk.String(), Kind: kind, Product: rk.Product.String(), Edition: edition,
			Until: lastDay(code.Expires), Code: code.String()})}
}

func (s *customerPages) register(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	typed := r.PostFormValue("rk")
	p := &registerPage{layout: titled("Register your product"), RK: typed}
	// Counted before the key is checked, so that guesses sent at once
	// meet the limits too, and given back unless the key is refused.
	buckets := s.registerBuckets(r)
	if err := s.reserve(w, r, "register", p, buckets...); err != nil {
		return err
	}
	counted := false
	defer func() {
		if !counted {
			s.release(r, buckets...)
		}
	}()
	refuse := func(msg string) error {
		counted = true
		p.Error, p.Invalid = msg, []string{"rk"}
		return again(http.StatusUnprocessableEntity, "register", p)
	}
	rk, err := formats.ParseRegistrationKey(typed)
	if err != nil {
		return refuse(rkError(err))
	}
	kind := "Activation Code"
	if rk.Trial {
		kind = "trial Activation Code"
	}
	// The mail is queued by the transaction that records the code: one
	// commit, and no code recorded without its mail.
	is, err := s.svc.Register(r.Context(), &issuance.Registration{Registration: signer.Registration{RK: rk}, Token: true, Owner: v.account,
		OwnerAccount: true,
		Mail: func(reg *signer.Registration, is issuance.Issued) []ledger.Mail {
			return []ledger.Mail{s.codeMail(v.account, rk, kind, reg.Edition, is.Code)}
		}})
	// The account's own key again, registered on another day, or since
	// revoked: its license's current code, which may be a renewal or a
	// replacement of the first. Asked only then, rather than before every
	// registration, which it would cost a query.
	if is.Existing || errors.Is(err, ledger.ErrOtherTerms) || errors.Is(err, ledger.ErrRevoked) {
		if code := s.ownCode(r, rk); code != nil {
			p.Code, p.Notice = code, "This key is registered to your account already. Its Activation Code:"
			s.render(w, r, http.StatusOK, "register", p)
			return nil
		}
	}
	if rf, ok := refused(opRegister, err, ""); ok {
		err := refuse(rf.msg)
		// Only a key that may be a guess counts against the limit.
		counted = rf.counted
		return err
	}
	if err != nil {
		return err
	}
	if is.Existing {
		// Registered on the same terms outside the portal, to no account:
		// its code, recorded then, is mailed.
		m := s.codeMail(v.account, rk, kind, is.License.Edition, is.Code)
		s.mail(r, m.To, m.Subject, m.Body)
	} else {
		s.codeIssued(issuedRegistered)
		s.kickMailer()
	}
	p.RK = ""
	p.Notice = fmt.Sprintf("Registered. Your %s is below; we have emailed it to %s too.", kind, v.account)
	p.Code = &codeView{License: licenseID(rk.Product, rk.Serial), Text: is.Code.String(), Generation: int(is.Code.Generation), Expires: lastDay(is.Code.Expires), ShowQR: true}
	s.render(w, r, http.StatusOK, "register", p)
	return nil
}

// ownCode returns the current code of the license that rk registered to
// the account, or nil if it registered none of the account's.
func (s *customerPages) ownCode(r *http.Request, rk formats.RegistrationKey) *codeView {
	rec, err := s.led.RegistrationKey(r.Context(), rk)
	if err != nil || rec.State != ledger.StateRegistered || rec.Purpose != ledger.PurposeLicense {
		return nil
	}
	h, ok, err := s.myLicense(r, licenseID(rk.Product, rec.License))
	if err != nil || !ok {
		return nil
	}
	lv := s.view(h)
	lv.Code.ShowQR = true // asked for again: shown as when issued
	return &lv.Code
}

// mail queues a message for the account; a failure is logged, as the
// code it carries is shown and kept under My licenses all the same.
func (s *deps) mail(r *http.Request, to, subject, body string) {
	if err := s.mailbox.Queue(r.Context(), ledger.Mail{To: to, Subject: subject, Body: body}); err != nil {
		s.logf("portal: queueing mail to %s: %v", to, err)
		return
	}
	s.kickMailer()
}

// lostMail tells owner, if any, that the license id was taken from them
// (mail "revoked" or "moved"), why, and how to reach support. It follows a
// staff user's or the shop's action, each recorded in the license's
// history, not a visitor's request: the limits of mail to one recipient,
// which stop visitors flooding a mailbox, do not hold it back. It is
// queued in the transaction that records the action.
func (s *deps) lostMail(owner, name, id, why string) []ledger.Mail {
	if owner == "" {
		return nil
	}
	subject := map[string]string{"revoked": "Your license " + id + " is revoked",
		"moved": "Your license " + id + " was moved to another account"}[name]
	return []ledger.Mail{{To: owner, Subject: subject, Body: s.mailText(name, mailData{License: id, Why: why})}}
}

// done shows the current code of one of the account's licenses on the
// page name after a renewal or a replacement (post, redirect, get: a
// reload does not renew or replace again).
func (s *customerPages) done(r *http.Request) (*codeView, error) {
	id := r.URL.Query().Get("done")
	if id == "" {
		return nil, nil
	}
	h, ok, err := s.myLicense(r, id)
	if err != nil || !ok {
		return nil, err
	}
	lv := s.view(h)
	lv.Code.ShowQR = true
	return &lv.Code, nil
}

// renewable fills in the licenses that can be renewed, for the renew page.
func (s *customerPages) renewable(r *http.Request, p *renewPage) error {
	ls, err := s.myLicenses(r)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.Renewable {
			p.Licenses = append(p.Licenses, l)
		}
	}
	p.Title = "Renew"
	return nil
}

func (s *customerPages) renewForm(w http.ResponseWriter, r *http.Request) error {
	code, err := s.done(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// What was typed may come back from the log-in page (sessionEnded);
	// a license is chosen by the link of an expiry notice.
	p := &renewPage{Code: code, RK: keptValue(r, "rk"), Request: keptValue(r, "request"), Selected: q.Get("license")}
	if l := keptValue(r, "license"); l != "" {
		p.Selected = l
	}
	switch {
	case p.Code == nil:
	case r.URL.Query().Get("current") != "":
		// An offline request without a renewal key: nothing was renewed
		// or mailed now.
		p.Notice = "This license was renewed already, so nothing new was renewed or emailed. Its current Activation Code is below: enter it in the product."
	default:
		p.Notice = "Renewed. Your new Activation Code is below; we have emailed it to you too. Enter it in the product."
	}
	if err := s.renewable(r, p); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "renew", p)
	return nil
}

// renewRefusal shows the renew page again with msg, counting the attempt
// against the limits of failed ones when counted.
type renewRefusal struct {
	msg     string
	counted bool
	// field is what msg is about: "rk", "request" or "license"; none for
	// what the form asks first (the key online, the request offline).
	field string
}

// invalid is the id of the renew page's input the refusal is about: the
// offline form (multipart, for its file) has a key input of its own.
func (e *renewRefusal) invalid(r *http.Request) []string {
	offline := r.MultipartForm != nil
	switch {
	case e.field == "" && offline:
		return []string{"request"}
	case e.field == "" || e.field == "rk" && !offline:
		return []string{"rk"}
	case e.field == "rk":
		return []string{"rk-offline"}
	}
	return []string{e.field}
}

func (e *renewRefusal) Error() string { return e.msg }

func (s *customerPages) renew(w http.ResponseWriter, r *http.Request) error {
	p := &renewPage{RK: r.PostFormValue("rk"), Request: pastedRequest(r), Selected: r.PostFormValue("license")}
	// Counted first, as a registration is, and given back unless the
	// attempt is refused in a way that counts.
	buckets := s.registerBuckets(r)
	if err := s.reserve(w, r, "renew", p, buckets...); err != nil {
		return s.renewAgain(r, err)
	}
	err := s.renewLicense(w, r, p)
	var rr *renewRefusal
	if !errors.As(err, &rr) || !rr.counted {
		s.release(r, buckets...)
	}
	if rr == nil {
		return err
	}
	p.Error, p.Invalid = rr.msg, rr.invalid(r)
	if err := s.renewable(r, p); err != nil {
		return err
	}
	return again(http.StatusUnprocessableEntity, "renew", p)
}

// renewAgain fills in the renew page of a formError, such as a rate
// limit's.
func (s *customerPages) renewAgain(r *http.Request, err error) error {
	var fe *formError[view]
	if errors.As(err, &fe) {
		if p, ok := fe.view.(*renewPage); ok {
			if perr := s.renewable(r, p); perr != nil {
				return perr
			}
		}
	}
	return err
}

// renewLicense renews the license that the form names, with the renewal
// key or the product's request it gives, and redirects to the renewed
// code; a *renewRefusal says what was wrong.
func (s *customerPages) renewLicense(w http.ResponseWriter, r *http.Request, p *renewPage) error {
	v := visitOf(r)
	reqData, err := renewalRequest(r, p.Request)
	if err != nil {
		return err
	}
	var key *formats.RegistrationKey
	if strings.TrimSpace(p.RK) != "" {
		k, err := formats.ParseRegistrationKey(p.RK)
		if err != nil {
			return &renewRefusal{rkError(err), true, "rk"}
		}
		key = &k
	}
	renewedMail := func(is issuance.Issued) ledger.Mail {
		return ledger.Mail{To: v.account, Subject: "Your renewed Activation Code for " + is.Code.Product.String(),
			Body: s.mailText("renewed", mailData{License: licenseID(is.Code.Product, is.Code.Serial), Until: lastDay(is.Code.Expires), Code: is.Code.String()})}
	}
	ren := &issuance.Renewal{Key: key, Owner: v.account,
		Mail: func(is issuance.Issued) []ledger.Mail { return []ledger.Mail{renewedMail(is)} }}
	switch {
	case len(reqData) > 0:
		// Offline: the product's request names the code and install.
		req, err := renewseal.Open(reqData, s.ids...)
		if err != nil {
			return &renewRefusal{"This is not a whole renewal request (" + err.Error() + "). Copy all of the request your product shows, from its BEGIN line to its END line, or choose the file it saved.", false, "request"}
		}
		ren.Code, ren.InstallID = req.Code, req.InstallID
		if key == nil {
			return s.renewedOnline(w, r, req.Code)
		}
	case key == nil:
		return &renewRefusal{"Enter the renewal Registration Key you bought, or give the product's renewal request.", false, ""}
	default:
		h, ok, err := s.myLicense(r, p.Selected)
		if err != nil {
			return err
		}
		if !ok {
			return &renewRefusal{"Choose one of your licenses to renew.", false, "license"}
		}
		cur, err := s.led.CurrentCode(r.Context(), h.License)
		if err != nil {
			return err
		}
		if ren.Code, err = formats.ParseActivationCode(cur.Code); err != nil {
			return err
		}
		ren.InstallID = h.License.InstallID
	}
	is, err := s.svc.Renew(r.Context(), ren)
	if rf, ok := refused(opRenew, err, ""); ok {
		return &renewRefusal{rf.msg, rf.counted, "rk"}
	}
	if err != nil {
		return err
	}
	if is.Existing {
		// Renewed already: the code on record is mailed again.
		m := renewedMail(is)
		s.mail(r, m.To, m.Subject, m.Body)
	} else {
		s.codeIssued(issuedRenewed)
		s.kickMailer()
	}
	id := licenseID(is.Code.Product, is.Code.Serial)
	http.Redirect(w, r, "/renew?done="+id, http.StatusSeeOther)
	return nil
}

// renewalRequest is the product's renewal request, uploaded or else
// pasted. The page's file input is "request-file"; a file part named
// "request" (curl -F request=@file) is taken too.
func renewalRequest(r *http.Request, pasted string) ([]byte, error) {
	if r.MultipartForm != nil {
		for _, name := range []string{"request-file", "request"} {
			if fhs := r.MultipartForm.File[name]; len(fhs) > 0 && fhs[0].Size > 0 {
				f, err := fhs[0].Open()
				if err != nil {
					return nil, err
				}
				defer f.Close()
				return io.ReadAll(io.LimitReader(f, MaxForm))
			}
		}
	}
	return []byte(strings.TrimSpace(pasted)), nil
}

// pastedRequest is the first non-empty "request" value: a browser sends
// a file input left empty as an empty value, which must not hide the
// text pasted beside it.
func pastedRequest(r *http.Request) string {
	for _, v := range r.PostForm["request"] {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// renewedOnline answers an offline request without a renewal key: when the
// license was renewed since the code in the request (a renewal key
// entered here), the product needs the license's current code; otherwise
// the customer has to buy the renewal first.
func (s *customerPages) renewedOnline(w http.ResponseWriter, r *http.Request, held formats.ActivationCode) error {
	h, ok, err := s.myLicense(r, licenseID(held.Product, held.Serial))
	if err != nil {
		return err
	}
	if !ok {
		return &renewRefusal{msgNotYours, true, "request"}
	}
	lic := h.License
	cur, err := s.led.CurrentCode(r.Context(), lic)
	switch {
	case err != nil:
		return err
	case held.Generation < lic.Generation:
		return &renewRefusal{msgReplaced, false, "request"}
	case cur.Expires <= held.Expires:
		return &renewRefusal{"This license has not been renewed since the code in the request. Enter the renewal Registration Key you bought together with the request.", false, "rk"}
	}
	http.Redirect(w, r, "/renew?current=1&done="+licenseID(lic.Product, lic.Serial), http.StatusSeeOther)
	return nil
}

// replaceable fills in the licenses that can be replaced, for the page
// that reports a code stolen.
func (s *customerPages) replaceable(r *http.Request, p *stolenPage) error {
	ls, err := s.myLicenses(r)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.Replaceable {
			p.Licenses = append(p.Licenses, l)
		}
	}
	p.Title = "Report a stolen code"
	return nil
}

func (s *customerPages) stolenForm(w http.ResponseWriter, r *http.Request) error {
	code, err := s.done(r)
	if err != nil {
		return err
	}
	p := &stolenPage{Code: code}
	if p.Code != nil {
		p.Notice = "The stolen code is invalidated: it goes on the next revocation list. Your replacement Activation Code is below; we have emailed it to you too."
	}
	if err := s.replaceable(r, p); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "stolen", p)
	return nil
}

// stolenConfirm says what reporting the license's code stolen does and
// asks to confirm it: the report cannot be undone, so one click on the
// list only leads here.
func (s *customerPages) stolenConfirm(w http.ResponseWriter, r *http.Request) error {
	p := &stolenPage{}
	if err := s.replaceable(r, p); err != nil {
		return err
	}
	id := r.URL.Query().Get("license")
	if l := keptValue(r, "license"); l != "" {
		id = l
	}
	for i := range p.Licenses {
		if p.Licenses[i].ID == id {
			p.Confirm = &p.Licenses[i]
			p.Title = "Report the code of " + id + " stolen?"
			s.render(w, r, http.StatusOK, "stolen", p)
			return nil
		}
	}
	p.Error = "Choose one of your licenses."
	s.render(w, r, http.StatusNotFound, "stolen", p)
	return nil
}

func (s *customerPages) reportStolen(w http.ResponseWriter, r *http.Request) error {
	v := visitOf(r)
	id := r.PostFormValue("license")
	refuse := func(msg string) error {
		p := &stolenPage{layout: layout{Error: msg}}
		if err := s.replaceable(r, p); err != nil {
			return err
		}
		return again(http.StatusUnprocessableEntity, "stolen", p)
	}
	prod, serial, ok := parseLicenseID(id)
	if !ok {
		return refuse("Choose one of your licenses.")
	}
	_, err := s.svc.Replace(r.Context(), &issuance.Replacement{Product: prod, Serial: serial, RevokeOld: true,
		Reason: "reported stolen by the licensee", Owner: v.account,
		Mail: func(_ string, is issuance.Issued) []ledger.Mail {
			return []ledger.Mail{{To: v.account, Subject: "Your replacement Activation Code for " + prod.String(),
				Body: s.mailText("stolen", mailData{License: id, Generation: is.Code.Generation, Code: is.Code.String()})}}
		}})
	if rf, ok := refused(opReportStolen, err, ""); ok {
		return refuse(rf.msg)
	}
	if err != nil {
		return err
	}
	s.codeIssued(issuedReplaced)
	s.kickMailer()
	http.Redirect(w, r, "/report-stolen?done="+id, http.StatusSeeOther)
	return nil
}
