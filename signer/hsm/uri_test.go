package hsm_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/licmint/licmint/signer/hsm"
)

func TestParseURI(t *testing.T) {
	u, err := hsm.ParseURI("pkcs11:token=lic%20mint;object=vendor;id=%01;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin&pin-value=s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if u.Token != "lic mint" || u.Object != "vendor" || !bytes.Equal(u.ID, []byte{1}) ||
		u.ModulePath != "/usr/lib/softhsm/libsofthsm2.so" || u.PINSource != "file:/run/pin" || u.PINValue != "s3cret" {
		t.Fatalf("parsed %+v", u)
	}
	want := "pkcs11:token=lic%20mint;object=vendor;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin"
	if got := u.String(); got != want {
		t.Errorf("String() = %s\nwant        %s", got, want)
	}
	if again, err := hsm.ParseURI(u.String()); err != nil || again.Token != u.Token || !bytes.Equal(again.ID, u.ID) {
		t.Errorf("String does not parse back: %v %+v", err, again)
	}
	if got, want := u.Name(), `token "lic mint", object "vendor" (id 01)`; got != want {
		t.Errorf("Name() = %s, want %s", got, want)
	}
}

func TestParseURIErrors(t *testing.T) {
	for _, tc := range []struct{ uri, want string }{
		{"/keys/vendor.key.age", `starts with "pkcs11:"`},
		{"pkcs11:token=a;token=b", "token is given twice"},
		{"pkcs11:token=a;colour=blue", "colour is not supported"},
		{"pkcs11:token=a;object=%zz", "object: bad percent-encoding"},
		{"pkcs11:type=secret-key", "type=private"},
		{"pkcs11:slot-id=x", "slot-id"},
		{"pkcs11:token", "want name=value"},
		{"pkcs11:token=a?pin-value=%zzhunter2", "pin-value: bad percent-encoding"},
		{"pkcs11:" + strings.Repeat("a", hsm.MaxURILen), "more than 4096"},
	} {
		_, err := hsm.ParseURI(tc.uri)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURI(%.40q) = %v, want an error containing %q", tc.uri, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the PIN: %v", err)
		}
	}
}
