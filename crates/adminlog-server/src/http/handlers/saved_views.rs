//! An administrator's saved views: list, keep, delete. Each is theirs alone
//! (not the organization's), and records nothing in the log: a view changes
//! nothing anyone else sees.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{CreateSavedViewRequest, ItemList};

use super::parse_json;
use crate::domain::access::Caller;
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;

pub async fn list_saved_views(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let admin_id = caller.views_owner()?;
    let views = blocking(move || Ok(state.db.saved_views(caller.tenant.id, admin_id)?)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items: views }))
}

pub async fn create_saved_view(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let admin_id = caller.views_owner()?;
    let request: CreateSavedViewRequest = parse_json(&req, &body)?;
    let (name, query) = request.checked().map_err(ApiError::Validation)?;
    let view = blocking(move || Ok(state.db.save_view(caller.tenant.id, admin_id, &name, &query)?)).await?;
    Ok(HttpResponse::Created().json(view))
}

pub async fn delete_saved_view(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admin_id = caller.views_owner()?;
    let id = super::parse_id(&path)?;
    blocking(move || Ok(state.db.delete_view(caller.tenant.id, admin_id, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}
