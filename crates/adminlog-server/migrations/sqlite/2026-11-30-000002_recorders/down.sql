-- Events stored since keep hashes over these columns: their chain no longer
-- verifies without them.
ALTER TABLE events DROP COLUMN recorder_id;
ALTER TABLE events DROP COLUMN recorder;
