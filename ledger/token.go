package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/licmint/licmint/formats"
)

// tokenEvent records a JWT license token made for a code issued earlier
// without one. Like codeEvent it names both by their hashes only.
type tokenEvent struct {
	Generation uint8  `json:"generation"`
	CodeSHA256 string `json:"code_sha256"`
	JWTSHA256  string `json:"jwt_sha256"`
}

// RecordToken records jwt as the token of code, a code the ledger issued
// without one, with an event of kind eventTokenMade, so that the token
// can be retrieved like the code. It returns the token on record, which
// is a token recorded earlier if there is one: a code has one token.
func (l *Ledger) RecordToken(ctx context.Context, code formats.ActivationCode, jwt string) (string, error) {
	text := code.String()
	var recorded string
	err := l.update(ctx, func(t *tx) error {
		err := t.sql.QueryRowContext(t.ctx, `SELECT jwt FROM codes
WHERE product = $1 AND serial = $2 AND generation = $3 AND issued = $4 AND expires = $5 AND code = $6`,
			code.Product.String(), int64(code.Serial), int(code.Generation), int(code.Issued), int(code.Expires), text).Scan(&recorded)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: the ledger has no record of this code of %s-%s", ErrNotIssued, code.Product, code.Serial)
		}
		if err != nil || recorded != "" {
			return err
		}
		if _, err := t.event(eventTokenMade, code.Product, code.Serial, tokenEvent{Generation: code.Generation,
			CodeSHA256: codeHash(text), JWTSHA256: codeHash(jwt)}); err != nil {
			return err
		}
		recorded = jwt
		return t.exec(`UPDATE codes SET jwt = $1
WHERE product = $2 AND serial = $3 AND generation = $4 AND issued = $5 AND expires = $6 AND code = $7`,
			jwt, code.Product.String(), int64(code.Serial), int(code.Generation), int(code.Issued), int(code.Expires), text)
	})
	return recorded, err
}
