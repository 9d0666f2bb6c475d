DROP INDEX events_by_admin;
DROP INDEX events_by_user_email;
DROP INDEX events_by_user_name;
DROP INDEX events_by_domain;
CREATE INDEX events_by_admin ON events (org_id, admin_term, ts, id) INCLUDE (action);
CREATE INDEX events_by_user_email ON events (org_id, user_email_term, ts, id) INCLUDE (action);
CREATE INDEX events_by_user_name ON events (org_id, user_name_term, ts, id) INCLUDE (action);
CREATE INDEX events_by_domain ON events (org_id, domain_term, ts, id) INCLUDE (action);
