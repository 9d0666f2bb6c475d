//! The log itself: appending events and reading pages of them.
//!
//! Text columns are dictionary-encoded through `terms` (see `terms.rs`): an
//! event stores term ids, and a keyword search first finds the (few thousand)
//! matching terms, then the events that point at them.

use std::collections::HashMap;

use adminlog_types::{Action, Event, LogFilter, Source};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::schema::{events, organizations};
use super::term_cache::TermCache;
pub use super::terms::fold;
pub(super) use super::terms::term_texts;
use super::terms::{matching_terms, resolve_terms, Matches, TermColumn, LOOKUP_CHUNK};
use super::{from_micros, on_any, to_micros, AnyConn, Db, StorageError, StorageResult};
use crate::domain::chain::{link, ChainedEvent, Recorded, GENESIS};
use crate::domain::cursor::Position;
use crate::domain::ingest::EventDraft;
use crate::domain::recorder::Recorder;

/// Rows per INSERT on SQLite: a whole batch of 1,000 in one statement,
/// 12,000 binds, under its limit of 32,766. (PostgreSQL gets arrays.)
const INSERT_CHUNK: usize = 1000;

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
    pub skip: i64,
}

impl EventSelection {
    pub fn new(filter: &LogFilter, after: Option<Position>, limit: i64) -> EventSelection {
        EventSelection {
            from_micros: filter.from.map(|b| to_micros(b.start())),
            to_micros: filter.to.map(|b| to_micros(b.end())),
            keyword: filter.keyword.as_deref().map(fold),
            actions: filter.actions.clone(),
            after,
            limit,
            skip: 0,
        }
    }
}

/// Where an event sits in the newest-first order.
pub fn position_of(event: &Event) -> Position {
    Position { ts_micros: to_micros(event.timestamp), id: event.id }
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
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
struct NewEventRow<'a> {
    org_id: i64,
    id: i64,
    ts: i64,
    action: i16,
    source: i16,
    admin_term: Option<i64>,
    user_email_term: Option<i64>,
    user_name_term: Option<i64>,
    domain_term: Option<i64>,
    client_event_id: Option<&'a str>,
    received_at: i64,
    hash: Vec<u8>,
    recorder: Option<i16>,
    recorder_id: Option<i64>,
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
        self.write(|conn| append_with(conn, Some(&self.terms), org_id, drafts))
    }

    /// One page of events, newest first.
    pub fn page_events(&self, org_id: i64, selection: &EventSelection) -> StorageResult<Vec<Event>> {
        self.read(|conn| page_in(conn, &self.terms, org_id, selection))
    }
}

/// Appends inside the caller's transaction, so management actions and the
/// events that record them commit together.
pub(crate) fn append_in(conn: &mut AnyConn<'_>, org_id: i64, drafts: &[EventDraft]) -> StorageResult<Vec<i64>> {
    append_with(conn, None, org_id, drafts)
}

