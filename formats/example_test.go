package formats_test

import (
	"errors"
	"fmt"

	"github.com/licmint/licmint/formats"
)

func ExampleParseRegistrationKey() {
	k, err := formats.ParseRegistrationKey("pc 1271 8281 8284 5903")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k, k.Trial, k.Serial)

	_, err = formats.ParseRegistrationKey("PC-1271-8281-8284-5904")
	fmt.Println(errors.Is(err, formats.ErrTypo))
	// Output:
	// PC-1271-8281-8284-5903 true 27182818284590
	// true
}

func ExampleActivationCode_String() {
	c := formats.ActivationCode{Header: formats.Header{
		Product: formats.MustProduct("PC"), Version: formats.FormatVersion, KeyID: 1, Edition: 1,
		Issued: 2522, Expires: 2887, Serial: 31415926535897,
	}}
	fmt.Println(c.Issued, c.Expires)
	fmt.Println(c) // no signature: the short form
	// Output:
	// 2026-11-27 2027-11-27
	// PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG
}

func ExampleParseSigned() {
	const short = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG"
	_, err := formats.ParseSigned(short, formats.MustProduct("PC"))
	fmt.Println(errors.Is(err, formats.ErrUnsigned))

	_, err = formats.ParseActivationCode("PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEH")
	var fe *formats.FormatError
	if errors.As(err, &fe) && errors.Is(err, formats.ErrTypo) {
		fmt.Println("typo at group", fe.Group, "character", fe.Char)
	}

	_, err = formats.ParseActivationCode("PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEU")
	fmt.Println(err)
	// Output:
	// true
	// typo at group 7 character 5
	// activation code, group 7 character 5 (line 1, column 37): 'U' is not a base32 symbol
}
