-- licmint ledger schema 9 (docs/ledger.md): the portal's accounts, staff
-- users and API tokens keep the sequence number of the event that last set
-- them, which carries their bound columns, so that a row is checked
-- against its event when it is used. Rows older than this schema are bound
-- by a baseline event each, written when the ledger is next opened for
-- writing, in the migration's transaction.
ALTER TABLE accounts ADD COLUMN event BIGINT;
ALTER TABLE staff ADD COLUMN event BIGINT;
ALTER TABLE api_tokens ADD COLUMN event BIGINT;
