//go:build wasm || licmint_fe32

package ed25519v

import "filippo.io/edwards25519/field"

// fe is the field the curve code computes in: fe32 in WebAssembly (see
// fe32.go for why). The licmint_fe32 build tag selects it natively too, so
// that the package's tests can run on it quickly:
//
//	go test -tags licmint_fe32 ./verifier/internal/ed25519v
type fe = fe32

func feFrom(e *field.Element) fe {
	var v fe32
	v.SetBytes(e.Bytes())
	return v
}
