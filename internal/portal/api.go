package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
)

// The shop API: JSON over HTTP(S) under /api/v1/, for the vendor's shop
// and back office, with bearer tokens of one scope each (portaldb.ScopeMint,
// ScopeRead, ScopeRevoke). openapi.json describes it; keep the two in step.

// Sizes of the shop API.
const (
	// MaxAPIBody bounds a request body.
	MaxAPIBody = 64 << 10
	// MaxAPIMint bounds the keys one mint call makes.
	MaxAPIMint = 1000
	// MaxOrderRef bounds an order reference, and MaxReason a revocation's
	// reason.
	MaxOrderRef = 200
	MaxReason   = 500
	// MaxExpiringWithin bounds expiring_within, in days, and MaxExpiring
	// the licenses one listing returns.
	MaxExpiringWithin = 3660
	MaxExpiring       = 1000
)

// APITokenPrefix starts every shop API token, so that a token pasted
// where it should not be is easy to find by secret scanners.
const APITokenPrefix = "lmt_"

// apiTokenLen is the length of a token: the prefix and 32 random bytes in
// unpadded base64url.
const apiTokenLen = len(APITokenPrefix) + 43

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the shop API's OpenAPI 3.1 document, as served at
// /api/openapi.json.
func OpenAPI() []byte { return bytes.Clone(openAPIDoc) }

// CreateAPIToken makes a shop API token of the scope, records its hash in
// the ledger, and returns the token, which is shown once and kept nowhere,
// with its id for listing and revoking.
func CreateAPIToken(ctx context.Context, led *ledger.Ledger, name, scope string) (token string, id int64, err error) {
	secret, _, err := newToken(rand.Reader)
	if err != nil {
		return "", 0, err
	}
	// The ledger keeps the hash of the whole token, as it is presented.
	token = APITokenPrefix + secret
	if id, err = portaldb.NewAPITokens(led).Create(ctx, tokenHash(token), name, scope); err != nil {
		return "", 0, err
	}
	return token, id, nil
}

// Error kinds of the shop API, with the status each is answered with.
const (
	apiUnauthorized     = "unauthorized"           // 401
	apiForbidden        = "forbidden"              // 403
	apiInvalid          = "invalid_request"        // 400
	apiNotFound         = "not_found"              // 404
	apiMethodNotAllowed = "method_not_allowed"     // 405
	apiConflict         = "conflict"               // 409
	apiTampered         = "tampered"               // 409: a row no longer matches the ledger's events
	apiMediaType        = "unsupported_media_type" // 415
	apiUnprocessable    = "unprocessable"          // 422
	apiInternal         = "internal"               // 500
	apiUnavailable      = "unavailable"            // 503, with Retry-After
	// The product API (POST /api/v1/current-code) also answers these.
	apiSuperseded = "superseded"        // 410
	apiRevoked    = "revoked"           // 410
	apiTooMany    = "too_many_requests" // 429
)

var apiStatus = map[string]int{
	apiUnauthorized: http.StatusUnauthorized, apiForbidden: http.StatusForbidden, apiInvalid: http.StatusBadRequest,
	apiNotFound: http.StatusNotFound, apiMethodNotAllowed: http.StatusMethodNotAllowed, apiConflict: http.StatusConflict, apiTampered: http.StatusConflict,
	apiMediaType:     http.StatusUnsupportedMediaType,
	apiUnprocessable: http.StatusUnprocessableEntity, apiInternal: http.StatusInternalServerError,
	apiUnavailable: http.StatusServiceUnavailable,
	apiSuperseded:  http.StatusGone, apiRevoked: http.StatusGone, apiTooMany: http.StatusTooManyRequests,
}

type apiErrorBody struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"kind":"internal","message":"the answer could not be written"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func apiError(w http.ResponseWriter, kind, format string, a ...any) {
	var e apiErrorBody
	e.Error.Kind, e.Error.Message = kind, fmt.Sprintf(format, a...)
	writeJSON(w, apiStatus[kind], e)
}

