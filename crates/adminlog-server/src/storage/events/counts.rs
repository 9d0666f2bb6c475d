//! Maintained counts: events per organization, action and hour (and day),
//! added to by every append inside its transaction, under the
//! organization's lock, so a count always agrees with the rows beside it.
//! The histogram reads them instead of walking millions of events.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, SmallInt};

use super::super::schema::{event_counts_by_day, event_counts_by_hour, events};
use super::super::terms::LOOKUP_CHUNK;
use super::super::{on_any, AnyConn, StorageResult};
use crate::domain::histogram::{DAY, HOUR};

/// Rows per upsert on SQLite: four binds each, far under its limit.
const UPSERT_CHUNK: usize = 1000;

/// Which maintained table: its name, its period column and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Period {
    Hour,
    Day,
}

impl Period {
    fn table(self) -> &'static str {
        match self {
            Period::Hour => "event_counts_by_hour",
            Period::Day => "event_counts_by_day",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
        }
    }

    pub(super) fn micros(self) -> i64 {
        match self {
            Period::Hour => HOUR,
            Period::Day => DAY,
        }
    }
}

/// Adds appended events, given as (timestamp, action code), to both tables.
pub(super) fn add(conn: &mut AnyConn<'_>, org_id: i64, appended: &[(i64, i16)]) -> StorageResult<()> {
    for period in [Period::Hour, Period::Day] {
        let mut tally: BTreeMap<(i64, i16), i64> = BTreeMap::new();
        for &(ts, action) in appended {
            *tally.entry((ts.div_euclid(period.micros()), action)).or_default() += 1;
        }
        if tally.is_empty() {
            continue;
        }
        let (table, column) = (period.table(), period.column());
        let cells: Vec<(i64, i16, i64)> = tally.into_iter().map(|((at, action), n)| (at, action, n)).collect();
        match conn {
            AnyConn::Pg(pg) => {
                diesel::sql_query(format!(
                    "INSERT INTO {table} (org_id, {column}, action, events) \
                     SELECT $1, c.at, c.action, c.events FROM unnest($2::bigint[], $3::smallint[], $4::bigint[]) \
                     AS c(at, action, events) \
                     ON CONFLICT (org_id, {column}, action) DO UPDATE SET events = {table}.events + excluded.events"
                ))
                .bind::<BigInt, _>(org_id)
                .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.0).collect::<Vec<_>>())
                .bind::<Array<SmallInt>, _>(cells.iter().map(|c| c.1).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.2).collect::<Vec<_>>())
                .execute(&mut **pg)?;
            }
            AnyConn::Sqlite(sqlite) => {
                for chunk in cells.chunks(UPSERT_CHUNK) {
                    let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
                    let mut query = diesel::sql_query(format!(
                        "INSERT INTO {table} (org_id, {column}, action, events) VALUES {values} \
                         ON CONFLICT (org_id, {column}, action) DO UPDATE SET events = events + excluded.events"
                    ))
                    .into_boxed();
                    for &(at, action, n) in chunk {
                        query = query
                            .bind::<BigInt, _>(org_id)
                            .bind::<BigInt, _>(at)
                            .bind::<SmallInt, _>(action)
                            .bind::<BigInt, _>(n);
                    }
                    query.execute(&mut **sqlite)?;
                }
            }
        }
    }
    Ok(())
}

/// A grouped sum over one table's `[from, to)` (the tables differ in name
/// only): per period for [`per_period`], per action for [`per_action`].
macro_rules! sum_grouped {
    ($c:expr, $table:ident, $column:ident, $group:ident: $group_type:ty, $org_id:expr, $from:expr, $to:expr, $codes:expr) => {{
        use $table::dsl as t;
        let mut query = t::$table
            .filter(t::org_id.eq($org_id))
            .filter(t::$column.ge($from))
            .filter(t::$column.lt($to))
            .group_by(t::$group)
            .select((t::$group, diesel::dsl::sql::<BigInt>("CAST(SUM(events) AS BIGINT)")))
            .into_boxed();
        if !$codes.is_empty() {
            query = query.filter(t::action.eq_any($codes));
        }
        query.load::<($group_type, i64)>($c)
    }};
}

