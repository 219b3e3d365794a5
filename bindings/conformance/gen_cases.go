//go:build ignore

// gen_cases writes testdata/conformance/cases.json, the verifier
// conformance suite (see doc.go). Expected outcomes come from each case's
// definition: statuses and days left from the dates by the rules of
// FORMAT.md section 3.1, typo positions from where the damage was done, and
// decoding errors from the normative vectors in testdata/vectors.
//
//	go run gen_cases.go
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"slices"
	"strings"
	"time"

	"filippo.io/edwards25519"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

const (
	defaultOut  = "../../testdata/conformance/cases.json"
	vectorsFile = "../../testdata/vectors/activation_codes.json"
)

// Test keys 1 and 2 are trusted by every case; key 3 signs what no verifier
// trusts. Their seeds derive from public strings: TEST ONLY.
func seed(id int) [32]byte {
	return sha256.Sum256([]byte(fmt.Sprintf("licmint conformance TEST ONLY key %d - never use for real licenses", id)))
}

func priv(id int) ed25519.PrivateKey { s := seed(id); return ed25519.NewKeyFromSeed(s[:]) }

type key struct {
	ID     int    `json:"id"`
	Seed   string `json:"seed_hex"`
	Public string `json:"public_key_hex"`
}

// want is the outcome of one verification. Every field is always written,
// so that a runner compares them all.
type want struct {
	Status    string `json:"status"`
	ErrorKind string `json:"error_kind"`
	// Group and Char locate a decoding error in the canonical form (group
	// 1 is the product code), 0 for an error with no position. Null where
	// the suite fixes no position: FORMAT.md does not require a verifier to
	// locate every error, so a runner does not compare them.
	Group *int `json:"group"`
	Char  *int `json:"char"`
	// The license, for an authentic code; zero values otherwise.
	Product       string   `json:"product"`
	Edition       string   `json:"edition"`
	EditionNumber int      `json:"edition_number"`
	Trial         bool     `json:"trial"`
	Bound         bool     `json:"install_bound"`
	Serial        uint64   `json:"serial"`
	Generation    int      `json:"generation"`
	KeyID         int      `json:"key_id"`
	Issued        string   `json:"issued"`
	Expires       string   `json:"expires"`
	DaysLeft      int      `json:"days_left"`
	Features      []string `json:"features_on"`
}

type step struct {
	// Exactly one of Code and List.
	Code      *string `json:"code,omitempty"`
	Want      *want   `json:"want,omitempty"`
	List      *string `json:"revocation_list_hex,omitempty"`
	WantError *string `json:"want_list_error,omitempty"`
}

type run struct {
	Now       string `json:"now"`
	InstallID string `json:"install_id,omitempty"`
	WarnDays  *int   `json:"warn_days,omitempty"`
	GraceDays *int   `json:"grace_days,omitempty"`
	Steps     []step `json:"steps"`
}

type kase struct {
	Name    string `json:"name"`
	Product string `json:"product"`
	State   bool   `json:"state"`
	Runs    []run  `json:"runs"`
}

// license is the definition a code is signed from.
type license struct {
	product         string
	keyID           int
	signWith        int // key that signs; keyID's own when 0
	edition, gen    int
	trial, bound    bool
	issued, expires string // dates; expires "perpetual"
	serial          formats.Serial
	installID       string
}

var std = license{product: "PC", keyID: 1, edition: 1, issued: "2026-11-27", expires: "2027-11-27", serial: 31415926535897}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		log.Fatal(err)
	}
	return t
}

func day(s string) formats.Day {
	if s == "perpetual" {
		return formats.Perpetual
	}
	d, err := formats.DayOf(date(s))
	if err != nil {
		log.Fatal(err)
	}
	return d
}

func (l license) header() formats.Header {
	return formats.Header{Product: formats.MustProduct(l.product), Version: 1, KeyID: uint8(l.keyID),
		Edition: uint8(l.edition), Trial: l.trial, Bound: l.bound, Generation: uint8(l.gen),
		Issued: day(l.issued), Expires: day(l.expires), Serial: l.serial}
}

