// Package conformance holds the Go runner of the verifier conformance suite,
// testdata/conformance/cases.json: Activation Codes, keys, install ids,
// clocks and revocation lists, each with the outcome any verifier must
// report. The C, Python and JavaScript runners (bindings/c, bindings/js)
// read the same file and must agree case for case; a port to another
// language can prove itself against it too.
//
// gen_cases.go writes the file. It signs with TEST ONLY keys whose seeds
// are published in it, and takes every expected outcome from the case's
// definition (dates, fields, the kind of damage done), never from running
// the verifier.
package conformance

//go:generate go run gen_cases.go
