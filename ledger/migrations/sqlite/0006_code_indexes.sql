-- licmint ledger schema 6 (docs/ledger.md): codes keep one index, their
-- primary key. A code's text is random, so its UNIQUE index and the
-- short_form index put every row of a batch on a page of its own in two
-- B-trees that grow with the ledger. Neither is needed: the text encodes
-- the primary key's columns (product, serial, generation, issued, expires),
-- so two rows with one text would break the primary key first, and a short
-- form is looked up through the primary key it decodes to. SQLite cannot
-- drop a column's UNIQUE, so the table is rebuilt.
CREATE TABLE codes_v5 (
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
);
INSERT INTO codes_v5 (product, serial, generation, issued, expires, short_form, code, jwt, event)
	SELECT product, serial, generation, issued, expires, short_form, code, jwt, event FROM codes ORDER BY rowid;
DROP TABLE codes;
ALTER TABLE codes_v5 RENAME TO codes;
