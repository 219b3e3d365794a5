package verifier

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier/internal/ed25519v"
	"github.com/licmint/licmint/verifier/state"
)

// Verifier checks Activation Codes for one product against a fixed set of
// trusted keys. It is safe for concurrent use (provided the WithNow clock
// is): its configuration is fixed once New returns, the revocation list is
// swapped atomically, and the state, if any, is guarded by a mutex.
type Verifier struct {
	product     formats.Product
	keys        [256]*ed25519v.PublicKey // by key id; pre-decoded, nil if untrusted
	editions    [256]edition
	warn, grace int
	now         func() time.Time
	installID   string
	sigCheck    func(publicKey, message, sig []byte) bool // nil: keys' own Verify

	// list is the revocation list in force, nil before the first
	// LoadRevocationList; Verify reads it without a lock.
	list   atomic.Pointer[revocationList]
	listMu sync.Mutex // serialises LoadRevocationList

	store     state.Store // nil: no memory between runs, and no I/O
	tolerance time.Duration
	// observe is (*Verifier).observeState with a store, else nil: called
	// through a function value so that products without WithState do not
	// link the state code.
	observe  func(serial formats.Serial, gen uint8, now time.Time, record bool) (superseded bool, rolledBackFrom time.Time)
	mu       sync.Mutex // guards the fields below
	seen     state.State
	saved    time.Time // LastSeen as last saved, to save it only hourly
	stateErr error     // a corrupt or unreadable state, found by New or a save
	saveErr  error     // from the latest failed save, nil after a good one
}

type edition struct {
	name     string
	features []string
	all      uint64 // every feature's bit
}

// Key is a trusted Ed25519 public key and the id codes name it by. A
// keyring.Key converts directly: Key{ID: k.ID, Public: k.Public}.
type Key struct {
	ID uint8
	// Public is the 32-byte Ed25519 public key.
	Public []byte
}

// New returns a Verifier for product (two letters, such as "PC") that
// trusts keys, which must have distinct ids. It fails if a key is not a
// valid Ed25519 public key, or is one no key generator makes (wrapping
// ErrWeakKey; see formats.CheckPublicKey), or if an option is out of range.
//
// Keys are plain bytes rather than a *keyring.Keyring so that the package
// does not import crypto/ed25519, which would add about 225 KB to the
// product's binary for code Verify does not use. To trust a keyring file:
//
//	for _, k := range ring.Keys() {
//		keys = append(keys, verifier.Key{ID: k.ID, Public: k.Public})
//	}
func New(product string, keys []Key, opts ...Option) (*Verifier, error) {
	p, err := formats.ParseProduct(product)
	if err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("verifier: no keys: a verifier needs at least one trusted key")
	}
	cfg := config{now: time.Now, tolerance: DefaultRollbackTolerance}
	for _, o := range opts {
		o(&cfg)
	}
	v := &Verifier{product: p, now: cfg.now, sigCheck: cfg.sigCheck,
		warn: catalog.DefaultWarningDays, grace: catalog.DefaultGraceDays}
	if v.now == nil {
		return nil, errors.New("verifier: WithNow(nil): give a clock, such as time.Now")
	}
	for _, k := range keys {
		if v.keys[k.ID] != nil {
			return nil, fmt.Errorf("verifier: key id %d appears twice", k.ID)
		}
		// ed25519v accepts what crypto/ed25519 accepts, small-order and
		// mixed-order keys included; licmint trusts neither
		// (formats.CheckPublicKey), and ed25519v's own arithmetic tests
		// the order without linking another scalar multiplication.
		if err := formats.CheckPublicKeyEncoding(k.Public); err != nil {
			return nil, fmt.Errorf("verifier: key id %d: %w", k.ID, err)
		}
		pk, err := ed25519v.NewPublicKey(k.Public)
		if err != nil {
			return nil, fmt.Errorf("verifier: key id %d: %w", k.ID, err) // unreachable: CheckPublicKeyEncoding decoded it
		}
		if !pk.PrimeOrder() {
			return nil, fmt.Errorf("verifier: key id %d: %w", k.ID, formats.MixedOrderKeyError())
		}
		v.keys[k.ID] = pk
	}
	if cfg.installSet {
		if err := formats.CheckInstallID(cfg.installID); err != nil {
			return nil, fmt.Errorf("verifier: %w", err)
		}
		v.installID = cfg.installID
	}

	names := numberNames()
	for i := range v.editions {
		v.editions[i].name = names[i]
	}
	if c := cfg.catalog; c != nil {
		if c.Code != (formats.Product{}) && c.Code != p {
			return nil, fmt.Errorf("verifier: the catalog entry is for product %s, not %s", c.Code, p)
		}
		for _, e := range c.Editions {
			if len(e.Features) > MaxFeatures {
				return nil, fmt.Errorf("verifier: edition %s has %d features; at most %d are supported", e.Name, len(e.Features), MaxFeatures)
			}
			v.editions[e.Number] = edition{name: e.Name, features: append([]string(nil), e.Features...),
				all: 1<<len(e.Features) - 1}
		}
		v.warn, v.grace = c.Warning(), c.Grace()
	}
	if cfg.warnSet {
		v.warn = cfg.warn
	}
	if cfg.graceSet {
		v.grace = cfg.grace
	}
	if v.warn < 0 || v.warn > catalog.MaxTermDays || v.grace < 0 || v.grace > catalog.MaxTermDays {
		return nil, fmt.Errorf("verifier: warning days %d and grace days %d: want 0 to %d", v.warn, v.grace, catalog.MaxTermDays)
	}
	if cfg.tolerance < 0 {
		return nil, fmt.Errorf("verifier: rollback tolerance %v is negative", cfg.tolerance)
	}
	v.tolerance = cfg.tolerance
	if cfg.store != nil && cfg.attachState != nil {
		cfg.attachState(v, cfg.store)
	}
	return v, nil
}

