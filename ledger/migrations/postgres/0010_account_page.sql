-- licmint ledger schema 10 (docs/ledger.md): the customers' account page.
-- A session records when it was last used and the browser it was used
-- from (its User-Agent, cut short), for its owner's list of sessions; a
-- token to change an account's email address carries the new address,
-- which becomes the login id once the link mailed to it is followed.
ALTER TABLE sessions ADD COLUMN last_used_at TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT NOT NULL DEFAULT '';
ALTER TABLE account_tokens ADD COLUMN new_email TEXT NOT NULL DEFAULT '';
