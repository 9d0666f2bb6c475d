//! Push streams: what each one delivers (`streams`, fixed at creation) and
//! where its delivery stands (`stream_states`: position, the batch in
//! flight, failures, and the lease that lets one process at a time deliver
//! it). Every write of a delivering process is guarded by its lease and the
//! stream's generation, so a process that lost its lease, or a delivery
//! begun before a replay, changes nothing.

use adminlog_types::{Action, Signing};
use diesel::prelude::*;

use super::events::append_in;
use super::schema::{organizations, stream_states, streams};
use super::{on_any, AnyConn, Db, StorageError, StorageResult};
use crate::domain::ingest::EventDraft;

/// The streams due for delivery at `now` that no live process holds, of
/// organizations whose plan lets them read the log (a downgraded one's
/// streams wait).
macro_rules! claimable {
    ($now:expr) => {
        stream_states::table
            .filter(
                stream_states::org_id.eq_any(
                    organizations::table
                        .filter(organizations::plan.eq_any(plans_reading_the_log()))
                        .select(organizations::id),
                ),
            )
            .filter(stream_states::paused.eq(false))
            .filter(stream_states::disabled_at.is_null())
            .filter(stream_states::next_attempt_at.le($now))
            .filter(stream_states::lease_owner.is_null().or(stream_states::lease_until.lt($now)))
    };
}

/// The stream's state row, only while the holder still holds it at its
/// generation.
macro_rules! guarded {
    ($held:expr) => {
        stream_states::table
            .find(($held.org_id, $held.id))
            .filter(stream_states::lease_owner.eq($held.owner))
            .filter(stream_states::generation.eq($held.generation))
    };
}

/// What a stream delivers, and how it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    pub org_id: i64,
    pub id: i64,
    pub url: String,
    /// Empty: every action.
    pub actions: Vec<Action>,
    pub keyword: Option<String>,
    pub signing: Signing,
    pub key_salt: Vec<u8>,
    pub created_at: i64,
}

/// Where a stream's delivery stands. Times in microseconds.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = stream_states)]
pub struct StreamState {
    pub paused: bool,
    pub disabled_at: Option<i64>,
    pub delivered_through: i64,
    pub batch_through: Option<i64>,
    pub generation: i64,
    pub failures: i64,
    pub next_attempt_at: i64,
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRecord {
    pub config: StreamConfig,
    pub state: StreamState,
}

/// A new stream. `start_after: None` starts after the newest event stored.
pub struct NewStream<'a> {
    pub url: &'a str,
    pub actions: &'a [Action],
    pub keyword: Option<&'a str>,
    pub signing: Signing,
    pub key_salt: &'a [u8],
    pub start_after: Option<i64>,
    pub created_at: i64,
}

/// A super administrator's change: pause or resume (which also re-enables a
/// stream its receiver disabled), and deliver again after an id.
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamChange {
    pub paused: Option<bool>,
    pub replay_after: Option<i64>,
}

/// A delivering process's hold on one stream: its writes apply only while
/// it still holds the lease and no replay has happened since.
#[derive(Clone, Debug)]
pub struct Held<'a> {
    pub org_id: i64,
    pub id: i64,
    pub owner: &'a str,
    pub generation: i64,
}

/// A `streams` row as stored (actions as codes, signing as text).
#[derive(Queryable, Selectable)]
#[diesel(table_name = streams)]
struct ConfigRow {
    org_id: i64,
    id: i64,
    url: String,
    actions: String,
    keyword: Option<String>,
    signing: String,
    key_salt: Vec<u8>,
    created_at: i64,
}

fn config_record(row: ConfigRow) -> StorageResult<StreamConfig> {
    let ConfigRow { org_id, id, url, actions, keyword, signing, key_salt, created_at } = row;
    let actions = actions
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| code.parse::<i16>().ok().and_then(Action::from_code))
        .collect::<Option<Vec<Action>>>()
        .ok_or_else(|| StorageError::Corrupt(format!("stream {id} has unknown action codes `{actions}`")))?;
    let signing = signing.parse().map_err(|e| StorageError::Corrupt(format!("stream {id}: {e}")))?;
    Ok(StreamConfig { org_id, id, url, actions, keyword, signing, key_salt, created_at })
}

