//! The filters of the Admin Logs view, and their query-string form.
//!
//! Parsing lives here, not in the server, because the browser app keeps the
//! same filters in its own URL: one parser, one printer, both sides.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use crate::{Action, Problem};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 1000;
pub const MAX_KEYWORD_CHARS: usize = 256;
/// The most rows an export holds, as the seed says.
pub const MAX_EXPORT_ROWS: usize = 10_000;
/// Events per feed response when the consumer does not say.
pub const DEFAULT_FEED_SIZE: u32 = 100;
/// The longest a feed request may wait for new events (`wait`).
pub const MAX_FEED_WAIT_SECONDS: u32 = 30;

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// The first day a bound may name.
const FIRST_DAY: Date = time::macros::date!(0000 - 01 - 01);
/// The last day a bound may name. `to=9999-12-31` is a legitimate "until
/// forever": every stored event is before its end.
const LAST_DAY: Date = time::macros::date!(9999 - 12 - 31);

/// The last microsecond of a day: stored times have microsecond precision.
const LAST_MICROSECOND: Time = time::macros::time!(23:59:59.999999);

/// `from` or `to`: a whole UTC day or an exact instant.
///
/// A bound is always between 0000-01-01 and 9999-12-31 in UTC: the
/// years `YYYY-MM-DD` and RFC 3339 can write with four digits, so every
/// bound prints back and its start and end are computed without overflow
/// (as microseconds since 1970 they are far inside `i64`). Anything outside
/// (`+10000-01-01`, `-0001-12-31`, or an instant whose offset carries it past
/// year 9999 or before year 0 in UTC) is refused by [`TimeBound::parse`],
/// never clamped, whatever range the `time` crate is built with.
///
/// Inside that range nothing is clamped either, and nothing needs to be:
/// stored events lie between 1970 (ingestion refuses earlier timestamps) and
/// a few minutes past the server's clock, so a `from` before 1970 or a `to`
/// at the end of 9999 simply means "no bound" on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBound {
    Day(Date),
    Instant(OffsetDateTime),
    /// `now-7d`: that long before the moment of each request, so a link to
    /// "the last 7 days" stays the last 7 days.
    Ago(Ago),
}

/// A span back from now: a whole number of hours or days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ago {
    pub amount: u32,
    pub unit: AgoUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgoUnit {
    Hours,
    Days,
}

/// The longest span back a relative bound may name: 100 years, far past
/// any stored event (ingestion refuses events before 1970).
const MAX_AGO_DAYS: u32 = 36_500;

impl Ago {
    pub const LAST_24_HOURS: Ago = Ago { amount: 24, unit: AgoUnit::Hours };
    pub const LAST_7_DAYS: Ago = Ago { amount: 7, unit: AgoUnit::Days };
    pub const LAST_30_DAYS: Ago = Ago { amount: 30, unit: AgoUnit::Days };

    pub fn duration(self) -> time::Duration {
        match self.unit {
            AgoUnit::Hours => time::Duration::hours(i64::from(self.amount)),
            AgoUnit::Days => time::Duration::days(i64::from(self.amount)),
        }
    }

    /// `now-24h`, `now-7d`.
    fn parse(text: &str) -> Option<Result<Ago, String>> {
        let span = text.strip_prefix("now-")?;
        let (digits, unit) = match span.char_indices().last() {
            Some((at, 'h')) => (&span[..at], AgoUnit::Hours),
            Some((at, 'd')) => (&span[..at], AgoUnit::Days),
            _ => return Some(Err(format!("`{text}` is not a span back from now: write now-24h or now-7d"))),
        };
        let limit = match unit {
            AgoUnit::Hours => MAX_AGO_DAYS * 24,
            AgoUnit::Days => MAX_AGO_DAYS,
        };
        Some(match digits.parse::<u32>() {
            Ok(amount) if digits.bytes().all(|b| b.is_ascii_digit()) && (1..=limit).contains(&amount) => {
                Ok(Ago { amount, unit })
            }
            _ => Err(format!("`{text}` is not a span back from now: a whole number from 1 to {limit} then h or d")),
        })
    }
}

impl fmt::Display for Ago {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            AgoUnit::Hours => 'h',
            AgoUnit::Days => 'd',
        };
        write!(f, "now-{}{unit}", self.amount)
    }
}

