-- licmint ledger schema 7 (docs/ledger.md): on SQLite, registration_keys,
-- licenses and codes are WITHOUT ROWID tables, stored in their primary
-- key's B-tree. A rowid table keeps its rows in one B-tree and its primary
-- key in another, so each row a batch records or marks was written, or
-- found, twice. The columns and indexes are those of schema 6; the tables
-- are rebuilt, which takes a while on a large ledger, once. On both stores
-- a registered license key's license column is NULL rather than its own
-- serial, so that registering a key changes its state only.
CREATE TABLE registration_keys_v7 (
	product    TEXT    NOT NULL,
	serial     INTEGER NOT NULL,
	rk         TEXT    NOT NULL UNIQUE,
	trial      INTEGER NOT NULL,
	edition    TEXT    NOT NULL,
	days       INTEGER NOT NULL,
	purpose    TEXT    NOT NULL,
	order_ref  TEXT    NOT NULL,
	customer   TEXT    NOT NULL,
	state      TEXT    NOT NULL,
	license    INTEGER,
	minted_at  TEXT    NOT NULL,
	minted_by  TEXT    NOT NULL,
	PRIMARY KEY (product, serial)
) WITHOUT ROWID;
INSERT INTO registration_keys_v7 SELECT product, serial, rk, trial, edition, days, purpose, order_ref, customer, state,
	CASE WHEN license = serial THEN NULL ELSE license END, minted_at, minted_by
	FROM registration_keys ORDER BY product, serial;
DROP TABLE registration_keys;
ALTER TABLE registration_keys_v7 RENAME TO registration_keys;
CREATE INDEX registration_keys_order ON registration_keys (order_ref);
CREATE INDEX registration_keys_renewed ON registration_keys (product, license) WHERE license <> serial;

CREATE TABLE licenses_v7 (
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
	revoked_below INTEGER,
	revoke_reason TEXT  NOT NULL,
	notified_expires INTEGER,
	PRIMARY KEY (product, serial)
) WITHOUT ROWID;
INSERT INTO licenses_v7 SELECT product, serial, generation, edition, trial, install_id, key_id, issued, expires, owner, customer, order_ref,
	revoked_below, revoke_reason, notified_expires FROM licenses ORDER BY product, serial;
DROP TABLE licenses;
ALTER TABLE licenses_v7 RENAME TO licenses;
CREATE INDEX licenses_expires ON licenses (expires);
CREATE INDEX licenses_owner ON licenses (owner) WHERE owner <> '';
CREATE INDEX licenses_customer ON licenses (customer) WHERE customer <> '';
CREATE INDEX licenses_order ON licenses (order_ref) WHERE order_ref <> '';

CREATE TABLE codes_v7 (
	product    TEXT    NOT NULL,
	serial     INTEGER NOT NULL,
	generation INTEGER NOT NULL,
	issued     INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	short_form TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	jwt        TEXT    NOT NULL,
	event      INTEGER NOT NULL,
	PRIMARY KEY (product, serial, generation, issued, expires)
) WITHOUT ROWID;
INSERT INTO codes_v7 SELECT product, serial, generation, issued, expires, short_form, code, jwt, event
	FROM codes ORDER BY product, serial, generation, issued, expires;
DROP TABLE codes;
ALTER TABLE codes_v7 RENAME TO codes;
