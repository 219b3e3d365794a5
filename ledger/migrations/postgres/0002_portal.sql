-- licmint ledger schema 2: the Customer Licensing Portal (docs/ledger.md).
-- Secrets are never stored: passwords as argon2id hashes, tokens and session
-- ids as SHA-256 hex. Times are RFC 3339 UTC text.

CREATE TABLE accounts (
	email         TEXT    NOT NULL PRIMARY KEY, -- the login id, lower case; never changes
	password_hash TEXT    NOT NULL,             -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
	confirmed     BIGINT  NOT NULL,
	created_at    TEXT    NOT NULL
);

CREATE TABLE account_tokens (
	hash       TEXT NOT NULL PRIMARY KEY,       -- SHA-256 of the token mailed
	email      TEXT NOT NULL REFERENCES accounts (email),
	purpose    TEXT NOT NULL,                   -- confirm | reset
	expires_at TEXT NOT NULL,
	used_at    TEXT
);
CREATE INDEX account_tokens_email ON account_tokens (email);

CREATE TABLE sessions (
	hash       TEXT NOT NULL PRIMARY KEY,       -- SHA-256 of the cookie's id
	email      TEXT NOT NULL REFERENCES accounts (email),
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_email ON sessions (email);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE rate_limits (
	bucket       TEXT    NOT NULL,              -- e.g. login:ip:192.0.2.1
	window_start TEXT    NOT NULL,
	expires_at   TEXT    NOT NULL,
	hits         BIGINT  NOT NULL,
	PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

CREATE TABLE mail_outbox (
	id           BIGSERIAL NOT NULL PRIMARY KEY,
	recipient    TEXT    NOT NULL,
	subject      TEXT    NOT NULL,
	body         TEXT    NOT NULL,              -- emptied once sent
	queued_at    TEXT    NOT NULL,
	attempts     BIGINT  NOT NULL,
	next_attempt TEXT    NOT NULL,
	last_error   TEXT    NOT NULL,
	sent_at      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt);
