package verifier_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// vendorList signs a revocation list with the TEST ONLY key of
// testdata/vectors, as `licmint revoke` would.
func vendorList(seq uint64, entries ...revocation.Entry) []byte {
	seed, _ := hex.DecodeString("3c7be7e7813223a7185158f4a10270a6d719cb9851a9ede77724ce90e4b7d3d9")
	b, err := revocation.Sign(ed25519.NewKeyFromSeed(seed), 1, formats.MustProduct("PC"), seq, formats.Day(2530), entries)
	if err != nil {
		panic(err)
	}
	return b
}

// Example_lifecycle shows the revocation list, the state and renewal, and
// how a product tells their outcomes apart.
func Example_lifecycle() {
	// A product keeps its state in a file, state.NewFile(path); this
	// example keeps it in memory.
	var store state.Memory
	v, err := verifier.New("PC", trustedKeys, verifier.WithState(&store),
		verifier.WithNow(func() time.Time { return time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	if err := v.StateError(); err != nil {
		fmt.Println("state:", err) // log it and carry on
	}

	// The list shipped with an update revokes generation 0 of a serial.
	if err := v.LoadRevocationList(vendorList(2, revocation.Entry{Serial: 31415926535897, Below: 1})); err != nil {
		fmt.Println("list refused:", err)
	}
	l, _ := v.Verify(standardCode)
	fmt.Println(l.Serial, l.Generation, l.Status, "update:", l.Features.Enabled("update"))

	// An older list, as from a restored backup, is refused and the newer
	// one stays in force.
	err = v.LoadRevocationList(vendorList(1))
	fmt.Println("replayed:", errors.Is(err, verifier.ErrListReplayed))
	tampered := vendorList(3)
	tampered[30] ^= 1
	err = v.LoadRevocationList(tampered)
	fmt.Println("tampered:", errors.Is(err, verifier.ErrListBadSignature))

	// A renewal must extend the installed code; a code is not its own
	// renewal.
	_, err = v.VerifyRenewal(standardCode, standardCode)
	fmt.Println("renewal refused:", errors.Is(err, verifier.ErrNotRenewal))
	fmt.Println(err)
	// Output:
	// 31415926535897 0 revoked update: false
	// replayed: true
	// tampered: true
	// renewal refused: true
	// activation code: not a renewal: the new code expires 2027-11-27, which does not extend the installed code's expiry, 2027-11-27
}

// ExampleVerifier_Reset shows a clock once set ten years ahead put right
// with a reset code (the first of testdata/vectors/reset_codes.json).
func ExampleVerifier_Reset() {
	const resetCode = "PC-208R4-44XTQ-P0VR0-GBGPE-17W54-12M7R-CTEKF-KGSK3-A7ACN-6TCBD-38C3N-8TXNS-8JYHD-9W743-B70FB-3SX24-HDV25-NMFCV-4NPAC-T3Z2E-EGRQK-8VPX4-JQMJ0-XA2RA-F7JMJ"
	clock := time.Date(2036, 11, 29, 9, 0, 0, 0, time.UTC)
	var store state.Memory
	v, err := verifier.New("PC", trustedKeys, verifier.WithState(&store), verifier.WithInstallID("host-7f3a9c0e"),
		verifier.WithNow(func() time.Time { return clock }))
	if err != nil {
		panic(err)
	}
	v.Verify(standardCode) // the state remembers 2036-11-29

	clock = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l, _ := v.Verify(standardCode)
	fmt.Println(l.Status, "remembered:", l.LastSeen.Format(time.DateOnly))

	// The product asks the customer for a reset code for its install id
	// and that day, which the vendor issues with licmint reset-code.
	if err := v.Reset(resetCode); err != nil {
		fmt.Println(err)
	}
	l, _ = v.Verify(standardCode)
	fmt.Println(l.Status)
	err = v.Reset(resetCode)
	fmt.Println("used:", errors.Is(err, verifier.ErrResetUsed))
	// Output:
	// clock_rollback remembered: 2036-11-29
	// valid
	// used: true
}
