//! The log itself: appending events and reading pages of them.
//!
//! Text columns are dictionary-encoded through `terms` (see `terms.rs`): an
//! event stores term ids, and a keyword search first finds the (few thousand)
//! matching terms, then the events that point at them.
//!
//! A read is planned by [`planner`] (pure), carried out by the walks
//! ([`walks`]) over the statements of [`sql`], then turned into wire events
//! here. Appending lives in [`append`].

mod append;
mod counts;
mod feed;
mod histogram;
pub mod planner;
mod sql;
mod walks;

use std::collections::HashMap;
use std::sync::RwLock;

use adminlog_types::{Action, Event, LogFilter, Source};
use diesel::prelude::*;

pub(crate) use append::append_in;
pub use feed::{FeedRead, FeedSelection};
pub use planner::Route;

use super::schema::events;
use super::term_cache::{Dictionary, TermCache};
pub use super::terms::fold;
pub(super) use super::terms::term_texts;
use super::terms::{matching_terms, Matches};
use super::{from_micros, to_micros, AnyConn, Db, StorageError, StorageResult};
use crate::domain::cursor::Position;
use crate::domain::ingest::EventDraft;
use crate::domain::recorder::Recorder;
use planner::{Decision, KeywordMatches};
use walks::Walk;

/// Which events to read, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventSelection {
    pub from_micros: Option<i64>,
    pub to_micros: Option<i64>,
    /// Already case-folded.
    pub keyword: Option<String>,
    pub actions: Vec<Action>,
    pub after: Option<Position>,
    pub limit: i64,
}

impl EventSelection {
    /// Relative bounds (`now-7d`) count back from this moment: a request
    /// that reads several times resolves its filter once first
    /// ([`LogFilter::resolved`]).
    pub fn new(filter: &LogFilter, after: Option<Position>, limit: i64) -> EventSelection {
        let now = time::OffsetDateTime::now_utc();
        EventSelection {
            from_micros: filter.from.map(|b| to_micros(b.start(now))),
            to_micros: filter.to.map(|b| to_micros(b.end(now))),
            keyword: filter.keyword.as_deref().map(fold),
            actions: filter.actions.clone(),
            after,
            limit,
        }
    }
}

/// Where an event sits in the newest-first order.
pub fn position_of(event: &Event) -> Position {
    Position { ts_micros: to_micros(event.timestamp), id: event.id }
}

/// One page, and the route that read it (for the request's span and the
/// metrics).
#[derive(Debug)]
pub struct PageRead {
    pub events: Vec<Event>,
    pub route: Route,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
pub(super) struct EventRow {
    pub(super) id: i64,
    pub(super) ts: i64,
    pub(super) action: i16,
    pub(super) source: i16,
    pub(super) admin_term: Option<i64>,
    pub(super) user_email_term: Option<i64>,
    pub(super) user_name_term: Option<i64>,
    pub(super) domain_term: Option<i64>,
    pub(super) received_at: i64,
    pub(super) recorder: Option<i16>,
    pub(super) recorder_id: Option<i64>,
    pub(super) client_event_id: Option<String>,
}

impl EventRow {
    /// Whether one of the row's four columns points at a term in `wanted`
    /// (indexed by term id, as [`Matches::membership`] builds it).
    pub(super) fn points_at_any(&self, wanted: &[bool]) -> bool {
        points_at_any([self.admin_term, self.user_email_term, self.user_name_term, self.domain_term], wanted)
    }
}

/// Whether one of a row's four term ids is `wanted` (indexed by term id).
pub(super) fn points_at_any(terms: [Option<i64>; 4], wanted: &[bool]) -> bool {
    terms.into_iter().flatten().any(|id| usize::try_from(id).is_ok_and(|i| wanted.get(i) == Some(&true)))
}

pub(super) const SOURCE_ADMIN_PANEL: i16 = 0;
pub(super) const SOURCE_API: i16 = 1;

fn source_code(source: Source) -> i16 {
    match source {
        Source::AdminPanel => SOURCE_ADMIN_PANEL,
        Source::Api => SOURCE_API,
    }
}

impl Db {
    /// Stores a batch in one transaction and returns the ids in input order.
    /// An event whose `client_event_id` is already stored is not stored again:
    /// its existing id is returned.
    pub fn append_events(&self, org_id: i64, drafts: &[EventDraft]) -> StorageResult<Vec<i64>> {
        let ids = self.write(|conn| append::append_with(conn, Some(&self.terms), org_id, drafts))?;
        self.commits.send_modify(|count| *count = count.wrapping_add(1));
        Ok(ids)
    }

