-- licmint ledger schema 8 (docs/ledger.md): the outbox sends each message
-- once wherever SMTP allows. A message keeps the Message-ID it is sent
-- with, fixed when it is queued from its id and the ledger's own random id,
-- so that a message sent again after a crash can be told from a new one;
-- and claimed_by names the mailer whose claim (until next_attempt) it is
-- under, so that a mailer only ever gives up its own claims.
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
INSERT INTO ledger_meta (key, value) VALUES ('ledger_id', lower(hex(randomblob(16)))) ON CONFLICT (key) DO NOTHING;
UPDATE mail_outbox SET message_id = '<' || id || '.' || (SELECT value FROM ledger_meta WHERE key = 'ledger_id') || '@licmint>';