/// [`append_in`], finding existing terms in `cache` when given.
fn append_with(
    conn: &mut AnyConn<'_>,
    cache: Option<&TermCache>,
    org_id: i64,
    drafts: &[EventDraft],
) -> StorageResult<Vec<i64>> {
    // The no-op update takes the organization's row lock on PostgreSQL (SQLite
    // already holds the database write lock): ids and terms are assigned by
    // one writer per organization at a time.
    let (mut last_event_id, mut last_term_id, head): (i64, i64, Option<Vec<u8>>) = on_any!(conn, |c| {
        diesel::update(organizations::table.find(org_id))
            .set(organizations::last_event_id.eq(organizations::last_event_id))
            .execute(c)?;
        organizations::table
            .find(org_id)
            .select((organizations::last_event_id, organizations::last_term_id, organizations::chain_head))
            .first(c)
    })?;
    let mut head: [u8; 32] = match head {
        Some(bytes) => bytes
            .try_into()
            .map_err(|_| StorageError::Corrupt(format!("organization {org_id} has a malformed chain head")))?,
        None => GENESIS,
    };

    let client_ids: Vec<&str> = drafts.iter().filter_map(|d| d.client_event_id.as_deref()).collect();
    let mut known_ids = stored_client_ids(conn, org_id, &client_ids)?;
    refuse_changed_resends(conn, org_id, drafts, &known_ids)?;

    let fresh: Vec<&EventDraft> = drafts
        .iter()
        .filter(|d| d.client_event_id.as_ref().is_none_or(|client| !known_ids.contains_key(client)))
        .collect();
    let term_ids = resolve_terms(conn, cache, org_id, &fresh, &mut last_term_id)?;
    let term = |column: TermColumn, text: &str| (!text.is_empty()).then(|| term_ids[&(column, text)]);

    let received_at = to_micros(time::OffsetDateTime::now_utc());
    let mut ids = Vec::with_capacity(drafts.len());
    let mut rows = Vec::with_capacity(fresh.len());
    for draft in drafts {
        if let Some(existing) = draft.client_event_id.as_ref().and_then(|client| known_ids.get(client)) {
            ids.push(*existing);
            continue;
        }
        last_event_id += 1;
        if let Some(client) = &draft.client_event_id {
            known_ids.insert(client.clone(), last_event_id);
        }
        ids.push(last_event_id);
        let ts = to_micros(draft.timestamp);
        head = link(
            &head,
            &ChainedEvent {
                org_id,
                id: last_event_id,
                ts_micros: ts,
                action: draft.action,
                source: draft.source,
                admin_email: &draft.admin_email,
                user_email: &draft.user_email,
                user_name: &draft.user_name,
                domain_name: &draft.domain_name,
                client_event_id: draft.client_event_id.as_deref().unwrap_or(""),
                recorded: Some(Recorded { recorder: draft.recorder, received_at_micros: received_at }),
            },
        );
        let (recorder, recorder_id) = draft.recorder.to_columns();
        rows.push(NewEventRow {
            org_id,
            id: last_event_id,
            ts,
            action: draft.action.code(),
            source: source_code(draft.source),
            admin_term: term(TermColumn::Admin, &draft.admin_email),
            user_email_term: term(TermColumn::UserEmail, &draft.user_email),
            user_name_term: term(TermColumn::UserName, &draft.user_name),
            domain_term: term(TermColumn::Domain, &draft.domain_name),
            client_event_id: draft.client_event_id.as_deref(),
            received_at,
            hash: head.to_vec(),
            recorder: Some(recorder),
            recorder_id,
        });
    }
    match conn {
        AnyConn::Pg(pg) => insert_as_arrays(pg, &rows)?,
        AnyConn::Sqlite(sqlite) => {
            for chunk in rows.chunks(INSERT_CHUNK) {
                diesel::insert_into(events::table).values(chunk).execute(&mut **sqlite)?;
            }
        }
    }
    on_any!(conn, |c| diesel::update(organizations::table.find(org_id))
        .set((
            organizations::last_event_id.eq(last_event_id),
            organizations::last_term_id.eq(last_term_id),
            organizations::chain_head.eq(Some(head.to_vec())),
        ))
        .execute(c))?;
    Ok(ids)
}

/// The stored event id of each of `clients` (client-chosen `event_id`s)
/// already stored.
fn stored_client_ids(conn: &mut AnyConn<'_>, org_id: i64, clients: &[&str]) -> StorageResult<HashMap<String, i64>> {
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Text)]
        client: String,
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    let mut known = HashMap::new();
    for chunk in clients.chunks(LOOKUP_CHUNK) {
        match conn {
            // One index probe per id, whatever the statistics say. With
            // `= ANY(...)` PostgreSQL may scan the organization's whole
            // range of the index and filter, when its statistics are older
            // than the ids (measured: 43 ms a batch at ten million, 1.9 s
            // with a generic plan). `LIMIT 1` keeps the lateral a lateral:
            // without it a never-analyzed table let PostgreSQL flatten it
            // into a merge join that sorts all of the organization's events
            // (640 ms a batch at 860,000 grown events, under the
            // organization's lock; 1.3 ms with it).
            AnyConn::Pg(pg) => {
                let found: Vec<Stored> = diesel::sql_query(
                    "SELECT c.client, e.id FROM unnest($2::text[]) AS c(client) CROSS JOIN LATERAL \
                     (SELECT id FROM events WHERE org_id = $1 AND client_event_id = c.client LIMIT 1) e",
                )
                .bind::<BigInt, _>(org_id)
                .bind::<diesel::sql_types::Array<Text>, _>(chunk)
                .load(&mut **pg)?;
                known.extend(found.into_iter().map(|stored| (stored.client, stored.id)));
            }
            AnyConn::Sqlite(sqlite) => {
                let found: Vec<(Option<String>, i64)> = events::table
                    .filter(events::org_id.eq(org_id))
                    .filter(events::client_event_id.eq_any(chunk))
                    .select((events::client_event_id, events::id))
                    .load(&mut **sqlite)?;
                known.extend(found.into_iter().filter_map(|(client, id)| Some((client?, id))));
            }
        }
    }
    Ok(known)
}