fn config_in(conn: &mut AnyConn<'_>, org_id: i64, id: i64) -> StorageResult<Option<StreamConfig>> {
    let row: Option<ConfigRow> =
        on_any!(conn, |c| streams::table.find((org_id, id)).select(ConfigRow::as_select()).first(c).optional())?;
    row.map(config_record).transpose()
}

fn state_in(conn: &mut AnyConn<'_>, org_id: i64, id: i64) -> StorageResult<Option<StreamState>> {
    Ok(on_any!(conn, |c| stream_states::table.find((org_id, id)).select(StreamState::as_select()).first(c).optional())?)
}

fn record_in(conn: &mut AnyConn<'_>, org_id: i64, id: i64) -> StorageResult<Option<StreamRecord>> {
    let Some(config) = config_in(conn, org_id, id)? else { return Ok(None) };
    let state = state_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
    Ok(Some(StreamRecord { config, state }))
}

fn plans_reading_the_log() -> Vec<&'static str> {
    adminlog_types::Plan::ALL.iter().filter(|plan| plan.can_view_logs()).map(|plan| plan.as_str()).collect()
}

impl Db {
    pub fn create_stream(
        &self,
        org_id: i64,
        new: &NewStream<'_>,
        log: impl FnOnce(&StreamConfig) -> Vec<EventDraft>,
    ) -> StorageResult<StreamRecord> {
        self.write(|conn| {
            let id: i64 = on_any!(conn, |c| diesel::update(organizations::table.find(org_id))
                .set(organizations::last_stream_id.eq(organizations::last_stream_id + 1))
                .returning(organizations::last_stream_id)
                .get_result(c)
                .optional())?
            .ok_or(StorageError::NotFound)?;
            let config = StreamConfig {
                org_id,
                id,
                url: new.url.to_owned(),
                actions: new.actions.to_vec(),
                keyword: new.keyword.map(str::to_owned),
                signing: new.signing,
                key_salt: new.key_salt.to_vec(),
                created_at: new.created_at,
            };
            // Logged first, so a stream that starts "from now" starts after
            // the event of its own creation.
            append_in(conn, org_id, &log(&config))?;
            let head: i64 =
                on_any!(conn, |c| organizations::table.find(org_id).select(organizations::last_event_id).first(c))?;
            let codes: Vec<String> = config.actions.iter().map(|a| a.code().to_string()).collect();
            on_any!(conn, |c| {
                diesel::insert_into(streams::table)
                    .values((
                        streams::org_id.eq(org_id),
                        streams::id.eq(id),
                        streams::url.eq(&config.url),
                        streams::actions.eq(codes.join(",")),
                        streams::keyword.eq(&config.keyword),
                        streams::signing.eq(config.signing.as_str()),
                        streams::key_salt.eq(&config.key_salt),
                        streams::created_at.eq(config.created_at),
                    ))
                    .execute(c)?;
                diesel::insert_into(stream_states::table)
                    .values((
                        stream_states::org_id.eq(org_id),
                        stream_states::id.eq(id),
                        stream_states::delivered_through.eq(new.start_after.unwrap_or(head)),
                    ))
                    .execute(c)
            })?;
            record_in(conn, org_id, id)?.ok_or(StorageError::NotFound)
        })
    }

    pub fn stream(&self, org_id: i64, id: i64) -> StorageResult<Option<StreamRecord>> {
        self.read(|conn| record_in(conn, org_id, id))
    }

