package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licmint/licmint/formats"
)

// Events of the shop API's tokens.
const (
	EventAPITokenCreated = "api_token_created"
	EventAPITokenRevoked = "api_token_revoked"
)

// Scopes of shop API tokens: what a token may do.
const (
	ScopeMint   = "mint"   // mint Registration Keys for orders
	ScopeRead   = "read"   // read licenses and their histories
	ScopeRevoke = "revoke" // revoke licenses
)

// MaxTokenName bounds an API token's name.
const MaxTokenName = 100

// ErrNoAPIToken: no API token in force has that id or hash.
var ErrNoAPIToken = errors.New("ledger: no such API token, or it is revoked")

// APIToken is a shop API bearer token as recorded: its secret is kept only
// as Hash, the SHA-256 hex that the caller computed.
type APIToken struct {
	ID        int64
	Hash      string
	Name      string
	Scope     string
	Created   time.Time
	CreatedBy string
	Revoked   time.Time // zero while in force
}

type apiTokenEvent struct {
	ID    int64  `json:"id"`
	Name  string `json:"name,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// ValidScope reports whether s is one of the scopes.
func ValidScope(s string) bool { return s == ScopeMint || s == ScopeRead || s == ScopeRevoke }

// ValidTokenName reports whether name can name an API token: at most
// MaxTokenName bytes, without control characters, which would garble the
// listing.
func ValidTokenName(name string) bool {
	return len(name) <= MaxTokenName && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsControl) < 0
}

// CreateAPIToken records a new token and returns its id.
func (l *Ledger) CreateAPIToken(ctx context.Context, hash, name, scope string) (int64, error) {
	if !ValidScope(scope) {
		return 0, fmt.Errorf("ledger: API token scope %q is not mint, read or revoke", scope)
	}
	if len(hash) != 64 {
		return 0, errors.New("ledger: an API token's hash is 64 hex digits of SHA-256")
	}
	if !ValidTokenName(name) {
		return 0, fmt.Errorf("ledger: API token name: want at most %d bytes of printable text", MaxTokenName)
	}
	var id int64
	err := l.update(ctx, func(t *tx) error {
		if err := t.sql.QueryRowContext(ctx, `INSERT INTO api_tokens (hash, name, scope, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			hash, name, scope, formatTime(t.at), t.actor()).Scan(&id); err != nil {
			return err
		}
		_, err := t.event(EventAPITokenCreated, formats.Product{}, 0, apiTokenEvent{ID: id, Name: name, Scope: scope})
		return err
	})
	return id, err
}

const apiTokenColumns = `id, hash, name, scope, created_at, created_by, revoked_at`

func scanAPIToken(sc interface{ Scan(...any) error }) (*APIToken, error) {
	var tok APIToken
	var created string
	var revoked sql.NullString
	if err := sc.Scan(&tok.ID, &tok.Hash, &tok.Name, &tok.Scope, &created, &tok.CreatedBy, &revoked); err != nil {
		return nil, err
	}
	var err error
	if tok.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return nil, fmt.Errorf("ledger: api token %d: created_at: %w", tok.ID, err)
	}
	if revoked.Valid {
		if tok.Revoked, err = time.Parse(time.RFC3339Nano, revoked.String); err != nil {
			return nil, fmt.Errorf("ledger: api token %d: revoked_at: %w", tok.ID, err)
		}
	}
	return &tok, nil
}

// APIToken returns the token in force whose hash is hash, or ErrNoAPIToken.
func (l *Ledger) APIToken(ctx context.Context, hash string) (*APIToken, error) {
	tok, err := scanAPIToken(l.db.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAPIToken
	}
	return tok, err
}

// APITokens lists every token, revoked ones too, oldest first.
func (l *Ledger) APITokens(ctx context.Context) ([]*APIToken, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		tok, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes the token in force with that id, or reports
// ErrNoAPIToken.
func (l *Ledger) RevokeAPIToken(ctx context.Context, id int64) error {
	return l.update(ctx, func(t *tx) error {
		res, err := t.sql.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, formatTime(t.at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoAPIToken
		}
		_, err = t.event(EventAPITokenRevoked, formats.Product{}, 0, apiTokenEvent{ID: id})
		return err
	})
}

// MailQueued counts the outbox's messages not yet sent.
func (l *Ledger) MailQueued(ctx context.Context) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&n)
	return n, err
}