// sign returns the canonical signed code; damage, if not nil, alters the
// signature before encoding, so that the checks still pass.
func (l license) sign(damage func(sig []byte)) string {
	c := formats.ActivationCode{Header: l.header(), Signed: true}
	msg, err := c.AppendMessage(nil, l.installID)
	if err != nil {
		log.Fatal(err)
	}
	k := l.signWith
	if k == 0 {
		k = l.keyID
	}
	copy(c.Signature[:], ed25519.Sign(priv(k), msg))
	if damage != nil {
		damage(c.Signature[:])
	}
	return c.String()
}

// signedBy returns the canonical signed code with the signature sign
// makes from the message, for signatures no Ed25519 signer makes.
func (l license) signedBy(sign func(priv ed25519.PrivateKey, msg []byte) []byte) string {
	c := formats.ActivationCode{Header: l.header(), Signed: true}
	msg, err := c.AppendMessage(nil, l.installID)
	if err != nil {
		log.Fatal(err)
	}
	copy(c.Signature[:], sign(priv(l.keyID), msg))
	return c.String()
}

// secretScalar is the scalar a of an Ed25519 private key (RFC 8032 5.1.5).
func secretScalar(p ed25519.PrivateKey) *edwards25519.Scalar {
	h := sha512.Sum512(p.Seed())
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		log.Fatal(err)
	}
	return a
}

// challenge is k = SHA-512(R || A || M) mod L.
func challenge(r []byte, p ed25519.PrivateKey, msg []byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write(r)
	h.Write(p.Public().(ed25519.PublicKey))
	h.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		log.Fatal(err)
	}
	return k
}

// sigSPlusL is a good signature with L added to S: the same point
// equation, but S not reduced, which FORMAT.md section 10 refuses.
func sigSPlusL(p ed25519.PrivateKey, msg []byte) []byte {
	sig := ed25519.Sign(p, msg)
	le := func(b []byte) *big.Int { r := slices.Clone(b); slices.Reverse(r); return new(big.Int).SetBytes(r) }
	l := le([]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10})
	s := new(big.Int).Add(le(sig[32:]), l).FillBytes(make([]byte, 32))
	slices.Reverse(s)
	return append(sig[:32:32], s...)
}

// sigIdentityR has R the identity and S = k·a: the cofactorless equation
// holds and crypto/ed25519 accepts it; libsodium, and FORMAT.md section
// 10, refuse an R of small order.
func sigIdentityR(p ed25519.PrivateKey, msg []byte) []byte {
	r := make([]byte, 32)
	r[0] = 1
	sig := append(r, edwards25519.NewScalar().Multiply(challenge(r, p, msg), secretScalar(p)).Bytes()...)
	if !ed25519.Verify(p.Public().(ed25519.PublicKey), msg, sig) {
		log.Fatal("sigIdentityR: crypto/ed25519 refuses it")
	}
	return sig
}

// order8 is a point of order 8.
const order8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"

// sigMixedR has R = [r]B + T, T of order 8, and S = r + k·a: a cofactored
// check ([8][S]B = [8]R + [8][k]A) passes, the cofactorless one FORMAT.md
// section 10 requires does not.
func sigMixedR(p ed25519.PrivateKey, msg []byte) []byte {
	rs := sha512.Sum512(append([]byte("conformance mixed-order nonce"), msg...))
	r, _ := edwards25519.NewScalar().SetUniformBytes(rs[:])
	tb, _ := hex.DecodeString(order8)
	t, err := new(edwards25519.Point).SetBytes(tb)
	if err != nil {
		log.Fatal(err)
	}
	R := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(r), t).Bytes()
	s := edwards25519.NewScalar().MultiplyAdd(challenge(R, p, msg), secretScalar(p), r)
	return append(R, s.Bytes()...)
}

