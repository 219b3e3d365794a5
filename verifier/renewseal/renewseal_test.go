package renewseal_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/renewal"
	"github.com/licmint/licmint/verifier/renewseal"
)

const code = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"

func TestSealOpen(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	now := time.Date(2027, 10, 1, 9, 30, 15, 500, time.UTC)
	req, err := renewseal.NewRequest(code, "ignored: the code is not bound", now)
	if err != nil {
		t.Fatal(err)
	}
	if req.InstallID != "" || !req.Time.Equal(now.Truncate(time.Second)) {
		t.Fatalf("%+v", req)
	}
	sealed, err := renewseal.Seal(req, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PC-2081") || !strings.Contains(string(sealed), "BEGIN AGE ENCRYPTED FILE") {
		t.Fatalf("not sealed:\n%s", sealed)
	}
	back, err := renewseal.Open([]byte("Dear vendor,\n\n"+string(sealed)), id)
	if err != nil || back != req {
		t.Fatalf("%+v %v", back, err)
	}
	if _, err := renewseal.Open(sealed, other); err == nil {
		t.Fatal("opened with the wrong identity")
	}
	if _, err := renewseal.Open(sealed); err == nil || !strings.Contains(err.Error(), "identity") {
		t.Fatalf("no identity: %v", err)
	}
	plain, _ := req.MarshalText()
	if back, err := renewseal.Open(plain); err != nil || back != req {
		t.Fatalf("plain: %v", err)
	}
	if _, err := renewseal.Open(sealed[:len(sealed)/2], id); err == nil {
		t.Fatal("truncated request opened")
	}
}

func TestNewRequestNeedsSignedCode(t *testing.T) {
	if _, err := renewseal.NewRequest(code[:37], "", time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)); !errors.Is(err, formats.ErrUnsigned) {
		t.Fatal(err)
	}
	if _, err := renewal.Parse([]byte("nothing")); !errors.Is(err, renewal.ErrMalformed) {
		t.Fatal(err)
	}
}
