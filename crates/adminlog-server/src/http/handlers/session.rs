//! Logging in and out, and who the caller is.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{Action, Administrator, ApiKey, LoginRequest, LoginResponse, Me, Organization, Problem, Source};
use time::OffsetDateTime;

use super::parse_json;
use crate::auth::passwords::{decoy_hash, verify_password};
use crate::domain::access::{Caller, Principal, Tenant};
use crate::domain::fields::{check_text, into_result, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS};
use crate::domain::ingest::EventDraft;
use crate::domain::throttle::{PER_ACCOUNT, PER_ADDRESS};
use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;
use crate::storage::accounts::{AdminRecord, ApiKeyRecord};
use crate::storage::to_micros;

impl From<&AdminRecord> for Administrator {
    fn from(record: &AdminRecord) -> Self {
        Administrator {
            id: record.id,
            email: record.email.clone(),
            name: record.name.clone(),
            role: record.role,
            created_at: record.created_at,
        }
    }
}

impl From<&ApiKeyRecord> for ApiKey {
    fn from(record: &ApiKeyRecord) -> Self {
        ApiKey {
            id: record.id,
            name: record.name.clone(),
            scopes: record.scopes.clone(),
            created_at: record.created_at,
            revoked_at: record.revoked_at,
        }
    }
}

impl From<&Tenant> for Organization {
    fn from(tenant: &Tenant) -> Self {
        Organization { id: tenant.id, name: tenant.name.clone(), plan: tenant.plan }
    }
}

pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let request: LoginRequest = parse_json(&req, &body)?;
    let mut problems = Vec::new();
    if request.email.is_empty() {
        problems.push(Problem::new("email", "is required"));
    }
    check_text("email", &request.email, MAX_EMAIL_CHARS, &mut problems);
    if request.password.chars().count() > MAX_PASSWORD_CHARS {
        problems.push(Problem::new("password", format!("must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let response = blocking(move || authenticate(&state, request, &address)).await?;
    Ok(HttpResponse::Ok().json(response))
}

fn authenticate(state: &AppState, request: LoginRequest, address: &str) -> Result<LoginResponse, ApiError> {
    let now = OffsetDateTime::now_utc();
    let now_micros = to_micros(now);
    let account_scope = format!("account:{}", request.email.to_lowercase());
    let address_scope = format!("address:{address}");
    for (scope, limit) in [(&account_scope, PER_ACCOUNT), (&address_scope, PER_ADDRESS)] {
        let failures = state.db.failed_logins(scope, limit.window_start(now_micros))?;
        if let Some(retry_after_secs) = limit.retry_after(&failures, now_micros) {
            return Err(ApiError::TooManyRequests { retry_after_secs });
        }
    }
    let admin = state.db.admin_by_email(&request.email)?;
    // Verify against a decoy when the email is unknown: same time, same answer.
    let stored_hash = admin.as_ref().map_or(decoy_hash(), |a| a.password_hash.as_str());
    let matches = verify_password(&request.password, stored_hash);
    let Some(admin) = admin.filter(|_| matches) else {
        let forget_before = now_micros - PER_ACCOUNT.window_micros.max(PER_ADDRESS.window_micros);
        state.db.record_failed_login(&[account_scope, address_scope], now_micros, forget_before)?;
        return Err(ApiError::InvalidCredentials);
    };
    state.db.clear_failed_logins(&account_scope)?;
    let issued = state.tokens.issue(admin.org_id, admin.id, now);
    state.db.append_events(admin.org_id, &[EventDraft::now(Action::LOG_IN, &admin.email, Source::AdminPanel)])?;
    let tenant = state.db.tenant(admin.org_id)?;
    Ok(LoginResponse {
        token: issued.token,
        token_type: "Bearer".to_owned(),
        expires_at: issued.expires_at,
        administrator: Administrator::from(&admin),
        organization: Organization::from(&tenant),
    })
}

pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let Principal::Administrator { email, token_id, token_expires_at, .. } = &caller.principal else {
        return Err(ApiError::InvalidRequest("API keys have no session to end: revoke the key instead".into()));
    };
    let (email, token_id, expires_at) = (email.clone(), token_id.clone(), *token_expires_at);
    blocking(move || {
        let now = OffsetDateTime::now_utc();
        state.db.revoke_token(caller.tenant.id, &token_id, expires_at.saturating_mul(1_000_000), to_micros(now))?;
        state.db.append_events(caller.tenant.id, &[EventDraft::now(Action::LOG_OUT, &email, Source::AdminPanel)])?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let me = blocking(move || {
        let organization = Organization::from(&caller.tenant);
        Ok(match &caller.principal {
            Principal::Administrator { id, .. } => {
                let admin = state.db.admin(caller.tenant.id, *id)?.ok_or(ApiError::Unauthorized("sign in again"))?;
                Me { organization, administrator: Some(Administrator::from(&admin)), api_key: None }
            }
            Principal::ApiKey { id, .. } => {
                let key = state.db.api_key(caller.tenant.id, *id)?.ok_or(ApiError::Unauthorized("sign in again"))?;
                Me { organization, administrator: None, api_key: Some(ApiKey::from(&key)) }
            }
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(me))
}