// editions of the built-in catalog (FORMAT.md section 9), for product PC.
var editions = map[int]string{1: "standard", 2: "premium"}

const (
	defaultWarn  = 60
	defaultGrace = 30
)

// expect works out what verifying l at now gives, by FORMAT.md section
// 3.1: in force on issued <= day < expires (UTC), expiring within the
// warning days, in grace for the grace days after expiry. override, if not
// empty, is a lifecycle status (revoked, superseded, clock_rollback).
func expect(l license, now time.Time, warn, grace int, override string) *want {
	today := now.UTC().Truncate(24 * time.Hour)
	w := &want{Group: ptr(0), Char: ptr(0), Product: l.product, EditionNumber: l.edition, Trial: l.trial, Bound: l.bound,
		Serial: uint64(l.serial), Generation: l.gen, KeyID: l.keyID, Issued: l.issued, Expires: l.expires,
		Edition: fmt.Sprint(l.edition), Features: []string{}}
	named := l.product == "PC" && editions[l.edition] != ""
	if named {
		w.Edition = editions[l.edition]
	}
	switch {
	case today.Before(date(l.issued)):
		w.Status = "not_yet_valid"
	case l.expires == "perpetual":
		w.Status = "valid"
	}
	if l.expires != "perpetual" {
		w.DaysLeft = int(date(l.expires).Sub(today) / (24 * time.Hour))
		if w.Status == "" {
			switch left := w.DaysLeft; {
			case left > warn:
				w.Status = "valid"
			case left > 0:
				w.Status = "expiring"
			case -left < grace:
				w.Status = "grace"
			default:
				w.Status = "expired"
			}
		}
	}
	if override != "" {
		w.Status = override
	}
	if named && (w.Status == "valid" || w.Status == "expiring" || w.Status == "grace") {
		w.Features = []string{"update", "scan"}
	}
	return w
}

func failure(kind string, group, char int) *want {
	return &want{Status: "invalid", ErrorKind: kind, Group: &group, Char: &char, Features: []string{}}
}

func ptr[T any](v T) *T { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		log.Fatal(err)
	}
	return t
}

// verify is a step checking l's code at the run's time.
func verifyStep(code string, w *want) step { return step{Code: &code, Want: w} }

func listStep(data []byte, wantErr string) step {
	return step{List: ptr(hex.EncodeToString(data)), WantError: &wantErr}
}