/// An `event_id` names one event: re-sent (a retry) it must say the same as
/// the event stored under it, or as its first use in this batch; otherwise
/// the batch is a conflict naming it, instead of silently keeping the old
/// content.
fn refuse_changed_resends(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    drafts: &[EventDraft],
    known_ids: &HashMap<String, i64>,
) -> StorageResult<()> {
    let resent: Vec<i64> =
        drafts.iter().filter_map(|d| d.client_event_id.as_ref().and_then(|c| known_ids.get(c))).copied().collect();
    let stored = if resent.is_empty() { HashMap::new() } else { stored_drafts(conn, org_id, &resent)? };
    let mut first_in_batch: HashMap<&str, &EventDraft> = HashMap::new();
    for draft in drafts {
        let Some(client) = draft.client_event_id.as_deref() else { continue };
        let earlier = match known_ids.get(client) {
            Some(id) => stored.get(id),
            None => first_in_batch.get(client).copied(),
        };
        match earlier {
            Some(earlier) if !draft.same_content(earlier) => {
                return Err(StorageError::Conflict(format!(
                    "event_id `{client}` already names an event with different content: an event_id stands for \
                     one event, so send a retry unchanged and a new event with a new event_id"
                )));
            }
            Some(_) => {}
            None => {
                first_in_batch.insert(client, draft);
            }
        }
    }
    Ok(())
}

/// Stored events as drafts, by id, for comparing with what a client re-sends.
fn stored_drafts(conn: &mut AnyConn<'_>, org_id: i64, ids: &[i64]) -> StorageResult<HashMap<i64, EventDraft>> {
    let rows = rows_by_id(conn, org_id, ids)?;
    let texts = term_texts(
        conn,
        org_id,
        rows.iter().map(|r| [r.admin_term, r.user_email_term, r.user_name_term, r.domain_term]),
    )?;
    let text = |id: Option<i64>| id.and_then(|id| texts.get(&id).cloned()).unwrap_or_default();
    rows.iter()
        .map(|row| {
            let action = Action::from_code(row.action).ok_or_else(|| {
                StorageError::Corrupt(format!("event {} has unknown action code {}", row.id, row.action))
            })?;
            let draft = EventDraft {
                client_event_id: None,
                timestamp: from_micros(row.ts),
                action,
                source: if row.source == SOURCE_API { Source::Api } else { Source::AdminPanel },
                admin_email: text(row.admin_term),
                user_email: text(row.user_email_term),
                user_name: text(row.user_name_term),
                domain_name: text(row.domain_term),
                recorder: Recorder::Server,
                timestamp_given: true,
            };
            Ok((row.id, draft))
        })
        .collect()
}

/// PostgreSQL: the rows as one array per column, unnested by the server: a
/// statement of a dozen parameters instead of twelve thousand, which
/// PostgreSQL parses and plans in a fraction of the time.
fn insert_as_arrays(conn: &mut diesel::pg::PgConnection, rows: &[NewEventRow<'_>]) -> StorageResult<()> {
    use diesel::sql_types::{Array, Bytea, Nullable, SmallInt, Text};

    let Some(first) = rows.first() else { return Ok(()) };
    let column = |value: fn(&NewEventRow<'_>) -> Option<i64>| rows.iter().map(value).collect::<Vec<_>>();
    diesel::sql_query(
        "INSERT INTO events (org_id, id, ts, action, source, admin_term, user_email_term, user_name_term, \
         domain_term, client_event_id, received_at, hash, recorder, recorder_id) \
         SELECT $1, r.id, r.ts, r.action, r.source, r.admin_term, r.user_email_term, r.user_name_term, \
         r.domain_term, r.client_event_id, r.received_at, r.hash, r.recorder, r.recorder_id \
         FROM unnest($2::bigint[], $3::bigint[], $4::smallint[], $5::smallint[], $6::bigint[], $7::bigint[], \
         $8::bigint[], $9::bigint[], $10::text[], $11::bigint[], $12::bytea[], $13::smallint[], $14::bigint[]) \
         AS r(id, ts, action, source, admin_term, user_email_term, user_name_term, domain_term, client_event_id, \
         received_at, hash, recorder, recorder_id)",
    )
    .bind::<BigInt, _>(first.org_id)
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.ts).collect::<Vec<_>>())
    .bind::<Array<SmallInt>, _>(rows.iter().map(|r| r.action).collect::<Vec<_>>())
    .bind::<Array<SmallInt>, _>(rows.iter().map(|r| r.source).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.admin_term))
    .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.user_email_term))
    .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.user_name_term))
    .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.domain_term))
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.client_event_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.received_at).collect::<Vec<_>>())
    .bind::<Array<Bytea>, _>(rows.iter().map(|r| r.hash.as_slice()).collect::<Vec<_>>())
    .bind::<Array<Nullable<SmallInt>>, _>(rows.iter().map(|r| r.recorder).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.recorder_id))
    .execute(conn)?;
    Ok(())
}

