#!/bin/sh
# build-dist.sh builds the verifier for products not written in Go into
# dist/ (not committed):
#
#   liblicmint.so(.1), liblicmint.a,         the C library (bindings/c): C99,
#   licmint.h, licmint.pc, cmake/            needs a C compiler, make and
#                                           libsodium-dev
#   licmint-VERSION.tgz                      the JavaScript package
#                                           (bindings/js), as npm pack makes it
#   python/licmint-*.whl, *.tar.gz          the Python package (bindings/python),
#                                           wheel and sdist; needs python3 with
#                                           setuptools and wheel, and no network
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
# The JavaScript package: its files as they are (no build step), packed.
if ! command -v npm >/dev/null 2>&1; then
	echo "build-dist.sh: npm not found: the JavaScript package needs Node.js and npm" >&2
	exit 1
fi
(cd bindings/js && npm pack --silent --pack-destination "../../$out" >/dev/null)

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