func signList(keyID int, product string, seq uint64, entries ...revocation.Entry) []byte {
	b, err := revocation.Sign(priv(keyID), uint8(keyID), formats.MustProduct(product), seq, day("2027-01-01"), entries)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// signListWith is signList with the signature sign makes over the
// list's message (FORMAT.md section 11).
func signListWith(keyID int, product string, seq uint64, sign func(ed25519.PrivateKey, []byte) []byte, entries ...revocation.Entry) []byte {
	b := signList(keyID, product, seq, entries...)
	body := b[:len(b)-ed25519.SignatureSize]
	msg := append([]byte("licmint/revocation-list/v1\x00"), body...)
	return append(slices.Clone(body), sign(priv(keyID), msg)...)
}

// suite gathers the cases, in order.
type suite struct{ cases []kase }

func (s *suite) add(name string, r ...run) {
	s.cases = append(s.cases, kase{Name: name, Product: "PC", Runs: r})
}

func (s *suite) addState(name string, r ...run) {
	s.cases = append(s.cases, kase{Name: name, Product: "PC", State: true, Runs: r})
}

// one adds one verification of l at now with the default terms.
func (s *suite) one(name string, l license, now string) {
	s.add(name, run{Now: now, InstallID: l.installID, Steps: []step{verifyStep(l.sign(nil), expect(l, at(now), defaultWarn, defaultGrace, ""))}})
}

// outFile is where the suite goes: cases.json, or the file -out names
// (TestCasesUpToDate writes to a temporary one and compares).
var outFile = defaultOut

func main() {
	flag.StringVar(&outFile, "out", defaultOut, "write the suite to `FILE`")
	flag.Parse()
	var s suite
	s.dates()
	s.terms()
	s.spellings()
	s.bound()
	s.authenticity()
	s.decoding()
	s.lists()
	s.state()
	s.stateRecords()
	s.typos()
	write(s.cases)
	fmt.Fprintf(os.Stderr, "%d cases\n", len(s.cases))
}

// dates adds every status the clock decides, and the edges of each.
func (s *suite) dates() {
	s.one("valid, standard edition", std, "2027-01-15T10:00:00Z")
	s.one("issue day, first second", std, "2026-11-27T00:00:00Z")
	s.one("the second before the issue day: not yet valid", std, "2026-11-26T23:59:59Z")
	s.one("61 days left: valid", std, "2027-09-27T12:00:00Z")
	s.one("60 days left: expiring", std, "2027-09-28T12:00:00Z")
	s.one("last day in force: expiring, 1 day left", std, "2027-11-26T23:59:59Z")
	s.one("expiry day: grace, 0 days left", std, "2027-11-27T00:00:00Z")
	s.one("last day of grace", std, "2027-12-26T23:00:00Z")
	s.one("after grace: expired, features off", std, "2027-12-27T00:00:00Z")
	s.one("a clock far in the future: expired", std, "2150-01-01T00:00:00Z")
	s.one("a clock before the licmint epoch: not yet valid", std, "2019-12-31T23:59:59Z")
	s.one("only the UTC day matters", std, "2027-09-28T00:00:00+09:00")
	s.one("perpetual", license{product: "PC", keyID: 1, edition: 2, issued: "2026-11-27", expires: "perpetual", serial: 1}, "2190-01-01T00:00:00Z")
	s.one("trial", license{product: "PC", keyID: 1, edition: 1, trial: true, issued: "2026-11-27", expires: "2026-12-27", serial: 27182818284590}, "2026-12-01T00:00:00Z")
	s.one("premium edition signed with key id 2", license{product: "PC", keyID: 2, edition: 2, issued: "2026-11-27", expires: "2027-11-27", serial: 16180339887498}, "2027-03-01T00:00:00Z")
	s.one("an edition the catalog does not name: shown by number, no features", license{product: "PC", keyID: 1, edition: 200, issued: "2026-11-27", expires: "2027-11-27", serial: 99999999999999, gen: 255}, "2027-03-01T00:00:00Z")
	s.one("replacement, generation 1", license{product: "PC", keyID: 1, edition: 1, gen: 1, issued: "2026-11-27", expires: "2027-11-27", serial: 31415926535897}, "2027-03-01T00:00:00Z")
	s.one("smallest serial and dates", license{product: "PC", keyID: 1, edition: 1, issued: "2020-01-01", expires: "2020-01-02", serial: 0}, "2020-01-01T12:00:00Z")
}

// terms adds terms set by the product.
func (s *suite) terms() {
	now := "2027-10-20T00:00:00Z" // 38 days left
	s.add("warning days set to 10: 38 days left is valid",
		run{Now: now, WarnDays: ptr(10), Steps: []step{verifyStep(std.sign(nil), expect(std, at(now), 10, defaultGrace, ""))}})
	last := "2027-11-26T12:00:00Z"
	s.add("warning days set to 0: the last day in force is valid, never expiring",
		run{Now: last, WarnDays: ptr(0), Steps: []step{verifyStep(std.sign(nil), expect(std, at(last), 0, defaultGrace, ""))}})
	now = "2027-11-27T00:00:00Z"
	s.add("grace days set to 0: the expiry day is expired",
		run{Now: now, GraceDays: ptr(0), Steps: []step{verifyStep(std.sign(nil), expect(std, at(now), defaultWarn, 0, ""))}})
}

// spellings adds a code as typed or pasted.
func (s *suite) spellings() {
	code, now := std.sign(nil), "2027-01-15T10:00:00Z"
	w := expect(std, at(now), defaultWarn, defaultGrace, "")
	s.add("lower case, spaces for hyphens, line breaks, no hyphens, Crockford aliases",
		run{Now: now, Steps: []step{
			verifyStep(strings.ToLower(code), w),
			verifyStep(strings.ReplaceAll(code, "-", " "), w),
			verifyStep(" "+code[:60]+"\r\n  "+code[60:120]+"\n"+code[120:]+"\n", w),
			verifyStep(strings.ReplaceAll(code, "-", ""), w),
			verifyStep(code[:2]+strings.NewReplacer("0", "o", "1", "L").Replace(code[2:]), w),
		}})
}

// bound adds install-bound codes.
func (s *suite) bound() {
	bound := license{product: "PC", keyID: 1, edition: 1, bound: true, issued: "2026-11-27", expires: "2027-11-27",
		serial: 14142135623730, installID: "host-7f3a9c0e"}
	code, now := bound.sign(nil), "2027-02-01T00:00:00Z"
	s.add("install-bound, on its install", run{Now: now, InstallID: "host-7f3a9c0e",
		Steps: []step{verifyStep(code, expect(bound, at(now), defaultWarn, defaultGrace, ""))}})
	s.add("install-bound, on another install", run{Now: now, InstallID: "host-7f3a9c0f",
		Steps: []step{verifyStep(code, failure("install_mismatch", 0, 0))}})
	s.add("install-bound, no install id given", run{Now: now,
		Steps: []step{verifyStep(code, failure("install_mismatch", 0, 0))}})
	unbound := std
	s.add("an unbound code ignores the install id", run{Now: now, InstallID: "host-7f3a9c0e",
		Steps: []step{verifyStep(unbound.sign(nil), expect(unbound, at(now), defaultWarn, defaultGrace, ""))}})
	long := bound
	long.installID, long.serial = strings.Repeat("x", 255), 2
	s.add("install id of 255 bytes", run{Now: now, InstallID: long.installID,
		Steps: []step{verifyStep(long.sign(nil), expect(long, at(now), defaultWarn, defaultGrace, ""))}})
}

// authenticity adds codes signed by another key, altered, or for another
// product.
func (s *suite) authenticity() {
	now := "2027-02-01T00:00:00Z"
	untrusted := std
	untrusted.keyID = 3
	s.add("signed with a key id the verifier does not trust", run{Now: now,
		Steps: []step{verifyStep(untrusted.sign(nil), failure("unknown_key", 0, 0))}})
	forged := std
	forged.signWith = 3
	s.add("signed by another key under a trusted key id", run{Now: now,
		Steps: []step{verifyStep(forged.sign(nil), failure("bad_signature", 0, 0))}})
	s.add("signature altered, checks recomputed", run{Now: now,
		Steps: []step{verifyStep(std.sign(func(s []byte) { s[10] ^= 1 }), failure("bad_signature", 0, 0))}})
	changed := std
	changed.edition = 2
	s.add("edition altered, checks recomputed", run{Now: now,
		Steps: []step{verifyStep(withHeader(std.sign(nil), changed), failure("bad_signature", 0, 0))}})
	s.add("signature with L added to S, otherwise good", run{Now: now,
		Steps: []step{verifyStep(std.signedBy(sigSPlusL), failure("bad_signature", 0, 0))}})
	s.add("signature with R the identity and S = k·a, which crypto/ed25519 accepts: an R of small order is refused", run{Now: now,
		Steps: []step{verifyStep(std.signedBy(sigIdentityR), failure("bad_signature", 0, 0))}})
	s.add("signature with R of mixed order, good under a cofactored check: the check is cofactorless", run{Now: now,
		Steps: []step{verifyStep(std.signedBy(sigMixedR), failure("bad_signature", 0, 0))}})
	boundID := std
	boundID.bound, boundID.installID, boundID.serial = true, "host-7f3a9c0e", 3
	s.add("an install-bound code whose signature has R the identity: install_mismatch, as any bad signature of a bound code", run{Now: now, InstallID: "host-7f3a9c0e",
		Steps: []step{verifyStep(boundID.signedBy(sigIdentityR), failure("install_mismatch", 0, 0))}})
	other := std
	other.product, other.serial = "PD", 57721566490153
	s.add("a code for another product", run{Now: now,
		Steps: []step{verifyStep(other.sign(nil), failure("wrong_product", 1, 1))}})
	s.cases = append(s.cases, kase{Name: "a product the built-in catalog does not name: editions by number, no features", Product: "PD",
		Runs: []run{{Now: now, Steps: []step{verifyStep(other.sign(nil), expect(other, at(now), defaultWarn, defaultGrace, ""))}}}})
}

// decoding adds the normative invalid vectors, as a verifier reports them.
func (s *suite) decoding() {
	var vec struct {
		Invalid []struct {
			Comment, Input, Want, Product, Error string
			Group, Char                          int
		} `json:"invalid"`
	}
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(b, &vec); err != nil {
		log.Fatal(err)
	}
	var steps []step
	for _, v := range vec.Invalid {
		kind := v.Error
		if kind == "unknown_version" {
			kind = "malformed" // FORMAT.md section 7: a verifier's kinds are fixed
		}
		if v.Want == "any" && len(strings.TrimSpace(v.Input)) == formats.ShortLen {
			// A decoding vector for a short form: a verifier needs the
			// signed form, and says so before it looks for typos
			// (FORMAT.md section 15).
			kind, v.Group, v.Char = "unsigned", 0, 0
		}
		w := failure(kind, v.Group, v.Char)
		if v.Group == 0 {
			// The vectors leave the position open.
			w.Group, w.Char = nil, nil
		}
		steps = append(steps, verifyStep(v.Input, w))
	}
	steps = append(steps, verifyStep(strings.Repeat(" ", 1025), failure("malformed", 0, 0)))
	s.add("every invalid Activation Code vector, and input over 1024 bytes", run{Now: "2027-02-01T00:00:00Z", Steps: steps})
}

// lists adds revocation lists.
func (s *suite) lists() {
	now := "2027-02-01T00:00:00Z"
	gen1 := std
	gen1.gen = 1
	l1 := signList(1, "PC", 1, revocation.Entry{Serial: std.serial})
	l2 := signList(2, "PC", 2, revocation.Entry{Serial: std.serial, Below: 1})
	t := at(now)
	s.add("a list revoking every generation of a serial", run{Now: now, Steps: []step{
		verifyStep(std.sign(nil), expect(std, t, defaultWarn, defaultGrace, "")),
		listStep(l1, ""),
		verifyStep(std.sign(nil), expect(std, t, defaultWarn, defaultGrace, "revoked")),
		verifyStep(gen1.sign(nil), expect(gen1, t, defaultWarn, defaultGrace, "revoked")),
	}})
	s.add("a list revoking the generations below 1: the replacement stays good", run{Now: now, Steps: []step{
		listStep(l2, ""),
		verifyStep(std.sign(nil), expect(std, t, defaultWarn, defaultGrace, "revoked")),
		verifyStep(gen1.sign(nil), expect(gen1, t, defaultWarn, defaultGrace, "")),
	}})
	s.add("an older list after a newer one is refused, and the newer stays in force", run{Now: now, Steps: []step{
		listStep(l2, ""),
		listStep(l1, "list_replayed"),
		listStep(l2, ""),
		verifyStep(gen1.sign(nil), expect(gen1, t, defaultWarn, defaultGrace, "")),
	}})
	l2other := signList(2, "PC", 2, revocation.Entry{Serial: std.serial})
	s.add("another list with the sequence in force is refused, and the first stays in force", run{Now: now, Steps: []step{
		listStep(l2, ""),
		listStep(l2other, "list_replayed"),
		verifyStep(gen1.sign(nil), expect(gen1, t, defaultWarn, defaultGrace, "")),
		listStep(l2, ""),
	}})
	s.add("a list signed with R the identity and S = k·a is refused", run{Now: now, Steps: []step{
		listStep(signListWith(1, "PC", 1, sigIdentityR, revocation.Entry{Serial: std.serial}), "list_bad_signature"),
		verifyStep(std.sign(nil), expect(std, t, defaultWarn, defaultGrace, "")),
	}})
	bad := append([]byte(nil), l1...)
	bad[len(bad)-1] ^= 1
	s.add("refused lists leave none in force", run{Now: now, Steps: []step{
		listStep(signList(1, "PD", 1, revocation.Entry{Serial: std.serial}), "list_wrong_product"),
		listStep(signList(3, "PC", 1, revocation.Entry{Serial: std.serial}), "list_unknown_key"),
		listStep(bad, "list_bad_signature"),
		listStep(l1[:len(l1)-1], "list_malformed"),
		listStep(nil, "list_malformed"),
		verifyStep(std.sign(nil), expect(std, t, defaultWarn, defaultGrace, "")),
	}})
}

// state adds what a verifier keeps between runs.
func (s *suite) state() {
	gen1 := std
	gen1.gen = 1
	t := "2027-02-01T00:00:00Z"
	s.addState("a replaced code is superseded once its replacement has been seen, also in a later run",
		run{Now: t, Steps: []step{
			verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "")),
			verifyStep(gen1.sign(nil), expect(gen1, at(t), defaultWarn, defaultGrace, "")),
			verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "superseded")),
		}},
		run{Now: t, Steps: []step{
			verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "superseded")),
		}})
	back, near := "2027-01-29T00:00:00Z", "2027-01-31T06:00:00Z"
	s.addState("a clock set back more than a day is clock_rollback; within a day it is not",
		run{Now: t, Steps: []step{verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, ""))}},
		run{Now: near, Steps: []step{verifyStep(std.sign(nil), expect(std, at(near), defaultWarn, defaultGrace, ""))}},
		run{Now: back, Steps: []step{verifyStep(std.sign(nil), expect(std, at(back), defaultWarn, defaultGrace, "clock_rollback"))}})
	l1 := signList(1, "PC", 1, revocation.Entry{Serial: std.serial})
	l2 := signList(2, "PC", 2, revocation.Entry{Serial: std.serial, Below: 1})
	s.addState("a list accepted in an earlier run stays in force, and an older one is refused",
		run{Now: t, Steps: []step{listStep(l2, "")}},
		run{Now: t, Steps: []step{
			verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "revoked")),
			listStep(l1, "list_replayed"),
			verifyStep(gen1.sign(nil), expect(gen1, at(t), defaultWarn, defaultGrace, "")),
		}})
}

