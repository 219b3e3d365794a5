#!/bin/sh
# build-dist.sh builds the verifier for products not written in Go into
# dist/ (not committed):
#
#   liblicmint.so, liblicmint.a, licmint.h   the C library (bindings/c);
#                                           needs cgo and a C compiler
#   licmint-VERSION.tgz                      the JavaScript package
#                                           (bindings/js), as npm pack makes it
#
# usage: sh scripts/build-dist.sh        (from anywhere in the module)
set -eu
cd "$(dirname "$0")/.."
out=dist
mkdir -p "$out"
if ! command -v "${CC:-gcc}" >/dev/null 2>&1 && ! command -v cc >/dev/null 2>&1; then
	echo "build-dist.sh: no C compiler (gcc or cc): the C library needs one, with CGO_ENABLED=1" >&2
	exit 1
fi
CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -buildmode=c-shared -o "$out/liblicmint.so" ./bindings/c
CGO_ENABLED=1 go build -trimpath -buildmode=c-archive -o "$out/liblicmint.a" ./bindings/c
# cgo writes its own liblicmint.h; licmint.h is the documented header.
rm -f "$out/liblicmint.h"
cp bindings/c/licmint.h "$out/"

# The JavaScript package: its files as they are (no build step), packed.
if ! command -v npm >/dev/null 2>&1; then
	echo "build-dist.sh: npm not found: the JavaScript package needs Node.js and npm" >&2
	exit 1
fi
(cd bindings/js && npm pack --silent --pack-destination "../../$out" >/dev/null)
ls -l "$out"
