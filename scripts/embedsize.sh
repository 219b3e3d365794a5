#!/bin/sh
# embedsize.sh prints how much a stripped product binary grows when it
# embeds package verifier: hello worlds built with and without it, with
# -trimpath -ldflags='-s -w'. The budget is 400 KB over the baseline.
#
# usage: scripts/embedsize.sh        (from anywhere in the module)
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

prog() { mkdir -p "$tmp/$1" && cat > "$tmp/$1/main.go"; }

# Baselines: the bare minimum, fmt, and the floor of any Ed25519 verifier
# (crypto/ed25519 + encoding + time).
prog bare <<'GO'
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
GO
prog fmt <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello") }
GO
prog floor <<'GO'
package main

import (
	"crypto/ed25519"
	"encoding/base32"
	"os"
	"time"
)

func main() {
	pub := make([]byte, ed25519.PublicKeySize)
	ok := ed25519.Verify(pub, []byte(os.Args[0]), make([]byte, ed25519.SignatureSize))
	os.Stdout.WriteString(base32.StdEncoding.EncodeToString(pub) + time.Now().String())
	if ok {
		os.Exit(1)
	}
}
GO

# The verifier, set up with raw key bytes (the form `licmint pubkey
# --format go` embeds), printing without or with fmt; and, for comparison,
# with keys read by keyring.Parse, which imports crypto/ed25519 and
# encoding/json.
verifierProg() { # name, extra imports, trustedKeys function, print statement
	prog "$1" <<GO
package main

import (
	"os"
	$2

	"github.com/licmint/licmint/verifier"
)

$3

func main() {
	keys, err := trustedKeys()
	if err != nil {
		panic(err)
	}
	v, err := verifier.New("PC", keys)
	if err != nil {
		panic(err)
	}
	l, err := v.Verify(os.Args[len(os.Args)-1])
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return
	}
	$4
}
GO
}
rawKeys='func trustedKeys() ([]verifier.Key, error) {
	return []verifier.Key{{ID: 1, Public: []byte{
		0x19, 0xf1, 0x3b, 0x65, 0x95, 0x53, 0xb9, 0x24, 0x65, 0xf5, 0xdf, 0x6a, 0x56, 0x6c, 0x3d, 0x0f,
		0xdc, 0x0c, 0x18, 0x1f, 0x91, 0x12, 0x63, 0xaa, 0xa4, 0xc3, 0xb6, 0x64, 0x5d, 0xfb, 0xd4, 0x80}}}, nil
}'
pemKeys='func trustedKeys() ([]verifier.Key, error) {
	ring, err := keyring.Parse([]byte(`key-id: 1
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGfE7ZZVTuSRl9d9qVmw9D9wMGB+REmOqpMO2ZF371IA=
-----END PUBLIC KEY-----
`))
	if err != nil {
		return nil, err
	}
	var keys []verifier.Key
	for _, k := range ring.Keys() {
		keys = append(keys, verifier.Key{ID: k.ID, Public: k.Public})
	}
	return keys, nil
}'
verifierProg verifier-bare '' "$rawKeys" 'os.Stdout.WriteString(l.Status.String() + "\n")'
verifierProg verifier-fmt '"fmt"' "$rawKeys" 'fmt.Println(l.Status, l.Edition, l.DaysLeft)'
# Everything a product may use offline: a revocation list and a state
# file, as well as the code.
prog verifier-full <<GO
package main

import (
	"fmt"
	"os"

	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

$rawKeys

func main() {
	keys, _ := trustedKeys()
	v, err := verifier.New("PC", keys, verifier.WithState(state.NewFile(os.Args[1])))
	if err != nil {
		panic(err)
	}
	if list, err := os.ReadFile(os.Args[2]); err == nil {
		fmt.Println(v.LoadRevocationList(list))
	}
	l, err := v.Verify(os.Args[len(os.Args)-1])
	fmt.Println(l.Status, l.Edition, l.DaysLeft, err, v.StateError())
}
GO
verifierProg verifier-pem '"fmt"; "github.com/licmint/licmint/formats/keyring"' "$pemKeys" 'fmt.Println(l.Status, l.Edition, l.DaysLeft)'

size() {
	go build -trimpath -ldflags='-s -w' -o "$tmp/$1.bin" "$tmp/$1/main.go"
	wc -c < "$tmp/$1.bin" | tr -d ' '
}
bare=$(size bare)
fmtb=$(size fmt)
floor=$(size floor)
vbare=$(size verifier-bare)
vfmt=$(size verifier-fmt)
vpem=$(size verifier-pem)
vfull=$(size verifier-full)

kb() { echo "$1" | awk '{ printf "%+.0f KB", $1 / 1024 }'; }
echo "$(go version)"
printf '%-44s %9s bytes\n' "hello world, os only" "$bare"
printf '%-44s %9s bytes\n' "hello world, fmt" "$fmtb"
printf '%-44s %9s bytes  %s over os-only\n' "floor: crypto/ed25519 + encoding + time" "$floor" "$(kb $((floor - bare)))"
printf '%-44s %9s bytes  %s over os-only\n' "verifier, raw key bytes, os output" "$vbare" "$(kb $((vbare - bare)))"
printf '%-44s %9s bytes  %s over fmt hello (budget +400 KB)\n' "verifier, raw key bytes, fmt output" "$vfmt" "$(kb $((vfmt - fmtb)))"
printf '%-44s %9s bytes  %s over fmt hello\n' "verifier + revocation list + state file, fmt" "$vfull" "$(kb $((vfull - fmtb)))"
printf '%-44s %9s bytes  %s over fmt hello\n' "verifier, PEM keyring (keyring.Parse), fmt" "$vpem" "$(kb $((vpem - fmtb)))"