    pub fn list_streams(&self, org_id: i64) -> StorageResult<Vec<StreamRecord>> {
        self.read(|conn| {
            let rows: Vec<(ConfigRow, StreamState)> = on_any!(conn, |c| streams::table
                .inner_join(
                    stream_states::table
                        .on(stream_states::org_id.eq(streams::org_id).and(stream_states::id.eq(streams::id))),
                )
                .filter(streams::org_id.eq(org_id))
                .order(streams::id)
                .select((ConfigRow::as_select(), StreamState::as_select()))
                .load(c))?;
            rows.into_iter().map(|(config, state)| Ok(StreamRecord { config: config_record(config)?, state })).collect()
        })
    }

    /// Applies a pause, resume or replay; a stream resumed or replayed is
    /// tried again at once.
    pub fn change_stream(
        &self,
        org_id: i64,
        id: i64,
        change: StreamChange,
        log: impl FnOnce(&StreamConfig) -> Vec<EventDraft>,
    ) -> StorageResult<StreamRecord> {
        self.write(|conn| {
            let config = config_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            let target = || stream_states::table.find((org_id, id));
            on_any!(conn, |c| {
                if let Some(paused) = change.paused {
                    diesel::update(target()).set(stream_states::paused.eq(paused)).execute(c)?;
                    if !paused {
                        diesel::update(target())
                            .set((
                                stream_states::disabled_at.eq(None::<i64>),
                                stream_states::failures.eq(0),
                                stream_states::next_attempt_at.eq(0),
                            ))
                            .execute(c)?;
                    }
                }
                if let Some(after) = change.replay_after {
                    diesel::update(target())
                        .set((
                            stream_states::delivered_through.eq(after),
                            stream_states::batch_through.eq(None::<i64>),
                            stream_states::generation.eq(stream_states::generation + 1),
                            stream_states::failures.eq(0),
                            stream_states::next_attempt_at.eq(0),
                            stream_states::last_error.eq(None::<String>),
                        ))
                        .execute(c)?;
                }
                Ok::<(), diesel::result::Error>(())
            })?;
            append_in(conn, org_id, &log(&config))?;
            record_in(conn, org_id, id)?.ok_or(StorageError::NotFound)
        })
    }

    pub fn delete_stream(
        &self,
        org_id: i64,
        id: i64,
        log: impl FnOnce(&StreamConfig) -> Vec<EventDraft>,
    ) -> StorageResult<()> {
        self.write(|conn| {
            let config = config_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            on_any!(conn, |c| {
                diesel::delete(stream_states::table.find((org_id, id))).execute(c)?;
                diesel::delete(streams::table.find((org_id, id))).execute(c)
            })?;
            append_in(conn, org_id, &log(&config))?;
            Ok(())
        })
    }

    /// Takes the lease of every stream due for delivery that no live process
    /// holds, for `owner` until `lease_until`.
    pub fn claim_streams(&self, owner: &str, now: i64, lease_until: i64) -> StorageResult<Vec<StreamRecord>> {
        // Asked every second by every process: a read first, so that a
        // server without due streams never takes SQLite's write lock for it.
        let due: Option<i64> =
            self.read(|conn| Ok(on_any!(conn, |c| claimable!(now).select(stream_states::id).first(c).optional())?))?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        self.write(|conn| {
            let claimed: Vec<(i64, i64)> = on_any!(conn, |c| diesel::update(claimable!(now))
                .set((stream_states::lease_owner.eq(owner), stream_states::lease_until.eq(lease_until)))
                .returning((stream_states::org_id, stream_states::id))
                .get_results(c))?;
            let mut records = Vec::with_capacity(claimed.len());
            for (org_id, id) in claimed {
                records.extend(record_in(conn, org_id, id)?);
            }
            Ok(records)
        })
    }

