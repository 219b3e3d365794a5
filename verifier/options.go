package verifier

import (
	"time"

	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier/state"
)

// An Option configures a Verifier.
type Option func(*config)

type config struct {
	catalog     *catalog.Product
	warn, grace int
	warnSet     bool
	graceSet    bool
	now         func() time.Time
	installID   string
	installSet  bool
	store       state.Store
	attachState func(*Verifier, state.Store)
	tolerance   time.Duration
	sigCheck    func(publicKey, message, sig []byte) bool
}

// WithCatalog names the product's editions and their features, and sets
// the warning and grace days from its terms. Without it, editions are shown
// by number and have no features; a product normally passes its own entry,
// such as catalog.Default().Product("PC").
func WithCatalog(p *catalog.Product) Option { return func(c *config) { c.catalog = p } }

// WithWarnDays sets how many days before expiry a license is reported as
// expiring, overriding the catalog (default catalog.DefaultWarningDays).
func WithWarnDays(n int) Option { return func(c *config) { c.warn, c.warnSet = n, true } }

// WithGraceDays sets how many days after expiry a license stays in force
// as in grace, overriding the catalog (default catalog.DefaultGraceDays); 0
// means none.
func WithGraceDays(n int) Option { return func(c *config) { c.grace, c.graceSet = n, true } }

// WithNow sets the clock, time.Now by default. Only its UTC day matters.
func WithNow(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithInstallID sets this install's id, 1 to formats.MaxInstallIDLen bytes,
// which install-bound codes must have been issued for. Unbound codes
// ignore it.
func WithInstallID(id string) Option {
	return func(c *config) { c.installID, c.installSet = id, true }
}

// WithState gives the verifier a memory between runs, such as
// state.NewFile(path): the latest time seen, the highest revocation list
// sequence accepted and the highest generation seen of each serial. With
// it, Verify reports StatusSuperseded and StatusClockRollback, and
// LoadRevocationList refuses lists older than one accepted in an earlier
// run. New loads the state once; a missing or corrupt state starts afresh
// and is reported by StateError. Without a store, Verify does no I/O.
func WithState(s state.Store) Option {
	// The state code is reached only through this function value, so that
	// the linker leaves it out of products that never call WithState.
	return func(c *config) { c.store, c.attachState = s, (*Verifier).attachState }
}

// DefaultRollbackTolerance is how far the clock may go back behind the
// latest time seen before Verify reports StatusClockRollback: a day covers
// time zone and daylight saving mistakes and clock drift between machines
// sharing a state file.
const DefaultRollbackTolerance = 24 * time.Hour

// WithRollbackTolerance sets how far the clock may go back behind the
// latest time seen (default DefaultRollbackTolerance). It matters only
// with WithState.
func WithRollbackTolerance(d time.Duration) Option { return func(c *config) { c.tolerance = d } }

// WithSignatureCheck replaces the verifier's own Ed25519 signature check
// with verify, for a platform whose native implementation is much faster
// than Go's. verify must answer exactly as crypto/ed25519.Verify does
// (RFC 8032, cofactorless, S < l): crypto/ed25519.Verify itself fits. It
// gets one of the trusted keys (32 bytes), the signed message and the
// signature, in fresh slices it may keep; a verifier with it allocates on
// every check. Everything else, parsing, the key refused at New, the
// message's layout and the status, stays the verifier's.
func WithSignatureCheck(verify func(publicKey, message, sig []byte) bool) Option {
	return func(c *config) { c.sigCheck = verify }
}
