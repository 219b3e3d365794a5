package verifier_test

import (
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier"
)

// FuzzVerify checks that Verify never panics, agrees with VerifyBytes, and
// accepts only codes signed by the test key: anything accepted must
// re-encode to a code whose fields it reports.
func FuzzVerify(f *testing.F) {
	good := sign(f, testKey, header(), "")
	h := header()
	h.Bound = true
	bound := sign(f, testKey, h, "install-A")
	for _, s := range []string{good, bound, good[:formats.ShortLen], "", "PC-", good + good, "pc" + good[2:]} {
		f.Add(s)
	}
	vecs, _ := loadVectors(f)
	for _, tc := range vecs.Invalid {
		f.Add(tc.Input)
	}
	v := newVerifier(f, verifier.WithInstallID("install-A"))
	f.Fuzz(func(t *testing.T, s string) {
		l, err := v.Verify(s)
		l2, err2 := v.VerifyBytes([]byte(s))
		if (err == nil) != (err2 == nil) || l.Serial != l2.Serial || l.Status != l2.Status || l.Expires != l2.Expires {
			t.Fatalf("Verify and VerifyBytes disagree: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		c, perr := formats.ParseSigned(s, formats.MustProduct("PC"))
		if perr != nil || c.Serial != l.Serial || c.Issued != l.Issued || c.KeyID != 1 {
			t.Fatalf("accepted %q: %+v (%v)", s, l, perr)
		}
		if want := sign(t, testKey, c.Header, "install-A"); want != c.String() {
			t.Fatalf("accepted a code the test key did not sign: %q", s)
		}
	})
}
