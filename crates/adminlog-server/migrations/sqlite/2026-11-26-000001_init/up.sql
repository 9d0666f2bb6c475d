-- Times are microseconds since the Unix epoch, UTC. Every tenant table leads
-- its primary key and unique indexes with org_id (see ARCHITECTURE.md).

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Per-organization counters, advanced under the organization's write lock.
    last_event_id BIGINT NOT NULL DEFAULT 0,
    last_term_id BIGINT NOT NULL DEFAULT 0,
    -- The hash of event last_event_id: the head of the organization's chain.
    chain_head BLOB
);

CREATE TABLE administrators (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    id BIGINT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email)
);

-- Logging in is the one lookup that starts without an organization: this
-- global directory maps a lower-cased email to its administrator.
CREATE TABLE admin_directory (
    email TEXT PRIMARY KEY NOT NULL,
    org_id BIGINT NOT NULL,
    admin_id BIGINT NOT NULL
);

CREATE TABLE api_keys (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE revoked_tokens (
    org_id BIGINT NOT NULL,
    jti TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, jti)
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scope TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_scope ON login_failures (scope, at);

-- The distinct strings of an organization's events (emails, user names,
-- domain names). Events point at them, so a keyword search scans thousands of
-- terms instead of millions of events.
CREATE TABLE terms (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    value TEXT NOT NULL,
    folded TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, value)
) WITHOUT ROWID;

CREATE TABLE events (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    action SMALLINT NOT NULL,
    source SMALLINT NOT NULL,
    admin_term BIGINT,
    user_email_term BIGINT,
    user_name_term BIGINT,
    domain_term BIGINT,
    client_event_id TEXT,
    received_at BIGINT NOT NULL,
    -- SHA-256 of the previous event's hash and this event's canonical content
    -- (docs/integrity.md).
    hash BLOB NOT NULL,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX events_by_time ON events (org_id, ts, id);
CREATE INDEX events_by_action ON events (org_id, action, ts, id);
CREATE INDEX events_by_admin ON events (org_id, admin_term, ts, id);
CREATE INDEX events_by_user_email ON events (org_id, user_email_term, ts, id);
CREATE INDEX events_by_user_name ON events (org_id, user_name_term, ts, id);
CREATE INDEX events_by_domain ON events (org_id, domain_term, ts, id);
CREATE UNIQUE INDEX events_by_client_id ON events (org_id, client_event_id) WHERE client_event_id IS NOT NULL;