type tokenKey struct{}

// bearer admits a request with a token in force of the scope, and records
// the token as the actor of whatever it changes in the ledger.
func (s *shopAPI) bearer(scope string, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth := r.Header.Get("Authorization")
		scheme, token, _ := strings.Cut(auth, " ")
		if auth == "" || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="licmint"`)
			return apiRefuse(apiUnauthorized, "no bearer token: send Authorization: Bearer TOKEN, with a token from 'licmint serve token create'")
		}
		token = strings.TrimSpace(token)
		var tok *portaldb.APIToken
		var err error
		if len(token) != apiTokenLen || !strings.HasPrefix(token, APITokenPrefix) {
			err = portaldb.ErrNoAPIToken
		} else {
			tok, err = s.apiTokens.Get(r.Context(), tokenHash(token))
		}
		if errors.Is(err, portaldb.ErrNoAPIToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="licmint", error="invalid_token"`)
			return apiRefuse(apiUnauthorized, "the bearer token is unknown or revoked")
		}
		if errors.Is(err, ledger.ErrTampered) {
			return apiRefuse(apiForbidden, "this token's record no longer matches the ledger's event log, so it is not accepted; the refusal is recorded for the vendor")
		}
		if err != nil {
			// Not a token refused: one that could not be looked up.
			return &unavailableError{fmt.Errorf("looking up the API token: %w", err)}
		}
		if tok.Scope != scope {
			return apiRefuse(apiForbidden, "this token's scope is %s; this call needs a token of scope %s", tok.Scope, scope)
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxAPIBody)
		ctx := ledger.WithClient(r.Context(), fmt.Sprintf("api-token:%d:%s", tok.ID, tok.Name), clientIP(r))
		return h(w, r.WithContext(context.WithValue(ctx, tokenKey{}, tok)))
	}
}

// decodeJSON reads one JSON object of the request into v, strictly: an
// unknown field or trailing data is refused, saying so.
func decodeJSON(r *http.Request, v any) error {
	if err := readJSON(r, v); err != nil {
		return apiRefuse(jsonErrorKind(err), "%v", err)
	}
	return nil
}

// mediaTypeError is readJSON's refusal of a body not declared as JSON.
type mediaTypeError struct{ contentType string }

func (e *mediaTypeError) Error() string {
	if e.contentType == "" {
		return "the body must be declared JSON: send the header Content-Type: application/json"
	}
	return fmt.Sprintf("the body must be declared JSON: send the header Content-Type: application/json, not %q", e.contentType)
}

// jsonErrorKind is the kind of error a refusal by readJSON is answered with.
func jsonErrorKind(err error) string {
	var mte *mediaTypeError
	if errors.As(err, &mte) {
		return apiMediaType
	}
	return apiInvalid
}

// readJSON is decodeJSON that returns what is wrong, worded for the
// caller, as an error of its own: a *mediaTypeError unless the request
// says its body is application/json, parameters such as charset aside.
func readJSON(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return &mediaTypeError{contentType: ct}
	}
	d := json.NewDecoder(r.Body)
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil && d.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, terr := d.Token(); terr != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("the body is longer than %d bytes", mbe.Limit)
		}
		return fmt.Errorf("the body is not the JSON object this call takes: %v", err)
	}
	return nil
}

// printable reports whether s is text a person typed: no control
// characters, which would corrupt logs and mail.
func printable(s string) bool {
	return strings.IndexFunc(s, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }) < 0
}

// MintRequest is the body of POST /api/v1/registration-keys. Its fields
// are a stable contract with the vendor's shop.
type MintRequest struct {
	Product string `json:"product"`
	Edition string `json:"edition"`
	Count   int    `json:"count"`
	Order   string `json:"order"`
	Trial   bool   `json:"trial"`
}

