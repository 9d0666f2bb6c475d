//! Tamper evidence: chain verification, signed checkpoints, and the evidence
//! file an auditor checks offline with `adminlog verify --file`.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{ChainVerification, EvidenceHeader, Problem, EVIDENCE_FORMAT};
use bytes::Bytes;

use super::{recorded_download, ChunkSender};
use crate::domain::access::Caller;
use crate::domain::chain::{hex, ChainCheck, GENESIS};
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;
use crate::storage::integrity::CHAIN_CHUNK;
use crate::storage::Db;

/// Rechecks the organization's hash chain, through every signed checkpoint,
/// and says where it first breaks.
pub async fn verify_admin_logs(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let org_id = caller.tenant.id;
    let check = blocking(move || Ok(state.db.verify_signed_chain(org_id, &state.signer.verifying_key(), &[])?)).await?;
    Ok(HttpResponse::Ok().json(verification(&check)))
}

/// The wire form of a chain check.
pub fn verification(check: &ChainCheck) -> ChainVerification {
    ChainVerification {
        ok: check.broken.is_none(),
        checked: check.checked,
        first_broken_id: check.broken.as_ref().map(|b| b.id),
        problem: check.broken.as_ref().map(|b| b.problem.clone()),
        head: check.broken.is_none().then(|| hex(&check.head())),
    }
}

/// Signs the organization's current chain head now (201), or returns the
/// latest checkpoint (200) when it covers the head or is recent
/// (`--checkpoint-reuse-secs`): a reader may ask as often as it likes, but
/// adds at most one checkpoint per interval for every verification to recheck.
pub async fn sign_checkpoint(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let org_id = caller.tenant.id;
    let (checkpoint, created) =
        blocking(move || Ok(state.db.checkpoint_on_demand(org_id, &state.signer, state.checkpoint_reuse)?)).await?;
    Ok(if created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(checkpoint))
}

/// The most recent checkpoint, periodic or on demand.
pub async fn latest_checkpoint(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let org_id = caller.tenant.id;
    let latest = blocking(move || Ok(state.db.latest_checkpoint(org_id)?)).await?;
    let checkpoint = latest
        .ok_or_else(|| ApiError::NotFound("no checkpoint yet: POST /api/v1/admin-logs/checkpoints signs one".into()))?;
    Ok(HttpResponse::Ok().json(checkpoint))
}

/// The only query parameter: `after_id`, a whole number, default 0.
fn parse_after_id(query: &str) -> Result<i64, ApiError> {
    let mut after_id = 0;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let problem = |message: &str| ApiError::Validation(vec![Problem::new(name.to_string(), message)]);
        match &*name {
            "after_id" => {
                after_id = value
                    .parse::<i64>()
                    .ok()
                    .filter(|id| *id >= 0)
                    .ok_or_else(|| problem("must be a whole number, 0 or more"))?;
            }
            _ => return Err(problem("is not a parameter of this endpoint: only after_id is")),
        }
    }
    Ok(after_id)
}

/// JSON Lines: a header with a checkpoint signed now, then every event after
/// `after_id` up to that checkpoint, with what its hash covers.
pub async fn export_evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let after_id = parse_after_id(req.query_string())?;
    let org_id = caller.tenant.id;
    let organization = caller.tenant.name.clone();
    let prepared = state.clone();
    let header = blocking(move || {
        // Checked before signing, so a refused request leaves no checkpoint.
        let (last_event_id, _) = prepared.db.chain_head(org_id)?;
        if after_id > last_event_id {
            let message = format!("is beyond the last event ({last_event_id})");
            return Err(ApiError::Validation(vec![Problem::new("after_id", message)]));
        }
        let previous = match after_id {
            0 => GENESIS.to_vec(),
            id => prepared.db.event_hash(org_id, id)?.ok_or_else(|| {
                ApiError::Validation(vec![Problem::new("after_id", "names no event of this organization")])
            })?,
        };
        let (checkpoint, _) = prepared.db.checkpoint_on_demand(org_id, &prepared.signer, prepared.checkpoint_reuse)?;
        if after_id > checkpoint.last_event_id {
            let message = format!(
                "is beyond the last signed event ({}): a newer checkpoint is signed once the latest is {} seconds old",
                checkpoint.last_event_id,
                prepared.checkpoint_reuse.whole_seconds()
            );
            return Err(ApiError::Validation(vec![Problem::new("after_id", message)]));
        }
        Ok(EvidenceHeader {
            format: EVIDENCE_FORMAT.to_owned(),
            organization,
            after_id,
            previous_hash: hex(&previous),
            checkpoint,
        })
    })
    .await?;
    let filename = format!("adminlog-evidence-{}-to-{}.jsonl", header.after_id + 1, header.checkpoint.last_event_id);
    recorded_download(
        state.db.clone(),
        org_id,
        caller.export_record(),
        HttpResponse::Ok(),
        super::negotiated(&req, &["application/x-ndjson", "application/octet-stream"]),
        &filename,
        // The checkpoint was signed before the record: the file ends there.
        move |db, sender| stream_evidence(db, org_id, &header, sender),
    )
    .await
}

/// Writes the header line, then the events chunk by chunk. Returns false
/// when the client went away or storage failed.
fn stream_evidence(db: &Db, org_id: i64, header: &EvidenceHeader, sender: &ChunkSender) -> bool {
    if sender.blocking_send(Ok(Bytes::from(json_line(header)))).is_err() {
        return false;
    }
    let until = header.checkpoint.last_event_id;
    let mut after = header.after_id;
    while after < until {
        let links = match db.chain_links(org_id, after, until, CHAIN_CHUNK) {
            Ok(links) => links,
            Err(error) => {
                tracing::error!(%error, "evidence export stopped: storage failed");
                let _ = sender.blocking_send(Err(std::io::Error::other("evidence export failed")));
                return false;
            }
        };
        let Some(last) = links.last() else { break };
        after = last.id;
        let mut chunk = String::with_capacity(links.len() * 256);
        for link in links {
            chunk.push_str(&json_line(&link.evidence()));
        }
        if sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return false;
        }
    }
    true
}

/// One JSON value and a newline.
fn json_line<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}
