//! The walks behind the routes that read several indexes: each yields the
//! (ts, id) keys of the newest matches, merged into one page; the page's rows
//! are fetched afterwards, by id.

use super::super::terms::TermColumn;
use super::super::{AnyConn, StorageResult};
use super::sql::{action_keys, column_keys, each_value_keys, each_value_keys_sqlite, rows_by_id, time_order_terms};
use super::{points_at_any, EventRow, EventSelection};
use crate::domain::cursor::Position;

/// One part of a keyword's matches, read from one column's index.
pub(super) enum Walk<'a> {
    /// The newest events of the column pointing at any of these terms,
    /// collected and sorted together.
    AllTerms(TermColumn, &'a [i64]),
    /// Each term's newest events, read in time order from the index.
    EachTerm(TermColumn, &'a [i64]),
}

/// The newest page of keys seen so far.
struct NewestKeys {
    keys: Vec<(i64, i64)>,
    limit: usize,
}

impl NewestKeys {
    fn new(selection: &EventSelection) -> NewestKeys {
        NewestKeys { keys: Vec::new(), limit: selection.limit.max(0) as usize }
    }

    fn add(&mut self, keys: Vec<(i64, i64)>) {
        self.keys.extend(keys);
        self.keys.sort_unstable_by_key(|key| std::cmp::Reverse(*key));
        self.keys.dedup();
        self.keys.truncate(self.limit);
    }

    /// Once a page is full, only newer keys can still enter it.
    fn newer_than(&self) -> Option<Position> {
        let (ts_micros, id) = *self.keys.last()?;
        (self.limit > 0 && self.keys.len() == self.limit).then_some(Position { ts_micros, id })
    }
}

/// The newest page of the union of several index reads: (ts, id) from each,
/// merged and cut to the page. Once a page's worth is known, later reads stop
/// at its oldest key: a read that cannot reach into the page costs one index
/// probe.
pub(super) fn merged_keys(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    walks: &[Walk<'_>],
) -> StorageResult<Vec<(i64, i64)>> {
    let mut page = NewestKeys::new(selection);
    for walk in walks {
        match (walk, &mut *conn) {
            (Walk::AllTerms(column, ids), conn) => {
                page.add(column_keys(conn, org_id, selection, page.newer_than(), *column, ids)?);
            }
            // One statement for all the terms: the cost per statement (a
            // round trip and planning on PostgreSQL, preparing on SQLite)
            // outweighs a short walk.
            (Walk::EachTerm(column, ids), AnyConn::Pg(pg)) => {
                page.add(each_value_keys(pg, org_id, selection, page.newer_than(), column.events_column(), ids)?);
            }
            (Walk::EachTerm(column, ids), AnyConn::Sqlite(sqlite)) => {
                let newer_than = page.newer_than();
                page.add(each_value_keys_sqlite(sqlite, org_id, selection, newer_than, column.events_column(), ids)?);
            }
        }
    }
    Ok(page.keys)
}

/// The newest page of the selection's actions, one walk of the action index
/// per action.
pub(super) fn per_action_keys(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
) -> StorageResult<Vec<(i64, i64)>> {
    let mut codes: Vec<i16> = selection.actions.iter().map(|action| action.code()).collect();
    // A repeated action would list its events twice.
    codes.sort_unstable();
    codes.dedup();
    let each = EventSelection { actions: Vec::new(), ..selection.clone() };
    match conn {
        AnyConn::Pg(pg) => {
            let codes: Vec<i64> = codes.iter().map(|code| i64::from(*code)).collect();
            each_value_keys(pg, org_id, &each, None, "action", &codes)
        }
        AnyConn::Sqlite(_) => {
            let mut page = NewestKeys::new(selection);
            for code in codes {
                let newer_than = page.newer_than();
                page.add(action_keys(conn, org_id, &each, newer_than, code)?);
            }
            Ok(page.keys)
        }
    }
}

/// Rows read per step of a scan, growing: a broad keyword fills a page from
/// the first step, a rarer one reads further in larger steps.
const FIRST_SCAN_STEP: i64 = 256;
const LAST_SCAN_STEP: i64 = 16_384;

/// Walks the selection newest first in steps, keeping the rows that point
/// at a term in `wanted`, until the page is full or the log ends. Only the
/// positions and term ids of the rows walked are read; the page's rows are
/// read whole at the end. Recent rows that do not match (a new sender whose
/// events lack the keyword) are then cheap to walk past: 20,000 of them
/// cost a page 30 ms read whole.
pub(super) fn scan_matching(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    wanted: &[bool],
) -> StorageResult<Vec<EventRow>> {
    let limit = selection.limit.max(0) as usize;
    let mut found = Vec::with_capacity(limit);
    let mut step = EventSelection { keyword: None, limit: FIRST_SCAN_STEP, ..selection.clone() };
    while found.len() < limit {
        let keys = time_order_terms(conn, org_id, &step)?;
        let exhausted = (keys.len() as i64) < step.limit;
        step.after = keys.last().map(|&(ts_micros, id, ..)| Position { ts_micros, id }).or(step.after);
        let matching = keys.iter().filter(|&&(_, _, a, b, c, d)| points_at_any([a, b, c, d], wanted));
        found.extend(matching.map(|&(_, id, ..)| id).take(limit - found.len()));
        if exhausted {
            break;
        }
        step.limit = (step.limit * 2).min(LAST_SCAN_STEP);
    }
    rows_by_id(conn, org_id, &found)
}
