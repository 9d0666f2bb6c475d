-- A term belongs to the one event column it was stored for (0 admin email,
-- 1 user email, 2 user name, 3 domain name), so a keyword search reads only
-- the columns its matching terms occur in. A string used in two columns is
-- two terms. Terms stored before this migration keep kind NULL: they may
-- occur in any column and are searched in all four.
-- SQLite cannot drop the old UNIQUE (org_id, value): the table is rebuilt.
CREATE TABLE terms_with_kinds (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    value TEXT NOT NULL,
    folded TEXT NOT NULL,
    kind SMALLINT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
INSERT INTO terms_with_kinds (org_id, id, value, folded, kind) SELECT org_id, id, value, folded, NULL FROM terms;
DROP TABLE terms;
ALTER TABLE terms_with_kinds RENAME TO terms;
CREATE UNIQUE INDEX terms_by_kind_value ON terms (org_id, kind, value);
