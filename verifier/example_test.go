package verifier_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/verifier"
)

// trustedKeys are the public keys a product embeds. This one is the TEST
// ONLY key of testdata/vectors, whose secret is public: a real product must
// never trust it.
var trustedKeys = []verifier.Key{{ID: 1, Public: []byte{
	0x19, 0xf1, 0x3b, 0x65, 0x95, 0x53, 0xb9, 0x24, 0x65, 0xf5, 0xdf, 0x6a, 0x56, 0x6c, 0x3d, 0x0f,
	0xdc, 0x0c, 0x18, 0x1f, 0x91, 0x12, 0x63, 0xaa, 0xa4, 0xc3, 0xb6, 0x64, 0x5d, 0xfb, 0xd4, 0x80,
}}}

// Codes from testdata/vectors/activation_codes.json.
const (
	standardCode = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
	boundCode    = "PC-2081-8017D-0PHRS-Q5RZ1-G340E-YC02V-A5TXH-BKE55-MFB0D-0CZFS-SR9DD-6VBPT-GCA6B-K7MQW-ZBYMD-4ZV4N-8YGTZ-RHRGR-K0W8C-77TC5-8WSZZ-MMG7X-E5DT8-AH2E2-NTEGD-TH8BS-M0G91-DK56"
	premiumKey2  = "PC-20G2-0017D-0PHRX-DT7D5-6RM0M-2TGJT-SYSHT-R3Q6M-GJ4X2-5CW3A-PDB8Q-42002-GSYPV-99BXT-BV7SK-2NRWC-FSND8-Z9E65-KWFVZ-PENZF-VSYZY-T413F-4M2R7-KS44T-KBMSW-9CGTA-618N3-J9QD"
	otherProduct = "PD-2081-0017D-0PHV8-ZTSEX-Q2J04-WR1M4-T5623-09CK7-2KF7S-8KJCA-9ZP69-9CH8P-7FNCZ-2DRZ7-WS26Q-3JHSM-PP3ER-GYEEY-Q439F-JMS1E-13WSM-Y8AE9-PJHTW-099SV-HB98D-3BZWW-23G1X-KDRW"
)

func Example() {
	pc, _ := catalog.Default().Product("PC")
	v, err := verifier.New("PC", trustedKeys,
		verifier.WithCatalog(pc),
		verifier.WithNow(func() time.Time { return time.Date(2027, 10, 1, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	l, err := v.Verify(standardCode)
	if err != nil {
		fmt.Println("not activated:", err)
		return
	}
	fmt.Println(l.Product, l.Edition, l.Serial, l.Status, l.DaysLeft)
	if l.Status == verifier.StatusExpiring {
		fmt.Printf("expires in %d days: renew before %s\n", l.DaysLeft, l.Expires)
	}
	fmt.Println("update:", l.Features.Enabled("update"))
	// Output:
	// PC standard 31415926535897 expiring 57
	// expires in 57 days: renew before 2027-11-27
	// update: true
}

// Example_errors shows how a product tells the outcomes apart.
func Example_errors() {
	v, _ := verifier.New("PC", trustedKeys,
		verifier.WithNow(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }),
		verifier.WithInstallID("host-0000"))
	typo := standardCode[:20] + "X" + standardCode[21:]
	// Someone makes the code perpetual and recomputes the check symbols,
	// which are no secret; the signature no longer matches.
	forged, _ := formats.ParseSigned(standardCode, formats.MustProduct("PC"))
	forged.Expires = formats.Perpetual
	for _, code := range []string{
		standardCode, typo, "PC-1234", standardCode[:formats.ShortLen], otherProduct,
		premiumKey2, forged.String(), boundCode,
	} {
		_, err := v.Verify(code)
		var fe *formats.FormatError
		switch {
		case err == nil:
			fmt.Println("activated")
		case errors.Is(err, verifier.ErrTypo) && errors.As(err, &fe):
			fmt.Printf("typo: check group %d, character %d\n", fe.Group, fe.Char)
		case errors.Is(err, verifier.ErrMalformed):
			fmt.Println("not an activation code")
		case errors.Is(err, verifier.ErrUnsigned):
			fmt.Println("short form: enter the whole code")
		case errors.Is(err, verifier.ErrWrongProduct):
			fmt.Println("a code for another product")
		case errors.Is(err, verifier.ErrUnknownKey):
			fmt.Println("signed by a key this version does not know")
		case errors.Is(err, verifier.ErrBadSignature):
			fmt.Println("not genuine")
		case errors.Is(err, verifier.ErrInstallMismatch):
			fmt.Println("issued for another install")
		}
	}
	// Output:
	// activated
	// typo: check group 5, character 1
	// not an activation code
	// short form: enter the whole code
	// a code for another product
	// signed by a key this version does not know
	// not genuine
	// issued for another install
}

// ExampleStatus shows the statuses of one license over time; none of them
// is an error.
func ExampleStatus() {
	pc, _ := catalog.Default().Product("PC")
	for _, date := range []string{"2026-11-01", "2027-01-01", "2027-11-01", "2027-12-01", "2028-01-01"} {
		now, _ := time.Parse(time.DateOnly, date)
		v, _ := verifier.New("PC", trustedKeys, verifier.WithCatalog(pc),
			verifier.WithNow(func() time.Time { return now }))
		l, _ := v.Verify(standardCode)
		fmt.Printf("%s %-13s in force: %-5v scan: %v\n", date, l.Status, l.Status.InForce(), l.Features.Enabled("scan"))
	}
	// Output:
	// 2026-11-01 not_yet_valid in force: false scan: false
	// 2027-01-01 valid         in force: true  scan: true
	// 2027-11-01 expiring      in force: true  scan: true
	// 2027-12-01 grace         in force: true  scan: true
	// 2028-01-01 expired       in force: false scan: false
}

// ExampleNew_keyring trusts the keys of a keyring file, as the licmint
// command does; keyring.Parse also reads JWK Sets.
func ExampleNew_keyring() {
	ring, err := keyring.Parse([]byte(`key-id: 1
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGfE7ZZVTuSRl9d9qVmw9D9wMGB+REmOqpMO2ZF371IA=
-----END PUBLIC KEY-----
`))
	if err != nil {
		panic(err)
	}
	var keys []verifier.Key
	for _, k := range ring.Keys() {
		keys = append(keys, verifier.Key{ID: k.ID, Public: k.Public})
	}
	v, err := verifier.New("PC", keys, verifier.WithNow(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	l, err := v.Verify(standardCode)
	fmt.Println(l.Status, l.Edition, err)
	// Output:
	// valid 1 <nil>
}
