-- Signed statements of a chain head (Ed25519; the key is not in the database).
-- Kept so verification can require the chain to pass through every head the
-- server ever signed.
CREATE TABLE checkpoints (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    last_event_id BIGINT NOT NULL,
    head TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX checkpoints_by_org ON checkpoints (org_id, last_event_id);
