// Package c tests the licmint C verifier (src/, licmint.h) against the Go
// packages it ports (verifier, formats, formats/keyring, verifier/licjwt):
// the conformance suite and every vector file case for case, the C
// runners, a differential fuzz target, and a benchmark.
//
// The tests build liblicmint.so with the C compiler and libsodium and load
// it with dlopen, so that the package itself needs neither: without cgo, a
// C compiler or libsodium's headers the tests skip, saying why.
package c
