-- licmint ledger schema 2 (docs/ledger.md). Most licenses have no owner,
-- customer or order reference, and most keys register their own serial:
-- index only those that do, so that recording a batch's rows touches no
-- index page for them, while find by owner, customer, order or renewal
-- key stays a lookup.
DROP INDEX licenses_owner;
DROP INDEX licenses_customer;
DROP INDEX licenses_order;
CREATE INDEX licenses_owner ON licenses (owner) WHERE owner <> '';
CREATE INDEX licenses_customer ON licenses (customer) WHERE customer <> '';
CREATE INDEX licenses_order ON licenses (order_ref) WHERE order_ref <> '';
CREATE INDEX registration_keys_renewed ON registration_keys (product, license) WHERE license <> serial;
