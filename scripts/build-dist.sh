#!/bin/sh
# build-dist.sh builds the verifier for products not written in Go into
# dist/ (not committed):
#
#   liblicmint.so(.1), liblicmint.a,         the C library (bindings/c): C99,
#   licmint.h, licmint.pc, cmake/            needs a C compiler, make and
#                                           libsodium-dev
#   licmint.wasm, wasm_exec.js, licmint.mjs  the WebAssembly module and its
#                                           ES module (bindings/wasm)
#
# usage: sh scripts/build-dist.sh        (from anywhere in the module)
set -eu
cd "$(dirname "$0")/.."
out=dist
mkdir -p "$out"
# The C library: bindings/c/Makefile, into dist/ (PREFIX for licmint.pc is
# where `make -C bindings/c install` would put it).
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
	echo "build-dist.sh: no C compiler (${CC:-cc}): the C library needs one, and libsodium-dev" >&2
	exit 1
fi
make -s -C bindings/c OUT="$PWD/$out/c" CC="${CC:-cc}" >/dev/null
cp "$out/c/liblicmint.so" "$out/c/liblicmint.a" "$out/c/licmint.pc" bindings/c/licmint.h "$out/"
ln -sf liblicmint.so "$out/liblicmint.so.1" # its soname, which programs linked with it load
mkdir -p "$out/cmake"
cp "$out/c/cmake/"*.cmake "$out/cmake/"
rm -rf "$out/c"
# No wasm-opt: -Oz saves 5% raw and under 1% gzipped (BENCHMARKS.md).
GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$out/licmint.wasm" ./bindings/wasm
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" bindings/wasm/licmint.mjs "$out/"
ls -l "$out"