// MintResponse is the answer to a mint call: 201 when the keys were
// minted, 200 when the order had been minted before and these are its keys.
type MintResponse struct {
	Order            string   `json:"order"`
	RegistrationKeys []string `json:"registration_keys"`
}

// check says what is wrong with the request, given the product's parse
// error, or returns "".
func (req *MintRequest) check(productErr error) string {
	switch {
	case productErr != nil:
		return fmt.Sprintf("product %q: want a product code of two capital letters, such as PC", req.Product)
	case req.Edition == "" || len(req.Edition) > MaxOrderRef || !printable(req.Edition):
		return "edition: give the edition sold, such as standard"
	case req.Count < 1 || req.Count > MaxAPIMint:
		return fmt.Sprintf("count %d: want 1 to %d keys", req.Count, MaxAPIMint)
	case req.Order == "" || len(req.Order) > MaxOrderRef || !printable(req.Order):
		return fmt.Sprintf("order: give the shop's order reference, 1 to %d printable bytes; a retried call with the same order mints nothing new", MaxOrderRef)
	}
	return ""
}

func (s *shopAPI) apiMint(w http.ResponseWriter, r *http.Request) error {
	var req MintRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := formats.ParseProduct(req.Product)
	if err == nil && p.String() != req.Product {
		err = errors.New("not in capitals") // as the contract writes it
	}
	if msg := req.check(err); msg != "" {
		return apiRefuse(apiInvalid, "%s", msg)
	}
	m, err := s.svc.Mint(r.Context(), ledger.MintRequest{Product: p, Edition: req.Edition, Trial: req.Trial, Count: req.Count, Order: req.Order})
	if err != nil {
		return apiRefused(opMint, err, req.Product+" "+req.Edition)
	}
	out := MintResponse{Order: req.Order, RegistrationKeys: make([]string, len(m.Keys))}
	for i, k := range m.Keys {
		out.RegistrationKeys[i] = k.String()
	}
	status := http.StatusOK
	if !m.Existing {
		status = http.StatusCreated
		s.metrics.minted.Add(float64(len(m.Keys)))
	}
	writeJSON(w, status, out)
	return nil
}

// LicenseJSON is a license as the shop API shows it: the one schema of a
// license, which the CLI prints too.
type LicenseJSON = issuance.LicenseRecord

func licenseJSON(l *ledger.License) LicenseJSON { return issuance.NewLicenseRecord(l, nil) }

// HistoryJSON is the answer to GET /api/v1/licenses/{license}.
type HistoryJSON struct {
	License          LicenseJSON `json:"license"`
	RegistrationKeys []KeyJSON   `json:"registration_keys"`
	Codes            []CodeJSON  `json:"codes"`
	Events           []EventJSON `json:"events"`
}

// KeyJSON is a Registration Key that registered or renewed a license.
type KeyJSON struct {
	RegistrationKey string `json:"registration_key"`
	Purpose         string `json:"purpose"`
	State           string `json:"state"`
	Order           string `json:"order"`
}

// CodeJSON is an Activation Code issued for a license.
type CodeJSON struct {
	Generation     int    `json:"generation"`
	Issued         string `json:"issued"`
	Expires        string `json:"expires"`
	ActivationCode string `json:"activation_code"`
}

// EventJSON is one event of a license's history in the ledger.
type EventJSON struct {
	Seq   int64  `json:"seq"`
	At    string `json:"at"`
	Actor string `json:"actor"`
	Kind  string `json:"kind"`
}

// apiLicenseID reads the {license} path value, or refuses it with 400.
func apiLicenseID(r *http.Request) (formats.Product, formats.Serial, error) {
	id := r.PathValue("license")
	p, serial, ok := parseLicenseID(id)
	if !ok || serial == 0 {
		return p, 0, apiRefuse(apiInvalid, "license %q: want PRODUCT-SERIAL, such as PC-31415926535897 (14 digits)", id)
	}
	return p, serial, nil
}

