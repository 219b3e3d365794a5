package issuance_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

var (
	now   = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	clock = func() time.Time { return now }
	pc    = formats.MustProduct("PC")
	ctx   = context.Background()
)

func newSigner(t testing.TB, seed byte) *signer.Signer {
	t.Helper()
	b := make([]byte, ed25519.SeedSize)
	b[0] = seed
	k, err := signer.NewKey(1, ed25519.NewKeyFromSeed(b))
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.New(k, signer.WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t *testing.T) *issuance.Service {
	t.Helper()
	s, _ := newServiceLedger(t)
	return s
}

// newServiceLedger returns a service and its ledger, which the tests read.
func newServiceLedger(t *testing.T) (*issuance.Service, *ledger.Ledger) {
	t.Helper()
	l, err := ledger.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"), ledger.WithNow(clock), ledger.WithActor("test"),
		ledger.WithRand(rand.NewChaCha8([32]byte{3})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return issuance.New(newSigner(t, 1), l), l
}

func mint(t *testing.T, s *issuance.Service, r ledger.MintRequest) formats.RegistrationKey {
	t.Helper()
	r.Product, r.Count = pc, 1
	if r.Edition == "" {
		r.Edition = "standard"
	}
	m, err := s.Mint(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	return m.Keys[0]
}

func TestWithoutLedger(t *testing.T) {
	s := issuance.New(newSigner(t, 1), nil)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	is, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: rk, Edition: "standard"}})
	if err != nil || is.License != nil {
		t.Fatal(err)
	}
	want, _ := newSigner(t, 1).Sign(&signer.Registration{RK: rk, Edition: "standard"})
	if is.Code != want {
		t.Fatal("the service signs otherwise than the signer")
	}
	if _, err := s.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 1}); !errors.Is(err, issuance.ErrNoLedger) {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, is.Code, ""); !errors.Is(err, issuance.ErrNoLedger) {
		t.Fatal(err)
	}
	rep, err := s.Replace(ctx, &issuance.Replacement{Code: &is.Code})
	if err != nil || rep.Code.Generation != 1 {
		t.Fatal(err)
	}
	seq, list, err := s.RevocationList(ctx, &issuance.ListRequest{Product: pc, Seq: 4, Entries: []revocation.Entry{{Serial: rk.Serial, Below: 1}}})
	if err != nil || seq != 4 || len(list) == 0 {
		t.Fatal(seq, err)
	}
}

func TestRegisterUsesMintedTerms(t *testing.T) {
	s := newService(t)
	k := mint(t, s, ledger.MintRequest{Edition: "premium", Days: 30})
	is, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}, Token: true, Owner: "jane@example.com"})
	if err != nil || is.Existing || is.JWT == "" || is.Code.Expires-is.Code.Issued != 30 || is.License.Edition != "premium" {
		t.Fatalf("%+v %v", is, err)
	}
	again, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k, Edition: "premium"}})
	if err != nil || !again.Existing || again.Code != is.Code || again.JWT != is.JWT {
		t.Fatalf("again: %+v %v", again, err)
	}
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k, Edition: "premium", Days: 31}}); !errors.Is(err, ledger.ErrOtherTerms) {
		t.Fatalf("another term: %v", err)
	}
	legacy, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: legacy, Edition: "standard"}}); !errors.Is(err, ledger.ErrNotMinted) {
		t.Fatalf("unminted: %v", err)
	}
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: legacy, Edition: "standard"}, AllowUnminted: true}); err != nil {
		t.Fatalf("import: %v", err)
	}
	if _, err := s.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "gold", Count: 1}); !errors.Is(err, catalog.ErrUnknownEdition) {
		t.Fatalf("minting an edition the catalog lacks: %v", err)
	}
}

