//! The `Caller` extractor: turns `Authorization: Bearer ...` (a session token
//! or an API key) into an authenticated caller of one organization.

use std::future::Future;
use std::pin::Pin;

use actix_web::{http::header, web, FromRequest, HttpRequest};

use super::error::{reading, ApiError};
use super::state::AppState;
use crate::auth::{api_keys, tokens::Claims};
use crate::domain::access::{Caller, Principal};
use crate::storage::Db;

const MISSING: &str = "sign in first: send Authorization: Bearer <token or API key>";
const INVALID: &str = "the token or API key is invalid, expired or revoked: sign in again";

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let bearer = bearer.ok_or(ApiError::Unauthorized(MISSING))?;
            if api_keys::looks_like_api_key(&bearer) {
                let presented = api_keys::parse(&bearer).ok_or(ApiError::Unauthorized(INVALID))?;
                let db = state.db.clone();
                reading(&state.admission, move || caller_from_key(&db, presented)).await
            } else {
                let claims = state.tokens.verify(&bearer).ok_or(ApiError::Unauthorized(INVALID))?;
                let db = state.db.clone();
                reading(&state.admission, move || caller_from_claims(&db, claims)).await
            }
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

fn caller_from_key(db: &Db, presented: api_keys::PresentedKey) -> Result<Caller, ApiError> {
    let (key, tenant) = db.key_session(presented.org_id, presented.id)?.ok_or(ApiError::Unauthorized(INVALID))?;
    if key.revoked_at.is_some() || !presented.matches(&key.secret_hash) {
        return Err(ApiError::Unauthorized(INVALID));
    }
    Ok(Caller { tenant, principal: Principal::ApiKey { id: key.id, name: key.name, scopes: key.scopes } })
}

fn caller_from_claims(db: &Db, claims: Claims) -> Result<Caller, ApiError> {
    let admin_id: i64 = claims.sub.parse().map_err(|_| ApiError::Unauthorized(INVALID))?;
    // The role comes from the database, not the token: a demotion or removal
    // takes effect on the next request.
    let issued_at =
        time::OffsetDateTime::from_unix_timestamp(claims.iat).map_err(|_| ApiError::Unauthorized(INVALID))?;
    let (admin, tenant) =
        db.token_session(claims.org, admin_id, &claims.jti, issued_at)?.ok_or(ApiError::Unauthorized(INVALID))?;
    Ok(Caller {
        tenant,
        principal: Principal::Administrator {
            id: admin.id,
            email: admin.email,
            role: admin.role,
            token_id: claims.jti,
            token_expires_at: claims.exp,
        },
    })
}
