-- The till's sessions on the card terminals (Pay at Counter): each one the
-- shop started, who started it, and its status as last read, so staff see
-- the till's sales and refunds. The money itself is in dojo_journal (each
-- session journaled under `journal_entry`), and a sale's order in orders
-- (kind `counter`), moved by webhooks as any other.
CREATE TABLE till_sessions (
    session_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                -- sale | matched_refund | unlinked_refund
    order_id TEXT,                     -- the sale's order (a sale, a matched refund)
    journal_entry TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    amount BIGINT NOT NULL,            -- minor units
    currency TEXT NOT NULL,
    staff_account TEXT NOT NULL,       -- the email of who started it
    status TEXT NOT NULL,              -- Dojo's, as last read
    created_at TEXT NOT NULL
);
CREATE INDEX till_sessions_order ON till_sessions (order_id);
CREATE INDEX till_sessions_created ON till_sessions (created_at);
