package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
)

// consoleKeyPage shows a Registration Key that registered no license.
func (s *consolePages) consoleKeyPage(w http.ResponseWriter, r *http.Request) error {
	cl, rec, err := s.findKey(r)
	if err != nil {
		return err
	}
	if rec.State == ledger.StateRegistered {
		http.Redirect(w, r, "/console/licenses/"+licenseID(rec.Key.Product, rec.License), http.StatusSeeOther)
		return nil
	}
	s.consoleRender(w, r, http.StatusOK, "license", &licenseScreen{consoleLayout: consoleLayout{Title: "Registration Key " + cl.Key, Notice: doneNotices[r.URL.Query().Get("done")]}, License: cl})
	return nil
}

// findKey returns the page of the key the path names, and the ledger's
// record of it.
func (s *consolePages) findKey(r *http.Request) (*consoleLicense, *ledger.RegistrationKey, error) {
	k, err := formats.ParseRegistrationKey(r.PathValue("rk"))
	if err != nil {
		return nil, nil, notFound("%s", rkError(err))
	}
	rec, err := s.led.RegistrationKey(r.Context(), k)
	if errors.Is(err, ledger.ErrNotMinted) {
		return nil, nil, notFound("The ledger has no key %s: it was never minted nor imported.", k)
	}
	if err != nil {
		return nil, nil, err
	}
	es, err := s.led.Events(r.Context(), k.Product, k.Serial)
	if err != nil {
		return nil, nil, err
	}
	cl := &consoleLicense{ID: k.String(), Key: k.String(), KeyState: rec.State, Path: "/console/keys/" + k.String(), Events: events(es),
		Fields: [][2]string{{"State", rec.State}, {"Purpose", string(rec.Purpose)}, {"Edition", rec.Edition}, {"Trial", strconv.FormatBool(k.Trial)},
			{"Order", orNone(rec.Order)}, {"Customer", orNone(rec.Customer)}, {"Minted", day(rec.MintedAt) + " by " + rec.MintedBy}}}
	if rec.State == ledger.StateMinted {
		cl.Actions = []*consoleAction{{Name: "void", Title: "Void the key", Button: "Void", Path: cl.Path + "/void",
			What:   []string{"The key " + k.String() + " can no longer be registered or used to renew, as for a refunded order.", "A void key stays void."},
			Fields: []actionField{{Name: "reason", Label: "Reason", Type: "text", Required: true, Hint: "such as: refunded"}}}}
	}
	return cl, rec, nil
}

// voidAction returns the void action of the key the path names, refusing
// a key that is not minted and unused.
func (s *consolePages) voidAction(r *http.Request) (*consoleLicense, *consoleAction, error) {
	cl, rec, err := s.findKey(r)
	if err != nil {
		return nil, nil, err
	}
	if len(cl.Actions) == 0 {
		return nil, nil, consoleAgain(http.StatusUnprocessableEntity, "license", &licenseScreen{License: cl, consoleLayout: consoleLayout{Title: "Registration Key " + cl.Key,
			Error: "Only a key that is minted and unused can be voided: this one is " + rec.State + ". A registered key's license is revoked instead."}})
	}
	act := cl.Actions[0]
	act.run = func(r *http.Request, _ *ledger.History) (string, string, error) {
		why, err := reason(r, true)
		if err != nil {
			return "", "", err
		}
		return "", "", actionRefused(opVoid, s.svc.Void(r.Context(), rec.Key, why))
	}
	return cl, act, nil
}

func (s *consolePages) keyVoidForm(w http.ResponseWriter, r *http.Request) error {
	cl, act, err := s.voidAction(r)
	if err != nil {
		return err
	}
	s.consoleRender(w, r, http.StatusOK, "confirm", &confirmScreen{consoleLayout: consoleLayout{Title: act.Title + ": " + cl.ID}, License: cl, Action: act})
	return nil
}

func (s *consolePages) keyVoid(w http.ResponseWriter, r *http.Request) error {
	cl, act, err := s.voidAction(r)
	if err != nil {
		return err
	}
	return s.runAction(w, r, cl, act, nil)
}

// The revocation list: the next one, from every revocation the ledger
// holds, published and downloaded at once; /crl/{product} serves it after.

func (s *consolePages) crlForm(w http.ResponseWriter, r *http.Request) error {
	s.consoleRender(w, r, http.StatusOK, "crl", &consoleLayout{Title: "Revocation lists"})
	return nil
}

func (s *consolePages) crlPublish(w http.ResponseWriter, r *http.Request) error {
	typed := strings.ToUpper(strings.TrimSpace(r.PostFormValue("product")))
	p, err := formats.ParseProduct(typed)
	if err == nil {
		_, err = s.svc.Catalog().Product(p.String())
	}
	if err != nil {
		s.consoleRender(w, r, http.StatusUnprocessableEntity, "crl", &consoleLayout{Title: "Revocation lists",
			Error: "Enter a product code of the catalog, two letters such as PC.", Invalid: []string{"product"}})
		return nil
	}
	seq, list, err := s.svc.RevocationList(r.Context(), &issuance.ListRequest{Product: p})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.lmrl"`, p, seq))
	h.Set("X-Licmint-List-Seq", strconv.FormatUint(seq, 10))
	w.Write(list)
	return nil
}
