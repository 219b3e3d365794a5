// Command licmint signs and verifies offline license keys: Registration Keys,
// Activation Codes (FORMAT.md) and JWT license tokens.
package main

import "os"

func main() { os.Exit(licmintMain()) }

// licmintMain runs the command line and returns the exit status; the tests
// run it as the licmint command of their scripts.
func licmintMain() int {
	return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}
