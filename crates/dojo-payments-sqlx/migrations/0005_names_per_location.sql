-- Names are per location: `order-1/refund-1` at two sites is two entries
-- (it was one name across every site, the second refused as reused). The
-- key becomes (location, name); a table's key cannot be changed in place
-- on SQLite, so the journal is copied into a table keyed so, and renamed.
-- Each location is written in its one form (lower case, `_` read as `-`,
-- as `LocationId` keeps it): an entry journaled under a file's `cafe_soho`
-- is found by the client's `cafe-soho`, not taken for another name.
CREATE TABLE dojo_journal_v5 (
    location TEXT NOT NULL,
    name TEXT NOT NULL,
    operation TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    amount BIGINT,
    currency TEXT,
    idempotency_key TEXT,
    before_status TEXT,
    before_captures TEXT,
    before_refunded BIGINT,
    state TEXT NOT NULL,
    detail TEXT,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    PRIMARY KEY (location, name)
);
INSERT INTO dojo_journal_v5 (location, name, operation, payment_intent_id, amount, currency,
    idempotency_key, before_status, before_captures, before_refunded, state, detail, opened_at,
    closed_at)
SELECT lower(replace(location, '_', '-')), name, operation, payment_intent_id, amount, currency, idempotency_key,
    before_status, before_captures, before_refunded, state, detail, opened_at, closed_at
FROM dojo_journal;
DROP TABLE dojo_journal;
ALTER TABLE dojo_journal_v5 RENAME TO dojo_journal;
CREATE INDEX dojo_journal_open ON dojo_journal (state, opened_at);
CREATE INDEX dojo_journal_payment_intent ON dojo_journal (payment_intent_id);
