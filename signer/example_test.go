package signer_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/signer"
)

func Example() {
	// A real key comes from signer.GenerateKey, kept with Key.Encrypt and
	// opened with signer.DecryptKey; a fixed seed keeps this example's
	// output stable.
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	issued, _ := formats.ParseDay("2026-11-27")
	code, err := s.Sign(&signer.Registration{
		RK:      rk,
		Edition: "standard",
		Issued:  &issued, // nil: today
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

func ExampleSigner_Renew() {
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	issued, _ := formats.ParseDay("2026-11-27")
	old, _ := s.Sign(&signer.Registration{RK: rk, Edition: "standard", Issued: &issued})

	// Renewed a month before expiry: a year more from the old expiry.
	renewed, _ := formats.ParseDay("2027-10-27")
	code, err := s.Renew(old, signer.Renewal{Issued: &renewed})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("serial", code.Serial, "generation", code.Generation)
	fmt.Println("issued", code.Issued, "expires", code.Expires, "was", old.Expires)

	// A trial is not renewed: the customer buys a full key.
	trial, _ := formats.ParseRegistrationKey("PC-1271-8281-8284-5903")
	tc, _ := s.Sign(&signer.Registration{RK: trial, Edition: "standard"})
	_, err = s.Renew(tc, signer.Renewal{})
	fmt.Println(errors.Is(err, signer.ErrNotRenewable))

	// A code that does not verify is never renewed.
	forged := old
	forged.Expires++
	_, err = s.Renew(forged, signer.Renewal{})
	fmt.Println(errors.Is(err, signer.ErrNotAuthentic))
	// Output:
	// serial 31415926535897 generation 0
	// issued 2027-10-27 expires 2028-11-26 was 2027-11-27
	// true
	// true
}

func ExampleSigner_Replace() {
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	issued, _ := formats.ParseDay("2026-11-27")
	stolen, _ := s.Sign(&signer.Registration{RK: rk, Edition: "standard", Issued: &issued})
	code, err := s.Replace(stolen, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("generation", stolen.Generation, "->", code.Generation, "expires", code.Expires)
	// Revoke the stolen code: generations below the replacement's.
	listed, _ := formats.ParseDay("2026-12-01")
	list, _ := s.RevocationList(rk.Product, 1, &listed,
		[]revocation.Entry{{Serial: code.Serial, Below: code.Generation}})
	fmt.Println(len(list), "bytes")
	// Output:
	// generation 0 -> 1 expires 2027-11-27
	// 100 bytes
}

func ExampleParseRevocationEntry() {
	for _, spec := range []string{"31415926535897:2", "PC-0314-1592-6535-8978", "3141592653589"} {
		e, err := signer.ParseRevocationEntry(spec, formats.MustProduct("PC"))
		if err != nil {
			fmt.Println(err, errors.Is(err, signer.ErrBadEntry))
			continue
		}
		fmt.Printf("serial %s below %d\n", e.Serial, e.Below)
	}
	// Output:
	// serial 31415926535897 below 2
	// serial 31415926535897 below 0
	// column 1 (serial): invalid revocation entry: serial "3141592653589" has 13 digits; write all 14, leading zeros included true
}
