package issuance

import "github.com/licmint/licmint/ledger"

// LicenseRecord is a license as licmint gives it to programs: the JSON of
// `licmint ledger find`, `ledger expiring` and `ledger export`, and of the
// shop API (internal/portal/openapi.json, schema License). One schema, so that a
// script reads the CLI and the API alike. The field names are the shop
// API's, which were published first.
type LicenseRecord struct {
	// License is PRODUCT-SERIAL, as the shop API's paths take it.
	License    string `json:"license"`
	Product    string `json:"product"`
	Serial     string `json:"serial"`
	Generation int    `json:"generation"`
	Edition    string `json:"edition"`
	Trial      bool   `json:"trial"`
	// InstallID is set for a license bound to one install.
	InstallID string `json:"install_id,omitempty"`
	KeyID     int    `json:"key_id"`
	Issued    string `json:"issued"`
	Expires   string `json:"expires"`
	// Owner is the portal account that registered the license, or empty.
	Owner    string `json:"owner"`
	Customer string `json:"customer"`
	Order    string `json:"order"`
	Revoked  bool   `json:"revoked"`
	// RevokedBelow, when Revoked, is 0 for every generation, else the
	// first generation that is not revoked.
	RevokedBelow int    `json:"revoked_below"`
	RevokeReason string `json:"revoke_reason"`
	// NotifiedExpires is the expiry whose notice was sent, if any.
	NotifiedExpires string `json:"notified_expires,omitempty"`
	// ActivationCode and JWT are the current code and token, where the
	// record carries them (ledger export): they are bearer credentials.
	ActivationCode string `json:"activation_code,omitempty"`
	JWT            string `json:"jwt,omitempty"`
}

// NewLicenseRecord returns l's record, with the current code c if c is
// not nil.
func NewLicenseRecord(l *ledger.License, c *ledger.Code) LicenseRecord {
	r := LicenseRecord{License: l.Product.String() + "-" + l.Serial.String(), Product: l.Product.String(), Serial: l.Serial.String(),
		Generation: int(l.Generation), Edition: l.Edition, Trial: l.Trial, InstallID: l.InstallID, KeyID: int(l.KeyID),
		Issued: l.Issued.String(), Expires: l.Expires.String(), Owner: l.Owner, Customer: l.Customer, Order: l.Order,
		Revoked: l.Revoked, RevokedBelow: int(l.RevokedBelow), RevokeReason: l.RevokeReason}
	if l.NotifiedExpires != 0 {
		r.NotifiedExpires = l.NotifiedExpires.String()
	}
	if c != nil {
		r.ActivationCode, r.JWT = c.Code, c.JWT
	}
	return r
}
