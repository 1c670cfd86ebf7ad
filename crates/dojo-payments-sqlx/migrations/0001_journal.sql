-- dojo-payments-sqlx, schema version 1: the journal of money-moving calls
-- and the record of processed webhook events, as the first release wrote
-- them (IF NOT EXISTS: a database that has them already is at version 1).
-- Portable between PostgreSQL and SQLite; applied by `migrate`.

CREATE TABLE IF NOT EXISTS dojo_journal (
    name TEXT PRIMARY KEY,             -- the caller's unique name for the call
    operation TEXT NOT NULL,           -- capture | charge | reverse | cancel | refund
    payment_intent_id TEXT NOT NULL,
    amount BIGINT,                     -- minor units (capture, refund)
    currency TEXT,
    idempotency_key TEXT,              -- refund: the key of every attempt
    before_status TEXT,                -- the intent before the call, to settle by a read
    before_captured BIGINT NOT NULL,
    state TEXT NOT NULL,               -- open | applied | not_applied
    detail TEXT,                       -- a refund id; why not applied
    opened_at TEXT NOT NULL,           -- RFC 3339, UTC
    closed_at TEXT
);
CREATE INDEX IF NOT EXISTS dojo_journal_open ON dojo_journal (state, opened_at);

CREATE TABLE IF NOT EXISTS dojo_processed_events (
    event_id TEXT PRIMARY KEY,
    processed_at TEXT NOT NULL
);
