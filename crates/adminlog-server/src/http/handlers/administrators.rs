//! Super administrators manage their organization's administrators.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{
    Action, Administrator, CreateAdministratorRequest, ItemList, Problem, UpdateAdministratorRequest,
};

use super::parse_json;
use crate::auth::passwords::hash_password;
use crate::domain::access::Caller;
use crate::domain::fields::{check_email, check_name, check_password, into_result};
use crate::domain::ingest::EventDraft;
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;
use crate::storage::accounts::NewAdmin;

pub async fn list_administrators(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let admins = blocking(move || Ok(state.db.list_admins(caller.tenant.id)?)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items: admins.iter().map(Administrator::from).collect() }))
}

pub async fn create_administrator(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let request: CreateAdministratorRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    check_email("email", &request.email, true, &mut problems);
    check_name("name", &request.name, &mut problems);
    check_password(&request.password, &mut problems);
    into_result(problems).map_err(ApiError::Validation)?;
    let admin = blocking(move || {
        let password_hash = hash_password(&request.password);
        let (actor, source) = caller.actor();
        let log = EventDraft::now(Action::ADD_ADMINISTRATOR, actor, source).about_user(&request.email, &request.name);
        let new =
            NewAdmin { email: &request.email, name: &request.name, role: request.role, password_hash: &password_hash };
        Ok(state.db.create_admin(caller.tenant.id, &new, &[log])?)
    })
    .await?;
    Ok(HttpResponse::Created().json(Administrator::from(&admin)))
}

pub async fn update_administrator(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let request: UpdateAdministratorRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    if let Some(name) = &request.name {
        check_name("name", name, &mut problems);
    }
    if request.name.is_none() && request.role.is_none() {
        problems.push(Problem::new("body", "give name, role or both"));
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let id = super::parse_id(&path)?;
    if request.role.is_some() && caller.is_administrator(id) {
        return Err(ApiError::Conflict(
            "you cannot change your own role: another Super Administrator must, so nobody locks themself out".into(),
        ));
    }
    let admin = blocking(move || {
        let (actor, source) = caller.actor();
        let log = |a: &crate::storage::accounts::AdminRecord| {
            vec![EventDraft::now(Action::EDIT_ADMINISTRATOR, actor, source).about_user(&a.email, &a.name)]
        };
        Ok(state.db.update_admin(caller.tenant.id, id, request.name.as_deref(), request.role, log)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Administrator::from(&admin)))
}

pub async fn delete_administrator(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.may_manage_organization()?;
    let id = super::parse_id(&path)?;
    if caller.is_administrator(id) {
        return Err(ApiError::Conflict("you cannot remove yourself: another Super Administrator must".into()));
    }
    blocking(move || {
        let (actor, source) = caller.actor();
        let log = |a: &crate::storage::accounts::AdminRecord| {
            vec![EventDraft::now(Action::REMOVE_ADMINISTRATOR, actor, source).about_user(&a.email, &a.name)]
        };
        Ok(state.db.delete_admin(caller.tenant.id, id, log)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
