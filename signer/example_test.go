package signer_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/signer"
)

func Example() {
	// A real key comes from signer.GenerateKey, kept with Key.Encrypt and
	// opened with signer.DecryptKey; a fixed seed keeps this example's
	// output stable.
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	code, err := s.Sign(&signer.Registration{
		RK:      rk,
		Edition: "standard",
		Issued:  time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(code.ShortForm())
	fmt.Println("expires", code.Expires)
	// Output:
	// PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG
	// expires 2027-11-27
}

func ExampleFieldError() {
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	_, err := s.Sign(&signer.Registration{RK: rk, Edition: "gold"})
	fmt.Println(errors.Is(err, catalog.ErrUnknownEdition))
	var fe *signer.FieldError
	if errors.As(err, &fe) {
		fmt.Println("field:", fe.Field)
	}
	fmt.Println(err)
	// Output:
	// true
	// field: edition
	// edition: unknown edition "gold" for product PC; editions: standard, premium
}
