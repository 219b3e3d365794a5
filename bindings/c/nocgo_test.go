//go:build !cgo

package c

import "testing"

func TestC(t *testing.T) {
	t.Skip("cgo is off (no C compiler, or CGO_ENABLED=0): the C verifier is not tested")
}