// numberNames holds the decimal names of editions the catalog omits, made
// once so that Verify never formats a number.
var numberNames = sync.OnceValue(func() *[256]string {
	var n [256]string
	for i := range n {
		n[i] = strconv.Itoa(i)
	}
	return &n
})

// Product returns the product code the verifier accepts.
func (v *Verifier) Product() formats.Product { return v.product }

// PublicKey returns a copy of the trusted public key with the given id.
func (v *Verifier) PublicKey(id uint8) ([]byte, bool) {
	if k := v.keys[id]; k != nil {
		return k.Bytes(), true
	}
	return nil, false
}

// Verify checks a signed Activation Code, as typed or pasted: any case,
// with whitespace, line breaks and hyphens anywhere. It returns the license
// when the code is authentic, whatever its status; otherwise an error
// wrapping one of the package's sentinel errors. Without WithState or
// WithSignatureCheck it does not allocate unless it fails; WithSignatureCheck
// allocates copies for the function; with WithState, a new serial or
// generation to remember, or a time an hour past the last saved, allocates
// and writes the state.
func (v *Verifier) Verify(code string) (License, error) {
	c, err := formats.ParseSigned(code, v.product)
	if err != nil {
		return License{}, err
	}
	return v.check(&c, true)
}

// VerifyBytes is Verify for a byte slice.
func (v *Verifier) VerifyBytes(code []byte) (License, error) {
	c, err := formats.ParseSignedBytes(code, v.product)
	if err != nil {
		return License{}, err
	}
	return v.check(&c, true)
}

// check verifies a decoded code and works out its status. With record
// false it leaves the state as it is, so that a refused renewal leaves no
// trace.
func (v *Verifier) check(c *formats.ActivationCode, record bool) (License, error) {
	key := v.keys[c.KeyID]
	if key == nil {
		return License{}, &Error{Err: ErrUnknownKey,
			Msg:  fmt.Sprintf("signed with key id %d, which this verifier does not trust", c.KeyID),
			Hint: "the code may come from another vendor, or be signed with a newer key than this version of the product knows: ask the vendor for a code it accepts"}
	}
	if c.Bound && v.installID == "" {
		return License{}, &Error{Err: ErrInstallMismatch,
			Msg:  "this code is bound to an install, and no install id was given",
			Hint: "this code is bound to one install, and the product did not say which install it is on: ask the vendor for help"}
	}
	// The message is at most MaxMessageLen bytes, so it stays on the stack.
	var buf [formats.MaxMessageLen]byte
	msg, err := c.AppendMessage(buf[:0], v.installID)
	if err != nil {
		return License{}, err // unreachable: the parser and New checked everything AppendMessage does
	}
	if !v.verifySig(key, nil, msg, c.Signature[:]) {
		if c.Bound {
			return License{}, &Error{Err: ErrInstallMismatch,
				Msg:  "the signature does not verify with this install id: the code is bound to another install, or was altered",
				Hint: "enter the code on the install it was issued for, or ask the vendor for a code for this install"}
		}
		return License{}, &Error{Err: ErrBadSignature,
			Msg:  fmt.Sprintf("the signature does not verify with key id %d: the code was altered or forged", c.KeyID),
			Hint: "copy the code again from the original; a code that still fails is not genuine"}
	}

	now := v.now()
	st, left := status(today(now), c.Issued, c.Expires, v.warn, v.grace)
	// Lifecycle statuses override the dates, the most final first.
	var superseded bool
	var lastSeen time.Time // the time the clock rolled back from
	if v.observe != nil {
		superseded, lastSeen = v.observe(c.Serial, c.Generation, now, record)
	}
	switch list := v.list.Load(); {
	case list != nil && list.list.Revoked(c.Serial, c.Generation):
		st = StatusRevoked
	case superseded:
		st = StatusSuperseded
	case !lastSeen.IsZero():
		st = StatusClockRollback
	}
	if st != StatusClockRollback {
		lastSeen = time.Time{}
	}
	ed := &v.editions[c.Edition]
	f := Features{names: ed.features}
	if st.InForce() {
		f.on = ed.all
	}
	return License{
		Product: c.Product, Edition: ed.name, EditionNumber: c.Edition, Trial: c.Trial, Bound: c.Bound,
		Serial: c.Serial, Generation: c.Generation, KeyID: c.KeyID, Issued: c.Issued, Expires: c.Expires,
		DaysLeft: left, Status: st, Features: f, LastSeen: lastSeen,
	}, nil
}

// verifySig reports whether sig signs prefix || msg under key, with the
// WithSignatureCheck function if there is one. That function gets copies:
// msg and sig are often on the caller's stack, and handing them to an
// unknown function would move them to the heap on the default path too.
func (v *Verifier) verifySig(key *ed25519v.PublicKey, prefix, msg, sig []byte) bool {
	// FORMAT.md section 10 refuses an R of small order, as libsodium does,
	// so that every library gives one answer; crypto/ed25519 does not.
	if formats.SmallOrderR(sig) {
		return false
	}
	if v.sigCheck == nil {
		return key.VerifyPrefixed(prefix, msg, sig)
	}
	n := ed25519v.PublicKeySize + len(prefix) + len(msg)
	b := make([]byte, 0, n+len(sig))
	b = append(append(append(append(b, key.Bytes()...), prefix...), msg...), sig...)
	return v.sigCheck(b[:ed25519v.PublicKeySize:ed25519v.PublicKeySize], b[ed25519v.PublicKeySize:n:n], b[n:])
}
