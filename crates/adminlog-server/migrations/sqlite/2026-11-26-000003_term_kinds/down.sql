-- Back to one term per string: every event column points at the string's
-- lowest term id. Event hashes cover the text, not the ids, so the chain
-- stays valid.
CREATE TEMPORARY TABLE merged_terms AS
SELECT t.org_id, t.id, kept.id AS kept_id
FROM terms t
JOIN (SELECT org_id, value, min(id) AS id FROM terms GROUP BY org_id, value) kept
  ON kept.org_id = t.org_id AND kept.value = t.value
WHERE t.id <> kept.id;
UPDATE events SET admin_term = (SELECT kept_id FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.admin_term)
WHERE EXISTS (SELECT 1 FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.admin_term);
UPDATE events SET user_email_term = (SELECT kept_id FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.user_email_term)
WHERE EXISTS (SELECT 1 FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.user_email_term);
UPDATE events SET user_name_term = (SELECT kept_id FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.user_name_term)
WHERE EXISTS (SELECT 1 FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.user_name_term);
UPDATE events SET domain_term = (SELECT kept_id FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.domain_term)
WHERE EXISTS (SELECT 1 FROM merged_terms m WHERE m.org_id = events.org_id AND m.id = events.domain_term);
CREATE TABLE terms_by_value (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    value TEXT NOT NULL,
    folded TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, value)
) WITHOUT ROWID;
INSERT INTO terms_by_value (org_id, id, value, folded)
SELECT org_id, id, value, folded FROM terms t
WHERE NOT EXISTS (SELECT 1 FROM merged_terms m WHERE m.org_id = t.org_id AND m.id = t.id);
DROP TABLE merged_terms;
DROP TABLE terms;
ALTER TABLE terms_by_value RENAME TO terms;
