-- The term indexes carry each event's action (a trailing key column; (ts, id)
-- is unique, so the order is unchanged), so a keyword search filtered by
-- action reads the index alone instead of looking up every candidate row
-- (measured on shape 9 of `cargo xtask bench`). About 2 bytes per event per
-- index.
DROP INDEX events_by_admin;
DROP INDEX events_by_user_email;
DROP INDEX events_by_user_name;
DROP INDEX events_by_domain;
CREATE INDEX events_by_admin ON events (org_id, admin_term, ts, id, action);
CREATE INDEX events_by_user_email ON events (org_id, user_email_term, ts, id, action);
CREATE INDEX events_by_user_name ON events (org_id, user_name_term, ts, id, action);
CREATE INDEX events_by_domain ON events (org_id, domain_term, ts, id, action);
