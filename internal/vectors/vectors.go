// Package vectors reads the language-neutral Activation Code test vectors
// in testdata/vectors (FORMAT.md section 8), for the tests of every package
// that checks codes.
package vectors

import (
	"encoding/json"
	"fmt"
	"os"
)

// ActivationCodes is testdata/vectors/activation_codes.json.
type ActivationCodes struct {
	TestKey struct {
		Seed   string `json:"seed_hex"`
		Public string `json:"public_key_hex"`
	} `json:"test_key"`
	Valid   []Valid   `json:"valid"`
	Invalid []Invalid `json:"invalid"`
}

// Valid is a registration with its codes, as a conforming encoder writes
// them, and other spellings that decode to the same code.
type Valid struct {
	Comment      string `json:"comment"`
	Registration string `json:"registration_key"`
	InstallID    string `json:"install_id"`
	Fields       struct {
		Product    string `json:"product"`
		Version    uint8  `json:"version"`
		KeyID      uint8  `json:"key_id"`
		Edition    uint8  `json:"edition"`
		Trial      bool   `json:"trial"`
		Bound      bool   `json:"install_bound"`
		Generation uint8  `json:"generation"`
		Issued     string `json:"issued"`
		Expires    string `json:"expires"`
		Serial     string `json:"serial"`
	} `json:"fields"`
	MessageHex string   `json:"message_hex"`
	Short      string   `json:"short"`
	Signed     string   `json:"signed"`
	Spellings  []string `json:"other_spellings"`
}

// Invalid is an input and the error kind a decoder must report.
type Invalid struct {
	Comment string `json:"comment"`
	Input   string `json:"input"`
	// Want is "signed" when the signed form is required, "any" otherwise.
	Want    string `json:"want"`
	Product string `json:"product"`
	Error   string `json:"error"`
	Group   int    `json:"group"`
	Char    int    `json:"char"`
	// Line and Column locate that character in the input; 0 with no
	// position.
	Line   int `json:"line"`
	Column int `json:"column"`
}

// LoadActivationCodes reads the vector file at path.
func LoadActivationCodes(path string) (*ActivationCodes, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v ActivationCodes
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		return nil, fmt.Errorf("%s: no vectors", path)
	}
	return &v, nil
}