impl TimeBound {
    pub fn parse(text: &str) -> Result<TimeBound, String> {
        if let Some(ago) = Ago::parse(text) {
            return ago.map(TimeBound::Ago);
        }
        let in_range = |day: Date| (FIRST_DAY..=LAST_DAY).contains(&day);
        let out_of_range = || {
            format!(
                "`{text}` is outside the dates this service can represent, 0000-01-01 to 9999-12-31 (UTC): \
                 leave the parameter out for an open range"
            )
        };
        if let Ok(day) = Date::parse(text, DATE_FORMAT) {
            return if in_range(day) { Ok(TimeBound::Day(day)) } else { Err(out_of_range()) };
        }
        let instant = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            format!("`{text}` is neither a date (YYYY-MM-DD) nor an RFC 3339 instant (2016-06-09T13:59:24Z)")
        })?;
        // Checked: near the ends of the range an offset can carry the UTC
        // instant out of it, where `to_offset` would panic.
        match instant.checked_to_offset(time::UtcOffset::UTC) {
            Some(utc) if in_range(utc.date()) => Ok(TimeBound::Instant(utc)),
            _ => Err(out_of_range()),
        }
    }

    /// The first instant this bound lets through when used as `from`, a
    /// relative bound counted back from `now`.
    pub fn start(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            TimeBound::Day(day) => day.with_time(Time::MIDNIGHT).assume_utc(),
            TimeBound::Instant(instant) => instant,
            TimeBound::Ago(ago) => now - ago.duration(),
        }
    }

    /// The last instant this bound lets through when used as `to`: a day
    /// includes all of itself. No arithmetic, so even the last day of the
    /// calendar has an end.
    pub fn end(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            TimeBound::Day(day) => day.with_time(LAST_MICROSECOND).assume_utc(),
            TimeBound::Instant(instant) => instant,
            TimeBound::Ago(ago) => now - ago.duration(),
        }
    }

    /// This bound as an instant when it is relative to now.
    pub fn resolved(self, now: OffsetDateTime) -> TimeBound {
        match self {
            TimeBound::Ago(_) => TimeBound::Instant(self.start(now)),
            absolute => absolute,
        }
    }
}

impl fmt::Display for TimeBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeBound::Day(day) => f.write_str(&day.format(DATE_FORMAT).map_err(|_| fmt::Error)?),
            TimeBound::Instant(instant) => f.write_str(&instant.format(&Rfc3339).map_err(|_| fmt::Error)?),
            TimeBound::Ago(ago) => ago.fmt(f),
        }
    }
}

/// What the View button filters on. Every part is optional; parts combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub from: Option<TimeBound>,
    pub to: Option<TimeBound>,
    /// Case-insensitive substring of the administrator email, user email,
    /// user name or domain name.
    pub keyword: Option<String>,
    /// Empty means every action.
    pub actions: Vec<Action>,
}

impl LogFilter {
    /// The filter at the moment `now`: relative bounds become instants. A
    /// request resolves its filter once, so every read it makes (an
    /// export's chunks) sees the same window.
    pub fn resolved(&self, now: OffsetDateTime) -> LogFilter {
        LogFilter { from: self.from.map(|b| b.resolved(now)), to: self.to.map(|b| b.resolved(now)), ..self.clone() }
    }
}

/// Which parameters a query string may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    /// `GET /admin-logs`: filters, `limit`, `cursor`.
    Page,
    /// `GET /admin-logs/export`: filters and `header`.
    Export,
    /// `GET /admin-logs/feed`: filters, `after`, `limit`, `wait`.
    Feed,
    /// `GET /admin-logs/histogram`: the filters alone.
    Histogram,
    /// `GET /admin-logs/action-counts`: range and keyword, no `actions`
    /// (each count is what choosing that action alone would show).
    ActionCounts,
}

/// A parsed query string of either endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub filter: LogFilter,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub header: bool,
    /// Export only: `format=extended` adds id, source, recorded_by and
    /// received_at after the seed's six columns.
    pub extended: bool,
    /// Feed only: the id the consumer has read up to (0: from the start).
    pub after: Option<i64>,
    /// Feed only: how long to wait for new events when there are none yet.
    pub wait_seconds: Option<u32>,
}