    /// The stream's state while `owner` still holds it (renewing the lease
    /// until `lease_until` once less than `renew_below` is left); `None` once
    /// it lost the lease or the stream is gone.
    pub fn hold_stream(
        &self,
        org_id: i64,
        id: i64,
        owner: &str,
        now: i64,
        renew_below: i64,
        lease_until: i64,
    ) -> StorageResult<Option<StreamState>> {
        let Some(state) = self.read(|conn| state_in(conn, org_id, id))? else { return Ok(None) };
        if state.lease_owner.as_deref() != Some(owner) {
            return Ok(None);
        }
        if state.lease_until.unwrap_or(0) - now >= renew_below {
            return Ok(Some(state));
        }
        self.write(|conn| {
            Ok(on_any!(conn, |c| diesel::update(
                stream_states::table.find((org_id, id)).filter(stream_states::lease_owner.eq(owner))
            )
            .set(stream_states::lease_until.eq(lease_until))
            .returning(StreamState::as_returning())
            .get_result(c)
            .optional())?)
        })
    }

    /// Records the batch about to be sent (so any retry sends the same one).
    pub fn begin_batch(&self, held: &Held<'_>, through: i64) -> StorageResult<bool> {
        self.write(|conn| {
            Ok(on_any!(conn, |c| diesel::update(guarded!(held))
                .set(stream_states::batch_through.eq(through))
                .execute(c))?)
        })
        .map(|changed| changed > 0)
    }

    /// The batch up to `through` reached the receiver (or nothing up to it
    /// matched: `attempted_at` is then `None`).
    pub fn finish_batch(&self, held: &Held<'_>, through: i64, attempted_at: Option<i64>) -> StorageResult<bool> {
        self.write(|conn| {
            Ok(on_any!(conn, |c| {
                let moved = (
                    stream_states::delivered_through.eq(through),
                    stream_states::batch_through.eq(None::<i64>),
                    stream_states::failures.eq(0),
                );
                match attempted_at {
                    Some(at) => diesel::update(guarded!(held))
                        .set((
                            moved,
                            stream_states::last_error.eq(None::<String>),
                            stream_states::last_attempt_at.eq(at),
                        ))
                        .execute(c),
                    None => diesel::update(guarded!(held)).set(moved).execute(c),
                }
            })?)
        })
        .map(|changed| changed > 0)
    }

    /// A failed attempt: counted, explained, and tried again at `retry_at`
    /// by whichever process claims the stream then (this one lets go).
    pub fn fail_batch(&self, held: &Held<'_>, error: &str, attempted_at: i64, retry_at: i64) -> StorageResult<bool> {
        self.write(|conn| {
            Ok(on_any!(conn, |c| diesel::update(guarded!(held))
                .set((
                    stream_states::failures.eq(stream_states::failures + 1),
                    stream_states::last_error.eq(error),
                    stream_states::last_attempt_at.eq(attempted_at),
                    stream_states::next_attempt_at.eq(retry_at),
                    stream_states::lease_owner.eq(None::<String>),
                    stream_states::lease_until.eq(None::<i64>),
                ))
                .execute(c))?)
        })
        .map(|changed| changed > 0)
    }

    /// The receiver answered 410 Gone: the stream stops until resumed, and
    /// the log records why.
    pub fn disable_stream(
        &self,
        held: &Held<'_>,
        error: &str,
        attempted_at: i64,
        log: &[EventDraft],
    ) -> StorageResult<bool> {
        self.write(|conn| {
            let changed = on_any!(conn, |c| diesel::update(guarded!(held))
                .set((
                    stream_states::disabled_at.eq(attempted_at),
                    stream_states::last_error.eq(error),
                    stream_states::last_attempt_at.eq(attempted_at),
                    stream_states::lease_owner.eq(None::<String>),
                    stream_states::lease_until.eq(None::<i64>),
                ))
                .execute(c))?;
            if changed > 0 {
                append_in(conn, held.org_id, log)?;
            }
            Ok(changed > 0)
        })
    }

    /// Gives the lease up (a process stopping, or a stream paused).
    pub fn release_stream(&self, org_id: i64, id: i64, owner: &str) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| diesel::update(
                stream_states::table.find((org_id, id)).filter(stream_states::lease_owner.eq(owner))
            )
            .set((stream_states::lease_owner.eq(None::<String>), stream_states::lease_until.eq(None::<i64>)))
            .execute(c))?;
            Ok(())
        })
    }
}
