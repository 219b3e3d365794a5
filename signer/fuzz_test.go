package signer_test

import (
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// FuzzDecryptKey: whatever the key file holds, DecryptKey returns a key
// or one of its two errors, and never panics.
func FuzzDecryptKey(f *testing.F) {
	id, err := age.ParseX25519Identity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
	if err != nil {
		f.Fatal(err)
	}
	good, err := testKey(f, 1).Encrypt(id.Recipient())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 AAAA\nAAAA\n--- AAAA\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := signer.DecryptKey(data, id)
		if err == nil {
			if k == nil {
				t.Fatal("no key and no error")
			}
			return
		}
		if !errors.Is(err, signer.ErrBadKeyFile) && !errors.Is(err, signer.ErrWrongSecret) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// FuzzParseRevocationEntry: any spec gives an entry in range or a
// classified *FieldError, never a panic; and a file of specs reads the
// same as its lines one by one.
func FuzzParseRevocationEntry(f *testing.F) {
	for _, s := range []string{
		"31415926535897", "31415926535897:3", " 00000000000042 : 255 ", "PC-0314-1592-6535-8978:2",
		"PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB:9",
		"31415926535897:0", "1:2:3", "", "::", "XY-0000-0000-0000-0013", "99999999999999:256",
	} {
		f.Add(s)
	}
	pc := formats.MustProduct("PC")
	f.Fuzz(func(t *testing.T, spec string) {
		e, err := signer.ParseRevocationEntry(spec, pc)
		if err != nil {
			var fe *signer.FieldError
			if !errors.As(err, &fe) || (fe.Field != "serial" && fe.Field != "generation") {
				t.Fatalf("%q: unexpected error %v (%T)", spec, err, err)
			}
			if !errors.Is(err, signer.ErrBadEntry) && !errors.Is(err, formats.ErrWrongProduct) {
				t.Fatalf("%q: unclassified error %v", spec, err)
			}
			if fe.Column < 0 || fe.Column > len(spec)+1 {
				t.Fatalf("%q: column %d outside the spec", spec, fe.Column)
			}
		} else if e.Serial > formats.MaxSerial {
			t.Fatalf("%q: serial %d out of range", spec, e.Serial)
		}
		if strings.ContainsAny(spec, "\n\r#") {
			return
		}
		es, ferr := signer.ReadRevocationEntries(strings.NewReader(spec+"\n"), pc)
		switch {
		case (ferr == nil) != (err == nil || strings.TrimSpace(spec) == ""):
			t.Fatalf("%q: one spec %v, as a file %v", spec, err, ferr)
		case err == nil && (len(es) != 1 || es[0] != e):
			t.Fatalf("%q: one spec %+v, as a file %+v", spec, e, es)
		}
	})
}
