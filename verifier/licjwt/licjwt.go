package licjwt

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/jsonstrict"
	"github.com/licmint/licmint/verifier"
)

// MaxTokenLen bounds a token; longer input is refused before parsing.
const MaxTokenLen = 16 << 10

// Alg is the only JWS algorithm accepted.
const Alg = "EdDSA"

// ErrBadToken: the input is not an acceptable license token: not a JWT, an
// algorithm other than EdDSA, a missing or malformed claim, an audience
// without the product, a perpetual Activation Code, or claims that
// disagree with the Activation Code (see Verify).
// Every error Verify returns for the token itself wraps it; errors for an
// unknown kid, a failing signature, an audience without the product or a
// bad activation_code claim also wrap verifier.ErrUnknownKey,
// verifier.ErrBadSignature, verifier.ErrWrongProduct or the code's own
// error.
var ErrBadToken = errors.New("bad license token")

// Verifier checks license tokens with a core verifier's keys, product,
// catalog, clock and install id. It is safe for concurrent use.
type Verifier struct {
	core   *verifier.Verifier
	parser *jwt.Parser
}

// New returns a token verifier that uses v for everything but the token
// itself.
func New(v *verifier.Verifier) *Verifier {
	return &Verifier{core: v, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{Alg}),
		jwt.WithStrictDecoding(),
		jwt.WithJSONNumber(),
		// Times are checked below: the license's status comes from its
		// Activation Code, on the core verifier's clock.
		jwt.WithoutClaimsValidation(),
	)}
}

// tokenError is a rejected token. It wraps ErrBadToken and the sentinels
// in also, and says what was wrong without repeating their names.
type tokenError struct {
	msg  string
	also []error
}

func (e *tokenError) Error() string { return "license token: " + e.msg }

func (e *tokenError) Unwrap() []error { return append([]error{ErrBadToken}, e.also...) }

func badToken(also []error, format string, a ...any) error {
	return &tokenError{msg: fmt.Sprintf(format, a...), also: also}
}