/// Above this many matching terms a keyword is broad: its events are found by
/// walking the time index and filtering in memory, which finds a page of a
/// broad keyword quickly.
const MAX_LISTED_TERMS: usize = 1000;

/// Up to this many events pointing at the matched terms (about the square
/// root of page size × events at ten million), reading them through the
/// per-column indexes and sorting beats walking the time index.
const FEW_MATCHES: i64 = 20_000;

/// Events of one column pointing at `ids`, counted up to `cap + 1` from the
/// column's covering index.
fn count_in_column(
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

/// How one page is read.
enum Route {
    /// Walk the time index, in SQL, with the keyword's terms if any (a
    /// keyword with many events finds a page quickly this way).
    TimeOrder(Option<Matches>),
    /// Walk the time index, keeping in memory the rows that point at one of
    /// these terms: a broad keyword, too many terms for an SQL list.
    Scan(Matches),
    /// Read the few matching events of these columns, sort, merge.
    PerColumn(Matches, Vec<TermColumn>),
    /// A few terms: walk each (column, term) index, already in time order,
    /// for one page's worth, and merge; no counting needed.
    PerTerm(Matches),
    /// No keyword, one or more actions: on PostgreSQL, walk the action index
    /// once per action, in one statement, and merge (its own plan for an
    /// action list walks the time index or sorts every match); on SQLite one
    /// statement per action, merged (its plan for an `IN` list walked the
    /// whole time index when statistics were missing). One action too: its
    /// walk is then the only plan, whatever the statistics say.
    PerAction,
}

/// Up to this many (column, term) pairs, a keyword is read by one index walk
/// per pair (each stops after a page of matches), whatever its events'
/// count. Measured on shape 9 of `cargo xtask bench` (19 domain terms with
/// many events, at one million): SQLite serves the time-order walk with the
/// term list in 4 ms and 19 walks in 8; PostgreSQL runs all of a column's
/// walks in one statement (3.4 ms) and the time-order walk slowly (65 ms
/// at ten million).
fn max_walks(conn: &AnyConn<'_>) -> usize {
    match conn {
        AnyConn::Sqlite(_) => 8,
        AnyConn::Pg(_) => 96,
    }
}

pub(crate) fn page_in(
    conn: &mut AnyConn<'_>,
    cache: &TermCache,
    org_id: i64,
    selection: &EventSelection,
) -> StorageResult<Vec<Event>> {
    let dictionary = cache.current(conn, org_id)?;
    let route = match selection.keyword.as_deref() {
        None if !selection.actions.is_empty() && selection.skip == 0 => Route::PerAction,
        None => Route::TimeOrder(None),
        Some(keyword) => {
            let matches = matching_terms(conn, dictionary.as_deref(), org_id, keyword)?;
            if matches.is_empty() {
                return Ok(Vec::new());
            }
            if matches.term_count() > MAX_LISTED_TERMS {
                Route::Scan(matches)
            } else if matches.pair_count() <= max_walks(conn) && selection.skip == 0 {
                Route::PerTerm(matches)
            } else {
                let mut columns = Vec::new();
                let mut total = 0;
                for column in matches.columns() {
                    let count = count_in_column(conn, org_id, column, matches.in_column(column), FEW_MATCHES)?;
                    if count > 0 {
                        columns.push(column);
                        total += count;
                    }
                }
                if columns.is_empty() {
                    return Ok(Vec::new());
                }
                if total <= FEW_MATCHES && selection.skip == 0 {
                    Route::PerColumn(matches, columns)
                } else {
                    Route::TimeOrder(Some(matches))
                }
            }
        }
    };
    let rows = match route {
        Route::PerColumn(matches, columns) => {
            let walks: Vec<Walk> =
                columns.iter().map(|column| Walk::AllTerms(*column, matches.in_column(*column))).collect();
            merged_page(conn, org_id, selection, &walks)?
        }
        Route::PerTerm(matches) => {
            let groups = matches.pairs_by_column();
            let walks: Vec<Walk> = groups.iter().map(|(column, ids)| Walk::EachTerm(*column, ids)).collect();
            merged_page(conn, org_id, selection, &walks)?
        }
        Route::PerAction => {
            let mut codes: Vec<i16> = selection.actions.iter().map(|action| action.code()).collect();
            // A repeated action would list its events twice.
            codes.sort_unstable();
            codes.dedup();
            let each = EventSelection { actions: Vec::new(), ..selection.clone() };
            let keys = match conn {
                AnyConn::Pg(pg) => {
                    let codes: Vec<i64> = codes.iter().map(|code| i64::from(*code)).collect();
                    each_value_keys(pg, org_id, &each, None, "action", &codes)?
                }
                AnyConn::Sqlite(_) => {
                    let mut page = NewestKeys { keys: Vec::new(), limit: selection.limit.max(0) as usize };
                    for code in codes {
                        let newer_than = page.newer_than();
                        page.add(action_keys(conn, org_id, &each, newer_than, code)?);
                    }
                    page.keys
                }
            };
            let ids: Vec<i64> = keys.iter().map(|(_, id)| *id).collect();
            rows_by_id(conn, org_id, &ids)?
        }
        Route::TimeOrder(matches) => select_rows(conn, org_id, selection, matches.as_ref())?,
        Route::Scan(matches) => scan_matching(conn, org_id, selection, &matches.membership())?,
    };
    let term_ids = || rows.iter().map(|r| [r.admin_term, r.user_email_term, r.user_name_term, r.domain_term]);
    let texts = match &dictionary {
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
    let names = super::accounts::recorder_names(conn, org_id, recorders.iter().flatten().copied())?;
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
                domain_name: row.domain_term.map(|id| text(Some(id))),
                source: if row.source == SOURCE_API { Source::Api } else { Source::AdminPanel },
            })
        })
        .collect()
}

