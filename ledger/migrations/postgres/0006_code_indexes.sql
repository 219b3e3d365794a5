-- licmint ledger schema 6 (docs/ledger.md): codes keep one index, their
-- primary key. A code's text is random, so its UNIQUE index and the
-- short_form index put every row of a batch on a page of its own in two
-- B-trees that grow with the ledger. Neither is needed: the text encodes
-- the primary key's columns (product, serial, generation, issued, expires),
-- so two rows with one text would break the primary key first, and a short
-- form is looked up through the primary key it decodes to.
ALTER TABLE codes DROP CONSTRAINT codes_code_key;
DROP INDEX codes_short_form;
