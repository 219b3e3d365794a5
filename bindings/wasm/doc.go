//go:build !(js && wasm)

// Command wasm is the licmint verifier as a WebAssembly module for
// JavaScript (GOOS=js GOARCH=wasm; scripts/build-dist.sh builds it), used
// through the ES module licmint.mjs. Built for any other target it is an
// empty program.
package main

func main() {}
