-- Who stored each event: 0 the server itself, 1 an administrator's session,
-- 2 an API key (recorder_id: the administrator or key). NULL for events
-- stored before this: their chain links stay adminlog-event-v1, and new
-- events hash these columns with received_at (adminlog-event-v2).
ALTER TABLE events ADD COLUMN recorder SMALLINT;
ALTER TABLE events ADD COLUMN recorder_id BIGINT;
