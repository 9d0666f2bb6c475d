DROP TABLE stream_states;
DROP TABLE streams;
ALTER TABLE organizations DROP COLUMN last_stream_id;
