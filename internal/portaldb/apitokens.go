package portaldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// Events of the shop API's tokens.
const (
	eventAPITokenCreated = "api_token_created"
	eventAPITokenRevoked = "api_token_revoked"
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

// APITokens are the shop API's bearer tokens.
type APITokens struct{ db *ledgerdb.DB }

// NewAPITokens returns the API tokens kept in l's database.
func NewAPITokens(l *ledger.Ledger) *APITokens { return &APITokens{ledgerdb.Of(l)} }

// Create records a new token and returns its id.
func (s *APITokens) Create(ctx context.Context, hash, name, scope string) (int64, error) {
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
	err := s.db.Update(ctx, func(t ledgerdb.Tx) error {
		if err := t.SQL().QueryRowContext(ctx, `INSERT INTO api_tokens (hash, name, scope, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			hash, name, scope, ledgerdb.FormatTime(t.At()), t.Actor()).Scan(&id); err != nil {
			return err
		}
		return t.BoundEvent(eventAPITokenCreated, apiTokenEvent{ID: id, Name: name, Scope: scope}, "api_tokens", id)
	})
	return id, err
}

const apiTokenColumns = `id, hash, name, scope, created_at, created_by, revoked_at`

func scanAPIToken(sc ledgerdb.Scanner) (*APIToken, error) {
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

// Get returns the token in force whose hash is hash, or ErrNoAPIToken.
func (s *APITokens) Get(ctx context.Context, hash string) (*APIToken, error) {
	tok, err := scanAPIToken(s.db.Read.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAPIToken
	}
	if err != nil {
		return nil, err
	}
	// Its scope decides what the bearer may do.
	if err := s.db.CheckBound(ctx, "api_tokens", tok.ID); err != nil {
		return nil, err
	}
	return tok, nil
}

// List lists every token, revoked ones too, oldest first.
func (s *APITokens) List(ctx context.Context) ([]*APIToken, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanAPIToken)
}

// Revoke revokes the token in force with that id, or reports ErrNoAPIToken.
func (s *APITokens) Revoke(ctx context.Context, id int64) error {
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ledgerdb.FormatTime(t.At()), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoAPIToken
		}
		return t.BoundEvent(eventAPITokenRevoked, apiTokenEvent{ID: id}, "api_tokens", id)
	})
}
