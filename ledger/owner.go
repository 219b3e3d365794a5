package ledger

import (
	"github.com/licmint/licmint/internal/ledgerdb"
)

// MoveLicenses moves every license the account from owns to the account
// to, as the account's login id changes: each is compared with its events
// first, and gets a moved event, as a move by support does, so that the
// licenses' owner follows from the chain.
func (t *tx) MoveLicenses(from, to string) (int, error) {
	if from == "" || to == "" || from == to {
		return 0, nil
	}
	rows, err := t.sql.QueryContext(t.ctx, `SELECT `+licenseColumns+` FROM licenses WHERE owner = $1 ORDER BY product, serial`, from)
	if err != nil {
		return 0, err
	}
	lics, err := ledgerdb.ScanAll(rows, scanLicense)
	if err != nil {
		return 0, err
	}
	for _, lic := range lics {
		if _, err := t.checkLicenseNow(lic, false); err != nil {
			return 0, err
		}
		lic.Owner = to
		if _, err := t.event(eventMoved, lic.Product, lic.Serial, moveEvent{From: from, To: to}); err != nil {
			return 0, err
		}
		if err := t.putLicense(lic, false); err != nil {
			return 0, err
		}
	}
	return len(lics), nil
}