    /// Changes after each ingestion commit of this process. Commits of other
    /// processes, and events recorded with management actions, are not
    /// signalled: a waiter also looks again on a timer.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// One page of events, newest first.
    pub fn page_events(&self, org_id: i64, selection: &EventSelection) -> StorageResult<PageRead> {
        self.read(|conn| page_in(conn, &self.terms, org_id, selection))
    }

    /// One event of the organization by its id (`None`: no such event there).
    pub fn event_by_id(&self, org_id: i64, id: i64) -> StorageResult<Option<Event>> {
        self.read(|conn| {
            let rows = sql::rows_by_id(conn, org_id, &[id])?;
            let dictionary = self.terms.current(conn, org_id)?;
            Ok(to_events(conn, dictionary.as_deref(), org_id, rows)?.pop())
        })
    }

    /// How many events the selection holds (its `limit` and cursor aside),
    /// counted up to `cap`: exact below it, `cap` meaning "at least `cap`".
    /// Reads keys along the page's own route, never whole rows where it can
    /// avoid them.
    pub fn count_events_up_to(&self, org_id: i64, selection: &EventSelection, cap: i64) -> StorageResult<i64> {
        let counted = EventSelection { limit: cap, ..selection.clone() };
        self.read(|conn| {
            let dictionary = self.terms.current(conn, org_id)?;
            Ok(match find(conn, dictionary.as_deref(), org_id, &counted, Want::Keys)?.1 {
                Found::Keys(keys) => keys.len(),
                Found::Rows(rows) => rows.len(),
            } as i64)
        })
    }
}

/// What a route yields: keys whose rows are fetched afterwards, or the rows.
enum Found {
    Keys(Vec<(i64, i64)>),
    Rows(Vec<EventRow>),
}

/// Whether the caller needs rows (a page) or keys will do (a count).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Rows,
    Keys,
}

pub(crate) fn page_in(
    conn: &mut AnyConn<'_>,
    cache: &TermCache,
    org_id: i64,
    selection: &EventSelection,
) -> StorageResult<PageRead> {
    let dictionary = cache.current(conn, org_id)?;
    let (route, found) = find(conn, dictionary.as_deref(), org_id, selection, Want::Rows)?;
    let rows = match found {
        Found::Rows(rows) => rows,
        Found::Keys(keys) => {
            let ids: Vec<i64> = keys.iter().map(|(_, id)| *id).collect();
            sql::rows_by_id(conn, org_id, &ids)?
        }
    };
    let events = to_events(conn, dictionary.as_deref(), org_id, rows)?;
    Ok(PageRead { events, route })
}

