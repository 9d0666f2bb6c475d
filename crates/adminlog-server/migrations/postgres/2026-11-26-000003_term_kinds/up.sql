-- A term belongs to the one event column it was stored for (0 admin email,
-- 1 user email, 2 user name, 3 domain name), so a keyword search reads only
-- the columns its matching terms occur in. A string used in two columns is
-- two terms. Terms stored before this migration keep kind NULL: they may
-- occur in any column and are searched in all four.
ALTER TABLE terms ADD COLUMN kind SMALLINT;
ALTER TABLE terms DROP CONSTRAINT terms_org_id_value_key;
CREATE UNIQUE INDEX terms_by_kind_value ON terms (org_id, kind, value);
