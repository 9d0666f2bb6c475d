-- Events per organization, action and hour (and day), kept by every append in
-- its own transaction under the organization's lock, so they always agree
-- with the rows. The histogram and the result count read them instead of the
-- events; days beside hours so that two years sum about 30,000 rows, not
-- 700,000. Periods are whole hours (days) since 1970-01-01T00:00Z.
CREATE TABLE event_counts_by_hour (
    org_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    action SMALLINT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, hour, action)
) WITHOUT ROWID;

CREATE TABLE event_counts_by_day (
    org_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    action SMALLINT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, action)
) WITHOUT ROWID;

-- Stored times are microseconds since 1970 and never earlier, so integer
-- division is the period.
INSERT INTO event_counts_by_hour (org_id, hour, action, events)
SELECT org_id, ts / 3600000000, action, count(*) FROM events GROUP BY org_id, ts / 3600000000, action;

INSERT INTO event_counts_by_day (org_id, day, action, events)
SELECT org_id, hour / 24, action, sum(events) FROM event_counts_by_hour GROUP BY org_id, hour / 24, action;
