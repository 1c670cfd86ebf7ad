-- A capture settled by a read is recognised by the captures that were not
-- there before (their ids), not by the sum captured: a capture of the same
-- amount made meanwhile by someone else is not this one.
ALTER TABLE dojo_journal ADD COLUMN before_captures TEXT;  -- a JSON array of capture ids; NULL: not recorded
ALTER TABLE dojo_journal DROP COLUMN before_captured;
