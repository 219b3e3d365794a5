-- licmint ledger schema 1 (docs/ledger.md). Days are counted from
-- 2020-01-01 as in FORMAT.md (65535 = perpetual); times are RFC 3339 UTC text.

CREATE TABLE registration_keys (
	product    TEXT    NOT NULL,
	serial     INTEGER NOT NULL,
	rk         TEXT    NOT NULL UNIQUE,
	trial      INTEGER NOT NULL,
	edition    TEXT    NOT NULL,
	days       INTEGER NOT NULL,          -- the term; 0: the catalog's
	purpose    TEXT    NOT NULL,          -- license | renewal
	order_ref  TEXT    NOT NULL,
	customer   TEXT    NOT NULL,
	state      TEXT    NOT NULL,          -- minted | registered | void | imported
	license    INTEGER,                   -- the serial it registered or renewed
	minted_at  TEXT    NOT NULL,
	minted_by  TEXT    NOT NULL,
	PRIMARY KEY (product, serial)
);
CREATE INDEX registration_keys_order ON registration_keys (order_ref);

CREATE TABLE licenses (
	product     TEXT    NOT NULL,
	serial      INTEGER NOT NULL,
	generation  INTEGER NOT NULL,
	edition     TEXT    NOT NULL,
	trial       INTEGER NOT NULL,
	install_id  TEXT    NOT NULL,
	key_id      INTEGER NOT NULL,
	issued      INTEGER NOT NULL,
	expires     INTEGER NOT NULL,
	owner       TEXT    NOT NULL,
	customer    TEXT    NOT NULL,
	order_ref   TEXT    NOT NULL,
	revoked_below INTEGER,                -- NULL: not revoked; 0: every generation
	revoke_reason TEXT  NOT NULL,
	notified_expires INTEGER,             -- the expiry last notified
	PRIMARY KEY (product, serial)
);
CREATE INDEX licenses_expires ON licenses (expires);
CREATE INDEX licenses_owner ON licenses (owner);
CREATE INDEX licenses_customer ON licenses (customer);
CREATE INDEX licenses_order ON licenses (order_ref);

CREATE TABLE codes (
	product    TEXT    NOT NULL,
	serial     INTEGER NOT NULL,
	generation INTEGER NOT NULL,
	issued     INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	short_form TEXT    NOT NULL,
	code       TEXT    NOT NULL UNIQUE,
	jwt        TEXT    NOT NULL,
	event      INTEGER NOT NULL,
	PRIMARY KEY (product, serial, generation, issued, expires)
);
CREATE INDEX codes_short_form ON codes (short_form);

CREATE TABLE revocation_lists (
	product TEXT    NOT NULL,
	seq     INTEGER NOT NULL,
	issued  INTEGER NOT NULL,
	list    BLOB    NOT NULL,
	event   INTEGER NOT NULL,
	PRIMARY KEY (product, seq)
);

CREATE TABLE events (
	seq       INTEGER NOT NULL PRIMARY KEY,
	at        TEXT    NOT NULL,
	actor     TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	product   TEXT    NOT NULL,
	serial    INTEGER NOT NULL,
	body      TEXT    NOT NULL,
	prev_hash TEXT    NOT NULL,
	hash      TEXT    NOT NULL
);
CREATE INDEX events_serial ON events (product, serial);