impl LogQuery {
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE_SIZE)
    }

    pub fn feed_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_FEED_SIZE)
    }

    /// Parses a raw query string (without the `?`), reporting every problem.
    /// `actions` may be comma-separated, repeated, or both.
    pub fn parse(query_string: &str, kind: QueryKind) -> Result<LogQuery, Vec<Problem>> {
        let mut query = LogQuery::default();
        let mut problems = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query_string.as_bytes()) {
            let repeatable = name == "actions";
            if !repeatable && seen.iter().any(|s| *s == name) {
                problems.push(Problem::new(name.as_ref(), "is given more than once"));
                continue;
            }
            seen.push(name.to_string());
            match (name.as_ref(), kind) {
                ("from", _) => parse_bound(&value, "from", &mut query.filter.from, &mut problems),
                ("to", _) => parse_bound(&value, "to", &mut query.filter.to, &mut problems),
                ("keyword", _) => match check_keyword(&value) {
                    Ok(keyword) => query.filter.keyword = keyword,
                    Err(message) => problems.push(Problem::new("keyword", message)),
                },
                // `actions=` names no action: a client bug, not "every action"
                // (leaving the parameter out says that).
                ("actions", QueryKind::ActionCounts) => problems.push(Problem::new(
                    "actions",
                    "is not a parameter of this endpoint: each action's count is what choosing it alone would \
                     show, so leave actions out",
                )),
                ("actions", _) if value.trim().is_empty() => problems.push(Problem::new(
                    "actions",
                    "is empty: name an action type, or leave the parameter out for every action",
                )),
                ("actions", _) => {
                    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        match name.parse::<Action>() {
                            Ok(action) if !query.filter.actions.contains(&action) => query.filter.actions.push(action),
                            Ok(_) => {}
                            Err(unknown) => problems.push(Problem::new("actions", unknown.to_string())),
                        }
                    }
                }
                ("limit", QueryKind::Page | QueryKind::Feed) => match value.parse::<u32>() {
                    Ok(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => query.limit = Some(limit),
                    _ => problems
                        .push(Problem::new("limit", format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"))),
                },
                ("cursor", QueryKind::Page) if !value.is_empty() => query.cursor = Some(value.into_owned()),
                ("cursor", QueryKind::Page) => {}
                ("after", QueryKind::Feed) => match value.parse::<i64>() {
                    Ok(after) if after >= 0 => query.after = Some(after),
                    _ => problems.push(Problem::new(
                        "after",
                        "must be an event id (a whole number, 0 or more): the next_after of the last response",
                    )),
                },
                ("wait", QueryKind::Feed) => match value.parse::<u32>() {
                    Ok(wait) if wait <= MAX_FEED_WAIT_SECONDS => query.wait_seconds = Some(wait),
                    _ => problems.push(Problem::new(
                        "wait",
                        format!("must be a whole number of seconds from 0 to {MAX_FEED_WAIT_SECONDS}"),
                    )),
                },
                ("header", QueryKind::Export) => match value.as_ref() {
                    "true" => query.header = true,
                    "false" => query.header = false,
                    _ => problems.push(Problem::new("header", "must be true or false")),
                },
                ("format", QueryKind::Export) => match value.as_ref() {
                    "seed" => query.extended = false,
                    "extended" => query.extended = true,
                    _ => problems.push(Problem::new("format", "must be seed (the six columns) or extended")),
                },
                (other, _) => problems.push(Problem::new(other, unknown_parameter_message(kind))),
            }
        }
        // Two relative bounds compare the same at any moment; a relative and
        // an absolute one depend on when they are asked (a window that has
        // moved past a fixed `to` is empty, not wrong).
        if let (Some(from), Some(to)) = (query.filter.from, query.filter.to) {
            let relative = |b: TimeBound| matches!(b, TimeBound::Ago(_));
            let any_moment = time::macros::datetime!(2000-01-01 0:00 UTC);
            if relative(from) == relative(to) && from.start(any_moment) > to.end(any_moment) {
                problems.push(Problem::new("from", format!("({from}) is after to ({to}): swap the two")));
            }
        }
        if problems.is_empty() {
            Ok(query)
        } else {
            Err(problems)
        }
    }

    /// The query string that `parse` reads back into this query.
    pub fn to_query_string(&self, kind: QueryKind) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(from) = self.filter.from {
            out.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.filter.to {
            out.append_pair("to", &to.to_string());
        }
        if let Some(keyword) = &self.filter.keyword {
            out.append_pair("keyword", keyword);
        }
        if !self.filter.actions.is_empty() && kind != QueryKind::ActionCounts {
            let names: Vec<&str> = self.filter.actions.iter().map(|a| a.as_str()).collect();
            out.append_pair("actions", &names.join(","));
        }
        match kind {
            QueryKind::Page => {
                if let Some(limit) = self.limit {
                    out.append_pair("limit", &limit.to_string());
                }
                if let Some(cursor) = &self.cursor {
                    out.append_pair("cursor", cursor);
                }
            }
            QueryKind::Feed => {
                if let Some(after) = self.after {
                    out.append_pair("after", &after.to_string());
                }
                if let Some(limit) = self.limit {
                    out.append_pair("limit", &limit.to_string());
                }
                if let Some(wait) = self.wait_seconds {
                    out.append_pair("wait", &wait.to_string());
                }
            }
            QueryKind::Export => {
                if self.header {
                    out.append_pair("header", "true");
                }
                if self.extended {
                    out.append_pair("format", "extended");
                }
            }
            QueryKind::Histogram | QueryKind::ActionCounts => {}
        }
        out.finish()
    }
}

