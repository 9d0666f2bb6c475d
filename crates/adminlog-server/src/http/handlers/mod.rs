//! One module per group of endpoints. Handlers stay thin: extract, check,
//! call storage, map to the wire type.

pub mod admin_logs;
pub mod administrators;
pub mod api_keys;
pub mod feed;
pub mod integrity;
pub mod ops;
pub mod saved_views;
pub mod session;
pub mod spa;
pub mod streams;

use actix_web::web;
use bytes::Bytes;
use tokio::sync::mpsc;

use super::error::{blocking, ApiError};
use crate::domain::ingest::EventDraft;
use crate::storage::Db;

/// Where a streamed body's producer sends its chunks.
pub type ChunkSender = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// A download (CSV or evidence) as an attachment of `response` (the caller's
/// status and extra headers), its body written by `produce` on a blocking
/// thread a few chunks ahead of the client at most, so memory stays flat
/// whatever the size.
///
/// The export is logged as an EXPORT_ADMIN_LOGS event (`record`) *before*
/// any byte leaves: an export the log cannot record is refused (503 when the
/// database is unreachable or busy, 507 when its storage is full), and one
/// cut short by the client is still recorded, since rows may have left.
/// Callers read what must not include the record (the CSV's first chunk,
/// the evidence's checkpoint) before calling.
pub async fn recorded_download(
    db: Db,
    org_id: i64,
    mut record: EventDraft,
    mut response: actix_web::HttpResponseBuilder,
    content_type: &str,
    filename: &str,
    produce: impl FnOnce(&Db, &ChunkSender) -> bool + Send + 'static,
) -> Result<actix_web::HttpResponse, ApiError> {
    let recording = db.clone();
    blocking(move || {
        record.timestamp = time::OffsetDateTime::now_utc();
        recording.append_events(org_id, std::slice::from_ref(&record))?;
        Ok(())
    })
    .await?;
    let (sender, receiver) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        if !produce(&db, &sender) {
            tracing::info!(org_id, "an export ended before its last byte");
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(response
        .content_type(content_type.to_owned())
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .streaming(body))
}

/// Parses a JSON body ourselves so every failure has our error shape and the
/// problem's position. A body that repeats a key in any object, or nests
/// deeper than any of ours, is refused before it is read: see
/// [`crate::domain::strict_json`].
pub fn parse_json<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    body: &web::Bytes,
) -> Result<T, ApiError> {
    use crate::domain::strict_json::{check_unique_keys, StrictJsonError};

    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into()));
    }
    match check_unique_keys(body) {
        Ok(()) => {}
        // Not JSON: the typed parse below says where, in its usual words.
        Err(StrictJsonError::Syntax(_)) => {}
        Err(refused) => return Err(ApiError::InvalidRequest(refused.to_string())),
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidRequest(format!("the body is not valid JSON for this endpoint: {e}")))
}

/// The first of `offered` (media types, the preferred first) that the
/// request's `Accept` names with a weight above zero; the first otherwise.
/// Lets generated clients that know only `application/octet-stream` or
/// `text/*` ask for a download in a type they can read.
pub fn negotiated<'a>(req: &actix_web::HttpRequest, offered: &[&'a str]) -> &'a str {
    let accept = req.headers().get(actix_web::http::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let named = |media: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let matches = parts.next().is_some_and(|m| m.eq_ignore_ascii_case(media));
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            matches && !refused
        })
    };
    offered.iter().copied().find(|media| named(media)).unwrap_or(offered[0])
}

/// An `{id}` path segment. Checked after authorization, so a caller without
/// access learns nothing from the id's shape.
pub fn parse_id(segment: &str) -> Result<i64, ApiError> {
    segment.parse().map_err(|_| ApiError::NotFound(format!("no item has the id `{segment}`: ids are whole numbers")))
}
