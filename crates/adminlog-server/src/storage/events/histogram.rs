//! How many events a filter matches, per bucket of its range or per action,
//! in one snapshot. Without a keyword the maintained counts answer exactly
//! at any size (whole hours and days from `counts`, the ragged ends of the
//! range from the events); a keyword is counted from its matches, up to
//! [`KEYWORD_COUNT_CAP`].

use std::collections::BTreeMap;

use adminlog_types::{
    Action, ActionCount, ActionCounts, Histogram, HistogramBucket, LogFilter, TimeBound, KEYWORD_COUNT_CAP,
};
use time::OffsetDateTime;

use super::super::{from_micros, to_micros, AnyConn, Db, StorageResult};
use super::counts::{self, Period};
use super::{find, fold, EventSelection, Found, Want};
use crate::domain::histogram::{add_cells, bucket_count, bucket_start, bucket_width, pieces, Piece, DAY, HOUR};

impl Db {
    /// The histogram of `filter` at the moment `now` (relative bounds count
    /// back from it).
    pub fn histogram(&self, org_id: i64, filter: &LogFilter, now: OffsetDateTime) -> StorageResult<Histogram> {
        self.snapshot(|conn| histogram_in(conn, self, org_id, filter, now))
    }

    /// Events per action type within `filter`'s range and keyword (its
    /// actions are not asked: each count is what choosing that action alone
    /// would show), at the moment `now`.
    pub fn action_counts(
        &self,
        org_id: i64,
        range: (Option<TimeBound>, Option<TimeBound>),
        keyword: Option<&str>,
        now: OffsetDateTime,
    ) -> StorageResult<ActionCounts> {
        self.snapshot(|conn| action_counts_in(conn, self, org_id, range, keyword, now))
    }
}

/// The range `[from, to)` in microseconds that `from` and `to` ask for,
/// narrowed to where the organization has events: a link that says
/// `from=2000-01-01` gets bars where something could be. Never reversed.
fn narrowed_range(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    (from, to): (Option<TimeBound>, Option<TimeBound>),
    now: OffsetDateTime,
) -> StorageResult<(i64, i64)> {
    let now_micros = to_micros(now);
    let asked_from = from.map(|bound| to_micros(bound.start(now)));
    // `to` includes its last microsecond; the range is half-open.
    let asked_to = to.map(|bound| to_micros(bound.end(now)) + 1);
    let (from, to) = match counts::extent(conn, org_id)? {
        Some((first_hour, last_hour)) => {
            let (first, end) = (first_hour * HOUR, ((last_hour + 1) * HOUR).max(now_micros));
            (asked_from.map_or(first, |from| from.max(first)), asked_to.map_or(end, |to| to.min(end)))
        }
        None => {
            let at = asked_from.unwrap_or(now_micros);
            (at, at)
        }
    };
    // A range wholly outside the log is empty, not reversed.
    Ok((from, to.max(from)))
}

/// The keys of a keyword's matches in `[from, to)` of the given actions,
/// newest first, up to one past the cap.
fn keyword_matches(
    conn: &mut AnyConn<'_>,
    db: &Db,
    org_id: i64,
    (from, to): (i64, i64),
    keyword: &str,
    actions: &[Action],
) -> StorageResult<Found> {
    let selection = EventSelection {
        from_micros: Some(from),
        to_micros: Some(to - 1),
        keyword: Some(fold(keyword)),
        actions: actions.to_vec(),
        after: None,
        limit: KEYWORD_COUNT_CAP as i64 + 1,
    };
    let dictionary = db.terms.current(conn, org_id)?;
    Ok(find(conn, dictionary.as_deref(), org_id, &selection, Want::Keys)?.1)
}

fn action_counts_in(
    conn: &mut AnyConn<'_>,
    db: &Db,
    org_id: i64,
    range: (Option<TimeBound>, Option<TimeBound>),
    keyword: Option<&str>,
    now: OffsetDateTime,
) -> StorageResult<ActionCounts> {
    let (from, to) = narrowed_range(conn, org_id, range, now)?;
    let mut per_code: BTreeMap<i16, u64> = BTreeMap::new();
    let mut exact = true;
    if to <= from {
        // Nothing to count.
    } else if let Some(keyword) = keyword {
        let mut codes: Vec<i16> = match keyword_matches(conn, db, org_id, (from, to), keyword, &[])? {
            Found::Keys(keys) => {
                let ids: Vec<i64> = keys.into_iter().map(|(_, id)| id).collect();
                counts::actions_of(conn, org_id, &ids)?
            }
            Found::Rows(rows) => rows.into_iter().map(|row| row.action).collect(),
        };
        // The keys come newest first; which of them the cap keeps does not
        // matter for a lower bound, only that it keeps the cap's worth.
        exact = codes.len() <= KEYWORD_COUNT_CAP as usize;
        codes.truncate(KEYWORD_COUNT_CAP as usize);
        for code in codes {
            *per_code.entry(code).or_default() += 1;
        }
    } else {
        for piece in pieces(from, to, true) {
            let cells = match piece {
                Piece::Events { from, to } => counts::between_per_action(conn, org_id, from, to)?,
                Piece::Hours { from, to } => counts::per_action(conn, org_id, Period::Hour, from, to)?,
                Piece::Days { from, to } => counts::per_action(conn, org_id, Period::Day, from, to)?,
            };
            for (code, n) in cells {
                *per_code.entry(code).or_default() += n.max(0) as u64;
            }
        }
    }
    let counts = Action::ALL
        .iter()
        .filter_map(|&action| {
            let count = per_code.get(&action.code()).copied().unwrap_or(0);
            (count > 0).then_some(ActionCount { action, count })
        })
        .collect();
    Ok(ActionCounts { exact, counts })
}

