//go:build !cgo

package pkcs11_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/signer/pkcs11"
)

// Built without cgo, every way into a token says that this build has no
// PKCS#11 support, naming the key.
func TestNotSupported(t *testing.T) {
	u := &pkcs11.URI{Token: "licmint", Object: "vendor"}
	_, err1 := pkcs11.Open(u, "1234")
	_, err2 := pkcs11.Generate(u, "1234", 1)
	_, err3 := pkcs11.Import(u, "1234", 1, nil)
	for _, err := range []error{err1, err2, err3} {
		if !errors.Is(err, pkcs11.ErrNotSupported) || !strings.Contains(err.Error(), `object "vendor"`) {
			t.Errorf("got %v, want ErrNotSupported naming the key", err)
		}
	}
}
