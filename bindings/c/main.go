// Command c is the licmint verifier as a C library: built with
// -buildmode=c-shared or -buildmode=c-archive (scripts/build-dist.sh), it
// exports the functions of licmint.h, which documents them. It needs cgo
// and a C compiler; without cgo it builds to an empty program.
package main

func main() {}
