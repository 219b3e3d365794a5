package renewal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/renewal"
)

const code = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"

func TestRoundTrip(t *testing.T) {
	c, err := formats.ParseSigned(code, formats.Product{})
	if err != nil {
		t.Fatal(err)
	}
	r := renewal.Request{Code: c, InstallID: "host-1", Time: time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC)}
	text, err := r.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	// Quoted in an e-mail with CRLF line ends.
	mail := "Hello,\r\nplease renew:\r\n" + strings.ReplaceAll(string(text), "\n", "\r\n") + "Thanks\r\n"
	back, err := renewal.Parse([]byte(mail))
	if err != nil {
		t.Fatal(err)
	}
	if back != r {
		t.Fatalf("%+v != %+v", back, r)
	}
}

func TestParseErrors(t *testing.T) {
	c, _ := formats.ParseSigned(code, formats.Product{})
	good, _ := renewal.Request{Code: c, Time: time.Unix(0, 0)}.MarshalText()
	for name, in := range map[string]string{
		"empty":           "",
		"no end":          string(good[:len(good)-20]),
		"typo in code":    strings.Replace(string(good), "PNAB", "PNAC", 1),
		"wrong product":   strings.Replace(string(good), "product: PC", "product: PD", 1),
		"duplicate field": strings.Replace(string(good), "time:", "code: x\ntime:", 1),
		"unknown field":   strings.Replace(string(good), "time:", "colour: blue\ntime:", 1),
		"bad time":        strings.Replace(string(good), "1970-01-01T00:00:00Z", "yesterday", 1),
		"no time":         strings.Replace(string(good), "time: 1970-01-01T00:00:00Z\n", "", 1),
	} {
		if _, err := renewal.Parse([]byte(in)); !errors.Is(err, renewal.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (renewal.Request{Code: c, InstallID: "a\nb"}).MarshalText(); err == nil {
		t.Error("install id with a newline accepted")
	}
}

func FuzzParse(f *testing.F) {
	c, _ := formats.ParseSigned(code, formats.Product{})
	good, _ := renewal.Request{Code: c, InstallID: "x", Time: time.Unix(1e9, 0)}.MarshalText()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := renewal.Parse(data)
		if err != nil {
			return
		}
		text, err := r.MarshalText()
		if err != nil {
			t.Fatalf("accepted request does not encode: %v", err)
		}
		back, err := renewal.Parse(text)
		if err != nil || back != r || !bytes.Contains(text, []byte(r.Code.String())) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
