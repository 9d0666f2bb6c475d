//! Super administrators create, list and revoke API keys.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{Action, ApiKey, CreateApiKeyRequest, CreatedApiKey, ItemList, Problem};

use super::parse_json;
use crate::auth::api_keys::{full_key, hash_secret, new_secret};
use crate::domain::access::Caller;
use crate::domain::fields::{check_name, into_result};
use crate::domain::ingest::EventDraft;
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;

pub async fn list_api_keys(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let keys = blocking(move || Ok(state.db.list_api_keys(caller.tenant.id)?)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items: keys.iter().map(ApiKey::from).collect() }))
}

pub async fn create_api_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let mut request: CreateApiKeyRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    check_name("name", &request.name, &mut problems);
    request.scopes.sort();
    request.scopes.dedup();
    if request.scopes.is_empty() {
        problems.push(Problem::new("scopes", "give at least one of logs:read, logs:write"));
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let created = blocking(move || {
        let secret = new_secret();
        let (actor, source) = caller.actor();
        let log = EventDraft::now(Action::CREATE_API_KEY, actor, source).about_user("", &request.name);
        let key =
            state.db.create_api_key(caller.tenant.id, &request.name, &request.scopes, &hash_secret(&secret), &[log])?;
        Ok(CreatedApiKey { key: full_key(key.org_id, key.id, &secret), api_key: ApiKey::from(&key) })
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

pub async fn revoke_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let id = super::parse_id(&path)?;
    blocking(move || {
        let (actor, source) = caller.actor();
        let log = |k: &crate::storage::accounts::ApiKeyRecord| {
            vec![EventDraft::now(Action::REVOKE_API_KEY, actor, source).about_user("", &k.name)]
        };
        Ok(state.db.revoke_api_key(caller.tenant.id, id, log)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
