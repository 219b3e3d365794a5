// Package catalog describes a vendor's products, editions and license terms,
// read from the JSON catalog file specified in FORMAT.md section 9.
package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/jsonstrict"
)

// Defaults for a product that leaves a term out, as vendors commonly sell:
// a 30-day trial, a year of maintenance, notice 60 days before expiry.
const (
	DefaultTrialDays       = 30
	DefaultMaintenanceDays = 365
	DefaultWarningDays     = 60
	DefaultGraceDays       = 30
	// MaxTermDays bounds every term: beyond it the dates leave the
	// format's range anyway.
	MaxTermDays = 36500
	// MaxFileSize bounds a catalog file.
	MaxFileSize = 1 << 20
)

var (
	// ErrUnknownProduct: the catalog has no such product code.
	ErrUnknownProduct = errors.New("unknown product")
	// ErrUnknownEdition: the product has no such edition.
	ErrUnknownEdition = errors.New("unknown edition")
)

// Catalog maps product codes to products.
type Catalog struct {
	Products map[string]*Product `json:"products"`
}

// Product is one product's editions and terms.
type Product struct {
	// Code is the product code, the catalog key; filled in by Parse.
	Code     formats.Product `json:"-"`
	Name     string          `json:"name"`
	Editions []Edition       `json:"editions"`
	// Terms, in days. Zero means the default.
	TrialDays       int `json:"trial_days,omitempty"`
	MaintenanceDays int `json:"maintenance_days,omitempty"`
	WarningDays     int `json:"warning_days,omitempty"`
	GraceDays       int `json:"grace_days,omitempty"`
}

// Edition is one edition of a product and the features it enables.
type Edition struct {
	Name     string   `json:"name"`
	Number   uint8    `json:"number"`
	Features []string `json:"features"`
}

// Default returns the built-in catalog: product PC with the editions
// standard (1) and premium (2), both with the features update and scan, and
// the default terms.
func Default() *Catalog {
	c, err := Parse([]byte(defaultJSON))
	if err != nil {
		panic("catalog: built-in catalog: " + err.Error())
	}
	return c
}

const defaultJSON = `{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}`

// Parse reads a catalog from JSON. Unknown fields, duplicate edition names
// or numbers, and terms out of range are errors, so that a typo in the file
// cannot silently change a license.
func Parse(data []byte) (*Catalog, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("catalog: %d bytes, more than %d", len(data), MaxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog: %w", jsonPosition(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("catalog: data after the JSON object")
	}
	// encoding/json takes the last of a repeated member and reads null as
	// absent: either would let a typo change a license unnoticed.
	if err := jsonstrict.Check(data, jsonstrict.Options{Names: catalogNames}); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if len(c.Products) == 0 {
		return nil, errors.New(`catalog: no products; want {"products": {"PC": {...}}}`)
	}
	for code, p := range c.Products {
		if p == nil {
			return nil, fmt.Errorf("catalog: product %q is null", code)
		}
		pc, err := formats.ParseProduct(code)
		if err != nil || pc.String() != code {
			return nil, fmt.Errorf("catalog: product code %q: want two upper-case letters, such as PC", code)
		}
		p.Code = pc
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("catalog: product %s: %w", code, err)
		}
	}
	return &c, nil
}

func (p *Product) check() error {
	if len(p.Editions) == 0 {
		return errors.New("no editions")
	}
	// Products written in C read these names as NUL-terminated strings.
	if strings.ContainsRune(p.Name, 0) {
		return fmt.Errorf("name %q holds U+0000, which no name may", p.Name)
	}
	names := map[string]bool{}
	numbers := map[uint8]bool{}
	for i, e := range p.Editions {
		switch {
		case e.Name == "" || strings.TrimSpace(e.Name) != e.Name:
			return fmt.Errorf("edition %d: name %q is empty or has surrounding spaces", i+1, e.Name)
		case strings.ContainsRune(e.Name, 0):
			return fmt.Errorf("edition %d: name %q holds U+0000, which no name may", i+1, e.Name)
		case names[e.Name]:
			return fmt.Errorf("edition name %q appears twice", e.Name)
		case numbers[e.Number]:
			return fmt.Errorf("edition number %d appears twice", e.Number)
		}
		names[e.Name], numbers[e.Number] = true, true
		for _, f := range e.Features {
			if f == "" || strings.TrimSpace(f) != f {
				return fmt.Errorf("edition %s: feature name %q is empty or has surrounding spaces", e.Name, f)
			}
			if strings.ContainsRune(f, 0) {
				return fmt.Errorf("edition %s: feature name %q holds U+0000, which no name may", e.Name, f)
			}
		}
	}
	for _, t := range []struct {
		name string
		v    int
	}{{"trial_days", p.TrialDays}, {"maintenance_days", p.MaintenanceDays}, {"warning_days", p.WarningDays}, {"grace_days", p.GraceDays}} {
		if t.v < 0 || t.v > MaxTermDays {
			return fmt.Errorf("%s is %d; want 0 (the default) to %d", t.name, t.v, MaxTermDays)
		}
	}
	return nil
}

// jsonPosition adds a line and column to a JSON syntax or type error.
func jsonPosition(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// catalogNames are the catalog's member names, which encoding/json would
// also match in another case.
var catalogNames = []string{"products", "name", "editions", "number", "features",
	"trial_days", "maintenance_days", "warning_days", "grace_days"}

// Product returns the product with the given code, in any case.
func (c *Catalog) Product(code string) (*Product, error) {
	if p, ok := c.Products[strings.ToUpper(code)]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w %q; the catalog has %s", ErrUnknownProduct, code, strings.Join(c.codes(), ", "))
}

func (c *Catalog) codes() []string {
	var codes []string
	for k := range c.Products {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	return codes
}

// Edition returns the edition with the given name.
func (p *Product) Edition(name string) (Edition, error) {
	var names []string
	for _, e := range p.Editions {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return Edition{}, fmt.Errorf("%w %q for product %s; editions: %s", ErrUnknownEdition, name, p.Code, strings.Join(names, ", "))
}

// EditionNumber returns the edition with the given number.
func (p *Product) EditionNumber(n uint8) (Edition, bool) {
	for _, e := range p.Editions {
		if e.Number == n {
			return e, true
		}
	}
	return Edition{}, false
}

// Trial, Maintenance, Warning and Grace return the product's terms in days,
// with defaults applied.
func (p *Product) Trial() int       { return orDefault(p.TrialDays, DefaultTrialDays) }
func (p *Product) Maintenance() int { return orDefault(p.MaintenanceDays, DefaultMaintenanceDays) }
func (p *Product) Warning() int     { return orDefault(p.WarningDays, DefaultWarningDays) }
func (p *Product) Grace() int       { return orDefault(p.GraceDays, DefaultGraceDays) }

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
