package batch_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"strings"

	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

func ExampleRun() {
	// A real key comes from signer.DecryptKey; a fixed seed keeps this
	// example's output stable.
	key, _ := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	s, _ := signer.New(key)
	regs := strings.NewReader("rk,edition,issued,customer\n" +
		"PC-0314-1592-6535-8978,standard,2026-11-27,Acme\n" +
		"PC-0314-1592-6535-8979,standard,2026-11-27,Typo Ltd\n")
	st, err := batch.Run(context.Background(), s, batch.NewCSVReader(regs), batch.NewCSVWriter(os.Stdout))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("signed %d, failed %d\n", st.Signed, st.Failed)
	// Output:
	// rk,edition,issued,customer,serial,expires,activation_code,error
	// PC-0314-1592-6535-8978,standard,2026-11-27,Acme,31415926535897,2027-11-27,PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-JVZZJ-2NCBR-H5KQM-8N8ZS-5D978-W76Z8-8M05Z-FGNV5-V899X-0M21X-81C34-G3WBJ-5Y56Z-W9EKD-TZRYY-8Q9D8-BSESD-ZHG15-R5DXR-03PTC-E3GHP-5YX1,
	// PC-0314-1592-6535-8979,standard,2026-11-27,Typo Ltd,,,,"line 3, column 1 (rk): registration key: check digit does not match"
	// signed 1, failed 1
}
