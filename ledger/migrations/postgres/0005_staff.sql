-- licmint ledger schema 5: the support console's staff users and their
-- sessions (docs/ledger.md). Passwords are argon2id hashes and session ids
-- SHA-256 hex; the TOTP secret is kept as it is, since checking a code
-- needs it: whoever can read this table can compute a staff user's codes.
CREATE TABLE staff (
	email          TEXT    NOT NULL PRIMARY KEY, -- the login id, lower case
	role           TEXT    NOT NULL,             -- support | admin
	password_hash  TEXT    NOT NULL,             -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
	totp_secret    TEXT    NOT NULL,             -- base32 (RFC 4648); empty until the first log-in
	totp_confirmed BIGINT NOT NULL,             -- 1 once a code from it was entered
	totp_last_step BIGINT NOT NULL,             -- the newest 30-second step used: no code is taken twice
	created_at     TEXT    NOT NULL,
	created_by     TEXT    NOT NULL,
	disabled_at    TEXT                          -- set when an admin removes the user
);

CREATE TABLE staff_sessions (
	hash       TEXT    NOT NULL PRIMARY KEY,     -- SHA-256 of the cookie's id
	email      TEXT    NOT NULL REFERENCES staff (email),
	verified   BIGINT NOT NULL,                 -- 0 after the password, 1 after the TOTP code too
	created_at TEXT    NOT NULL,
	expires_at TEXT    NOT NULL
);
CREATE INDEX staff_sessions_email ON staff_sessions (email);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
