DROP TABLE event_counts_by_day;
DROP TABLE event_counts_by_hour;