func (s *shopAPI) apiLicense(w http.ResponseWriter, r *http.Request) error {
	p, serial, err := apiLicenseID(r)
	if err != nil {
		return err
	}
	hs, err := s.led.Find(r.Context(), ledger.Query{Product: p, Serial: serial})
	if err != nil {
		return err
	}
	if len(hs) != 1 || hs[0].License == nil {
		return apiRefuse(apiNotFound, "no license %s in the ledger: a key minted but never registered has no license yet", licenseID(p, serial))
	}
	h := hs[0]
	out := HistoryJSON{License: licenseJSON(h.License), RegistrationKeys: []KeyJSON{}, Codes: []CodeJSON{}, Events: []EventJSON{}}
	for _, k := range h.Keys {
		out.RegistrationKeys = append(out.RegistrationKeys, KeyJSON{RegistrationKey: k.Key.String(), Purpose: string(k.Purpose), State: k.State, Order: k.Order})
	}
	for _, c := range h.Codes {
		out.Codes = append(out.Codes, CodeJSON{Generation: int(c.Generation), Issued: c.Issued.String(), Expires: c.Expires.String(), ActivationCode: c.Code})
	}
	for _, e := range h.Events {
		out.Events = append(out.Events, EventJSON{Seq: e.Seq, At: e.At.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), Actor: e.Actor, Kind: e.Kind})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// RevokeRequest is the body of POST /api/v1/licenses/{license}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

func (s *shopAPI) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	p, serial, err := apiLicenseID(r)
	if err != nil {
		return err
	}
	var req RevokeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Reason = strings.TrimSpace(req.Reason); req.Reason == "" || len(req.Reason) > MaxReason || !printable(req.Reason) {
		return apiRefuse(apiInvalid, "reason: say why the license is revoked, such as chargeback, in 1 to %d printable bytes", MaxReason)
	}
	// Revoking again changes nothing, and tells nobody again.
	lic, err := s.svc.Revoke(r.Context(), p, serial, req.Reason, func(lic *ledger.License) []ledger.Mail {
		return s.lostMail(lic.Owner, "revoked", licenseID(p, serial), req.Reason)
	})
	if err != nil {
		return apiRefused(opRevoke, err, licenseID(p, serial))
	}
	s.kickMailer()
	writeJSON(w, http.StatusOK, struct {
		License LicenseJSON `json:"license"`
	}{licenseJSON(lic)})
	return nil
}

// ExpiringJSON is the answer to GET /api/v1/licenses?expiring_within=N.
type ExpiringJSON struct {
	Today    string        `json:"today"`
	Within   int           `json:"expiring_within"`
	Licenses []LicenseJSON `json:"licenses"`
	// Truncated is set when more than MaxExpiring licenses matched.
	Truncated bool `json:"truncated"`
}

func (s *shopAPI) apiExpiring(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := q.Get("expiring_within")
	within, err := strconv.Atoi(v)
	if v == "" || err != nil || within < 0 || within > MaxExpiringWithin {
		return apiRefuse(apiInvalid, "expiring_within %q: give a number of days, 0 to %d, such as ?expiring_within=60", v, MaxExpiringWithin)
	}
	today, err := formats.DayOf(s.now())
	if err != nil {
		return err
	}
	lics, err := s.led.Expiring(r.Context(), today, within)
	if err != nil {
		return err
	}
	out := ExpiringJSON{Today: today.String(), Within: within, Licenses: []LicenseJSON{}}
	if len(lics) > MaxExpiring {
		lics, out.Truncated = lics[:MaxExpiring], true
	}
	for _, l := range lics {
		out.Licenses = append(out.Licenses, licenseJSON(l))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *shopAPI) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(openAPIDoc)
	return nil
}

// methodNotAllowed answers a known API path called with another method.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		apiError(w, apiMethodNotAllowed, "%s %s: this path takes %s", r.Method, r.URL.Path, allow)
	}
}