/// One part of a keyword's matches, read from one column's index.
enum Walk<'a> {
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
/// merged and cut to the page, then only the page's rows are fetched. Once a
/// page's worth is known, later reads stop at its oldest key: a read that
/// cannot reach into the page costs one index probe.
fn merged_page(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    walks: &[Walk<'_>],
) -> StorageResult<Vec<EventRow>> {
    let mut page = NewestKeys { keys: Vec::new(), limit: selection.limit.max(0) as usize };
    for walk in walks {
        match (walk, &mut *conn) {
            (Walk::AllTerms(column, ids), conn) => {
                page.add(column_keys(conn, org_id, selection, page.newer_than(), *column, ids)?);
            }
            // One statement for all the terms: PostgreSQL's cost per
            // statement (a round trip, planning) outweighs a short walk.
            (Walk::EachTerm(column, ids), AnyConn::Pg(pg)) => {
                page.add(each_value_keys(pg, org_id, selection, page.newer_than(), column.events_column(), ids)?);
            }
            (Walk::EachTerm(column, ids), conn) => {
                for id in *ids {
                    let newer_than = page.newer_than();
                    page.add(column_keys(conn, org_id, selection, newer_than, *column, std::slice::from_ref(id))?);
                }
            }
        }
    }
    let ids: Vec<i64> = page.keys.iter().map(|(_, id)| *id).collect();
    rows_by_id(conn, org_id, &ids)
}

/// Rows read per step of a scan, growing: a broad keyword fills a page from
/// the first step, a rarer one reads further in larger steps.
const FIRST_SCAN_STEP: i64 = 256;
const LAST_SCAN_STEP: i64 = 16_384;

/// Walks the selection newest first in steps, keeping rows that point at a
/// term in `wanted`, until the page (after `skip`) is full or the log ends.
fn scan_matching(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    wanted: &[bool],
) -> StorageResult<Vec<EventRow>> {
    let hit =
        |id: Option<i64>| id.and_then(|id| usize::try_from(id).ok()).is_some_and(|i| wanted.get(i) == Some(&true));
    let limit = selection.limit.max(0) as usize;
    let mut to_skip = selection.skip.max(0);
    let mut found = Vec::with_capacity(limit);
    let mut step = EventSelection { keyword: None, skip: 0, limit: FIRST_SCAN_STEP, ..selection.clone() };
    while found.len() < limit {
        let rows = select_rows(conn, org_id, &step, None)?;
        let exhausted = (rows.len() as i64) < step.limit;
        step.after = rows.last().map(|row| Position { ts_micros: row.ts, id: row.id }).or(step.after);
        for row in rows {
            if !(hit(row.admin_term) || hit(row.user_email_term) || hit(row.user_name_term) || hit(row.domain_term)) {
                continue;
            }
            if to_skip > 0 {
                to_skip -= 1;
            } else if found.len() < limit {
                found.push(row);
            }
        }
        if exhausted {
            break;
        }
        step.limit = (step.limit * 2).min(LAST_SCAN_STEP);
    }
    Ok(found)
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

/// The newest `selection.limit` (ts, id) of one column's matches (only those
/// newer than `newer_than`, when given), read from the column's index alone:
/// no event row is fetched before the cut.
fn column_keys(
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
        if let Some(bound) = newer_than {
            // Spelled out rather than as a row comparison, which diesel
            // cannot express: the statement stays preparable once per
            // connection, and `ts >=` still bounds the index walk.
            query = query
                .filter(events::ts.ge(bound.ts_micros).and(events::ts.gt(bound.ts_micros).or(events::id.gt(bound.id))));
        }
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
fn action_keys(
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
        if let Some(bound) = newer_than {
            query = query
                .filter(events::ts.ge(bound.ts_micros).and(events::ts.gt(bound.ts_micros).or(events::id.gt(bound.id))));
        }
        query.order((events::ts.desc(), events::id.desc())).limit(selection.limit).load(c)
    })?)
}