/// Plans the selection's read and carries it out.
fn find(
    conn: &mut AnyConn<'_>,
    dictionary: Option<&RwLock<Dictionary>>,
    org_id: i64,
    selection: &EventSelection,
    want: Want,
) -> StorageResult<(Route, Found)> {
    let matches = match selection.keyword.as_deref() {
        Some(keyword) => Some(matching_terms(conn, dictionary, org_id, keyword)?),
        None => None,
    };
    let facts = matches.as_ref().map(|m| KeywordMatches { terms: m.term_count(), pairs: m.pair_count() });
    let route = match (planner::decide(selection.actions.len(), facts), &matches) {
        (Decision::Take(route), _) => route,
        (Decision::CountColumns, Some(matches)) => {
            let mut counts = Vec::new();
            for column in matches.columns() {
                let ids = matches.in_column(column);
                counts.push((column, sql::count_in_column(conn, org_id, column, ids, planner::FEW_MATCHES)?));
            }
            planner::route_by_counts(&counts)
        }
        (Decision::CountColumns, None) => Route::NoMatch,
    };
    let empty = Matches::default();
    let matches = matches.as_ref().unwrap_or(&empty);
    let found = match &route {
        Route::NoMatch => Found::Keys(Vec::new()),
        Route::TimeOrder | Route::TimeOrderWithTerms => {
            let any_of = (route == Route::TimeOrderWithTerms).then_some(matches);
            match want {
                Want::Rows => Found::Rows(sql::time_order_rows(conn, org_id, selection, any_of)?),
                Want::Keys => Found::Keys(sql::time_order_keys(conn, org_id, selection, any_of)?),
            }
        }
        Route::Scan => Found::Rows(walks::scan_matching(conn, org_id, selection, &matches.membership())?),
        Route::PerColumn(columns) => {
            let walks: Vec<Walk> =
                columns.iter().map(|column| Walk::AllTerms(*column, matches.in_column(*column))).collect();
            Found::Keys(walks::merged_keys(conn, org_id, selection, &walks)?)
        }
        Route::PerTerm => {
            let groups = matches.pairs_by_column();
            let walks: Vec<Walk> = groups.iter().map(|(column, ids)| Walk::EachTerm(*column, ids)).collect();
            Found::Keys(walks::merged_keys(conn, org_id, selection, &walks)?)
        }
        Route::PerAction => Found::Keys(walks::per_action_keys(conn, org_id, selection)?),
    };
    Ok((route, found))
}

/// Rows as wire events: term ids become texts (from the dictionary when
/// there is one), recorders become names.
fn to_events(
    conn: &mut AnyConn<'_>,
    dictionary: Option<&RwLock<Dictionary>>,
    org_id: i64,
    rows: Vec<EventRow>,
) -> StorageResult<Vec<Event>> {
    let term_ids = || rows.iter().map(|r| [r.admin_term, r.user_email_term, r.user_name_term, r.domain_term]);
    let texts = match dictionary {
        Some(dictionary) => {
            let dictionary = dictionary.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut texts: HashMap<i64, String> = HashMap::new();
            let mut missing = Vec::new();
            for id in term_ids().flatten().flatten() {
                match dictionary.text(id) {
                    Some(text) => {
                        texts.entry(id).or_insert_with(|| text.to_owned());
                    }
                    // Stored after this dictionary was refreshed.
                    None => missing.push([Some(id), None, None, None]),
                }
            }
            drop(dictionary);
            texts.extend(term_texts(conn, org_id, missing.into_iter())?);
            texts
        }
        None => term_texts(conn, org_id, term_ids())?,
    };
    let text = |id: Option<i64>| id.and_then(|id| texts.get(&id).cloned()).unwrap_or_default();
    let recorders: Vec<Option<Recorder>> = rows
        .iter()
        .map(|row| match row.recorder {
            None => Ok(None),
            Some(kind) => Recorder::from_columns(kind, row.recorder_id)
                .map(Some)
                .ok_or_else(|| StorageError::Corrupt(format!("event {} has unknown recorder code {kind}", row.id))),
        })
        .collect::<StorageResult<_>>()?;
    let names = crate::storage::accounts::recorder_names(conn, org_id, recorders.iter().flatten().copied())?;
    rows.into_iter()
        .zip(recorders)
        .map(|(row, recorder)| {
            let action = Action::from_code(row.action).ok_or_else(|| {
                StorageError::Corrupt(format!("event {} has unknown action code {}", row.id, row.action))
            })?;
            Ok(Event {
                recorded_by: recorder.map_or(adminlog_types::RecordedBy::Unknown, |r| names.recorded_by(r)),
                received_at: from_micros(row.received_at),
                id: row.id,
                timestamp: from_micros(row.ts),
                action,
                admin_email: text(row.admin_term),
                user_email: text(row.user_email_term),
                user_name: text(row.user_name_term),
                domain_name: text(row.domain_term),
                source: if row.source == SOURCE_API { Source::Api } else { Source::AdminPanel },
                event_id: row.client_event_id,
            })
        })
        .collect()
}
