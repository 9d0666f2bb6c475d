//! Push streams: super administrators create, list, inspect, pause, resume,
//! replay and delete them; each change is an event of the log. Delivering
//! them is `crate::delivery`'s job.

use std::str::FromStr;

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{
    check_keyword, Action, CreateStreamRequest, CreatedStream, ItemList, Problem, Stream, UpdateStreamRequest,
};

use super::parse_json;
use crate::delivery::stream_name;
use crate::domain::access::Caller;
use crate::domain::fields::into_result;
use crate::domain::ingest::EventDraft;
use crate::domain::outbound::receiver_url;
use crate::domain::webhook::StreamKey;
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;
use crate::storage::streams::{NewStream, StreamChange, StreamConfig, StreamRecord};
use crate::storage::{from_micros, to_micros};

/// Managing streams is managing the organization, and a stream reads the
/// log: both permissions are needed.
fn may_manage_streams(caller: &Caller) -> Result<(), ApiError> {
    caller.may_manage_organization()?;
    caller.may_read_logs()?;
    Ok(())
}

pub async fn list_streams(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    may_manage_streams(&caller)?;
    let db = state.db.clone();
    let records = blocking(move || Ok(db.list_streams(caller.tenant.id)?)).await?;
    let items = records.iter().map(|record| to_wire(&state, record)).collect();
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

pub async fn get_stream(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    may_manage_streams(&caller)?;
    let id = super::parse_id(&path)?;
    let db = state.db.clone();
    let record = blocking(move || Ok(db.stream(caller.tenant.id, id)?)).await?.ok_or_else(|| no_stream(id))?;
    Ok(HttpResponse::Ok().json(to_wire(&state, &record)))
}

pub async fn create_stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    may_manage_streams(&caller)?;
    let request: CreateStreamRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    let url = receiver_url(&request.url);
    if let Err(refused) = &url {
        problems.push(Problem::new("url", refused.clone()));
    }
    let mut actions = Vec::with_capacity(request.actions.len());
    for name in &request.actions {
        match Action::from_str(name) {
            Ok(action) => actions.push(action),
            Err(_) => problems
                .push(Problem::new("actions", format!("`{name}` is not an action: GET /api/v1/actions lists them"))),
        }
    }
    actions.sort_by_key(|a| a.code());
    actions.dedup();
    let keyword = match request.keyword.as_deref().map(check_keyword).transpose() {
        Ok(keyword) => keyword.flatten(),
        Err(refused) => {
            problems.push(Problem::new("keyword", refused));
            None
        }
    };
    if request.start_after.is_some_and(|id| id < 0) {
        problems.push(Problem::new("start_after", "give an event id, 0 or more (0: the whole log)"));
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let refused_url = |refused: String| ApiError::Validation(vec![Problem::new("url", refused)]);
    let url = url.map_err(refused_url)?;
    state.streams.receivers.admissible(&url).await.map_err(refused_url)?;
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| ApiError::Internal(format!("no random source: {e}")))?;
    let db = state.db.clone();
    let record = blocking(move || {
        let (actor, source) = caller.actor();
        let new = NewStream {
            url: url.as_str(),
            actions: &actions,
            keyword: keyword.as_deref(),
            signing: request.signing,
            key_salt: &salt,
            start_after: request.start_after,
            created_at: to_micros(time::OffsetDateTime::now_utc()),
        };
        let log = |config: &StreamConfig| vec![stream_event(Action::CREATE_STREAM, actor, source, config, "")];
        Ok(db.create_stream(caller.tenant.id, &new, log)?)
    })
    .await?;
    let key = state.streams.key(&record.config);
    Ok(HttpResponse::Created().json(CreatedStream { stream: to_wire(&state, &record), secret: key.secret_text() }))
}

