//! The chain as stored: walking it (verification, evidence files) and the
//! signed checkpoints of its head.

use std::collections::BTreeMap;

use adminlog_types::{Action, Checkpoint, EvidenceEvent, Source};
use diesel::prelude::*;

use super::events::{term_texts, EventRow, SOURCE_API};
use super::schema::{checkpoints, events, organizations};
use super::{on_any, AnyConn, Db, StorageError, StorageResult};
use crate::domain::chain::{hex, Break, ChainCheck, ChainedEvent, Recorded, GENESIS};
use crate::domain::checkpoint::{anchors, CheckpointSigner};
use crate::domain::recorder::Recorder;
use ed25519_dalek::VerifyingKey;

/// Events read per round trip while walking a chain.
pub const CHAIN_CHUNK: i64 = 5_000;

/// An event as stored: the page columns plus what only the chain needs.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct ChainRow {
    #[diesel(embed)]
    event: EventRow,
    client_event_id: Option<String>,
    hash: Vec<u8>,
}

/// One link of the stored chain.
pub struct StoredLink {
    pub id: i64,
    pub ts_micros: i64,
    /// The stored action code: unknown codes only come from tampering.
    pub action_code: i16,
    pub source: Source,
    pub admin_email: String,
    pub user_email: String,
    pub user_name: String,
    pub domain_name: String,
    pub client_event_id: String,
    /// The stored recorder columns and arrival time; no kind: a v1 link.
    pub recorder: Option<(i16, Option<i64>)>,
    pub received_at_micros: i64,
    pub hash: Vec<u8>,
}

impl StoredLink {
    /// `Some(None)` for a v1 link; `None` for recorder columns only
    /// tampering produces.
    fn recorded(&self) -> Option<Option<Recorded>> {
        match self.recorder {
            None => Some(None),
            Some((kind, id)) => Recorder::from_columns(kind, id)
                .map(|recorder| Some(Recorded { recorder, received_at_micros: self.received_at_micros })),
        }
    }

    /// The hashed content; `None` when the stored action or recorder is unknown.
    pub fn chained(&self, org_id: i64) -> Option<ChainedEvent<'_>> {
        Some(ChainedEvent {
            recorded: self.recorded()?,
            org_id,
            id: self.id,
            ts_micros: self.ts_micros,
            action: Action::from_code(self.action_code)?,
            source: self.source,
            admin_email: &self.admin_email,
            user_email: &self.user_email,
            user_name: &self.user_name,
            domain_name: &self.domain_name,
            client_event_id: &self.client_event_id,
        })
    }

    pub fn evidence(self) -> EvidenceEvent {
        let recorder = match (self.recorded(), self.recorder) {
            (Some(recorded), _) => recorded.map(|r| r.recorder.to_evidence()),
            (None, Some((kind, _))) => Some(format!("unknown recorder code {kind}")),
            (None, None) => None,
        };
        let action = Action::from_code(self.action_code)
            .map_or_else(|| format!("unknown action code {}", self.action_code), |a| a.as_str().to_owned());
        EvidenceEvent {
            id: self.id,
            ts_micros: self.ts_micros,
            action,
            source: self.source.as_str().to_owned(),
            admin_email: self.admin_email,
            user_email: self.user_email,
            user_name: self.user_name,
            domain_name: self.domain_name,
            event_id: self.client_event_id,
            recorder,
            received_at_micros: self.recorder.is_some().then_some(self.received_at_micros),
            hash: hex(&self.hash),
        }
    }
}

fn latest_checkpoint_in(conn: &mut AnyConn<'_>, org_id: i64) -> StorageResult<Option<Checkpoint>> {
    let row: Option<CheckpointRow> = on_any!(conn, |c| checkpoints::table
        .filter(checkpoints::org_id.eq(org_id))
        .order(checkpoints::id.desc())
        .select(CheckpointRow::as_select())
        .first(c)
        .optional())?;
    Ok(row.map(Checkpoint::from))
}