// Verify checks a license token and returns the license of the Activation
// Code it carries. Errors wrap ErrBadToken or, for the carried code, the
// core verifier's sentinels.
//
// The claims a licmint signer derives from the code must be present and
// agree with it: exp is midnight UTC of the code's expiry day (the first
// day it no longer covers), iat and nbf midnight UTC of its issue day, jti
// its short form, and edition_number its edition. The edition name is
// checked against the core verifier's catalog; when that catalog does not
// list the edition (License.Edition is then its number), or there is no
// catalog, the name cannot be checked and only has to be present.
// product, trial, install_bound, generation, sub and serial must agree when
// present. A perpetual code is refused: signers never put one in a token,
// which always expires.
func (t *Verifier) Verify(token string) (verifier.License, error) {
	token = strings.TrimSpace(token)
	if len(token) > MaxTokenLen {
		return verifier.License{}, badToken(nil, "%d bytes, more than %d", len(token), MaxTokenLen)
	}
	if strings.Count(token, ".") != 2 {
		return verifier.License{}, badToken(nil, "not a signed JWT (want three base64url parts separated by dots)")
	}
	// A member named twice would be read by encoding/json as its last
	// value, so {"exp":bad,"exp":good} would pass as good: refuse it in
	// the header and the claims, before anything else is read from them.
	for i, part := range strings.SplitN(token, ".", 3)[:2] {
		b, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil {
			break // the parser below reports it
		}
		if err := jsonstrict.Check(b, jsonstrict.Options{AllowTopLevelNull: true, Names: partNames[i], TopLevel: true}); err != nil {
			return verifier.License{}, badToken(nil, "%s: %v", []string{"header", "claims"}[i], err)
		}
		// jwt decodes the claims with a json.Decoder, which stops after
		// the first value: what follows it would pass unread.
		if !json.Valid(b) {
			return verifier.License{}, badToken(nil, "not a well-formed JWT: the %s are not one JSON value", []string{"header", "claims"}[i])
		}
	}
	var c Claims
	var keyErr error // key's own error, which jwt wraps in its words
	tok, err := t.parser.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		k, err := t.key(tok)
		keyErr = err
		return k, err
	})
	switch {
	case keyErr != nil:
		return verifier.License{}, keyErr
	case err == nil && formats.SmallOrderR(tok.Signature):
		// crypto/ed25519 accepts an R of small order; FORMAT.md section 10
		// does not, as libsodium does not.
		return verifier.License{}, badToken([]error{verifier.ErrBadSignature},
			"the signature does not verify with key id %v: its R is a point of small order", tok.Header["kid"])
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return verifier.License{}, badToken(nil, "not a well-formed JWT: %v", err)
	case tok != nil && tok.Header["alg"] != Alg:
		return verifier.License{}, badToken(nil, "alg %q: license tokens are signed with EdDSA only", fmt.Sprint(tok.Header["alg"]))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return verifier.License{}, badToken([]error{verifier.ErrBadSignature},
			"the signature does not verify with key id %v: the token was altered or forged", tok.Header["kid"])
	default:
		return verifier.License{}, badToken(nil, "%v", err)
	}

	product := t.core.Product().String()
	switch {
	case c.ExpiresAt == nil:
		return verifier.License{}, badToken(nil, "no exp claim")
	case c.IssuedAt == nil:
		return verifier.License{}, badToken(nil, "no iat claim")
	case c.ExpiresAt.Before(c.IssuedAt.Time):
		return verifier.License{}, badToken(nil, "exp %s is before iat %s",
			c.ExpiresAt.UTC().Format(time.RFC3339), c.IssuedAt.UTC().Format(time.RFC3339))
	case !contains(c.Audience, product):
		return verifier.License{}, badToken([]error{verifier.ErrWrongProduct},
			"audience %q does not include product %s", []string(c.Audience), product)
	case c.ActivationCode == "":
		return verifier.License{}, badToken(nil, "no activation_code claim")
	}

	l, err := t.core.Verify(c.ActivationCode)
	if err != nil {
		if errors.Is(err, verifier.ErrInstallMismatch) {
			return verifier.License{}, err
		}
		return verifier.License{}, badToken([]error{err}, "activation_code claim: %v", err)
	}
	if err := agree(&c, &l); err != nil {
		return verifier.License{}, err
	}
	return l, nil
}

// partNames are the member names of a token's header and claims that
// encoding/json would also match in another case.
var partNames = [2][]string{
	{"alg", "kid", "typ", "crit"},
	{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "product", "edition", "edition_number", "features",
		"trial", "install_bound", "install_id_sha256", "generation", "serial", "activation_code", "customer"},
}

// key returns the trusted key the token's kid names.
func (t *Verifier) key(tok *jwt.Token) (any, error) {
	kidValue, ok := tok.Header["kid"]
	if !ok {
		return nil, badToken(nil, "no kid in the header: it must name a trusted key id")
	}
	kid, ok := kidValue.(string)
	if !ok {
		return nil, badToken(nil, "kid %v is not a string", kidValue)
	}
	id, err := strconv.ParseUint(kid, 10, 8)
	if err != nil || strconv.FormatUint(id, 10) != kid {
		return nil, badToken(nil, "kid %q is not a key id from 0 to 255", kid)
	}
	pub, ok := t.core.PublicKey(uint8(id))
	if !ok {
		return nil, badToken([]error{verifier.ErrUnknownKey}, "kid %s is not a trusted key id", kid)
	}
	if _, crit := tok.Header["crit"]; crit {
		return nil, badToken(nil, "crit header: no JWS extensions are supported")
	}
	return ed25519.PublicKey(pub), nil
}

func contains(aud jwt.ClaimStrings, s string) bool {
	for _, a := range aud {
		if a == s {
			return true
		}
	}
	return false
}

