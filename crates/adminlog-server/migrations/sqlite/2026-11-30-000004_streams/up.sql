-- Push streams: each delivers an organization's matching events, in id order,
-- to one receiver (docs/streams.md). Ids come from a per-organization counter,
-- like administrators and API keys, so a deleted stream's id is never reused.
ALTER TABLE organizations ADD COLUMN last_stream_id BIGINT NOT NULL DEFAULT 0;

-- What the super administrator chose; never changed after creation.
CREATE TABLE streams (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    id BIGINT NOT NULL,
    url TEXT NOT NULL,
    -- Action codes, comma-separated; empty: every action.
    actions TEXT NOT NULL,
    keyword TEXT,
    signing TEXT NOT NULL,
    -- The signing key is derived from the server secret and this salt: the
    -- database alone cannot sign a delivery.
    key_salt BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- Where delivery stands, written by the delivering process and by changes.
CREATE TABLE stream_states (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at BIGINT,
    -- Every matching event with an id up to this one has been delivered.
    delivered_through BIGINT NOT NULL,
    -- The batch in flight ends here: a retry, in this process or another,
    -- sends the same events under the same webhook-id.
    batch_through BIGINT,
    -- Advanced by a replay, so a delivery begun before it cannot record
    -- its outcome over the replayed position.
    generation BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    last_error TEXT,
    -- The one process delivering the stream, until lease_until.
    lease_owner TEXT,
    lease_until BIGINT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, id) REFERENCES streams (org_id, id) ON DELETE CASCADE
);
