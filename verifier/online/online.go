// Package online asks the vendor's Customer Licensing Portal for the
// current code of a license, so that a product that is online picks up a
// renewal without its user entering a new code (README, "Renewals for
// products that are online"). The answer is checked offline, by package
// verifier, like any code; this package is apart from verifier, which
// stays free of net/http.
package online

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/licmint/licmint/verifier"
)

// Path is where the portal answers, under its base URL.
const Path = "/api/v1/current-code"

// MaxAnswer bounds the portal's answer that Current reads: a code, a JWT
// and JSON's punctuation.
const MaxAnswer = 16 << 10

// Outcomes the portal reports, for errors.Is.
var (
	// ErrSuperseded: the code was replaced by a later generation, as for a
	// stolen code; the licensee holds the new one, and the portal does
	// not give it to the holder of the old.
	ErrSuperseded = errors.New("online: the code was replaced by a later generation")
	// ErrRevoked: the license is revoked.
	ErrRevoked = errors.New("online: the license is revoked")
	// ErrRefused: the portal does not know the code as one of its
	// licenses', or refused the request.
	ErrRefused = errors.New("online: the portal refused the code")
	// ErrBadAnswer: the answer is not a code the verifier accepts for
	// this license.
	ErrBadAnswer = errors.New("online: the portal's answer is not a valid code of this license")
)

// A Result is the license's current code, checked.
type Result struct {
	// Code is the code to keep: the portal's renewal, or the code sent.
	Code string
	// License is what v says of Code.
	License verifier.License
	// Renewed is set when Code is the portal's, not the one sent.
	Renewed bool
	// JWT is the current code's JWT license token, when the license has
	// one and Renewed is set.
	JWT string
}

// Current sends code (and installID, for a bound code) to the portal at
// baseURL, such as https://licenses.example.com, with client
// (http.DefaultClient if nil), and checks the answer with v, the
// product's verifier. A code other than the one sent is returned, Renewed,
// only if v.VerifyRenewal accepts it in place of code; the product then
// stores it. The errors are the portal's outcomes (ErrSuperseded,
// ErrRevoked, ErrRefused), ErrBadAnswer, v's for the code sent, or the
// transport's.
func Current(ctx context.Context, client *http.Client, baseURL, code, installID string, v *verifier.Verifier) (Result, error) {
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(struct {
		ActivationCode string `json:"activation_code"`
		InstallID      string `json:"install_id,omitempty"`
	}{code, installID})
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(baseURL, "/")+Path, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("online: asking the portal: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return Result{}, fmt.Errorf("online: reading the portal's answer: %w", err)
	}
	if len(answer) > MaxAnswer {
		return Result{}, fmt.Errorf("%w: longer than %d bytes", ErrBadAnswer, MaxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Kind, Message string }
		}
		json.Unmarshal(answer, &e)
		switch {
		case e.Error.Kind == "superseded":
			return Result{}, ErrSuperseded
		case e.Error.Kind == "revoked":
			return Result{}, ErrRevoked
		case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound:
			return Result{}, fmt.Errorf("%w: %s", ErrRefused, e.Error.Message)
		}
		return Result{}, fmt.Errorf("online: the portal answered %s: %s", resp.Status, e.Error.Message)
	}
	var got struct {
		ActivationCode string `json:"activation_code"`
		JWT            string `json:"jwt"`
	}
	if err := json.Unmarshal(answer, &got); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrBadAnswer, err)
	}
	if got.ActivationCode == code {
		lic, err := v.Verify(code)
		return Result{Code: code, License: lic}, err
	}
	// The same serial, no lower generation, a later expiry, not revoked
	// or superseded here: what the product would check of any renewal.
	lic, err := v.VerifyRenewal(code, got.ActivationCode)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	return Result{Code: got.ActivationCode, License: lic, Renewed: true, JWT: got.JWT}, nil
}