// agree checks that the token's claims say what its Activation Code says:
// the claims the signer derives from the code must be present and equal,
// the others equal where present.
func agree(c *Claims, l *verifier.License) error {
	serial := l.Serial.String()
	mismatch := func(claim string, got, want any) error {
		return badToken(nil, "claim %s is %v but the activation code says %v", claim, got, want)
	}
	missing := func(claim string) error { return badToken(nil, "no %s claim", claim) }
	if l.Perpetual() {
		return badToken(nil, "activation_code claim: the code is perpetual, and a license token must expire (exp)")
	}
	// Verify checked that exp and iat are present.
	if want := l.Expires.Time(); !c.ExpiresAt.Is(want) {
		return mismatch("exp", c.ExpiresAt, wantTime(want))
	}
	issued := l.Issued.Time()
	if !c.IssuedAt.Is(issued) {
		return mismatch("iat", c.IssuedAt, wantTime(issued))
	}
	switch {
	case c.NotBefore == nil:
		return missing("nbf")
	case !c.NotBefore.Is(issued):
		return mismatch("nbf", c.NotBefore, wantTime(issued))
	}
	// Verify checked the code, so it parses.
	code, err := formats.ParseSigned(c.ActivationCode, l.Product)
	if err != nil {
		return badToken([]error{err}, "activation_code claim: %v", err)
	}
	switch short := code.ShortForm(); {
	case c.ID == "":
		return missing("jti")
	case c.ID != short:
		return mismatch("jti", strconv.Quote(c.ID), strconv.Quote(short))
	}
	switch {
	case c.EditionNumber == nil:
		return missing("edition_number")
	case *c.EditionNumber != l.EditionNumber:
		return mismatch("edition_number", *c.EditionNumber, l.EditionNumber)
	}
	switch {
	case c.Edition == nil:
		return missing("edition")
	// License.Edition is the edition's number when the verifier's catalog
	// does not list it: then the signer's name for it is unknown here.
	case l.Edition != strconv.Itoa(int(l.EditionNumber)) && *c.Edition != l.Edition:
		return mismatch("edition", strconv.Quote(*c.Edition), strconv.Quote(l.Edition))
	}
	if c.Product != nil && *c.Product != l.Product.String() {
		return mismatch("product", *c.Product, l.Product)
	}
	if c.Trial != nil && *c.Trial != l.Trial {
		return mismatch("trial", *c.Trial, l.Trial)
	}
	if c.InstallBound != nil && *c.InstallBound != l.Bound {
		return mismatch("install_bound", *c.InstallBound, l.Bound)
	}
	if c.Generation != nil && *c.Generation != l.Generation {
		return mismatch("generation", *c.Generation, l.Generation)
	}
	if c.Subject != "" && c.Subject != serial {
		return mismatch("sub", c.Subject, serial)
	}
	switch s := c.Serial.(type) {
	case nil:
	case string:
		if s != serial {
			return mismatch("serial", s, serial)
		}
	case json.Number:
		if s.String() != strconv.FormatUint(uint64(l.Serial), 10) {
			return mismatch("serial", s, serial)
		}
	default:
		return badToken(nil, "claim serial is %T, want a string of 14 digits", s)
	}
	return nil
}

// wantTime shows t as a signer writes it in a time claim.
func wantTime(t time.Time) string {
	return fmt.Sprintf("%d (%s)", t.Unix(), t.UTC().Format(time.RFC3339))
}

// Product returns the product a token is for, read from its claims without
// checking anything: its product claim, or else its audience if that names
// one product. A caller that takes tokens for several products uses it to
// choose the verifier to give the token to; nothing the token says is
// trusted until Verify accepts it. Errors wrap ErrBadToken.
func Product(token string) (formats.Product, error) {
	token = strings.TrimSpace(token)
	if len(token) > MaxTokenLen {
		return formats.Product{}, badToken(nil, "%d bytes, more than %d", len(token), MaxTokenLen)
	}
	var c struct {
		jwt.RegisteredClaims
		Product *string `json:"product"`
	}
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return formats.Product{}, badToken(nil, "not a well-formed JWT: %v", err)
	}
	var name string
	switch {
	case c.Product != nil:
		name = *c.Product
	case len(c.Audience) == 1:
		name = c.Audience[0]
	default:
		return formats.Product{}, badToken(nil, "no product claim, and the audience %q does not name one product", []string(c.Audience))
	}
	p, err := formats.ParseProduct(name)
	if err != nil {
		return formats.Product{}, badToken(nil, "product %q: %v", name, err)
	}
	return p, nil
}
