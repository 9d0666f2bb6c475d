//! The statements that read events. Each one pins the index it walks: the
//! ordering matches that index, single values are compared by equality, and
//! `+ 0` takes an index out of the planner's reach where it would walk the
//! wrong one. So the plan does not depend on the engine's statistics.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::super::schema::events;
use super::super::terms::{Matches, TermColumn};
use super::super::{on_any, AnyConn, StorageResult};
use super::{EventRow, EventSelection};
use crate::domain::cursor::Position;

/// Events of one column pointing at `ids`, counted up to `cap + 1` from the
/// column's covering index.
pub(super) fn count_in_column(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    column: TermColumn,
    ids: &[i64],
    cap: i64,
) -> StorageResult<i64> {
    let found: Vec<i64> = on_any!(conn, |c| {
        let query = events::table.filter(events::org_id.eq(org_id)).select(events::id).limit(cap + 1).into_boxed();
        match column {
            TermColumn::Admin => query.filter(events::admin_term.eq_any(ids)),
            TermColumn::UserEmail => query.filter(events::user_email_term.eq_any(ids)),
            TermColumn::UserName => query.filter(events::user_name_term.eq_any(ids)),
            TermColumn::Domain => query.filter(events::domain_term.eq_any(ids)),
        }
        .load(c)
    })?;
    Ok(found.len() as i64)
}

/// The selection's time window, actions and cursor, on any boxed events query.
macro_rules! selection_filters {
    ($query:expr, $selection:expr, $codes:expr) => {{
        let mut query = $query;
        if let Some(from) = $selection.from_micros {
            query = query.filter(events::ts.ge(from));
        }
        if let Some(to) = $selection.to_micros {
            query = query.filter(events::ts.le(to));
        }
        if !$codes.is_empty() {
            query = query.filter(events::action.eq_any(&$codes));
        }
        if let Some(after) = $selection.after {
            // A row comparison: the form PostgreSQL serves from the index.
            query = query.filter(
                diesel::dsl::sql::<Bool>("(events.ts, events.id) < (")
                    .bind::<BigInt, _>(after.ts_micros)
                    .sql(", ")
                    .bind::<BigInt, _>(after.id)
                    .sql(")"),
            );
        }
        query
    }};
}

/// Only keys newer than `bound`, when given: spelled out rather than as a
/// row comparison, which diesel cannot express, so the statement stays
/// preparable once per connection, and `ts >=` still bounds the index walk.
macro_rules! newer_than_filter {
    ($query:expr, $newer_than:expr) => {{
        let mut query = $query;
        if let Some(bound) = $newer_than {
            query = query
                .filter(events::ts.ge(bound.ts_micros).and(events::ts.gt(bound.ts_micros).or(events::id.gt(bound.id))));
        }
        query
    }};
}

/// Events where some column points at one of the matched terms, each column
/// against its own terms (an empty list matches nothing).
macro_rules! any_term_filter {
    ($matches:expr) => {
        events::admin_term
            .eq_any($matches.in_column(TermColumn::Admin))
            .or(events::user_email_term.eq_any($matches.in_column(TermColumn::UserEmail)))
            .or(events::user_name_term.eq_any($matches.in_column(TermColumn::UserName)))
            .or(events::domain_term.eq_any($matches.in_column(TermColumn::Domain)))
    };
}

/// The newest `selection.limit` (ts, id) of one column's matches (only those
/// newer than `newer_than`, when given), read from the column's index alone:
/// no event row is fetched before the cut.
pub(super) fn column_keys(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    newer_than: Option<Position>,
    column: TermColumn,
    ids: &[i64],
) -> StorageResult<Vec<(i64, i64)>> {
    let codes: Vec<i16> = selection.actions.iter().map(|a| a.code()).collect();
    Ok(on_any!(conn, |c| {
        let mut query = events::table.filter(events::org_id.eq(org_id)).select((events::ts, events::id)).into_boxed();
        query = selection_filters!(query, selection, codes);
        query = newer_than_filter!(query, newer_than);
        if let [id] = ids {
            // One term, by equality: the planner then reads the column's
            // index, already in time order, and stops after a page. (With
            // `= ANY` PostgreSQL may walk the whole time index instead when
            // the term is rare in this column: seconds at ten million.)
            query = match column {
                TermColumn::Admin => query.filter(events::admin_term.eq(*id)),
                TermColumn::UserEmail => query.filter(events::user_email_term.eq(*id)),
                TermColumn::UserName => query.filter(events::user_name_term.eq(*id)),
                TermColumn::Domain => query.filter(events::domain_term.eq(*id)),
            };
            query = query.order((events::ts.desc(), events::id.desc()));
        } else {
            query = match column {
                TermColumn::Admin => query.filter(events::admin_term.eq_any(ids)),
                TermColumn::UserEmail => query.filter(events::user_email_term.eq_any(ids)),
                TermColumn::UserName => query.filter(events::user_name_term.eq_any(ids)),
                TermColumn::Domain => query.filter(events::domain_term.eq_any(ids)),
            };
            // `+ 0` keeps the planner on the column's index: it collects the
            // few matches and sorts them instead of walking the time index.
            query = query.order(diesel::dsl::sql::<BigInt>("events.ts + 0 DESC, events.id + 0 DESC"));
        }
        query.limit(selection.limit).load(c)
    })?)
}

