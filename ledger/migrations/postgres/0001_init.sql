-- licmint ledger schema 1 (docs/ledger.md). Days are counted from
-- 2020-01-01 as in FORMAT.md (65535 = perpetual); times are RFC 3339 UTC text.

CREATE TABLE registration_keys (
	product    TEXT    NOT NULL,
	serial     BIGINT  NOT NULL,
	rk         TEXT    NOT NULL UNIQUE,
	trial      BIGINT  NOT NULL,
	edition    TEXT    NOT NULL,
	days       BIGINT  NOT NULL,          -- the term; 0: the catalog's
	purpose    TEXT    NOT NULL,          -- license | renewal
	order_ref  TEXT    NOT NULL,
	customer   TEXT    NOT NULL,
	state      TEXT    NOT NULL,          -- minted | registered | void | imported
	license    BIGINT ,                   -- the serial it registered or renewed
	minted_at  TEXT    NOT NULL,
	minted_by  TEXT    NOT NULL,
	PRIMARY KEY (product, serial)
);
CREATE INDEX registration_keys_order ON registration_keys (order_ref);

CREATE TABLE licenses (
	product     TEXT    NOT NULL,
	serial      BIGINT  NOT NULL,
	generation  BIGINT  NOT NULL,
	edition     TEXT    NOT NULL,
	trial       BIGINT  NOT NULL,
	install_id  TEXT    NOT NULL,
	key_id      BIGINT  NOT NULL,
	issued      BIGINT  NOT NULL,
	expires     BIGINT  NOT NULL,
	owner       TEXT    NOT NULL,
	customer    TEXT    NOT NULL,
	order_ref   TEXT    NOT NULL,
	revoked_below BIGINT ,                -- NULL: not revoked; 0: every generation
	revoke_reason TEXT  NOT NULL,
	notified_expires BIGINT ,             -- the expiry last notified
	PRIMARY KEY (product, serial)
);
CREATE INDEX licenses_expires ON licenses (expires);
CREATE INDEX licenses_owner ON licenses (owner);
CREATE INDEX licenses_customer ON licenses (customer);
CREATE INDEX licenses_order ON licenses (order_ref);

CREATE TABLE codes (
	product    TEXT    NOT NULL,
	serial     BIGINT  NOT NULL,
	generation BIGINT  NOT NULL,
	issued     BIGINT  NOT NULL,
	expires    BIGINT  NOT NULL,
	short_form TEXT    NOT NULL,
	code       TEXT    NOT NULL UNIQUE,
	jwt        TEXT    NOT NULL,
	event      BIGINT  NOT NULL,
	PRIMARY KEY (product, serial, generation, issued, expires)
);
CREATE INDEX codes_short_form ON codes (short_form);

CREATE TABLE revocation_lists (
	product TEXT    NOT NULL,
	seq     BIGINT  NOT NULL,
	issued  BIGINT  NOT NULL,
	list    BYTEA   NOT NULL,
	event   BIGINT  NOT NULL,
	PRIMARY KEY (product, seq)
);

CREATE TABLE events (
	seq       BIGINT  NOT NULL PRIMARY KEY,
	at        TEXT    NOT NULL,
	actor     TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	product   TEXT    NOT NULL,
	serial    BIGINT  NOT NULL,
	body      TEXT    NOT NULL,
	prev_hash TEXT    NOT NULL,
	hash      TEXT    NOT NULL
);
CREATE INDEX events_serial ON events (product, serial);
