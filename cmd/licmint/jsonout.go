package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
)

// jsonMarshal is json.MarshalIndent without HTML escaping, so that codes
// and messages print as they are.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// activationJSON is an Activation Code's fields as every --json record names and
// formats them: sign, renew, replace, inspect and verify embed it and add
// their own members, so that a script reads a code the same way whichever
// command printed it.
type activationJSON struct {
	Product string `json:"product"`
	// Edition is the catalog's name for the edition, or its number in
	// decimal where the catalog does not list it (or, for inspect, where
	// no catalog is read): License.Edition's rule.
	Edition       string `json:"edition"`
	EditionNumber int    `json:"edition_number"`
	Trial         bool   `json:"trial"`
	Serial        string `json:"serial"` // 14 digits
	Generation    int    `json:"generation"`
	KeyID         int    `json:"key_id"`
	InstallBound  bool   `json:"install_bound"`
	Issued        string `json:"issued"`  // YYYY-MM-DD
	Expires       string `json:"expires"` // YYYY-MM-DD, the first day not covered, or perpetual
	// ShortForm and ActivationCode are left out where the command has no
	// code text: verify given a token, and a failure.
	ShortForm      string `json:"short_form,omitempty"`
	ActivationCode string `json:"activation_code,omitempty"`
}

// newActivationJSON describes c, with the edition's name from cat if it lists
// it; cat may be nil.
func newActivationJSON(c *formats.ActivationCode, cat *catalog.Catalog) activationJSON {
	r := activationJSON{
		Product: c.Product.String(), Edition: strconv.Itoa(int(c.Edition)), EditionNumber: int(c.Edition),
		Trial: c.Trial, Serial: c.Serial.String(), Generation: int(c.Generation), KeyID: int(c.KeyID),
		InstallBound: c.Bound, Issued: c.Issued.String(), Expires: c.Expires.String(),
		ShortForm: c.ShortForm(), ActivationCode: c.String(),
	}
	if cat != nil {
		if p, err := cat.Product(r.Product); err == nil {
			if ed, ok := p.EditionNumber(c.Edition); ok {
				r.Edition = ed.Name
			}
		}
	}
	return r
}

// verifiedActivationJSON describes the code of a verified license; the verifier
// has already named its edition from the catalog. The code's text is not
// in a License: the caller adds it when it has it.
func verifiedActivationJSON(l *verifier.License) activationJSON {
	return activationJSON{
		Product: l.Product.String(), Edition: l.Edition, EditionNumber: int(l.EditionNumber),
		Trial: l.Trial, Serial: l.Serial.String(), Generation: int(l.Generation), KeyID: int(l.KeyID),
		InstallBound: l.Bound, Issued: l.Issued.String(), Expires: l.Expires.String(),
	}
}

// positionJSON locates a typo in a key or code: the member "position" of
// an error object and of inspect's and verify's records.
type positionJSON struct {
	Group  int `json:"group"`
	Char   int `json:"char"`
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// positionOf returns where err's *formats.FormatError locates the fault,
// or nil when it names no group.
func positionOf(err error) *positionJSON {
	var fe *formats.FormatError
	if errors.As(err, &fe) && fe.Group > 0 {
		return &positionJSON{fe.Group, fe.Char, fe.Line, fe.Column}
	}
	return nil
}