/// SQLite: the newest `selection.limit` (ts, id) of one action (newer than
/// `newer_than`, when given). One action by equality, ordered as the action
/// index is: no plan but its walk serves it, with statistics or without
/// (an `IN` list of actions let SQLite walk the whole time index instead,
/// when its statistics were missing).
pub(super) fn action_keys(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    newer_than: Option<Position>,
    code: i16,
) -> StorageResult<Vec<(i64, i64)>> {
    let no_codes: Vec<i16> = Vec::new();
    Ok(on_any!(conn, |c| {
        let mut query = events::table
            .filter(events::org_id.eq(org_id))
            .filter(events::action.eq(code))
            .select((events::ts, events::id))
            .into_boxed();
        query = selection_filters!(query, selection, no_codes);
        query = newer_than_filter!(query, newer_than);
        query.order((events::ts.desc(), events::id.desc())).limit(selection.limit).load(c)
    })?)
}

/// A (ts, id) key read by a hand-written statement.
#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = BigInt)]
    ts: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// SQLite: [`each_value_keys`] as one compound statement, a branch per
/// value, each branch its own walk of the column's index (equality on
/// the leading columns, ordered as the index is, stopped after a page), the
/// branches merged and cut to the page. One statement instead of one per
/// value, and no count first (measured on shape 9 of `cargo xtask bench` at
/// ten million: 19 branches 1.3 ms, where counting the 19 terms' events
/// alone took 3.4 ms before the time-order walk).
pub(super) fn each_value_keys_sqlite(
    conn: &mut diesel::sqlite::SqliteConnection,
    org_id: i64,
    selection: &EventSelection,
    newer_than: Option<Position>,
    column: &str,
    values: &[i64],
) -> StorageResult<Vec<(i64, i64)>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<i16> = selection.actions.iter().map(|a| a.code()).collect();
    let mut conditions = vec![format!("org_id = ? AND {column} = ?")];
    if selection.from_micros.is_some() {
        conditions.push("ts >= ?".to_owned());
    }
    if selection.to_micros.is_some() {
        conditions.push("ts <= ?".to_owned());
    }
    if !codes.is_empty() {
        conditions.push(format!("action IN ({})", vec!["?"; codes.len()].join(", ")));
    }
    if selection.after.is_some() {
        conditions.push("(ts, id) < (?, ?)".to_owned());
    }
    if newer_than.is_some() {
        conditions.push("(ts, id) > (?, ?)".to_owned());
    }
    let branch = format!(
        "SELECT * FROM (SELECT ts, id FROM events WHERE {} ORDER BY ts DESC, id DESC LIMIT ?)",
        conditions.join(" AND ")
    );
    let sql = format!("{} ORDER BY 1 DESC, 2 DESC LIMIT ?", vec![branch; values.len()].join(" UNION ALL "));
    let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
    for value in values {
        query = query.bind::<BigInt, _>(org_id).bind::<BigInt, _>(*value);
        if let Some(from) = selection.from_micros {
            query = query.bind::<BigInt, _>(from);
        }
        if let Some(to) = selection.to_micros {
            query = query.bind::<BigInt, _>(to);
        }
        for code in &codes {
            query = query.bind::<diesel::sql_types::SmallInt, _>(*code);
        }
        for position in [selection.after, newer_than].into_iter().flatten() {
            query = query.bind::<BigInt, _>(position.ts_micros).bind::<BigInt, _>(position.id);
        }
        query = query.bind::<BigInt, _>(selection.limit);
    }
    let keys: Vec<Key> = query.bind::<BigInt, _>(selection.limit).load(conn)?;
    Ok(keys.into_iter().map(|key| (key.ts, key.id)).collect())
}

