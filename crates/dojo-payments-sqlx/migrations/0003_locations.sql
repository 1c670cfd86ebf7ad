-- Each entry is sent, and settled, with its own location's key: the
-- location it was made for. Entries from before locations were the
-- client's default location's.
ALTER TABLE dojo_journal ADD COLUMN location TEXT NOT NULL DEFAULT 'default';
