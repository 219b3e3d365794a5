package vectors

import (
	"encoding/json"
	"fmt"
	"os"
)

// ResetCodes is testdata/vectors/reset_codes.json (FORMAT.md section 16).
type ResetCodes struct {
	TestKey struct {
		Seed   string `json:"seed_hex"`
		Public string `json:"public_key_hex"`
	} `json:"test_key"`
	Valid      []ResetValid      `json:"valid"`
	Invalid    []ResetInvalid    `json:"invalid"`
	Acceptance []ResetAcceptance `json:"acceptance"`
}

// ResetValid is a reset code as a conforming encoder writes it, signed for
// InstallID, and other spellings that decode to the same code.
type ResetValid struct {
	Comment   string `json:"comment"`
	InstallID string `json:"install_id"`
	Fields    struct {
		Product    string `json:"product"`
		Version    uint8  `json:"version"`
		KeyID      uint8  `json:"key_id"`
		Remembered string `json:"remembered"`
		Issued     string `json:"issued"`
		Nonce      uint32 `json:"nonce"`
	} `json:"fields"`
	HeaderHex  string   `json:"header_hex"`
	MessageHex string   `json:"message_hex"`
	Code       string   `json:"code"`
	Spellings  []string `json:"other_spellings"`
}

// ResetInvalid is an input and the error kind a decoder must report; a
// non-empty Product is the product the decoder expects.
type ResetInvalid struct {
	Comment string `json:"comment"`
	Input   string `json:"input"`
	Product string `json:"product"`
	Error   string `json:"error"`
	Group   int    `json:"group"`
	Char    int    `json:"char"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// ResetAcceptance is what a verifier decides about the first valid reset
// code, given its product, install id, clock, tolerance and state.
type ResetAcceptance struct {
	Comment          string   `json:"comment"`
	Product          string   `json:"product"`
	InstallID        string   `json:"install_id"`
	LastSeen         string   `json:"last_seen"` // RFC 3339, or empty for none
	Now              string   `json:"now"`
	ToleranceSeconds int      `json:"tolerance_seconds"`
	Used             []string `json:"used"` // ids of reset codes already accepted
	// Result is "accepted", or the refusal: install_mismatch,
	// wrong_product, used, not_locked or too_early.
	Result      string `json:"result"`
	NewLastSeen string `json:"new_last_seen"`
}

// LoadResetCodes reads the reset code vector file at path.
func LoadResetCodes(path string) (*ResetCodes, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v ResetCodes
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 || len(v.Acceptance) == 0 {
		return nil, fmt.Errorf("%s: no vectors", path)
	}
	return &v, nil
}
