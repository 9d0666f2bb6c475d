-- Back to one term per string: every event column points at the string's
-- lowest term id. Event hashes cover the text, not the ids, so the chain
-- stays valid.
CREATE TEMPORARY TABLE merged_terms AS
SELECT t.org_id, t.id, kept.id AS kept_id
FROM terms t
JOIN (SELECT org_id, value, min(id) AS id FROM terms GROUP BY org_id, value) kept
  ON kept.org_id = t.org_id AND kept.value = t.value
WHERE t.id <> kept.id;
UPDATE events e SET admin_term = m.kept_id FROM merged_terms m WHERE e.org_id = m.org_id AND e.admin_term = m.id;
UPDATE events e SET user_email_term = m.kept_id FROM merged_terms m WHERE e.org_id = m.org_id AND e.user_email_term = m.id;
UPDATE events e SET user_name_term = m.kept_id FROM merged_terms m WHERE e.org_id = m.org_id AND e.user_name_term = m.id;
UPDATE events e SET domain_term = m.kept_id FROM merged_terms m WHERE e.org_id = m.org_id AND e.domain_term = m.id;
DELETE FROM terms t USING merged_terms m WHERE t.org_id = m.org_id AND t.id = m.id;
DROP TABLE merged_terms;
DROP INDEX terms_by_kind_value;
ALTER TABLE terms DROP COLUMN kind;
ALTER TABLE terms ADD CONSTRAINT terms_org_id_value_key UNIQUE (org_id, value);
