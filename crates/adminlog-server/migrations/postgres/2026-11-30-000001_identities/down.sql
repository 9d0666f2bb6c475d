DROP TABLE login_attempts;
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_scope ON login_failures (scope, at);

-- Fails when one address is used in two organizations: undo that first.
ALTER TABLE admin_directory DROP CONSTRAINT admin_directory_pkey;
ALTER TABLE admin_directory ADD PRIMARY KEY (email);

ALTER TABLE organizations DROP COLUMN last_key_id;
ALTER TABLE organizations DROP COLUMN last_admin_id;
