//! The log: pages, CSV export, ingestion and the list of action types.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{
    csv_cells, csv_cells_extended, csv_writer, Action, ActionInfo, Event, IngestResponse, ItemList, LogFilter,
    LogQuery, Page, QueryKind, CSV_HEADER, CSV_HEADER_EXTENDED, MAX_EXPORT_ROWS,
};
use std::time::Instant;

use bytes::Bytes;
use time::OffsetDateTime;

use super::{parse_json, recorded_download, ChunkSender};
use crate::domain::access::Caller;
use crate::domain::cursor::Position;
use crate::domain::ingest::{validate_batch, BodyError, IngestBody};
use crate::http::error::{blocking, reading, ApiError};
use crate::http::state::AppState;
use crate::storage::events::{position_of, EventSelection};
use crate::storage::Db;

/// Rows fetched per storage round trip while exporting.
const EXPORT_CHUNK: usize = 1000;

pub async fn list_admin_logs(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let query = LogQuery::parse(req.query_string(), QueryKind::Page).map_err(ApiError::Validation)?;
    let org_id = caller.tenant.id;
    let after = match &query.cursor {
        Some(token) => Some(
            state.cursors.decode(org_id, &query.filter, token).map_err(|e| ApiError::InvalidRequest(e.to_string()))?,
        ),
        None => None,
    };
    let limit = query.page_size() as usize;
    let shared = state.clone();
    let page = reading(&state.admission, move || {
        let state = shared;
        // One row more than asked says whether a next page exists.
        let selection = EventSelection::new(&query.filter, after, limit as i64 + 1);
        let started = Instant::now();
        let read = state.db.page_events(org_id, &selection)?;
        state.metrics.observe_page_read(read.route.label(), started.elapsed());
        let mut items = read.events;
        let next_cursor = (items.len() > limit).then(|| {
            items.truncate(limit);
            state.cursors.encode(org_id, &query.filter, position_of(&items[limit - 1]))
        });
        Ok((Page { items, next_cursor }, read.route))
    })
    .await?;
    let (page, route) = page;
    tracing::Span::current().record("plan", route.label());
    Ok(HttpResponse::Ok().json(page))
}

