package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
)

// A checkpoint signs the chain's head with a key kept out of the database;
// its record, published elsewhere, is later checked against the ledger.
func ExampleLedger_Checkpoint() {
	ctx := context.Background()
	l, err := ledger.Open(ctx, "sqlite::memory:", ledger.WithNow(func() time.Time { return time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Mint(ctx, ledger.MintRequest{Product: formats.MustProduct("PC"), Edition: "standard", Count: 2}); err != nil {
		log.Fatal(err)
	}
	// Any crypto.Signer that signs Ed25519: an ed25519.PrivateKey, a
	// signer.Key's Signer, a key in a PKCS#11 token.
	audit := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	cp, made, err := l.Checkpoint(ctx, audit)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("made:", made, "signs event", cp.Head.Seq)

	published, _ := json.Marshal(cp) // what `licmint ledger head --json` prints
	saved, err := ledger.ParseCheckpoint(published)
	if err != nil {
		log.Fatal(err)
	}
	head, err := l.Verify(ctx, ledger.WithCheckpointKeys(audit.Public().(ed25519.PublicKey)), ledger.WithSavedHead(saved))
	fmt.Println("verifies up to event", head.Seq, err)
	// Output:
	// made: true signs event 2
	// verifies up to event 3 <nil>
}