/// Up to `limit` links after event `after`, up to event `until`, in id order.
fn links_in(conn: &mut AnyConn<'_>, org_id: i64, after: i64, until: i64, limit: i64) -> StorageResult<Vec<StoredLink>> {
    let rows: Vec<ChainRow> = on_any!(conn, |c| events::table
        .filter(events::org_id.eq(org_id))
        .filter(events::id.gt(after))
        .filter(events::id.le(until))
        .order(events::id)
        .limit(limit)
        .select(ChainRow::as_select())
        .load(c))?;
    let texts = term_texts(
        conn,
        org_id,
        rows.iter().map(|r| [r.event.admin_term, r.event.user_email_term, r.event.user_name_term, r.event.domain_term]),
    )?;
    let text = |id: Option<i64>| id.and_then(|id| texts.get(&id).cloned()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|row| StoredLink {
            id: row.event.id,
            ts_micros: row.event.ts,
            action_code: row.event.action,
            source: if row.event.source == SOURCE_API { Source::Api } else { Source::AdminPanel },
            admin_email: text(row.event.admin_term),
            user_email: text(row.event.user_email_term),
            user_name: text(row.event.user_name_term),
            domain_name: text(row.event.domain_term),
            client_event_id: row.client_event_id.unwrap_or_default(),
            recorder: row.event.recorder.map(|kind| (kind, row.event.recorder_id)),
            received_at_micros: row.event.received_at,
            hash: row.hash,
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = checkpoints)]
struct CheckpointRow {
    org_id: i64,
    last_event_id: i64,
    head: String,
    signed_at: String,
    public_key: String,
    signature: String,
}

impl From<CheckpointRow> for Checkpoint {
    fn from(row: CheckpointRow) -> Self {
        Checkpoint {
            org_id: row.org_id,
            last_event_id: row.last_event_id,
            head: row.head,
            signed_at: row.signed_at,
            public_key: row.public_key,
            signature: row.signature,
        }
    }
}

fn head_of(conn: &mut AnyConn<'_>, org_id: i64) -> StorageResult<(i64, [u8; 32])> {
    let (last_id, head): (i64, Option<Vec<u8>>) = on_any!(conn, |c| organizations::table
        .find(org_id)
        .select((organizations::last_event_id, organizations::chain_head))
        .first(c))?;
    let head = match head {
        Some(bytes) => bytes
            .try_into()
            .map_err(|_| StorageError::Corrupt(format!("organization {org_id} has a malformed chain head")))?,
        None => GENESIS,
    };
    Ok((last_id, head))
}

impl Db {
    /// Recomputes the organization's chain from its first event to the head
    /// recorded with the last append, requiring it to pass through `anchors`
    /// (heads vouched for by signed checkpoints), and says where it first
    /// breaks. It reads one snapshot, so appends running beside it neither
    /// break nor extend it.
    pub fn verify_chain(&self, org_id: i64, anchors: BTreeMap<i64, [u8; 32]>) -> StorageResult<ChainCheck> {
        self.snapshot(|conn| {
            let (last_id, head): (i64, Option<Vec<u8>>) = on_any!(conn, |c| organizations::table
                .find(org_id)
                .select((organizations::last_event_id, organizations::chain_head))
                .first(c))?;
            let mut check = ChainCheck::default().with_anchors(anchors);
            let mut after = 0i64;
            'chunks: loop {
                let links = links_in(conn, org_id, after, i64::MAX, CHAIN_CHUNK)?;
                let Some(last) = links.last() else { break };
                after = last.id;
                for link in &links {
                    let Some(event) = link.chained(org_id) else {
                        check.broken = Some(Break {
                            id: link.id,
                            problem: format!("event {} has an unknown action or recorder", link.id),
                        });
                        break 'chunks;
                    };
                    if !check.feed(&event, &link.hash) {
                        break 'chunks;
                    }
                }
                if links.len() < CHAIN_CHUNK as usize {
                    break;
                }
            }
            Ok(check.finish(last_id, head.as_deref().unwrap_or(&GENESIS)))
        })
    }

    /// What SQLite's `quick_check` finds wrong with the database file's
    /// pages and indexes (empty: sound), up to 20 problems; `None` on
    /// PostgreSQL, which checks its own pages. The chain proves the events'
    /// content; this finds the damage the chain cannot see, such as a broken
    /// index that silently drops rows from filtered pages.
    pub fn file_problems(&self) -> StorageResult<Option<Vec<String>>> {
        #[derive(diesel::QueryableByName)]
        struct Finding {
            #[diesel(sql_type = diesel::sql_types::Text)]
            quick_check: String,
        }
        self.read(|conn| match conn {
            AnyConn::Sqlite(c) => {
                let found: Vec<Finding> = diesel::sql_query("PRAGMA quick_check(20)").load(&mut **c)?;
                Ok(Some(found.into_iter().map(|f| f.quick_check).filter(|line| line != "ok").collect()))
            }
            AnyConn::Pg(_) => Ok(None),
        })
    }

    /// [`Db::verify_chain`] through every stored checkpoint that `trusted`
    /// signed; a checkpoint that does not verify is itself a break.
    /// `kept` are checkpoints an auditor held on to, in case the stored ones
    /// were deleted.
    pub fn verify_signed_chain(
        &self,
        org_id: i64,
        trusted: &VerifyingKey,
        kept: &[Checkpoint],
    ) -> StorageResult<ChainCheck> {
        let mut all = self.checkpoints(org_id)?;
        all.extend(kept.iter().filter(|c| c.org_id == org_id).cloned());
        match anchors(&all, trusted) {
            Ok(anchors) => self.verify_chain(org_id, anchors),
            Err((id, error)) => Ok(ChainCheck::failed(Break {
                id,
                problem: format!("the checkpoint signed after event {id} does not verify: {error}"),
            })),
        }
    }

    /// Up to `limit` stored links after event `after`, up to `until`.
    pub fn chain_links(&self, org_id: i64, after: i64, until: i64, limit: i64) -> StorageResult<Vec<StoredLink>> {
        self.read(|conn| links_in(conn, org_id, after, until, limit))
    }

    /// The stored hash of one event; `None` when there is no such event.
    pub fn event_hash(&self, org_id: i64, id: i64) -> StorageResult<Option<Vec<u8>>> {
        self.read(|conn| {
            Ok(on_any!(conn, |c| events::table.find((org_id, id)).select(events::hash).first::<Vec<u8>>(c).optional())?)
        })
    }

    /// The organization's last event id and the chain's hash after it.
    pub fn chain_head(&self, org_id: i64) -> StorageResult<(i64, [u8; 32])> {
        self.read(|conn| head_of(conn, org_id))
    }

    /// Signs the organization's current head and keeps the checkpoint.
    pub fn sign_checkpoint(&self, org_id: i64, signer: &CheckpointSigner) -> StorageResult<Checkpoint> {
        self.checkpoint_on_demand(org_id, signer, time::Duration::ZERO).map(|(checkpoint, _)| checkpoint)
    }

    /// A checkpoint of the current head for a caller who asked for one: the
    /// latest stored one when it already covers the head or was signed less
    /// than `reuse_within` ago, otherwise a new one. Says whether it is new.
    /// Every checkpoint is checked again by each verification, so callers
    /// must not be able to multiply them.
    pub fn checkpoint_on_demand(
        &self,
        org_id: i64,
        signer: &CheckpointSigner,
        reuse_within: time::Duration,
    ) -> StorageResult<(Checkpoint, bool)> {
        self.write(|conn| {
            let (last_id, head) = head_of(conn, org_id)?;
            let now = time::OffsetDateTime::now_utc();
            if let Some(latest) = latest_checkpoint_in(conn, org_id)? {
                let signed_at =
                    time::OffsetDateTime::parse(&latest.signed_at, &time::format_description::well_known::Rfc3339).ok();
                let recent = signed_at.is_some_and(|at| now - at < reuse_within);
                if latest.last_event_id == last_id || recent {
                    return Ok((latest, false));
                }
            }
            let checkpoint = signer.sign(org_id, last_id, &head, now);
            on_any!(conn, |c| diesel::insert_into(checkpoints::table)
                .values((
                    checkpoints::org_id.eq(checkpoint.org_id),
                    checkpoints::last_event_id.eq(checkpoint.last_event_id),
                    checkpoints::head.eq(&checkpoint.head),
                    checkpoints::signed_at.eq(&checkpoint.signed_at),
                    checkpoints::public_key.eq(&checkpoint.public_key),
                    checkpoints::signature.eq(&checkpoint.signature),
                ))
                .execute(c))?;
            Ok((checkpoint, true))
        })
    }

    /// Every checkpoint signed for the organization, oldest first.
    pub fn checkpoints(&self, org_id: i64) -> StorageResult<Vec<Checkpoint>> {
        self.read(|conn| {
            let rows: Vec<CheckpointRow> = on_any!(conn, |c| checkpoints::table
                .filter(checkpoints::org_id.eq(org_id))
                .order(checkpoints::id)
                .select(CheckpointRow::as_select())
                .load(c))?;
            Ok(rows.into_iter().map(Checkpoint::from).collect())
        })
    }

    /// The most recent checkpoint of the organization.
    pub fn latest_checkpoint(&self, org_id: i64) -> StorageResult<Option<Checkpoint>> {
        self.read(|conn| latest_checkpoint_in(conn, org_id))
    }

    /// Organizations whose chain grew since their last checkpoint.
    pub fn unsigned_heads(&self) -> StorageResult<Vec<i64>> {
        self.read(|conn| {
            let heads: Vec<(i64, i64)> = on_any!(conn, |c| organizations::table
                .select((organizations::id, organizations::last_event_id))
                .load(c))?;
            let signed: Vec<(i64, Option<i64>)> = on_any!(conn, |c| checkpoints::table
                .group_by(checkpoints::org_id)
                .select((checkpoints::org_id, diesel::dsl::max(checkpoints::last_event_id)))
                .load(c))?;
            let signed: BTreeMap<i64, i64> = signed.into_iter().map(|(org, last)| (org, last.unwrap_or(0))).collect();
            Ok(heads
                .into_iter()
                .filter(|(org, last)| *last > signed.get(org).copied().unwrap_or(0))
                .map(|(org, _)| org)
                .collect())
        })
    }
}
