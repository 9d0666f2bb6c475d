DROP TABLE login_attempts;
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scope TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_scope ON login_failures (scope, at);

-- Fails when one address is used in two organizations: undo that first.
CREATE TABLE admin_directory_global (
    email TEXT PRIMARY KEY NOT NULL,
    org_id BIGINT NOT NULL,
    admin_id BIGINT NOT NULL
);
INSERT INTO admin_directory_global (email, org_id, admin_id) SELECT email, org_id, admin_id FROM admin_directory;
DROP TABLE admin_directory;
ALTER TABLE admin_directory_global RENAME TO admin_directory;

ALTER TABLE organizations DROP COLUMN last_key_id;
ALTER TABLE organizations DROP COLUMN last_admin_id;