/// PostgreSQL: the newest `selection.limit` (ts, id) of the events whose
/// `column` holds one of `values`, reading each value's walk of the column's
/// index (in time order, stopped after a page) through a lateral join, in one
/// statement.
pub(super) fn each_value_keys(
    conn: &mut diesel::pg::PgConnection,
    org_id: i64,
    selection: &EventSelection,
    newer_than: Option<Position>,
    column: &str,
    values: &[i64],
) -> StorageResult<Vec<(i64, i64)>> {
    use diesel::sql_types::{Array, SmallInt};

    let codes: Vec<i16> = selection.actions.iter().map(|a| a.code()).collect();
    let mut conditions = vec![format!("e.org_id = $2 AND e.{column} = t.value")];
    let mut next = 4;
    let mut parameter = || {
        next += 1;
        format!("${}", next - 1)
    };
    if selection.from_micros.is_some() {
        conditions.push(format!("e.ts >= {}", parameter()));
    }
    if selection.to_micros.is_some() {
        conditions.push(format!("e.ts <= {}", parameter()));
    }
    if !codes.is_empty() {
        conditions.push(format!("e.action = ANY({})", parameter()));
    }
    if selection.after.is_some() {
        conditions.push(format!("(e.ts, e.id) < ({}, {})", parameter(), parameter()));
    }
    if newer_than.is_some() {
        conditions.push(format!("(e.ts, e.id) > ({}, {})", parameter(), parameter()));
    }
    let sql = format!(
        "SELECT k.ts, k.id FROM unnest($1::bigint[]) AS t(value) CROSS JOIN LATERAL \
         (SELECT e.ts, e.id FROM events e WHERE {} ORDER BY e.ts DESC, e.id DESC LIMIT $3) k \
         ORDER BY k.ts DESC, k.id DESC LIMIT $3",
        conditions.join(" AND ")
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed::<diesel::pg::Pg>()
        .bind::<Array<BigInt>, _>(values.to_vec())
        .bind::<BigInt, _>(org_id)
        .bind::<BigInt, _>(selection.limit);
    if let Some(from) = selection.from_micros {
        query = query.bind::<BigInt, _>(from);
    }
    if let Some(to) = selection.to_micros {
        query = query.bind::<BigInt, _>(to);
    }
    if !codes.is_empty() {
        query = query.bind::<Array<SmallInt>, _>(codes);
    }
    for position in [selection.after, newer_than].into_iter().flatten() {
        query = query.bind::<BigInt, _>(position.ts_micros).bind::<BigInt, _>(position.id);
    }
    let keys: Vec<Key> = query.load(conn)?;
    Ok(keys.into_iter().map(|key| (key.ts, key.id)).collect())
}

/// Whole rows for chosen ids, newest first.
pub(super) fn rows_by_id(conn: &mut AnyConn<'_>, org_id: i64, ids: &[i64]) -> StorageResult<Vec<EventRow>> {
    // Not even asked: with an empty list every plan costs nothing in the
    // planner's eyes, and PostgreSQL once took one that walked the whole
    // organization to find nothing (80 ms a page for a keyword without a
    // match, at a million events right after a burst).
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<EventRow> = on_any!(conn, |c| events::table
        .filter(events::org_id.eq(org_id))
        .filter(events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load(c))?;
    rows.sort_unstable_by_key(|row| std::cmp::Reverse((row.ts, row.id)));
    Ok(rows)
}

/// A time-order read selecting `$columns`: the selection's filters, cursor
/// and order; with `$any_of`, only events where some column points at one of
/// those terms (the keyword itself is the caller's to resolve).
macro_rules! time_order {
    ($conn:expr, $org_id:expr, $selection:expr, $any_of:expr, $columns:expr) => {{
        let codes: Vec<i16> = $selection.actions.iter().map(|a| a.code()).collect();
        Ok(on_any!($conn, |c| {
            let mut query = events::table.filter(events::org_id.eq($org_id)).select($columns).into_boxed();
            query = selection_filters!(query, $selection, codes);
            if let Some(matches) = $any_of {
                query = query.filter(any_term_filter!(matches));
            }
            query.order((events::ts.desc(), events::id.desc())).limit($selection.limit).load(c)
        })?)
    }};
}

/// One page in time order, whole rows.
pub(super) fn time_order_rows(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    any_of: Option<&Matches>,
) -> StorageResult<Vec<EventRow>> {
    time_order!(conn, org_id, selection, any_of, EventRow::as_select())
}

/// What a scan reads of each row: its position (ts, id) and its four term
/// ids, not the whole row.
pub(super) type ScanKey = (i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// [`time_order_rows`], positions and term ids only.
pub(super) fn time_order_terms(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
) -> StorageResult<Vec<ScanKey>> {
    time_order!(
        conn,
        org_id,
        selection,
        None::<&Matches>,
        (
            events::ts,
            events::id,
            events::admin_term,
            events::user_email_term,
            events::user_name_term,
            events::domain_term
        )
    )
}

/// [`time_order_rows`], keys only: counting reads no row.
pub(super) fn time_order_keys(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    any_of: Option<&Matches>,
) -> StorageResult<Vec<(i64, i64)>> {
    time_order!(conn, org_id, selection, any_of, (events::ts, events::id))
}