/// One event by its id: the browser app's permanent link to it.
pub async fn get_admin_log(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let id = super::parse_id(&path)?;
    let org_id = caller.tenant.id;
    let db = state.db.clone();
    let event = reading(&state.admission, move || Ok(db.event_by_id(org_id, id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event has the id {id} in this organization")))?;
    Ok(HttpResponse::Ok().json(event))
}

/// How many events the filter matches, and when: the result header's count
/// and activity bars.
pub async fn histogram(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let query = LogQuery::parse(req.query_string(), QueryKind::Histogram).map_err(ApiError::Validation)?;
    let org_id = caller.tenant.id;
    let db = state.db.clone();
    let histogram =
        reading(&state.admission, move || Ok(db.histogram(org_id, &query.filter, OffsetDateTime::now_utc())?)).await?;
    Ok(HttpResponse::Ok().json(histogram))
}

/// How many events each action type has within the range and keyword: the
/// action picker's counts.
pub async fn action_counts(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let LogFilter { from, to, keyword, .. } =
        LogQuery::parse(req.query_string(), QueryKind::ActionCounts).map_err(ApiError::Validation)?.filter;
    let org_id = caller.tenant.id;
    let db = state.db.clone();
    let counts = reading(&state.admission, move || {
        Ok(db.action_counts(org_id, (from, to), keyword.as_deref(), OffsetDateTime::now_utc())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(counts))
}

pub async fn export_admin_logs_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let mut query = LogQuery::parse(req.query_string(), QueryKind::Export).map_err(ApiError::Validation)?;
    // One window for every chunk, and a filename that names it.
    query.filter = query.filter.resolved(OffsetDateTime::now_utc());
    let filter = query.filter.clone();
    let db = state.db.clone();
    let org_id = caller.tenant.id;
    // Asked before the export is recorded and streaming starts: the headers
    // say whether the cap cut the export short, and the first chunk, read
    // before the export's own record exists, keeps that record out of it
    // (later chunks are older).
    let (truncated, first_chunk) = reading(&state.admission, move || {
        let cap = MAX_EXPORT_ROWS as i64 + 1;
        let truncated = db.count_events_up_to(org_id, &EventSelection::new(&filter, None, cap), cap)? == cap;
        let first_chunk = db.page_events(org_id, &EventSelection::new(&filter, None, EXPORT_CHUNK as i64))?.events;
        Ok((truncated, first_chunk))
    })
    .await?;

    let mut response = HttpResponse::Ok();
    response
        .insert_header(("X-Export-Row-Limit", MAX_EXPORT_ROWS.to_string()))
        .insert_header(("X-Export-Truncated", truncated.to_string()));
    let filename = export_filename(&query.filter);
    recorded_download(
        state.db.clone(),
        org_id,
        caller.export_record(),
        response,
        "text/csv; charset=utf-8",
        &filename,
        move |db, sender| stream_csv(db, org_id, &query, first_chunk, sender),
    )
    .await
}

/// Writes the export chunk by chunk, `first_chunk` (read before the export
/// was recorded) then older ones; memory stays at one chunk whatever the
/// size. Returns false when the client went away or storage failed.
fn stream_csv(db: &Db, org_id: i64, query: &LogQuery, first_chunk: Vec<Event>, sender: &ChunkSender) -> bool {
    let mut after: Option<Position> = None;
    let mut pending = Some(first_chunk);
    let mut written = 0usize;
    let mut first = true;
    loop {
        let want = EXPORT_CHUNK.min(MAX_EXPORT_ROWS - written);
        let rows = match pending.take() {
            Some(rows) => Ok(rows),
            None => {
                db.page_events(org_id, &EventSelection::new(&query.filter, after, want as i64)).map(|read| read.events)
            }
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "export stopped: storage failed");
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
                return false;
            }
        };
        let mut writer = csv_writer(Vec::with_capacity(rows.len() * 96));
        if first && query.header {
            let _ =
                if query.extended { writer.write_record(CSV_HEADER_EXTENDED) } else { writer.write_record(CSV_HEADER) };
        }
        first = false;
        for event in &rows {
            let _ = if query.extended {
                writer.write_record(csv_cells_extended(event))
            } else {
                writer.write_record(csv_cells(event))
            };
        }
        let chunk = writer.into_inner().unwrap_or_default();
        if !chunk.is_empty() && sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return false;
        }
        written += rows.len();
        match rows.last() {
            Some(last) if rows.len() == want && written < MAX_EXPORT_ROWS => after = Some(position_of(last)),
            _ => return true,
        }
    }
}

/// Names the range: `admin-logs_2016-06-01_to_2016-06-30.csv`.
pub fn export_filename(filter: &LogFilter) -> String {
    let part = |bound: Option<adminlog_types::TimeBound>, open: &str| {
        bound.map_or_else(|| open.to_owned(), |b| b.to_string().replace(':', "-"))
    };
    let filtered = if filter.keyword.is_some() || !filter.actions.is_empty() { "_filtered" } else { "" };
    format!("admin-logs_{}_to_{}{filtered}.csv", part(filter.from, "beginning"), part(filter.to, "now"))
}

pub async fn ingest_admin_logs(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.may_write_logs()?;
    let batch = IngestBody::from_value(parse_json(&req, &body)?).map_err(|error| match error {
        BodyError::NotAnObject => ApiError::InvalidRequest("send a JSON object: {\"events\": [ ... ]}".into()),
        BodyError::Problems(problems) => ApiError::Validation(problems),
    })?;
    let drafts =
        validate_batch(batch.events, OffsetDateTime::now_utc(), caller.recorder()).map_err(ApiError::Validation)?;
    let org_id = caller.tenant.id;
    let ids = blocking(move || Ok(state.db.append_events(org_id, &drafts)?)).await?;
    Ok(HttpResponse::Created().json(IngestResponse { ids }))
}

pub async fn list_actions(_caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(ItemList { items: Action::ALL.iter().copied().map(ActionInfo::from).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use adminlog_types::TimeBound;
    use time::macros::{date, datetime};

    #[test]
    fn filenames_name_the_range() {
        let mut filter = LogFilter::default();
        assert_eq!(export_filename(&filter), "admin-logs_beginning_to_now.csv");
        filter.from = Some(TimeBound::Day(date!(2016 - 06 - 01)));
        filter.to = Some(TimeBound::Instant(datetime!(2016-06-30 12:00 UTC)));
        filter.actions = vec![Action::LOG_IN];
        assert_eq!(export_filename(&filter), "admin-logs_2016-06-01_to_2016-06-30T12-00-00Z_filtered.csv");
    }
}
