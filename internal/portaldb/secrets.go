package portaldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// Secret returns the random 32-byte secret called name, kept in l's
// database: made on first use and then the same for every instance on the
// database. The portal keys its CSRF tokens with one, so that a form
// served by one instance posts to another.
func Secret(ctx context.Context, l *ledger.Ledger, name string) ([]byte, error) {
	db := ledgerdb.Of(l)
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(db.Rand, fresh); err != nil {
		return nil, err
	}
	var value string
	err := db.Locked(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			"secret:"+name, hex.EncodeToString(fresh)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE key = $1`, "secret:"+name).Scan(&value)
	})
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(value)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("ledger: secret %s is not 64 hex digits", name)
	}
	return b, nil
}
