-- Who may do what: accounts (customers, staff, admins), their sessions,
-- the forms a session was given, the attempts counted against card
-- testing, and the audit of phone orders.

-- An account. A customer's Dojo customer (and so their saved cards)
-- belongs to their account; staff and admins have none.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,       -- argon2id, PHC string
    role TEXT NOT NULL,                -- customer | staff | admin
    customer_id TEXT,                  -- Dojo's, made at the first purchase
    created_at TEXT NOT NULL
);

-- A session: the SHA-256 of its cookie's token (a leaked table opens no
-- session), the account signed in (NULL: a visitor), its CSRF token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Tokens put into forms when they are shown, for that session: an admin's
-- capture or refund, a phone order. Sending a form again sends its token
-- again, which names the same call.
CREATE TABLE form_tokens (
    token TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,          -- the session it was shown to
    purpose TEXT NOT NULL,             -- phone | capture | refund
    issued_at TEXT NOT NULL
);

-- Attempts counted against card testing (failed phone authorizations,
-- checkout creations, failed sign-ins), by IP and by account.
CREATE TABLE attempts (
    subject TEXT NOT NULL,             -- ip:… or account:…
    kind TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX attempts_window ON attempts (subject, kind, at);

-- Every phone order: who took it, when, the card as it may be shown (the
-- last four digits), and how it went. Never the number or the CVV.
CREATE TABLE phone_audit (
    order_id TEXT PRIMARY KEY,
    staff_account TEXT NOT NULL,
    at TEXT NOT NULL,
    email TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    outcome TEXT NOT NULL              -- pending | charged | declined | refused | not confirmed
);

-- Whose an order or booking is: `account:<id>`, or `guest:<session>` for a
-- guest's (seen only in the session that made it).
ALTER TABLE orders ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN owner TEXT NOT NULL DEFAULT '';

-- The Dojo customer of each email, from before accounts: it is the
-- account's now.
DROP TABLE customers;