func TestRenewFromTheLedgersCode(t *testing.T) {
	s := newService(t)
	k := mint(t, s, ledger.MintRequest{})
	first, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}})
	if err != nil {
		t.Fatal(err)
	}
	renewal := mint(t, s, ledger.MintRequest{Purpose: ledger.PurposeRenewal, Days: 100})
	r1, err := s.Renew(ctx, &issuance.Renewal{Code: first.Code, Key: &renewal})
	if err != nil || r1.Code.Expires != first.Code.Expires+100 {
		t.Fatalf("renew with a 100-day key: %+v %v", r1, err)
	}
	// The first code again, as a request sent twice: the renewal on
	// record, not another year.
	again, err := s.Renew(ctx, &issuance.Renewal{Code: first.Code})
	if err != nil || !again.Existing || again.Code != r1.Code || again.License == nil {
		t.Fatalf("renew an old code again: %+v %v", again, err)
	}
	r2, err := s.Renew(ctx, &issuance.Renewal{Code: r1.Code})
	if err != nil || r2.Existing || r2.Code.Expires != r1.Code.Expires+365 {
		t.Fatalf("renew the current code: %+v %v", r2, err)
	}
	if _, err := s.Renew(ctx, &issuance.Renewal{Code: first.Code, Key: &renewal}); !errors.Is(err, ledger.ErrUsed) {
		t.Fatalf("renewal key twice: %v", err)
	}
	// A code signed with the key but never recorded, on other terms
	// under the license's serial, is no code of that license.
	offline, err := newSigner(t, 1).Sign(&signer.Registration{RK: k, Edition: "premium"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Renew(ctx, &issuance.Renewal{Code: offline}); !errors.Is(err, ledger.ErrNoLicense) {
		t.Fatalf("renewing a code the ledger never issued: %v", err)
	}
	if _, err := s.Replace(ctx, &issuance.Replacement{Code: &offline}); !errors.Is(err, ledger.ErrNoLicense) {
		t.Fatalf("replacing a code the ledger never issued: %v", err)
	}
	if _, err := s.Current(ctx, offline, ""); !errors.Is(err, ledger.ErrNoLicense) {
		t.Fatalf("the current code for a code the ledger never issued: %v", err)
	}
	// A code the signer does not trust is refused before anything is
	// recorded.
	forged := first.Code
	forged.Signature[0] ^= 1
	if _, err := s.Renew(ctx, &issuance.Renewal{Code: forged}); !errors.Is(err, signer.ErrNotAuthentic) {
		t.Fatalf("forged: %v", err)
	}
	rep, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k.Serial, RevokeOld: true, Reason: "stolen"})
	if err != nil || rep.Code.Generation != 1 || rep.Code.Expires != r2.Code.Expires {
		t.Fatalf("replace by serial: %+v %v", rep, err)
	}
	if _, err := s.Renew(ctx, &issuance.Renewal{Code: r2.Code}); !errors.Is(err, ledger.ErrSuperseded) {
		t.Fatalf("renewing the stolen generation: %v", err)
	}
	seq, list, err := s.RevocationList(ctx, &issuance.ListRequest{Product: pc})
	if err != nil || seq != 1 {
		t.Fatal(seq, err)
	}
	parsed, err := revocation.Parse(list, pc, func(uint8, []byte, []byte, []byte) error { return nil })
	if err != nil || !parsed.Revoked(k.Serial, 0) || parsed.Revoked(k.Serial, 1) {
		t.Fatalf("list: %v", err)
	}
	if _, _, err := s.RevocationList(ctx, &issuance.ListRequest{Product: pc, Seq: 9}); err == nil {
		t.Fatal("a sequence number given with a ledger was accepted")
	}
}

// Current answers a code with its license's current code: the renewal
// on record for an older code of the generation, nothing for a forgery,
// a replaced generation or a revoked license.
func TestCurrent(t *testing.T) {
	s := newService(t)
	k := mint(t, s, ledger.MintRequest{})
	first, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := s.Current(ctx, first.Code, ""); err != nil || cur.Code != first.Code || cur.JWT != first.JWT || cur.License.Serial != k.Serial {
		t.Fatalf("not renewed: %+v %v", cur, err)
	}
	ren, err := s.Renew(ctx, &issuance.Renewal{Code: first.Code})
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := s.Current(ctx, first.Code, ""); err != nil || cur.Code != ren.Code || cur.JWT != ren.JWT || cur.JWT == first.JWT {
		t.Fatalf("renewed: %+v %v", cur, err)
	}
	forged := first.Code
	forged.Signature[7] ^= 0x40
	if _, err := s.Current(ctx, forged, ""); !errors.Is(err, signer.ErrNotAuthentic) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k.Serial}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, ren.Code, ""); !errors.Is(err, ledger.ErrSuperseded) {
		t.Fatalf("replaced: %v", err)
	}
	other := mint(t, s, ledger.MintRequest{})
	gone, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: other}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke(ctx, pc, other.Serial, "chargeback"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, gone.Code, ""); !errors.Is(err, ledger.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
}

func TestResetCodeIsRecorded(t *testing.T) {
	s, led := newServiceLedger(t)
	k := mint(t, s, ledger.MintRequest{})
	if _, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k, InstallID: "host-1"}}); err != nil {
		t.Fatal(err)
	}
	today, _ := formats.DayOf(now)
	// An unknown serial signs nothing; a bad day records nothing.
	if _, err := s.ResetCode(ctx, pc, k.Serial+1, "host-1", today+30); !errors.Is(err, ledger.ErrNoLicense) {
		t.Fatalf("unknown serial: %v", err)
	}
	if _, err := s.ResetCode(ctx, pc, k.Serial, "host-1", today); !errors.Is(err, signer.ErrBadReset) {
		t.Fatalf("remembered today: %v", err)
	}
	c, err := s.ResetCode(ctx, pc, k.Serial, "host-1", today+30)
	if err != nil || c.Remembered != today+30 || c.Issued != today {
		t.Fatalf("%+v %v", c, err)
	}
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 1
	msg, err := c.AppendMessage(nil, "host-1")
	if err != nil || !ed25519.Verify(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), msg, c.Signature[:]) {
		t.Fatalf("the reset code is not signed for host-1: %v", err)
	}
	hs, err := led.Find(ctx, ledger.Query{RK: &k})
	if err != nil {
		t.Fatal(err)
	}
	var recorded int
	for _, e := range hs[0].Events {
		if e.Kind == "reset_code_issued" {
			recorded++
			if strings.Contains(string(e.Body), c.String()) {
				t.Fatal("the event carries the reset code itself")
			}
		}
	}
	if recorded != 1 {
		t.Fatalf("%d reset code events", recorded)
	}
}
