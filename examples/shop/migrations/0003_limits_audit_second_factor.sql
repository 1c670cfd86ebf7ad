-- Limits counted and recorded in one step, who did what, and a second
-- factor (TOTP) for staff and admins. Portable SQL, as 0001.

-- One row per (subject, kind) counted against a limit: a request takes it
-- (an upsert, which locks the row in PostgreSQL and the database in
-- SQLite) before it counts and records its attempt in the same
-- transaction, so two requests, on one instance or two, never both count
-- the same last free place.
CREATE TABLE attempt_locks (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    touched TEXT NOT NULL,
    PRIMARY KEY (subject, kind)
);

-- An attempt's id: one per request (its rows for each subject), so that an
-- attempt held while it runs is given back when it succeeds.
ALTER TABLE attempts ADD COLUMN id TEXT NOT NULL DEFAULT '';
CREATE INDEX attempts_id ON attempts (id);

-- Who did what: every capture, refund, charge, close and phone order, by
-- the staff account that asked for it.
CREATE TABLE staff_actions (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,             -- the order (ord_…) or booking (bk_…)
    action TEXT NOT NULL,              -- capture | refund | charge | close | phone order
    amount TEXT NOT NULL,              -- as shown ("£1.00"), or empty
    account_id TEXT NOT NULL,
    account_email TEXT NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL              -- what the shop told them
);
CREATE INDEX staff_actions_subject ON staff_actions (subject, at);

-- A second factor: the TOTP secret (base32) once enrolled, the one being
-- enrolled, and the last time step used (a code is accepted once).
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_enrolling TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Recovery codes, as their SHA-256 only; each used once.
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- Whether a session's sign-in passed the second factor.
ALTER TABLE sessions ADD COLUMN second_factor BIGINT NOT NULL DEFAULT 0;
