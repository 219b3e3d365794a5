-- licmint ledger schema 4: the shop API's bearer tokens (docs/ledger.md).
-- A token is stored as the SHA-256 hex of its secret, never the secret.
CREATE TABLE api_tokens (
	id         INTEGER NOT NULL PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,              -- SHA-256 of the bearer token
	name       TEXT NOT NULL,                     -- what the vendor called it, e.g. shop
	scope      TEXT NOT NULL,                     -- mint | read | revoke
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at TEXT
);