fn histogram_in(
    conn: &mut AnyConn<'_>,
    db: &Db,
    org_id: i64,
    filter: &LogFilter,
    now: OffsetDateTime,
) -> StorageResult<Histogram> {
    let (from, to) = narrowed_range(conn, org_id, (filter.from, filter.to), now)?;
    let width = bucket_width(from, to);
    let first_bucket = bucket_start(from, width);
    let buckets = usize::try_from(bucket_count(from, to, width)).unwrap_or(0);
    let codes: Vec<i16> = filter.actions.iter().map(|action| action.code()).collect();

    let (counts, exact) = if buckets == 0 {
        (Vec::new(), true)
    } else if let Some(keyword) = &filter.keyword {
        let times: Vec<i64> = match keyword_matches(conn, db, org_id, (from, to), keyword, &filter.actions)? {
            Found::Keys(keys) => keys.into_iter().map(|(ts, _)| ts).collect(),
            Found::Rows(rows) => rows.into_iter().map(|row| row.ts).collect(),
        };
        keyword_counts(&times, first_bucket, width, buckets)
    } else {
        let mut counts = vec![0u64; buckets];
        for piece in pieces(from, to, width % DAY == 0) {
            let cells = match piece {
                Piece::Events { from, to } => vec![(from, counts::between(conn, org_id, from, to, &codes)?)],
                Piece::Hours { from, to } => {
                    scaled(counts::per_period(conn, org_id, Period::Hour, from, to, &codes)?, Period::Hour)
                }
                Piece::Days { from, to } => {
                    scaled(counts::per_period(conn, org_id, Period::Day, from, to, &codes)?, Period::Day)
                }
            };
            add_cells(&mut counts, first_bucket, width, cells.into_iter().map(|(at, n)| (at, n.max(0) as u64)));
        }
        (counts.into_iter().map(Some).collect(), true)
    };
    Ok(Histogram {
        total: if exact { counts.iter().flatten().sum() } else { KEYWORD_COUNT_CAP },
        exact,
        from: from_micros(from),
        to: from_micros(to),
        bucket_seconds: (width / 1_000_000) as u64,
        buckets: counts
            .into_iter()
            .enumerate()
            .map(|(i, count)| HistogramBucket { start: from_micros(first_bucket + i as i64 * width), count })
            .collect(),
    })
}

/// Period numbers to the instants they start at.
fn scaled(cells: Vec<(i64, i64)>, period: Period) -> Vec<(i64, i64)> {
    cells.into_iter().map(|(at, n)| (at * period.micros(), n)).collect()
}

/// Buckets from the match times of a keyword, newest first, read up to one
/// past the cap. Past the cap the total is a lower bound, and buckets at or
/// before the oldest counted match are unknown rather than short.
fn keyword_counts(times: &[i64], first_bucket: i64, width: i64, buckets: usize) -> (Vec<Option<u64>>, bool) {
    let cap = KEYWORD_COUNT_CAP as usize;
    let counted = &times[..times.len().min(cap)];
    let mut counts = vec![0u64; buckets];
    add_cells(&mut counts, first_bucket, width, counted.iter().map(|&ts| (ts, 1)));
    if times.len() <= cap {
        return (counts.into_iter().map(Some).collect(), true);
    }
    let oldest_counted = counted.last().copied().unwrap_or(first_bucket);
    let known_from = bucket_start(oldest_counted, width) + width;
    let counts = counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| (first_bucket + i as i64 * width >= known_from).then_some(count))
        .collect();
    (counts, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_keyword_count_knows_only_the_buckets_it_reached() {
        let cap = KEYWORD_COUNT_CAP as usize;
        // One match per minute for cap + 1 minutes, newest first, in hour buckets.
        let minute = HOUR / 60;
        let end = 1_000 * HOUR;
        let times: Vec<i64> = (1..=cap as i64 + 1).map(|n| end - n * minute).collect();
        let first = bucket_start(end - 200 * HOUR, HOUR);
        let (counts, exact) = keyword_counts(&times, first, HOUR, 200);
        assert!(!exact);
        let known: Vec<u64> = counts.iter().flatten().copied().collect();
        assert!(known.iter().all(|&n| n == 60), "every known bucket is whole: {known:?}");
        let oldest_counted = times[cap - 1];
        for (i, count) in counts.iter().enumerate() {
            let start = first + i as i64 * HOUR;
            assert_eq!(count.is_some(), start > oldest_counted, "bucket {i}");
        }
        // Under the cap every bucket is known and the total is exact.
        let (counts, exact) = keyword_counts(&times[..10], first, HOUR, 200);
        assert!(exact);
        assert_eq!(counts.iter().flatten().sum::<u64>(), 10);
    }
}
