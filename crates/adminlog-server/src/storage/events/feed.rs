//! The feed: events in ascending id order after a consumer's position, with
//! a promise of completeness (`complete_through`).
//!
//! Ids are assigned under the organization's lock in the transaction that
//! stores the events, and the next writer takes that lock only after the
//! previous one committed. So ids become visible in order: a snapshot that
//! sees an event sees every event with a smaller id. Reading the head
//! (`organizations.last_event_id`) and the rows in one snapshot therefore
//! tells exactly which ids can no longer appear. Timestamps give no such
//! promise: they are taken (or sent by the client) before the commit, and a
//! back-dated event lands behind any time a consumer has already read past.

use diesel::prelude::*;

use super::super::schema::{events, organizations};
use super::super::terms::matching_terms;
use super::super::{on_any, AnyConn, Db, StorageResult};
use super::{to_events, EventRow, EventSelection};
use adminlog_types::{Action, Event, LogFilter};

/// The most ids one response looks at, matching or not: a filter that
/// matches rarely answers within a bounded time with fewer events and a
/// `complete_through` that still moves on.
const MAX_EXAMINED_IDS: i64 = 20_000;

/// Rows read per statement when a keyword is filtered here, after the read.
const KEYWORD_CHUNK: i64 = 2_000;

/// What a feed request asks for: the page filters, a position and a size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedSelection {
    pub from_micros: Option<i64>,
    pub to_micros: Option<i64>,
    /// Already case-folded.
    pub keyword: Option<String>,
    pub actions: Vec<Action>,
    pub after: i64,
    pub limit: i64,
    /// Look at no id above this one (a push stream's batch being retried).
    pub through: Option<i64>,
}

impl FeedSelection {
    /// The filter read as a page reads it (bounds, folded keyword, actions).
    pub fn new(filter: &LogFilter, after: i64, limit: i64) -> FeedSelection {
        let EventSelection { from_micros, to_micros, keyword, actions, .. } = EventSelection::new(filter, None, limit);
        FeedSelection { from_micros, to_micros, keyword, actions, after, limit, through: None }
    }
}

/// One feed response.
#[derive(Debug)]
pub struct FeedRead {
    pub events: Vec<Event>,
    pub next_after: i64,
    pub complete_through: i64,
    /// The organization's newest event id in the snapshot read.
    pub head: i64,
}

impl Db {
    /// Matching events after `selection.after`, in id order, read in one
    /// snapshot with the head they are complete up to.
    pub fn feed_events(&self, org_id: i64, selection: &FeedSelection) -> StorageResult<FeedRead> {
        self.snapshot(|conn| {
            let head = head_in(conn, org_id)?;
            let upper =
                head.min(selection.after.saturating_add(MAX_EXAMINED_IDS)).min(selection.through.unwrap_or(i64::MAX));
            if selection.after >= upper {
                return Ok(FeedRead { events: Vec::new(), next_after: selection.after, complete_through: upper, head });
            }
            let dictionary = self.terms.current(conn, org_id)?;
            let wanted = match selection.keyword.as_deref() {
                Some(keyword) => Some(matching_terms(conn, dictionary.as_deref(), org_id, keyword)?.membership()),
                None => None,
            };
            let rows = match &wanted {
                None => rows_between(conn, org_id, selection, selection.after, upper, selection.limit)?,
                Some(wanted) => keyword_rows(conn, org_id, selection, upper, wanted)?,
            };
            // A full response is complete up to its last event; a short one
            // up to everything it looked at.
            let reached = match rows.last() {
                Some(last) if rows.len() as i64 == selection.limit => last.id,
                _ => upper,
            };
            let events = to_events(conn, dictionary.as_deref(), org_id, rows)?;
            Ok(FeedRead { events, next_after: reached, complete_through: reached, head })
        })
    }
}

fn head_in(conn: &mut AnyConn<'_>, org_id: i64) -> StorageResult<i64> {
    let head: Option<i64> =
        on_any!(conn, |c| organizations::table.find(org_id).select(organizations::last_event_id).first(c).optional())?;
    Ok(head.unwrap_or(0))
}

/// Events with `after < id <= upper` passing the time window and actions, at
/// most `limit`, in id order. The filtered columns are compared as
/// expressions (`+ 0`) so that no index but the primary key's serves the
/// statement: its walk is bounded by the id range, whatever the statistics.
fn rows_between(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &FeedSelection,
    after: i64,
    upper: i64,
    limit: i64,
) -> StorageResult<Vec<EventRow>> {
    let codes: Vec<i16> = selection.actions.iter().map(|a| a.code()).collect();
    Ok(on_any!(conn, |c| {
        let mut query = events::table
            .filter(events::org_id.eq(org_id))
            .filter(events::id.gt(after))
            .filter(events::id.le(upper))
            .select(EventRow::as_select())
            .into_boxed();
        if let Some(from) = selection.from_micros {
            query = query.filter((events::ts + 0i64).ge(from));
        }
        if let Some(to) = selection.to_micros {
            query = query.filter((events::ts + 0i64).le(to));
        }
        if !codes.is_empty() {
            query = query.filter((events::action + 0i16).eq_any(&codes));
        }
        query.order(events::id.asc()).limit(limit).load(c)
    })?)
}

/// [`rows_between`] in chunks, keeping the rows one of whose terms the
/// keyword matches (`wanted`, indexed by term id).
fn keyword_rows(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &FeedSelection,
    upper: i64,
    wanted: &[bool],
) -> StorageResult<Vec<EventRow>> {
    let limit = selection.limit.max(0) as usize;
    let mut found = Vec::with_capacity(limit);
    let mut after = selection.after;
    while found.len() < limit && after < upper {
        let rows = rows_between(conn, org_id, selection, after, upper, KEYWORD_CHUNK)?;
        let exhausted = (rows.len() as i64) < KEYWORD_CHUNK;
        after = rows.last().map_or(upper, |row| row.id);
        for row in rows {
            if row.points_at_any(wanted) {
                found.push(row);
                if found.len() == limit {
                    return Ok(found);
                }
            }
        }
        if exhausted {
            break;
        }
    }
    Ok(found)
}