fn unknown_parameter_message(kind: QueryKind) -> &'static str {
    match kind {
        QueryKind::Page => "is not a parameter of this endpoint (from, to, keyword, actions, limit, cursor)",
        QueryKind::Export => "is not a parameter of this endpoint (from, to, keyword, actions, header, format)",
        QueryKind::Feed => "is not a parameter of this endpoint (from, to, keyword, actions, after, limit, wait)",
        QueryKind::Histogram => "is not a parameter of this endpoint (from, to, keyword, actions)",
        QueryKind::ActionCounts => "is not a parameter of this endpoint (from, to, keyword)",
    }
}

fn parse_bound(value: &str, field: &str, slot: &mut Option<TimeBound>, problems: &mut Vec<Problem>) {
    if value.is_empty() {
        return;
    }
    match TimeBound::parse(value) {
        Ok(bound) => *slot = Some(bound),
        Err(message) => problems.push(Problem::new(field, message)),
    }
}

/// Trims the keyword; an empty one means no keyword filter.
pub fn check_keyword(raw: &str) -> Result<Option<String>, String> {
    if raw.chars().count() > MAX_KEYWORD_CHARS {
        return Err(format!("must be at most {MAX_KEYWORD_CHARS} characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    let keyword = raw.trim();
    Ok((!keyword.is_empty()).then(|| keyword.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// Absolute bounds ignore the moment they are asked.
    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    fn parse(qs: &str) -> Result<LogQuery, Vec<Problem>> {
        LogQuery::parse(qs, QueryKind::Page)
    }

    #[test]
    fn feed_parameters_round_trip_and_are_bounded() {
        let query = LogQuery::parse("after=41&limit=1000&wait=30&actions=LOG_IN", QueryKind::Feed).unwrap();
        assert_eq!((query.after, query.limit, query.wait_seconds), (Some(41), Some(1000), Some(30)));
        assert_eq!(LogQuery::parse(&query.to_query_string(QueryKind::Feed), QueryKind::Feed), Ok(query));
        for bad in ["after=-1", "after=x", "limit=0", "limit=1001", "wait=31", "wait=-1", "cursor=abc"] {
            let problems = LogQuery::parse(bad, QueryKind::Feed).unwrap_err();
            assert_eq!(problems[0].field, bad.split('=').next().unwrap(), "{bad}");
        }
        assert!(LogQuery::parse("after=1", QueryKind::Page).is_err(), "a page has no `after`");
    }

    #[test]
    fn empty_query_means_no_filter() {
        assert_eq!(parse(""), Ok(LogQuery::default()));
    }

    #[test]
    fn days_cover_whole_utc_days() {
        let q = parse("from=2016-06-09&to=2016-06-09").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(2016-06-09 00:00 UTC));
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(2016-06-09 23:59:59.999999 UTC));
    }

    #[test]
    fn spans_back_from_now_stay_relative_until_resolved() {
        let q = parse("from=now-7d&to=now-24h").unwrap();
        assert_eq!(q.filter.from, Some(TimeBound::Ago(Ago::LAST_7_DAYS)));
        assert_eq!(q.to_query_string(QueryKind::Page), "from=now-7d&to=now-24h");
        let resolved = q.filter.resolved(NOW);
        assert_eq!(resolved.from, Some(TimeBound::Instant(datetime!(2026-11-23 12:00 UTC))));
        assert_eq!(resolved.to, Some(TimeBound::Instant(datetime!(2026-11-29 12:00 UTC))));
        assert_eq!(parse("from=now-1h&to=now-2h").unwrap_err()[0].field, "from", "later start than end");
        assert!(parse("from=now-1d&to=2016-01-01").is_ok(), "a moving window past a fixed end is empty, not wrong");
        for bad in [
            "now-0d",
            "now-7",
            "now-7w",
            "now-d",
            "now--7d",
            "now-+7d",
            "now-36501d",
            "now-876001h",
            "now-99999999999d",
        ] {
            let problems = parse(&format!("from={bad}")).unwrap_err();
            assert!(problems[0].message.contains("span back from now"), "{bad}: {problems:?}");
        }
        assert!(parse("from=now-36500d").is_ok() && parse("to=now-876000h").is_ok());
    }

    #[test]
    fn instants_are_kept_exactly_in_utc() {
        let q = parse("from=2016-06-09T15:59:24%2B02:00").unwrap();
        assert_eq!(q.filter.from, Some(TimeBound::Instant(datetime!(2016-06-09 13:59:24 UTC))));
    }

    #[test]
    fn actions_accept_commas_and_repetition_without_duplicates() {
        let q = parse("actions=LOG_IN,LOG_OUT&actions=ISSUE_TOKEN&actions=LOG_IN").unwrap();
        assert_eq!(q.filter.actions, vec![Action::LOG_IN, Action::LOG_OUT, Action::ISSUE_TOKEN]);
        for empty in ["actions=", "actions=LOG_IN&actions=", "actions=%20"] {
            assert!(parse(empty).unwrap_err()[0].message.contains("is empty"), "{empty}");
        }
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = parse("from=yesterday&actions=NOPE&limit=0&keyword=a%07b&colour=red").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["from", "actions", "limit", "keyword", "colour"]);
        assert!(problems[1].message.contains("NOPE"));
    }

    #[test]
    fn from_after_to_is_refused() {
        let problems = parse("from=2016-06-10&to=2016-06-09").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("after"));
    }

    #[test]
    fn limits_and_keyword_length_are_bounded() {
        assert!(parse("limit=1000").is_ok());
        assert!(parse("limit=1001").is_err());
        assert!(parse(&format!("keyword={}", "a".repeat(256))).is_ok());
        assert!(parse(&format!("keyword={}", "a".repeat(257))).is_err());
        assert_eq!(parse("keyword=%20%20").unwrap().filter.keyword, None);
    }

    #[test]
    fn export_and_page_accept_their_own_parameters_only() {
        assert!(LogQuery::parse("header=true", QueryKind::Export).unwrap().header);
        assert!(LogQuery::parse("header=true", QueryKind::Page).is_err());
        assert!(LogQuery::parse("format=extended", QueryKind::Export).unwrap().extended);
        assert!(!LogQuery::parse("format=seed", QueryKind::Export).unwrap().extended);
        assert!(LogQuery::parse("format=xml", QueryKind::Export).is_err());
        assert!(LogQuery::parse("format=extended", QueryKind::Page).is_err());
        assert!(LogQuery::parse("limit=5", QueryKind::Export).is_err());
        assert!(parse("limit=5&limit=6").is_err());
    }

    #[test]
    fn a_to_at_the_end_of_time_is_accepted() {
        let q = parse("to=9999-12-31").unwrap();
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(9999-12-31 23:59:59.999999 UTC));
        let q = parse("from=2020-01-01&to=9999-12-31").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(2020-01-01 0:00 UTC));
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(9999-12-31 23:59:59.999999 UTC));
        assert!(LogQuery::parse("from=2020-01-01&to=9999-12-31", QueryKind::Export).is_ok());
    }

    #[test]
    fn the_first_and_last_representable_days_are_accepted() {
        let q = parse("from=9999-12-31").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(9999-12-31 0:00 UTC));
        let q = parse("from=9999-12-31&to=9999-12-31").unwrap();
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(9999-12-31 23:59:59.999999 UTC));
        let q = parse("from=0001-01-01&to=0001-01-01").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(0001-01-01 0:00 UTC));
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(0001-01-01 23:59:59.999999 UTC));
        let q = parse("from=0000-01-01&to=0000-01-01").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(0000-01-01 0:00 UTC));
    }

    #[test]
    fn days_beyond_four_digit_years_are_refused_naming_the_parameter() {
        for (qs, field) in [
            ("to=%2B10000-01-01", "to"),
            ("to=10000-01-01", "to"),
            ("from=%2B10000-01-01", "from"),
            ("from=%2B99999-12-31", "from"),
            ("to=-0001-12-31", "to"),
            ("from=-9999-01-01", "from"),
        ] {
            let problems = parse(qs).unwrap_err();
            assert_eq!(problems.len(), 1, "{qs}: {problems:?}");
            assert_eq!(problems[0].field, field, "{qs}");
        }
    }

    #[test]
    fn instants_at_the_extremes() {
        let q = parse("to=9999-12-31T23:59:59.999999999Z").unwrap();
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(9999-12-31 23:59:59.999999999 UTC));
        let q = parse("from=0000-01-01T00:00:00Z").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(0000-01-01 0:00 UTC));
        // An offset that keeps the instant inside the range is fine.
        let q = parse("from=0000-01-01T00:00:00-01:00&to=9999-12-31T23:59:59%2B01:00").unwrap();
        assert_eq!(q.filter.from.unwrap().start(NOW), datetime!(0000-01-01 1:00 UTC));
        assert_eq!(q.filter.to.unwrap().end(NOW), datetime!(9999-12-31 22:59:59 UTC));
        // Written near the edge, but in UTC past year 9999 or before year 0.
        for (qs, field) in [
            ("to=9999-12-31T23:59:59-01:00", "to"),
            ("from=9999-12-31T23:00:00-23:59", "from"),
            ("from=0000-01-01T00:00:00%2B01:00", "from"),
            ("to=0000-01-01T00:00:00%2B00:01", "to"),
            ("to=%2B10000-01-01T00:00:00Z", "to"),
            ("from=99999-01-01T00:00:00Z", "from"),
        ] {
            let problems = parse(qs).unwrap_err();
            assert_eq!(problems.len(), 1, "{qs}: {problems:?}");
            assert_eq!(problems[0].field, field, "{qs}");
        }
    }

    #[test]
    fn every_accepted_extreme_prints_back() {
        for qs in [
            "to=9999-12-31",
            "from=0000-01-01",
            "from=0001-01-01&to=9999-12-31",
            "to=9999-12-31T23:59:59.999999999Z",
            "from=0000-01-01T00:00:00-01:00",
            "to=9999-12-31T23:59:59%2B01:00",
        ] {
            let query = parse(qs).unwrap();
            let printed = query.to_query_string(QueryKind::Page);
            assert_eq!(parse(&printed), Ok(query), "{qs} printed as {printed}");
        }
    }

    #[test]
    fn from_after_to_is_refused_at_the_extremes_too() {
        for qs in [
            "from=9999-12-31&to=0000-01-01",
            "from=9999-12-31&to=9999-12-30",
            "from=9999-12-31T00:00:00.000001Z&to=9999-12-31T00:00:00Z",
        ] {
            let problems = parse(qs).unwrap_err();
            assert_eq!(problems.len(), 1, "{qs}");
            assert_eq!(problems[0].field, "from", "{qs}");
            assert!(problems[0].message.contains("after"), "{qs}");
        }
    }

    #[test]
    fn query_string_round_trips() {
        let query = LogQuery {
            filter: LogFilter {
                from: Some(TimeBound::Day(date!(2016 - 06 - 01))),
                to: Some(TimeBound::Instant(datetime!(2016-06-30 12:00 UTC))),
                keyword: Some("john doe&co".into()),
                actions: vec![Action::ISSUE_TOKEN, Action::CREATE_DOMAIN],
            },
            limit: Some(20),
            cursor: Some("abc".into()),
            header: false,
            extended: false,
            after: None,
            wait_seconds: None,
        };
        let text = query.to_query_string(QueryKind::Page);
        assert_eq!(parse(&text), Ok(query));
    }
}
