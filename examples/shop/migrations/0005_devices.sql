-- Device cookies (OWASP's answer to lockout by email): a browser that
-- signed in fully to an account (its password, and the second factor of
-- staff and admins) keeps a random token, stored here as its SHA-256 with
-- the account. Its sign-ins to that account skip the email-alone limit,
-- which anyone may fill by typing the email.
CREATE TABLE devices (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX devices_account ON devices (account_id);
