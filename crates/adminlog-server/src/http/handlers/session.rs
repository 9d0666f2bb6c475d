//! Logging in and out, and who the caller is.

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{Action, Administrator, ApiKey, LoginRequest, LoginResponse, Me, Organization, Problem, Source};
use time::OffsetDateTime;

use super::parse_json;
use crate::auth::passwords::{decoy_hash, verify_password};
use crate::domain::access::{Caller, Principal, Tenant};
use crate::domain::fields::{check_text, email_key, into_result, MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS};
use crate::domain::ingest::EventDraft;
use crate::domain::throttle;
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
    if let Some(organization) = &request.organization {
        check_text("organization", organization, MAX_NAME_CHARS, &mut problems);
    }
    if let Some(device_token) = &request.device_token {
        check_text("device_token", device_token, 128, &mut problems);
    }
    into_result(problems).map_err(ApiError::Validation)?;
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let (answer, quota) = blocking(move || {
        let mut quota = None;
        let answer = authenticate(&state, request, &address, &mut quota);
        Ok((answer, quota))
    })
    .await?;
    let mut response = match answer {
        Ok(signed_in) => HttpResponse::Ok().json(signed_in),
        Err(error) => actix_web::ResponseError::error_response(&error),
    };
    if let Some(quota) = quota {
        rate_limit_headers(&mut response, quota);
    }
    Ok(response)
}

/// The login's limit as the IETF `RateLimit` header fields state it
/// (draft-ietf-httpapi-ratelimit-headers): the tightest counter this
/// attempt spent, its attempts left and the seconds until it resets.
fn rate_limit_headers(response: &mut HttpResponse, quota: throttle::Quota) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    let fields = [
        ("ratelimit-policy", format!("\"login\";q={};w={}", quota.limit, quota.window_secs)),
        ("ratelimit", format!("\"login\";r={};t={}", quota.remaining, quota.reset_secs)),
    ];
    for (name, value) in fields {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(HeaderName::from_static(name), value);
        }
    }
}

/// Signs in; `quota` gets what is left of the attempts this one spent.
fn authenticate(
    state: &AppState,
    request: LoginRequest,
    address: &str,
    quota: &mut Option<throttle::Quota>,
) -> Result<LoginResponse, ApiError> {
    let now = OffsetDateTime::now_utc();
    let now_micros = to_micros(now);
    let key = email_key(&request.email);
    let device = request.device_token.as_deref().and_then(|token| state.devices.verify(token, &key));
    let buckets = throttle::buckets(&key, device, address);
    let (wait, left) = state.db.reserve_login_attempt(&buckets, now_micros)?;
    *quota = left;
    if let Some(retry_after_secs) = wait {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    let mut candidates = state.db.admins_by_email(&request.email)?;
    if let Some(organization) = &request.organization {
        let tenants = candidates.iter().map(|a| state.db.tenant(a.org_id)).collect::<Result<Vec<_>, _>>()?;
        let mut chosen = tenants.iter().map(|t| &t.name == organization);
        candidates.retain(|_| chosen.next().unwrap_or(false));
    }
    // Verify against a decoy when the email is unknown: same time, same answer.
    let matching: Vec<AdminRecord> = if candidates.is_empty() {
        verify_password(&request.password, decoy_hash());
        Vec::new()
    } else {
        candidates.into_iter().filter(|a| verify_password(&request.password, &a.password_hash)).collect()
    };
    let admin = match <[AdminRecord; 1]>::try_from(matching) {
        Ok([admin]) => admin,
        Err(matching) if matching.is_empty() => return Err(ApiError::InvalidCredentials),
        // Only someone who holds the password of every one of them gets here.
        Err(_) => {
            return Err(ApiError::Validation(vec![Problem::new(
                "organization",
                "this email and password sign in to several organizations: name the one you want in `organization`",
            )]))
        }
    };
    state.db.refund_login_attempt(&buckets.into_iter().map(|b| b.scope).collect::<Vec<_>>())?;
    *quota = quota.map(throttle::Quota::refunded);
    let issued = state.tokens.issue(admin.org_id, admin.id, now);
    state.db.append_events(admin.org_id, &[EventDraft::now(Action::LOG_IN, &admin.email, Source::AdminPanel)])?;
    let tenant = state.db.tenant(admin.org_id)?;
    // A device keeps its token; a new one gets its own.
    let device_token = match (device, &request.device_token) {
        (Some(_), Some(token)) => token.clone(),
        _ => state.devices.issue(&key),
    };
    Ok(LoginResponse {
        token: issued.token,
        token_type: "Bearer".to_owned(),
        expires_at: issued.expires_at,
        administrator: Administrator::from(&admin),
        organization: Organization::from(&tenant),
        device_token,
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
