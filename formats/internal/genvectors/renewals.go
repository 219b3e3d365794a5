package main

import (
	"encoding/hex"
)

// ---- Renewal acceptance (FORMAT.md section 15.4) ----

// renewalWant is what a verifier reports for a renewal: the new code's
// license when it is accepted, or the error kind.
type renewalWant struct {
	ErrorKind     string `json:"error_kind"` // "" when accepted
	Status        string `json:"status"`     // the new code's, when accepted
	Generation    int    `json:"generation"`
	EditionNumber int    `json:"edition_number"`
	Trial         bool   `json:"trial"`
	Bound         bool   `json:"install_bound"`
	Expires       string `json:"expires"`
	// InstalledAfter is the installed code's status when verified again
	// after the renewal: superseded once a higher generation is accepted.
	InstalledAfter string `json:"installed_after"`
}

type renewalCase struct {
	Comment   string `json:"comment"`
	Now       string `json:"now"`
	InstallID string `json:"install_id,omitempty"`
	// ListHex is a revocation list loaded first; Seen codes are verified
	// first, in order, by the same verifier (with a state).
	ListHex   string      `json:"revocation_list_hex,omitempty"`
	Seen      []string    `json:"seen,omitempty"`
	Installed string      `json:"installed"`
	New       string      `json:"new"`
	Want      renewalWant `json:"want"`
}

func genRenewals() {
	signed := func(f fields, installID string) string { _, s, _ := encode(f, installID); return s }
	inst := baseFields
	inst.Serial = "31415926535897"
	next := func(mod func(*fields)) fields {
		f := inst
		f.Issued, f.Expires = "2027-10-01", "2028-11-27"
		if mod != nil {
			mod(&f)
		}
		return f
	}
	const now = "2027-10-01T09:30:00Z"
	ok := func(f fields, status, after string) renewalWant {
		return renewalWant{Status: status, Generation: f.Generation, EditionNumber: f.Edition, Trial: f.Trial, Bound: f.Bound,
			Expires: f.Expires, InstalledAfter: after}
	}
	refused := func(kind, after string) renewalWant { return renewalWant{ErrorKind: kind, InstalledAfter: after} }
	c := func(comment string, installed, n fields, want renewalWant) renewalCase {
		if want.InstalledAfter == "" {
			want.InstalledAfter, _ = status(day(now[:10]), day(installed.Issued), day(installed.Expires))
		}
		return renewalCase{Comment: comment, Now: now, Installed: signed(installed, ""), New: signed(n, ""), Want: want}
	}

	plain := next(nil)
	gen1 := next(func(f *fields) { f.Generation = 1 })
	premium := next(func(f *fields) { f.Edition = 2 })
	perpetual := next(func(f *fields) { f.Expires = "perpetual" })
	trialInst := inst
	trialInst.Trial, trialInst.Issued, trialInst.Expires = true, "2027-09-15", "2027-10-15"
	full := next(nil)
	toTrial := next(func(f *fields) { f.Trial = true })
	cases := []renewalCase{
		c("a later expiry, the same generation: accepted", inst, plain, ok(plain, "valid", "")),
		c("a replacement generation with a later expiry: accepted, and the installed code is then superseded", inst, gen1, ok(gen1, "valid", "superseded")),
		c("another edition (an upgrade): accepted", inst, premium, ok(premium, "valid", "")),
		c("a trial installed, a full code next: accepted", trialInst, full, ok(full, "valid", "")),
		c("a full code installed, a trial code next: accepted, the vendor signed it", inst, toTrial, ok(toTrial, "valid", "")),
		c("a perpetual code next: accepted, perpetual is later than any day", inst, perpetual, ok(perpetual, "valid", "")),
		c("the installed code perpetual: nothing extends it", next(func(f *fields) { f.Issued, f.Expires = "2026-11-27", "perpetual" }), perpetual, refused("not_renewal", "")),
		c("another serial", inst, next(func(f *fields) { f.Serial = "27182818284590" }), refused("not_renewal", "")),
		c("a lower generation", next(func(f *fields) { f.Generation, f.Issued, f.Expires = 1, "2026-11-27", "2027-11-27" }),
			next(nil), refused("not_renewal", "")),
		c("the same expiry", inst, next(func(f *fields) { f.Expires = "2027-11-27" }), refused("not_renewal", "")),
		c("an earlier expiry", inst, next(func(f *fields) { f.Expires = "2027-11-26" }), refused("not_renewal", "")),
		c("the new code not yet valid: accepted, its status says so", inst, next(func(f *fields) { f.Issued = "2027-11-27" }),
			ok(next(func(f *fields) { f.Issued = "2027-11-27" }), "not_yet_valid", "")),
		c("the installed code signed with a key id the verifier does not trust: that code's kind", next(func(f *fields) { f.KeyID, f.Issued, f.Expires = 9, "2026-11-27", "2027-11-27" }),
			plain, refused("unknown_key", "invalid")),
		c("the new code for another product: its own kind", inst, next(func(f *fields) { f.Product = "PD" }), refused("wrong_product", "")),
	}
	// The installed code long expired: renewed all the same.
	lapsed := c("the installed code long expired: accepted", inst, next(func(f *fields) { f.Issued, f.Expires = "2029-01-01", "2030-01-01" }),
		ok(next(func(f *fields) { f.Issued, f.Expires = "2029-01-01", "2030-01-01" }), "valid", "expired"))
	lapsed.Now = "2029-01-01T00:00:00Z" // and the installed code expired
	cases = append(cases, lapsed)

	bound := next(func(f *fields) { f.Bound = true })
	onIt := renewalCase{Comment: "install-bound next, on its install: accepted", Now: now, InstallID: "host-7f3a9c0e",
		Installed: signed(inst, ""), New: signed(bound, "host-7f3a9c0e"), Want: ok(bound, "valid", "expiring")}
	other := onIt
	other.Comment, other.New, other.Want = "install-bound next, for another install: install_mismatch", signed(bound, "host-0000"), refused("install_mismatch", "expiring")
	cases = append(cases, onIt, other)

	revoked := renewalCase{Comment: "the new code revoked by the list in force", Now: now,
		ListHex: hex.EncodeToString(encodeList(listFields{product: "PC", keyID: 1, seq: 1, issued: day("2027-09-01"), version: 1,
			entries: []listEntry{{Serial: inst.Serial, Below: 2}}}, testPriv())),
		Installed: signed(inst, ""), New: signed(gen1, ""), Want: refused("not_renewal", "revoked")}
	superseded := renewalCase{Comment: "the new code superseded by a generation this install has seen", Now: now,
		Seen:      []string{signed(next(func(f *fields) { f.Generation = 2 }), "")},
		Installed: signed(inst, ""), New: signed(gen1, ""), Want: refused("not_renewal", "superseded")}
	cases = append(cases, revoked, superseded)

	writeJSON("renewals.json", map[string]any{
		"comment": "Renewal acceptance vectors (FORMAT.md section 15.4): a verifier for product PC trusting the test key as key id 1, with the built-in catalog, " +
			"a state, its clock at now and the install id given, loads the list and verifies the seen codes, then checks that new renews installed; " +
			"then verifies installed again (installed_after). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"test_key": testKeyJSON(),
		"cases":    cases,
	})
}
