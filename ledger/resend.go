package ledger

import (
	"context"
	"fmt"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// Events of the support console about a license.
const (
	eventCodeResent      = "code_resent"
	eventResetCodeIssued = "reset_code_issued"
)

type resendEvent struct {
	Generation uint8  `json:"generation"`
	CodeSHA256 string `json:"code_sha256"`
	To         string `json:"to"`
}

// ResendCode queues mail carrying the license's current code to its owner,
// with an event about the license, in one transaction. A license whose
// current code is revoked is ErrRevoked: that code no longer works.
func (l *Ledger) ResendCode(ctx context.Context, p formats.Product, serial formats.Serial, m Mail) error {
	return l.update(ctx, func(t *tx) error {
		lic, err := getLicense(ctx, t.sql, p, serial)
		if err != nil {
			return err
		}
		if lic.Owner == "" || m.To != lic.Owner {
			return fmt.Errorf("%w: %s serial %s has no owner account to mail", ErrNoAccount, p, serial)
		}
		if lic.RevokesCurrent() {
			return fmt.Errorf("%w: %s serial %s: %s", ErrRevoked, p, serial, lic.RevokeReason)
		}
		cur, err := currentCode(ctx, t.sql, lic)
		if err != nil {
			return err
		}
		if _, err := t.event(eventCodeResent, p, serial, resendEvent{Generation: cur.Generation, CodeSHA256: codeHash(cur.Code), To: m.To}); err != nil {
			return err
		}
		return ledgerdb.QueueMail(t, []Mail{m})
	})
}

type resetCodeEvent struct {
	InstallID   string `json:"install_id"`
	Remembered  string `json:"remembered"`
	Issued      string `json:"issued"`
	ResetSHA256 string `json:"reset_code_sha256"`
}

// RecordResetCode records that a reset code for an install of the
// license was issued; it names the code by its hash, as codes are.
func (l *Ledger) RecordResetCode(ctx context.Context, p formats.Product, serial formats.Serial, installID string, remembered, issued formats.Day, code string) error {
	return l.update(ctx, func(t *tx) error {
		if _, err := getLicense(ctx, t.sql, p, serial); err != nil {
			return err
		}
		_, err := t.event(eventResetCodeIssued, p, serial, resetCodeEvent{InstallID: installID, Remembered: remembered.String(),
			Issued: issued.String(), ResetSHA256: codeHash(code)})
		return err
	})
}
