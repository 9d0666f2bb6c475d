//! `GET /admin-logs/histogram`: how many events a filter matches, and when
//! they happened; `GET /admin-logs/action-counts`: how many of each action.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Action;

/// Past this many matches a keyword's count stops: "more than 10,000". A
/// keyword is matched against the events themselves (no maintained count
/// knows it), and counting further would cost every viewer of a common word
/// a walk through millions of rows. Without a keyword counts are exact at
/// any size.
pub const KEYWORD_COUNT_CAP: u64 = 10_000;

/// Events matching a filter, counted over its whole range and per bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Events the filter matches: exactly when `exact`, otherwise at least
    /// this many (a keyword past [`KEYWORD_COUNT_CAP`]).
    pub total: u64,
    pub exact: bool,
    /// The range the buckets cover: the filter's, narrowed to where the log
    /// has events when a side is open. `to` is exclusive.
    #[serde(with = "crate::wire_time")]
    pub from: OffsetDateTime,
    #[serde(with = "crate::wire_time")]
    pub to: OffsetDateTime,
    /// Every bucket is this long (a whole number of hours); buckets of a
    /// day or more start at midnight UTC, those of a week or more on a
    /// Monday.
    pub bucket_seconds: u64,
    /// Oldest first, every bucket of the range, empty ones included. The
    /// first and the last may stick out of the range: only events inside
    /// it are counted.
    pub buckets: Vec<HistogramBucket>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramBucket {
    #[serde(with = "crate::wire_time")]
    pub start: OffsetDateTime,
    /// `null` where the count is not known: older than the matches a capped
    /// keyword count reached.
    pub count: Option<u64>,
}

/// Events per action type within a range and keyword: what choosing each
/// action alone would show (the action picker's counts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCounts {
    /// False past [`KEYWORD_COUNT_CAP`] matches of a keyword: each count is
    /// then a lower bound, counted over the newest matches.
    pub exact: bool,
    /// Action types with events, in [`Action::ALL`] order.
    pub counts: Vec<ActionCount>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCount {
    pub action: Action,
    pub count: u64,
}

impl ActionCounts {
    /// The count of one action type (0 when it has no events).
    pub fn of(&self, action: Action) -> u64 {
        self.counts.iter().find(|c| c.action == action).map_or(0, |c| c.count)
    }
}

impl Histogram {
    /// "hour", "3 hours", "day", "7 days": what one bucket is, for labels.
    pub fn bucket_name(&self) -> String {
        let hours = self.bucket_seconds / 3600;
        match hours {
            1 => "hour".to_owned(),
            24 => "day".to_owned(),
            h if h % 24 == 0 => format!("{} days", h / 24),
            h => format!("{h} hours"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_width(bucket_seconds: u64) -> Histogram {
        let at = time::macros::datetime!(2026-01-01 0:00 UTC);
        Histogram { total: 0, exact: true, from: at, to: at, bucket_seconds, buckets: Vec::new() }
    }

    #[test]
    fn buckets_are_named_as_people_say_them() {
        assert_eq!(with_width(3600).bucket_name(), "hour");
        assert_eq!(with_width(3 * 3600).bucket_name(), "3 hours");
        assert_eq!(with_width(86_400).bucket_name(), "day");
        assert_eq!(with_width(7 * 86_400).bucket_name(), "7 days");
    }
}
