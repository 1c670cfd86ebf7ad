-- The refunds at the counter the till claimed, each under its journal
-- name, before anything is sent: the same form (its token) sent again
-- finds its claim and is never sent twice, whatever amount or terminal it
-- says now; and a matched refund's claim holds its amount against what is
-- left of the sale while it runs (Dojo's refunded amount counts it only
-- once it is over).
CREATE TABLE till_claims (
    journal_entry TEXT PRIMARY KEY,
    order_id TEXT,                     -- the sale refunded; NULL for an unlinked refund
    amount BIGINT NOT NULL,            -- minor units
    currency TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    state TEXT NOT NULL,               -- running | moved | nothing
    created_at TEXT NOT NULL,
    closed_at TEXT                     -- when it stopped running
);
CREATE INDEX till_claims_order ON till_claims (order_id, state);