// stateRecords adds what a verification records in the state (FORMAT.md
// section 13): an authentic code whatever its status, nothing else.
func (s *suite) stateRecords() {
	t := "2027-02-01T00:00:00Z"
	gen1 := std
	gen1.gen = 1
	l2 := signList(2, "PC", 2, revocation.Entry{Serial: std.serial, Below: 1})
	l2other := signList(2, "PC", 2, revocation.Entry{Serial: std.serial})
	s.addState("another list with the sequence in force is refused, and the first stays in force in the next run",
		run{Now: t, Steps: []step{listStep(l2, "")}},
		run{Now: t, Steps: []step{
			listStep(l2other, "list_replayed"),
			verifyStep(gen1.sign(nil), expect(gen1, at(t), defaultWarn, defaultGrace, "")),
		}},
		run{Now: t, Steps: []step{verifyStep(gen1.sign(nil), expect(gen1, at(t), defaultWarn, defaultGrace, ""))}})
	future := gen1
	future.issued, future.expires = "2027-06-01", "2028-06-01"
	s.addState("a code not yet valid records its generation: the older one is superseded in the next run",
		run{Now: t, Steps: []step{verifyStep(future.sign(nil), expect(future, at(t), defaultWarn, defaultGrace, ""))}},
		run{Now: t, Steps: []step{verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "superseded"))}})
	s.addState("a code that fails to verify records nothing",
		run{Now: t, Steps: []step{verifyStep(gen1.sign(func(s []byte) { s[10] ^= 1 }), failure("bad_signature", 0, 0))}},
		run{Now: t, Steps: []step{verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, ""))}})
	late := "2031-01-01T00:00:00Z"
	s.addState("an expired code's verification moves last-seen forward",
		run{Now: late, Steps: []step{verifyStep(std.sign(nil), expect(std, at(late), defaultWarn, defaultGrace, ""))}},
		run{Now: t, Steps: []step{verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "clock_rollback"))}})
	untrusted := std
	untrusted.keyID = 3
	s.addState("a code with an untrusted key does not move last-seen",
		run{Now: late, Steps: []step{verifyStep(untrusted.sign(nil), failure("unknown_key", 0, 0))}},
		run{Now: t, Steps: []step{verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, ""))}})
	s.addState("a revoked code records its generation: in a later run without the list's entry for it, the older one is superseded",
		run{Now: t, Steps: []step{
			listStep(signList(1, "PC", 1, revocation.Entry{Serial: std.serial, Below: 2}), ""),
			verifyStep(gen1.sign(nil), expect(gen1, at(t), defaultWarn, defaultGrace, "revoked")),
		}},
		run{Now: t, Steps: []step{
			listStep(signList(1, "PC", 2), ""),
			verifyStep(std.sign(nil), expect(std, at(t), defaultWarn, defaultGrace, "superseded")),
		}})
}

