-- Identities are never reused: administrator and API key ids come from
-- per-organization counters (advanced under the organization's row lock)
-- instead of max(id) + 1, which handed a removed administrator's id, and so
-- their still-valid session tokens, to the next administrator created.
ALTER TABLE organizations ADD COLUMN last_admin_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN last_key_id BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET
    last_admin_id = COALESCE((SELECT MAX(id) FROM administrators a WHERE a.org_id = organizations.id), 0),
    last_key_id = COALESCE((SELECT MAX(id) FROM api_keys k WHERE k.org_id = organizations.id), 0);

-- An email address is unique within an organization, not across them: one
-- organization can neither learn nor block the addresses of another. The key
-- is the normalised address (NFKC, lower case).
ALTER TABLE admin_directory DROP CONSTRAINT admin_directory_pkey;
ALTER TABLE admin_directory ADD PRIMARY KEY (email, org_id);

-- Login throttling counts attempts per scope in fixed windows, reserved
-- atomically before a password is checked (one upsert), so parallel guesses
-- cannot all pass the check before any failure is counted.
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    scope TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
