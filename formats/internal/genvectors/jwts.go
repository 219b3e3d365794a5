package main

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"strings"
)

// ---- JWT license tokens (FORMAT.md section 14) ----

// jwtClaims are a token's claims in the order licmint writes them.
type jwtClaims struct {
	Iss             string            `json:"iss,omitempty"`
	Sub             string            `json:"sub,omitempty"`
	Aud             []string          `json:"aud,omitempty"`
	Exp             int64             `json:"exp,omitempty"`
	Nbf             int64             `json:"nbf,omitempty"`
	Iat             int64             `json:"iat,omitempty"`
	Jti             string            `json:"jti,omitempty"`
	Product         string            `json:"product"`
	Edition         string            `json:"edition"`
	EditionNumber   int               `json:"edition_number"`
	Features        []string          `json:"features"`
	Trial           bool              `json:"trial"`
	InstallBound    bool              `json:"install_bound"`
	InstallIDSHA256 string            `json:"install_id_sha256,omitempty"`
	Generation      int               `json:"generation"`
	Serial          string            `json:"serial"`
	ActivationCode  string            `json:"activation_code"`
	Customer        map[string]string `json:"customer,omitempty"`
}

func jwtToken(header map[string]string, c any, sign func([]byte) []byte) string {
	h, err := json.Marshal(header)
	if err != nil {
		log.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		log.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	in := b64(h) + "." + b64(p)
	return in + "." + b64(sign([]byte(in)))
}

// status is FORMAT.md section 15's date rule, with the default 60 warning
// and 30 grace days.
func status(today, issued, expires uint64) (string, int) {
	left := int(expires) - int(today)
	switch {
	case today < issued:
		if expires == 0xFFFF {
			return "not_yet_valid", 0
		}
		return "not_yet_valid", left
	case expires == 0xFFFF:
		return "valid", 0
	case left > 60:
		return "valid", left
	case left > 0:
		return "expiring", left
	case -left < 30:
		return "grace", left
	}
	return "expired", left
}

// midnight is a day's midnight UTC as a Unix time.
func midnight(d string) int64 { return int64(day(d))*86400 + 1577836800 }

// edSign signs with the TEST ONLY key.
func edSign(in []byte) []byte { return ed25519.Sign(testPriv(), in) }

var jwtEditions = map[int]string{1: "standard", 2: "premium"}

type jwtRegistration struct {
	RegistrationKey string            `json:"registration_key"`
	Edition         string            `json:"edition"`
	Issued          string            `json:"issued"`
	Expires         string            `json:"expires"`
	InstallID       string            `json:"install_id,omitempty"`
	Customer        map[string]string `json:"customer,omitempty"`
	Issuer          string            `json:"issuer"`
}

type jwtLicense struct {
	Status        string          `json:"status"`
	DaysLeft      int             `json:"days_left"`
	Product       string          `json:"product"`
	Edition       string          `json:"edition"`
	EditionNumber int             `json:"edition_number"`
	Trial         bool            `json:"trial"`
	InstallBound  bool            `json:"install_bound"`
	Serial        string          `json:"serial"`
	Generation    int             `json:"generation"`
	KeyID         int             `json:"key_id"`
	Issued        string          `json:"issued"`
	Expires       string          `json:"expires"`
	Features      map[string]bool `json:"features"`
}

type jwtVector struct {
	Comment      string            `json:"comment"`
	Registration jwtRegistration   `json:"registration"`
	Header       map[string]string `json:"header"`
	Claims       jwtClaims         `json:"claims"`
	Token        string            `json:"token"`
	VerifyAt     string            `json:"verify_at"`
	InstallID    string            `json:"install_id,omitempty"`
	License      jwtLicense        `json:"license"`
}

type badJWTVector struct {
	Comment   string `json:"comment"`
	Token     string `json:"token"`
	VerifyAt  string `json:"verify_at"`
	InstallID string `json:"install_id,omitempty"`
	Error     string `json:"error"`
}

// jwtClaimsFor returns the claims a signer writes for v's code.
func jwtClaimsFor(v validVector, iss string, customer map[string]string) jwtClaims {
	f := v.Fields
	c := jwtClaims{Iss: iss, Sub: f.Serial, Aud: []string{f.Product}, Exp: midnight(f.Expires),
		Nbf: midnight(f.Issued), Iat: midnight(f.Issued), Jti: v.Short, Product: f.Product,
		Edition: jwtEditions[f.Edition], EditionNumber: f.Edition, Features: []string{"update", "scan"},
		Trial: f.Trial, InstallBound: f.Bound, Generation: f.Generation, Serial: f.Serial,
		ActivationCode: v.Signed, Customer: customer}
	if f.Bound {
		sum := sha256.Sum256([]byte(v.InstallID))
		c.InstallIDSHA256 = hex.EncodeToString(sum[:])
	}
	return c
}

// jwtVectorFor returns the vector of v's code as a token, verified at the
// day at.
func jwtVectorFor(comment string, v validVector, iss string, customer map[string]string, at string) jwtVector {
	f := v.Fields
	header := map[string]string{"alg": "EdDSA", "kid": fmt.Sprint(f.KeyID), "typ": "JWT"}
	c := jwtClaimsFor(v, iss, customer)
	st, left := status(day(at), day(f.Issued), day(f.Expires))
	on := st == "valid" || st == "expiring" || st == "grace"
	return jwtVector{comment,
		jwtRegistration{v.Registration, jwtEditions[f.Edition], f.Issued, f.Expires, v.InstallID, customer, iss},
		header, c, jwtToken(header, c, edSign), at, v.InstallID,
		jwtLicense{st, left, f.Product, jwtEditions[f.Edition], f.Edition, f.Trial, f.Bound, f.Serial, f.Generation,
			f.KeyID, f.Issued, f.Expires, map[string]bool{"update": on, "scan": on}}}
}

func genJWTs(codes []validVector) {
	valid := validJWTs(codes)
	writeJSON("jwts.json", map[string]any{
		"comment":  "JWT license token vectors (FORMAT.md section 14). Written by formats/internal/genvectors (go generate ./formats); do not edit. The verifier trusts the test key under key ids 1 and 2, uses the built-in catalog and verifies at verify_at (00:00 UTC).",
		"test_key": testKeyJSON(),
		"valid":    valid,
		"invalid":  invalidJWTs(codes, valid),
	})
}

// validJWTs returns the tokens of some of the valid codes.
func validJWTs(codes []validVector) []jwtVector {
	return []jwtVector{
		jwtVectorFor("standard edition, unbound, default issuer", codes[0], "licmint", nil, "2027-01-01"),
		jwtVectorFor("install-bound, with customer fields and an issuer; expiring", codes[3], "acme",
			map[string]string{"email": "ops@example.com", "order": "A-1001"}, "2027-11-01"),
		jwtVectorFor("premium edition, key id 2; exp has passed: the license is in grace, the token still verifies", codes[2], "licmint", nil, "2027-12-10"),
		jwtVectorFor("trial; exp has passed the grace days: expired", codes[1], "licmint", nil, "2027-02-01"),
	}
}

// invalidJWTs returns the tokens a verifier must refuse, made from the
// valid ones.
func invalidJWTs(codes []validVector, valid []jwtVector) []badJWTVector {
	std := valid[0]
	hdr := func(mod func(map[string]string)) map[string]string {
		h := map[string]string{"alg": "EdDSA", "kid": "1", "typ": "JWT"}
		mod(h)
		return h
	}
	resign := func(mod func(*jwtClaims)) string {
		c := std.Claims
		mod(&c)
		return jwtToken(std.Header, c, edSign)
	}
	var bad []badJWTVector
	add := func(comment, token, kind string) {
		bad = append(bad, badJWTVector{comment, token, "2027-01-01", "", kind})
	}
	parts := strings.Split(std.Token, ".")
	other := std.Claims
	other.Edition = "premium"
	otherPayload, _ := json.Marshal(other)
	add("payload changed, signature kept", parts[0]+"."+base64.RawURLEncoding.EncodeToString(otherPayload)+"."+parts[2], "bad_signature")
	add("signed by another key under kid 1", jwtToken(std.Header, std.Claims, func(in []byte) []byte {
		return ed25519.Sign(ed25519.NewKeyFromSeed(otherSeed[:]), in)
	}), "bad_signature")
	add("kid 9, which the verifier does not trust", jwtToken(hdr(func(h map[string]string) { h["kid"] = "9" }), std.Claims, edSign), "unknown_key")
	add("no kid", jwtToken(hdr(func(h map[string]string) { delete(h, "kid") }), std.Claims, edSign), "bad_token")
	add("kid not decimal", jwtToken(hdr(func(h map[string]string) { h["kid"] = "01" }), std.Claims, edSign), "bad_token")
	pub := testPriv().Public().(ed25519.PublicKey)
	add("alg HS256 keyed with the public key", jwtToken(hdr(func(h map[string]string) { h["alg"] = "HS256" }), std.Claims, func(in []byte) []byte {
		m := hmac.New(sha256.New, pub)
		m.Write(in)
		return m.Sum(nil)
	}), "bad_token")
	add("alg none", jwtToken(hdr(func(h map[string]string) { h["alg"] = "none" }), std.Claims, func([]byte) []byte { return nil }), "bad_token")
	add("audience another product", resign(func(c *jwtClaims) { c.Aud = []string{"PD"} }), "wrong_product")
	add("exp one day after the code's expiry", resign(func(c *jwtClaims) { c.Exp += 86400 }), "bad_token")
	add("no exp", resign(func(c *jwtClaims) { c.Exp = 0 }), "bad_token")
	add("no nbf", resign(func(c *jwtClaims) { c.Nbf = 0 }), "bad_token")
	add("iat an hour after midnight of the issue day", resign(func(c *jwtClaims) { c.Iat += 3600 }), "bad_token")
	add("jti not the code's short form", resign(func(c *jwtClaims) { c.Jti = codes[4].Short }), "bad_token")
	add("edition name disagrees with the catalog", resign(func(c *jwtClaims) { c.Edition = "premium" }), "bad_token")
	add("edition_number disagrees with the code", resign(func(c *jwtClaims) { c.EditionNumber = 2 }), "bad_token")
	add("serial disagrees with the code", resign(func(c *jwtClaims) { c.Serial = "27182818284590" }), "bad_token")
	add("generation disagrees with the code", resign(func(c *jwtClaims) { c.Generation = 1 }), "bad_token")
	add("activation_code a short form", resign(func(c *jwtClaims) { c.ActivationCode = std.Claims.Jti }), "bad_token")
	perp := codes[5]
	add("activation_code perpetual", resign(func(c *jwtClaims) {
		c.ActivationCode, c.Jti, c.Sub, c.Serial = perp.Signed, perp.Short, perp.Fields.Serial, perp.Fields.Serial
		c.Exp = midnight("2199-06-05")
	}), "bad_token")
	add("not a JWT", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG", "bad_token")

	// Header and claims as raw JSON, for what encoding/json cannot write:
	// a member twice, a claim of another type.
	hJSON, _ := json.Marshal(std.Header)
	cJSON, _ := json.Marshal(std.Claims)
	raw := func(h, c string, sign func([]byte) []byte) string {
		b64 := base64.RawURLEncoding.EncodeToString
		in := b64([]byte(h)) + "." + b64([]byte(c))
		return in + "." + b64(sign([]byte(in)))
	}
	withClaim := func(member string) string { return "{" + member + "," + string(cJSON[1:]) }
	add("exp twice, a wrong value first: a repeated member is refused, not read last-wins",
		raw(string(hJSON), withClaim(`"exp":1`), edSign), "bad_token")
	add("kid twice in the header, an untrusted one first", raw(`{"alg":"EdDSA","kid":"9","kid":"1","typ":"JWT"}`, string(cJSON), edSign), "bad_token")
	add("a customer field twice: refused at any depth",
		raw(string(hJSON), string(cJSON[:len(cJSON)-1])+`,"customer":{"company":"x","company":"y"}}`, edSign), "bad_token")
	add("EXP in upper case beside exp: member names are matched exactly", raw(string(hJSON), withClaim(`"EXP":1`), edSign), "bad_token")
	add("ſub, with U+017F, which case folding maps to sub", raw(string(hJSON), withClaim(`"ſub":"27182818284590"`), edSign), "bad_token")
	add("crit null in the header: crit must be absent", raw(`{"alg":"EdDSA","crit":null,"kid":"1","typ":"JWT"}`, string(cJSON), edSign), "bad_token")
	add("iss a number: claim types are checked, iss included", raw(string(hJSON), replaceOnce(string(cJSON), `"iss":"licmint"`, `"iss":5`), edSign), "bad_token")
	add("aud a number: bad_token, not wrong_product", raw(string(hJSON), replaceOnce(string(cJSON), `"aud":["PC"]`, `"aud":5`), edSign), "bad_token")
	add("a null among the features: null is absent only as a claim's value", raw(string(hJSON), replaceOnce(string(cJSON), `"features":["update","scan"]`, `"features":["update",null]`), edSign), "bad_token")
	add("a customer field with byte 0xff, which is not UTF-8: refused, never read as U+FFFD",
		raw(string(hJSON), string(cJSON[:len(cJSON)-1])+",\"customer\":{\"company\":\"AC\xffME\"}}", edSign), "bad_token")
	add("a customer field null", raw(string(hJSON), string(cJSON[:len(cJSON)-1])+`,"customer":{"company":null}}`, edSign), "bad_token")
	add("features not an array of strings", raw(string(hJSON), replaceOnce(string(cJSON), `"features":["update","scan"]`, `"features":"update"`), edSign), "bad_token")
	add("exp a string holding the right number", raw(string(hJSON), replaceOnce(string(cJSON), fmt.Sprintf(`"exp":%d`, std.Claims.Exp), fmt.Sprintf(`"exp":"%d"`, std.Claims.Exp)), edSign), "bad_token")
	badSig := raw(string(hJSON), replaceOnce(string(cJSON), `"iss":"licmint"`, `"iss":5`), edSign)
	badSig = badSig[:len(badSig)-4] + "AAAA"
	add("iss a number and the signature altered: types are checked before the signature", badSig, "bad_token")
	add("signature with R the identity and S = k·a: crypto/ed25519 accepts it, FORMAT.md section 10 does not", jwtToken(std.Header, std.Claims, signIdentityR), "bad_signature")
	bound := valid[1]
	bad = append(bad, badJWTVector{"install-bound token on another install", bound.Token, "2027-01-01", "host-other", "install_mismatch"})
	bad = append(bad, badJWTVector{"install-bound token with no install id", bound.Token, "2027-01-01", "", "install_mismatch"})
	return bad
}

// replaceOnce replaces the one old in s, which must be there.
func replaceOnce(s, old, new string) string {
	if strings.Count(s, old) != 1 {
		log.Fatalf("replaceOnce: %q is not in the claims once", old)
	}
	return strings.Replace(s, old, new, 1)
}
