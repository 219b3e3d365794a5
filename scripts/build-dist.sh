#!/bin/sh
# build-dist.sh builds the verifier for products not written in Go into
# dist/ (not committed):
#
#   liblicmint.so, liblicmint.a, licmint.h   the C library (bindings/c);
#                                           needs cgo and a C compiler
#   licmint.wasm, wasm_exec.js, licmint.mjs  the WebAssembly module and its
#                                           ES module (bindings/wasm)
#   python/licmint-*.whl, *.tar.gz          the Python package (bindings/python),
#                                           wheel and sdist; needs python3 with
#                                           setuptools and wheel, and no network
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
# No wasm-opt: -Oz saves 5% raw and under 1% gzipped (BENCHMARKS.md).
GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$out/licmint.wasm" ./bindings/wasm
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" bindings/wasm/licmint.mjs "$out/"

# The Python package: wheel and sdist, built by setuptools' PEP 517 hooks
# directly, so that neither pip nor the network is needed; in a copy, so
# that the build leaves nothing in the source tree.
build_python() {
	py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	if ! "$py" -c 'import setuptools.build_meta, wheel' 2>/dev/null; then
		echo "build-dist.sh: $py lacks setuptools or wheel (Debian: python3-setuptools python3-wheel): the Python package needs them" >&2
		return 1
	fi
	rm -rf "$out/python"
	mkdir -p "$out/python"
	pysrc=$(mktemp -d)
	cp -R bindings/python/pyproject.toml bindings/python/README.md bindings/python/src "$pysrc/"
	dest=$(cd "$out/python" && pwd)
	# One process per hook: setuptools 66 sends the second's output astray.
	for hook in build_wheel build_sdist; do
		(cd "$pysrc" && PYTHONWARNINGS=ignore "$py" -c \
			'import sys; from setuptools import build_meta as b; getattr(b, sys.argv[1])(sys.argv[2])' "$hook" "$dest" >/dev/null)
	done
	rm -rf "$pysrc"
}
build_python
ls -l "$out/python"

ls -l "$out"
