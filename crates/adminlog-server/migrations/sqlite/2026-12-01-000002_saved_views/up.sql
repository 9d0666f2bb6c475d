-- Named views of the log, each one administrator's own. The query is the
-- view's query string as the app's address bar carries it (a relative range
-- stays relative), checked by the server before it is kept. Ids count per
-- administrator; names are unique per administrator whatever their case.
CREATE TABLE saved_views (
    org_id BIGINT NOT NULL,
    admin_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, admin_id, id)
);

CREATE UNIQUE INDEX saved_views_by_name ON saved_views (org_id, admin_id, lower(name));
