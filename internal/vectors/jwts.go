package vectors

import (
	"encoding/json"
	"fmt"
	"os"
)

// JWTs is testdata/vectors/jwts.json (FORMAT.md section 14).
type JWTs struct {
	TestKey struct {
		Seed   string `json:"seed_hex"`
		Public string `json:"public_key_hex"`
	} `json:"test_key"`
	Valid   []JWTValid   `json:"valid"`
	Invalid []JWTInvalid `json:"invalid"`
}

// JWTValid is a registration, the token a signer makes of it, and the
// license a verifier reports for that token on VerifyAt.
type JWTValid struct {
	Comment      string `json:"comment"`
	Registration struct {
		RegistrationKey string            `json:"registration_key"`
		Edition         string            `json:"edition"`
		Issued          string            `json:"issued"`
		Expires         string            `json:"expires"`
		InstallID       string            `json:"install_id"`
		Customer        map[string]string `json:"customer"`
		Issuer          string            `json:"issuer"`
	} `json:"registration"`
	Header    json.RawMessage `json:"header"`
	Claims    json.RawMessage `json:"claims"`
	Token     string          `json:"token"`
	VerifyAt  string          `json:"verify_at"`
	InstallID string          `json:"install_id"`
	License   struct {
		Status        string          `json:"status"`
		DaysLeft      int             `json:"days_left"`
		Product       string          `json:"product"`
		Edition       string          `json:"edition"`
		EditionNumber uint8           `json:"edition_number"`
		Trial         bool            `json:"trial"`
		InstallBound  bool            `json:"install_bound"`
		Serial        string          `json:"serial"`
		Generation    uint8           `json:"generation"`
		KeyID         uint8           `json:"key_id"`
		Issued        string          `json:"issued"`
		Expires       string          `json:"expires"`
		Features      map[string]bool `json:"features"`
	} `json:"license"`
}

// JWTInvalid is a token and the error kind a verifier must report for it.
type JWTInvalid struct {
	Comment   string `json:"comment"`
	Token     string `json:"token"`
	Error     string `json:"error"`
	VerifyAt  string `json:"verify_at"`
	InstallID string `json:"install_id"`
}

// LoadJWTs reads the vector file at path.
func LoadJWTs(path string) (*JWTs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v JWTs
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		return nil, fmt.Errorf("%s: no vectors", path)
	}
	return &v, nil
}
