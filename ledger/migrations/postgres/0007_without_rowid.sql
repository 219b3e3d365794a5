-- licmint ledger schema 7 (docs/ledger.md). A registered license key's
-- license column is NULL rather than its own serial, so that registering a
-- key changes its state only: no indexed column, so PostgreSQL can update
-- the row in place (a HOT update) instead of writing a new entry in each of
-- the table's indexes. For that the page needs room for the new version:
-- keys are minted into pages filled to half (pages written before this
-- migration stay full until the table is rewritten, as by VACUUM FULL).
-- SQLite's migration 7, of the same name, also makes tables WITHOUT ROWID.
UPDATE registration_keys SET license = NULL WHERE license = serial;
ALTER TABLE registration_keys SET (fillfactor = 50);