// typos adds typos, located: damage done at a known place of a good code.
func (s *suite) typos() {
	code, now := std.sign(nil), "2027-02-01T00:00:00Z"
	var steps []step
	for _, d := range []struct{ group, char int }{{2, 1}, {3, 5}, {7, 5}, {8, 1}, {20, 3}, {29, 4}} {
		steps = append(steps, verifyStep(mistype(code, d.group, d.char), failure("typo", d.group, d.char)))
	}
	s.add("one character mistyped, in the header, the checks and the signature", run{Now: now, Steps: steps})
}

// write writes the suite to outFile.
func write(cases []kase) {
	var keys []key
	for id := 1; id <= 2; id++ {
		s := seed(id)
		keys = append(keys, key{ID: id, Seed: hex.EncodeToString(s[:]), Public: hex.EncodeToString(priv(id).Public().(ed25519.PublicKey))})
	}
	out, err := json.MarshalIndent(struct {
		Comment string `json:"comment"`
		Warning string `json:"warning"`
		Keys    []key  `json:"keys"`
		Cases   []kase `json:"cases"`
	}{
		Comment: "Verifier conformance suite (bindings/conformance). Written by bindings/conformance/gen_cases.go; do not edit. " +
			"Each case makes a verifier for its product, trusting keys, with the built-in catalog (FORMAT.md section 9) when it names the product; " +
			"each run is a verifier made afresh at the run's clock (now) with its install id and terms, sharing the case's state if state is true; " +
			"each step verifies a code or loads a revocation list, in order.",
		Warning: "TEST ONLY: these keys' seeds are public; never sign or trust real licenses with them",
		Keys:    keys,
		Cases:   cases,
	}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(outFile, append(out, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// mistype replaces the character at group, char (from 1) of a canonical
// code with the next symbol of the alphabet.
func mistype(code string, group, char int) string {
	groups := strings.Split(code, "-")
	g := []byte(groups[group-1])
	g[char-1] = alphabet[(strings.IndexByte(alphabet, g[char-1])+1)%len(alphabet)]
	groups[group-1] = string(g)
	return strings.Join(groups, "-")
}

// withHeader re-encodes code with l's header and code's signature, so the
// checks pass and only the signature can tell.
func withHeader(code string, l license) string {
	c, err := formats.ParseActivationCode(code)
	if err != nil {
		log.Fatal(err)
	}
	c.Header = l.header()
	return c.String()
}
