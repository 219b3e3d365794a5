//go:build !cgo

package hsm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/signer/hsm"
)

// Built without cgo, every way into a token says that this build has no
// PKCS#11 support, naming the key.
func TestNotSupported(t *testing.T) {
	u := &hsm.URI{Token: "licmint", Object: "vendor"}
	_, err1 := hsm.Open(u, "1234")
	_, err2 := hsm.Generate(u, "1234", 1)
	_, err3 := hsm.Import(u, "1234", 1, nil)
	for _, err := range []error{err1, err2, err3} {
		if !errors.Is(err, hsm.ErrNotSupported) || !strings.Contains(err.Error(), `object "vendor"`) {
			t.Errorf("got %v, want ErrNotSupported naming the key", err)
		}
	}
}