pub async fn update_stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    may_manage_streams(&caller)?;
    let id = super::parse_id(&path)?;
    let request: UpdateStreamRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    if request.paused.is_none() && request.replay_after.is_none() {
        problems.push(Problem::new("paused", "give paused (true or false), replay_after (an event id), or both"));
    }
    if request.replay_after.is_some_and(|after| after < 0) {
        problems.push(Problem::new("replay_after", "give an event id, 0 or more (0: the whole log)"));
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let change = StreamChange { paused: request.paused, replay_after: request.replay_after };
    let what = change_words(change);
    let db = state.db.clone();
    let record = blocking(move || {
        let (actor, source) = caller.actor();
        let log = |config: &StreamConfig| vec![stream_event(Action::UPDATE_STREAM, actor, source, config, &what)];
        Ok(db.change_stream(caller.tenant.id, id, change, log)?)
    })
    .await
    .map_err(|error| naming_the_stream(error, id))?;
    Ok(HttpResponse::Ok().json(to_wire(&state, &record)))
}

pub async fn delete_stream(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    may_manage_streams(&caller)?;
    let id = super::parse_id(&path)?;
    let db = state.db.clone();
    blocking(move || {
        let (actor, source) = caller.actor();
        let log = |config: &StreamConfig| vec![stream_event(Action::DELETE_STREAM, actor, source, config, "")];
        Ok(db.delete_stream(caller.tenant.id, id, log)?)
    })
    .await
    .map_err(|error| naming_the_stream(error, id))?;
    Ok(HttpResponse::NoContent().finish())
}

/// A storage "not found" said as the stream the caller asked for.
fn naming_the_stream(error: ApiError, id: i64) -> ApiError {
    match error {
        ApiError::NotFound(_) => no_stream(id),
        other => other,
    }
}

fn no_stream(id: i64) -> ApiError {
    ApiError::NotFound(format!("your organization has no push stream {id}: GET /api/v1/streams lists them"))
}

/// The log's record of a change to a stream: the stream as the user, its
/// receiver's host as the domain.
fn stream_event(
    action: Action,
    actor: &str,
    source: adminlog_types::Source,
    config: &StreamConfig,
    what: &str,
) -> EventDraft {
    let host = receiver_url(&config.url).ok().and_then(|url| url.host_str().map(str::to_owned)).unwrap_or_default();
    let name = if what.is_empty() { stream_name(config.id) } else { format!("{}: {what}", stream_name(config.id)) };
    EventDraft { domain_name: host, ..EventDraft::now(action, actor, source).about_user("", &name) }
}

fn change_words(change: StreamChange) -> String {
    let mut words = Vec::new();
    match change.paused {
        Some(true) => words.push("paused".to_owned()),
        Some(false) => words.push("resumed".to_owned()),
        None => {}
    }
    if let Some(after) = change.replay_after {
        words.push(format!("replayed after event {after}"));
    }
    words.join(", ")
}

fn to_wire(state: &AppState, record: &StreamRecord) -> Stream {
    let (config, progress) = (&record.config, &record.state);
    Stream {
        id: config.id,
        url: config.url.clone(),
        actions: config.actions.clone(),
        keyword: config.keyword.clone(),
        signing: config.signing,
        public_key: state.streams.key(config).public_key_text(),
        created_at: from_micros(config.created_at),
        paused: progress.paused,
        disabled: progress.disabled_at.is_some(),
        delivered_through: progress.delivered_through,
        last_error: progress.last_error.clone(),
        last_attempt_at: progress.last_attempt_at.map(from_micros),
        next_attempt_at: (progress.failures > 0).then(|| from_micros(progress.next_attempt_at)),
    }
}

/// What the handlers need to sign and to check receivers.
pub struct StreamKeys {
    pub master_key: [u8; 32],
    pub receivers: crate::delivery::client::Receivers,
}

impl StreamKeys {
    fn key(&self, config: &StreamConfig) -> StreamKey {
        StreamKey::derive(&self.master_key, config.signing, config.org_id, config.id, &config.key_salt)
    }
}
