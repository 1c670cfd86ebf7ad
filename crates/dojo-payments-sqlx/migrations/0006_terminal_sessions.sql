-- Sessions at a card terminal (Pay at Counter) are journaled like any
-- money-moving call: the terminal an entry's session runs on, and the id
-- Dojo gave the session, recorded on the open entry as soon as it is known
-- (`POST /terminal-sessions` has no idempotency key and Dojo lists no
-- sessions: the id is the one way to find it again after a crash). NULL
-- for every other call, and for a session whose create went unanswered.
ALTER TABLE dojo_journal ADD COLUMN terminal_id TEXT;
ALTER TABLE dojo_journal ADD COLUMN terminal_session_id TEXT;