/// PostgreSQL: the newest `selection.limit` (ts, id) of the events whose
/// `column` holds one of `values`, reading each value's walk of the column's
/// index (in time order, stopped after a page) through a lateral join, in one
/// statement.
fn each_value_keys(
    conn: &mut diesel::pg::PgConnection,
    org_id: i64,
    selection: &EventSelection,
    newer_than: Option<Position>,
    column: &str,
    values: &[i64],
) -> StorageResult<Vec<(i64, i64)>> {
    use diesel::sql_types::{Array, SmallInt};

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = BigInt)]
        ts: i64,
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

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
fn rows_by_id(conn: &mut AnyConn<'_>, org_id: i64, ids: &[i64]) -> StorageResult<Vec<EventRow>> {
    let mut rows: Vec<EventRow> = on_any!(conn, |c| events::table
        .filter(events::org_id.eq(org_id))
        .filter(events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load(c))?;
    rows.sort_unstable_by_key(|row| std::cmp::Reverse((row.ts, row.id)));
    Ok(rows)
}

/// One page query: the selection's filters, cursor and order; with
/// `any_of`, only events where some column points at one of those terms (the
/// keyword itself is the caller's to resolve).
fn select_rows(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    selection: &EventSelection,
    any_of: Option<&Matches>,
) -> StorageResult<Vec<EventRow>> {
    let codes: Vec<i16> = selection.actions.iter().map(|a| a.code()).collect();
    Ok(on_any!(conn, |c| {
        let mut query = events::table.filter(events::org_id.eq(org_id)).select(EventRow::as_select()).into_boxed();
        query = selection_filters!(query, selection, codes);
        if let Some(matches) = any_of {
            // Each column against its own terms (an empty list matches
            // nothing).
            let admin = matches.in_column(TermColumn::Admin);
            let user_email = matches.in_column(TermColumn::UserEmail);
            let user_name = matches.in_column(TermColumn::UserName);
            let domain = matches.in_column(TermColumn::Domain);
            query = query.filter(
                events::admin_term
                    .eq_any(admin)
                    .or(events::user_email_term.eq_any(user_email))
                    .or(events::user_name_term.eq_any(user_name))
                    .or(events::domain_term.eq_any(domain)),
            );
        }
        query = query.order((events::ts.desc(), events::id.desc()));
        query.limit(selection.limit).offset(selection.skip).load(c)
    })?)
}
