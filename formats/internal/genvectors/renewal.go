package main

import (
	"strings"
)

// ---- Renewal requests (FORMAT.md section 12) ----

func genRenewalRequests(codes []validVector) {
	const begin, end = "-----BEGIN LICMINT RENEWAL REQUEST-----", "-----END LICMINT RENEWAL REQUEST-----"
	block := func(lines ...string) string {
		return begin + "\n" + strings.Join(lines, "\n") + "\n" + end + "\n"
	}
	unbound, bound := codes[0], codes[3]
	type req struct {
		Comment   string `json:"comment"`
		Text      string `json:"text"`
		Product   string `json:"product"`
		Code      string `json:"code"`
		InstallID string `json:"install_id"`
		Time      string `json:"time"`
		// Canonical is the request as an encoder writes it.
		Canonical string `json:"canonical"`
	}
	canon := block("product: PC", "code: "+unbound.Signed, "time: 2027-10-01T09:30:00Z")
	canonBound := block("product: PC", "code: "+bound.Signed, "install-id: "+bound.InstallID, "time: 2027-10-01T09:30:00Z")
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	valid := []req{
		{"unbound code, as an encoder writes it", canon, "PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
		{"install-bound code", canonBound, "PC", bound.Signed, bound.InstallID, "2027-10-01T09:30:00Z", canonBound},
		{"quoted in an e-mail with CRLF line ends, fields in another order, spaces around names and values",
			crlf("Hello,\nplease renew:\n\n" + begin + "\n  time :  2027-10-01T09:30:00Z \ninstall-id: " + bound.InstallID +
				"\n\ncode: " + bound.Signed + "\nproduct: PC\n" + end + "\nThanks\n"),
			"PC", bound.Signed, bound.InstallID, "2027-10-01T09:30:00Z", canonBound},
		{"time with an offset and a fraction: read in UTC, to the second",
			block("product: PC", "code: "+unbound.Signed, "time: 2027-10-01T11:30:00.75+02:00"),
			"PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
		{"code in lower case with spaces for hyphens",
			block("product: PC", "code: "+strings.ToLower(strings.ReplaceAll(unbound.Signed, "-", " ")), "time: 2027-10-01T09:30:00Z"),
			"PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
	}
	type badReq struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Error   string `json:"error"`
	}
	codeLine := "code: " + unbound.Signed
	typo := []byte(unbound.Signed)
	typo[len(typo)-1] = alphabet[(strings.IndexByte(alphabet, typo[len(typo)-1])+1)%32]
	bad := []badReq{
		{"empty", "", "malformed"},
		{"no END line", begin + "\nproduct: PC\n" + codeLine + "\ntime: 2027-10-01T09:30:00Z\n", "malformed"},
		{"no time", block("product: PC", codeLine), "malformed"},
		{"no product", block(codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"no code", block("product: PC", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"product disagrees with the code", block("product: PD", codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"a field twice", block("product: PC", codeLine, codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"unknown field", block("product: PC", codeLine, "colour: blue", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"a line without a colon", block("product: PC", codeLine, "renew please", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"short form instead of the signed code", block("product: PC", "code: "+unbound.Short, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"code with a typo", block("product: PC", "code: "+string(typo), "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"time not RFC 3339", block("product: PC", codeLine, "time: 2027-10-01 09:30"), "malformed"},
		{"time with a lower-case t: RFC 3339 allows it, FORMAT.md does not", block("product: PC", codeLine, "time: 2027-10-01t09:30:00Z"), "malformed"},
		{"time with a lower-case z", block("product: PC", codeLine, "time: 2027-10-01T09:30:00z"), "malformed"},
		{"time a leap second (:60)", block("product: PC", codeLine, "time: 2016-12-31T23:59:60Z"), "malformed"},
		{"time without seconds", block("product: PC", codeLine, "time: 2027-10-01T09:30Z"), "malformed"},
		{"time without an offset", block("product: PC", codeLine, "time: 2027-10-01T09:30:00"), "malformed"},
		{"time with an offset of 24 hours", block("product: PC", codeLine, "time: 2027-10-01T09:30:00+24:00"), "malformed"},
		{"install id of 256 bytes", block("product: PC", "code: "+bound.Signed, "install-id: "+strings.Repeat("x", 256), "time: 2027-10-01T09:30:00Z"), "malformed"},
	}
	writeJSON("renewal_requests.json", map[string]any{
		"comment": "Renewal request vectors (FORMAT.md section 12). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"valid":   valid,
		"invalid": bad,
	})
}