/// Events per period in `[from, to)` (period numbers), of the given action
/// codes (empty: every action), as (period, events); periods with none are
/// left out. Served by the table's primary key, whose first columns are
/// exactly these bounds: the only plan there is.
pub(super) fn per_period(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    period: Period,
    from: i64,
    to: i64,
    codes: &[i16],
) -> StorageResult<Vec<(i64, i64)>> {
    Ok(on_any!(conn, |c| match period {
        Period::Hour => sum_grouped!(c, event_counts_by_hour, hour, hour: i64, org_id, from, to, codes),
        Period::Day => sum_grouped!(c, event_counts_by_day, day, day: i64, org_id, from, to, codes),
    })?)
}

/// Events per action in `[from, to)` (period numbers), as (action code,
/// events); actions with none are left out. The same primary-key range as
/// [`per_period`].
pub(super) fn per_action(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    period: Period,
    from: i64,
    to: i64,
) -> StorageResult<Vec<(i16, i64)>> {
    let every_action: &[i16] = &[];
    Ok(on_any!(conn, |c| match period {
        Period::Hour => sum_grouped!(c, event_counts_by_hour, hour, action: i16, org_id, from, to, every_action),
        Period::Day => sum_grouped!(c, event_counts_by_day, day, action: i16, org_id, from, to, every_action),
    })?)
}

/// Events per action with `from <= ts < to`, counted from the events
/// themselves: only ever asked for less than an hour.
pub(super) fn between_per_action(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    from: i64,
    to: i64,
) -> StorageResult<Vec<(i16, i64)>> {
    Ok(on_any!(conn, |c| events::table
        .filter(events::org_id.eq(org_id))
        .filter(events::ts.ge(from))
        .filter(events::ts.lt(to))
        .group_by(events::action)
        .select((events::action, diesel::dsl::count_star()))
        .load::<(i16, i64)>(c))?)
}

/// The action code of each of `ids` (the organization's event ids) that
/// exists, in no particular order.
pub(super) fn actions_of(conn: &mut AnyConn<'_>, org_id: i64, ids: &[i64]) -> StorageResult<Vec<i16>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = SmallInt)]
        action: i16,
    }
    let mut actions = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        match conn {
            // One primary-key probe per id whatever the statistics say
            // (`= ANY(...)` may be planned as a range scan when they are stale).
            AnyConn::Pg(pg) => actions.extend(
                diesel::sql_query(
                    "SELECT e.action FROM unnest($2::bigint[]) AS k(id) CROSS JOIN LATERAL \
                     (SELECT action FROM events WHERE org_id = $1 AND id = k.id LIMIT 1) e",
                )
                .bind::<BigInt, _>(org_id)
                .bind::<Array<BigInt>, _>(chunk)
                .load::<Found>(&mut **pg)?
                .into_iter()
                .map(|found| found.action),
            ),
            AnyConn::Sqlite(sqlite) => actions.extend(
                events::table
                    .filter(events::org_id.eq(org_id))
                    .filter(events::id.eq_any(chunk))
                    .select(events::action)
                    .load::<i16>(&mut **sqlite)?,
            ),
        }
    }
    Ok(actions)
}

/// Events with `from <= ts < to` of the given action codes, counted from the
/// events themselves: only ever asked for less than an hour.
pub(super) fn between(conn: &mut AnyConn<'_>, org_id: i64, from: i64, to: i64, codes: &[i16]) -> StorageResult<i64> {
    Ok(on_any!(conn, |c| {
        let mut query = events::table
            .filter(events::org_id.eq(org_id))
            .filter(events::ts.ge(from))
            .filter(events::ts.lt(to))
            .into_boxed();
        if !codes.is_empty() {
            query = query.filter(events::action.eq_any(codes));
        }
        query.count().get_result(c)
    })?)
}

/// The first and last hour (numbered since 1970) holding any of the
/// organization's events: the first and last entries of its primary key.
/// Two statements, not one `min`/`max`: each engine serves a lone `ORDER BY
/// ... LIMIT 1` with one index probe, but may scan for both at once.
pub(super) fn extent(conn: &mut AnyConn<'_>, org_id: i64) -> StorageResult<Option<(i64, i64)>> {
    use event_counts_by_hour::dsl as t;
    let (first, last): (Option<i64>, Option<i64>) = on_any!(conn, |c| (
        t::event_counts_by_hour
            .filter(t::org_id.eq(org_id))
            .select(t::hour)
            .order(t::hour.asc())
            .first(c)
            .optional()?,
        t::event_counts_by_hour
            .filter(t::org_id.eq(org_id))
            .select(t::hour)
            .order(t::hour.desc())
            .first(c)
            .optional()?,
    ));
    Ok(first.zip(last))
}
