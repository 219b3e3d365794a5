//go:build ignore

// gen-registrations writes a batch-signing CSV of N registrations with
// distinct Registration Keys, for measuring `licmint sign --in`:
//
//	go run scripts/gen-registrations.go 1000000 > regs1m.csv
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/licmint/licmint/formats"
)

func main() {
	n := 1000
	if len(os.Args) > 1 {
		var err error
		if n, err = strconv.Atoi(os.Args[1]); err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "usage: go run scripts/gen-registrations.go N")
			os.Exit(2)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "rk,edition,days,issued,customer")
	for i := range n {
		// Every tenth key a trial; serials spread out and distinct.
		k, err := formats.NewRegistrationKey(formats.MustProduct("PC"), i%10 == 0, formats.Serial(i)*7919+13)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(w, "%s,premium,,2026-11-27,customer %d\n", k, i)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
