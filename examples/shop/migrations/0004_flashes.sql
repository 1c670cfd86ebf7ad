-- What an action said (an admin's capture, refund, charge or close), kept
-- here for the page it redirects to: the redirect carries only the
-- message's id, shown to the session that made it, once. A page never
-- shows text from its URL.
CREATE TABLE flashes (
    id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,          -- SHA-256 of the session's CSRF token
    kind TEXT NOT NULL,                 -- notice | error
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX flashes_created ON flashes (created_at);
