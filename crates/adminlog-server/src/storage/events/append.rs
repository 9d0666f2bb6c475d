//! Appending: ids, terms and the hash chain assigned under the
//! organization's lock, retries recognised by their `event_id`.

use std::collections::HashMap;

use adminlog_types::{Action, Source};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::super::schema::{events, organizations};
use super::super::term_cache::TermCache;
use super::super::terms::{resolve_terms, term_texts, TermColumn, LOOKUP_CHUNK};
use super::super::{from_micros, on_any, to_micros, AnyConn, StorageError, StorageResult};
use super::counts;
use super::sql::rows_by_id;
use super::{source_code, SOURCE_API};
use crate::domain::chain::{link, ChainedEvent, Recorded, GENESIS};
use crate::domain::ingest::EventDraft;
use crate::domain::recorder::Recorder;

/// Rows per INSERT on SQLite: a whole batch of 1,000 in one statement,
/// 12,000 binds, under its limit of 32,766. (PostgreSQL gets arrays.)
const INSERT_CHUNK: usize = 1000;

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

/// Appends inside the caller's transaction, so management actions and the
/// events that record them commit together.
pub(crate) fn append_in(conn: &mut AnyConn<'_>, org_id: i64, drafts: &[EventDraft]) -> StorageResult<Vec<i64>> {
    append_with(conn, None, org_id, drafts)
}

/// [`append_in`], finding existing terms in `cache` when given.
pub(super) fn append_with(
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
    let appended: Vec<(i64, i16)> = rows.iter().map(|row| (row.ts, row.action)).collect();
    counts::add(conn, org_id, &appended)?;
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
