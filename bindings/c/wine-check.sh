#!/bin/bash
# wine-check.sh runs the Windows build of the C verifier under Wine: the
# Go tests of this package (every vector file and the differential fuzz
# seeds, against licmint.dll through LoadLibrary), the conformance suite
# and the argument and thread checks through programs linked with the
# import library, and the example.
#
#   bash bindings/c/wine-check.sh [WORKDIR]
#
# It needs mingw-w64, Wine (wine64), Go and apt-get. libsodium has no
# Windows build in Debian, so the libsodium-26.dll it runs with is built
# here from Debian's own source package of libsodium (apt-get source, with
# Debian's patches, from a deb-src list of its own that leaves the
# system's apt configuration alone), every source file compiled into one
# DLL with mingw-w64, as libsodium's MSVC project does. It is named as
# libsodium's own mingw releases name theirs: the four functions
# licmint.dll imports by name (cmake/libsodium.def) have the same ABI in
# Debian's 1.0.18, which carries the fix to crypto_core_ed25519_is_valid_point
# (CVE-2025-69277), as in those releases.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || { echo "wine-check: no wine64 (apt-get install wine64)" >&2; exit 1; }
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

# libsodium from Debian's source package.
if [ ! -e "$work/win/libsodium-26.dll" ]; then
	apt="$work/apt"
	mkdir -p "$apt/lists/partial" "$apt/parts" "$apt/archives/partial"
	: >"$apt/empty.list"
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	cat >"$apt/parts/src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	aptopts=(-o Dir::Etc::SourceList="$apt/empty.list" -o Dir::Etc::SourceParts="$apt/parts"
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache::Archives="$apt/archives" -qq)
	apt-get "${aptopts[@]}" update
	(cd "$apt" && apt-get "${aptopts[@]}" source --download-only libsodium 2>&1 | grep -v unsandboxed || true)
	# apt checked the files against the archive's signed index; the
	# uploader's key is not in Debian's archive keyring, so dpkg-source's
	# own signature check only warns.
	dpkg-source -x "$apt"/libsodium_*.dsc "$work/libsodium" >"$apt/dpkg-source.log" 2>&1 ||
		{ cat "$apt/dpkg-source.log" >&2; exit 1; }
	mkdir -p "$work/win"
	(cd "$work/libsodium" && x86_64-w64-mingw32-gcc -O2 -w -shared -s -DSODIUM_DLL_EXPORT -DNATIVE_LITTLE_ENDIAN \
		-DCONFIGURED=1 -Isrc/libsodium/include/sodium -Ibuilds/msvc $(find src/libsodium -name '*.c') \
		-ladvapi32 -o "$work/win/libsodium-26.dll")
fi

make -s -C "$here" WINOUT="$work/win" windows windows-runners
(cd "$here" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	go test -c -o "$work/win/ctest.exe" .)

# A fresh prefix, and the one DLL Go's runtime needs that Wine 8 lacks.
"$wine" cmd /c exit >/dev/null 2>&1 || true
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
	x86_64-w64-mingw32-gcc -O2 -shared -s "$here/runner/wine/bcryptprimitives.c" -ladvapi32 -o "$sys32/bcryptprimitives.dll"
fi

# A path as Windows programs under Wine name it.
winpath() { echo "Z:$1" | tr / '\\'; }

cases="$here/../../testdata/conformance/cases.json"
# The suite's first key and code, for the thread checks.
pub=$(sed -n '/"public_key_hex"/{s/.*"public_key_hex": "\([0-9a-f]*\)".*/\1/p;q}' "$cases")
code=$(sed -n '/"code"/{s/.*"code": "\([^"]*\)".*/\1/p;q}' "$cases")
rm -rf "$work/conformance" && mkdir -p "$work/conformance"
cd "$here"
"$wine" "$work/win/conformance.exe" "$cases" "$(winpath "$work/conformance")"
"$wine" "$work/win/safety.exe" "$pub" "$code"
# The example with the suite's key 1 and its perpetual code, which the
# example's clock never expires.
ckey=$(python3 -c 'import json, sys; print(next(k["public_key_hex"] for k in json.load(open(sys.argv[1]))["keys"] if k["id"] == 1))' "$cases")
ccode=$(python3 -c 'import json, sys; print(next(s["code"] for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == "perpetual" for r in c["runs"] for s in r["steps"]))' "$cases")
out=$("$wine" "$work/win/example.exe" "$ckey" "$ccode" | tr -d '\r')
echo "example.exe: $out"
[ "$out" = 'valid premium, 0 days left, update on' ]
# The example again, built by CMake (cross, with mingw-w64) through the
# package config that make windows-install puts beside the DLL.
if command -v cmake >/dev/null; then
	rm -rf "$work/install" "$work/cmake"
	make -s -C "$here" WINOUT="$work/win" OUT="$work/build" PREFIX="$work/install" windows-install
	mkdir -p "$work/cmake/src"
	cat >"$work/cmake/mingw.cmake" <<CMAKE
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
CMAKE
	cat >"$work/cmake/src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(example C)
find_package(licmint 1.1 REQUIRED)
add_executable(example "$here/examples/example.c")
target_link_libraries(example PRIVATE licmint::licmint)
CMAKE
	cmake -S "$work/cmake/src" -B "$work/cmake/build" -DCMAKE_TOOLCHAIN_FILE="$work/cmake/mingw.cmake" \
		-DCMAKE_PREFIX_PATH="$work/install" >/dev/null
	cmake --build "$work/cmake/build" >/dev/null
	cp "$work/install/bin/licmint.dll" "$work/win/libsodium-26.dll" "$work/cmake/build/"
	out=$("$wine" "$work/cmake/build/example.exe" "$ckey" "$ccode" | tr -d '\r')
	echo "example.exe (CMake): $out"
	[ "$out" = 'valid premium, 0 days left, update on' ]
else
	echo "wine-check: no cmake: the CMake package config for Windows is not tried"
fi

LICMINT_C_LIBRARY="$(winpath "$work/win/licmint.dll")" "$wine" "$work/win/ctest.exe" -test.count=1 -test.v |
	grep -E '^(--- |ok|PASS|FAIL)|(_test\.go:[0-9]+:)'
