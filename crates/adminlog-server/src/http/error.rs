//! `ApiError`: every failure a handler can return, mapped to HTTP in one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use adminlog_types::{ErrorBody, ErrorCode, ErrorDetail, Problem};

use super::admission::Admission;
use crate::domain::access::Denied;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the request has invalid values: see details")]
    Validation(Vec<Problem>),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("too many failed attempts: try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("too many open connections from your address: close idle ones, then retry")]
    TooManyConnections,
    #[error("the service is busy or its database is unreachable: retry shortly")]
    Unavailable(String),
    #[error("the server's storage is full, so nothing was stored: an operator must free space, then retry")]
    InsufficientStorage(String),
    #[error("an unexpected error occurred; it has been logged")]
    Internal(String),
}

impl ApiError {
    fn code(&self) -> ErrorCode {
        match self {
            ApiError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::Denied(Denied::Forbidden(_)) => ErrorCode::Forbidden,
            ApiError::Denied(Denied::SubscriptionRequired(_)) => ErrorCode::SubscriptionRequired,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::RequestTimeout(_) => ErrorCode::RequestTimeout,
            ApiError::TooManyRequests { .. } | ApiError::TooManyConnections => ErrorCode::TooManyRequests,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::InsufficientStorage(_) => ErrorCode::InsufficientStorage,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let details = match self {
            ApiError::Validation(problems) => problems.clone(),
            _ => Vec::new(),
        };
        let message = match self {
            ApiError::Validation(problems) if problems.len() == 1 => {
                let p = &problems[0];
                match p.index {
                    Some(i) => format!("event {i}: {} {}", p.field, p.message),
                    None => format!("{} {}", p.field, p.message),
                }
            }
            ApiError::Validation(problems) => format!("{} problems with the request: see details", problems.len()),
            other => other.to_string(),
        };
        ErrorBody { error: ErrorDetail { code: self.code(), message, details } }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) | ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Denied(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } | ApiError::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            ApiError::InsufficientStorage(cause) => tracing::error!(%cause, "storage full"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) | ApiError::TooManyConnections => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        let mut response = response.json(self.body());
        // Counted by `telemetry::record_request`, one series per code.
        response.extensions_mut().insert(self.code());
        response
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ApiError::NotFound("no such item in this organization".into()),
            StorageError::Conflict(message) => ApiError::Conflict(message),
            StorageError::Unavailable(cause) => ApiError::Unavailable(cause),
            StorageError::NoSpace(cause) => ApiError::InsufficientStorage(cause),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

/// How long a request's storage work may take before the client is answered
/// 503. PostgreSQL's own deadlines (`statement_timeout`, `lock_timeout`) need
/// a server that runs: a paused one (SIGSTOP) still acknowledges packets but
/// answers nothing, and only this bound holds then.
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// Runs blocking storage work off the async workers, answering 503 when it
/// outlasts [`REQUEST_DEADLINE`]. The work itself cannot be interrupted: it
/// finishes (or fails) when the database does, and its result is dropped;
/// a write it completes is one a client retrying with its `event_id`s finds.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    blocking_until(tokio::time::Instant::now() + REQUEST_DEADLINE, work).await
}

/// [`blocking`] for the reads every screen and client makes (the caller's
/// identity, pages, counts, the feed): it first waits for a read turn
/// ([`Admission::read_turn`]), within the same deadline, and holds it until
/// the work ends, even when the client was answered 503 before that.
pub async fn reading<T, F>(admission: &Admission, work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let deadline = tokio::time::Instant::now() + REQUEST_DEADLINE;
    let turn = tokio::time::timeout_at(deadline, admission.read_turn()).await.map_err(|_| {
        ApiError::Unavailable(format!(
            "the server was busy with other reads for {} seconds: retry shortly",
            REQUEST_DEADLINE.as_secs()
        ))
    })?;
    blocking_until(deadline, move || {
        let _turn = turn;
        work()
    })
    .await
}

async fn blocking_until<T, F>(deadline: tokio::time::Instant, work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::time::timeout_at(deadline, actix_web::web::block(work)).await {
        Ok(done) => done?,
        Err(_) => Err(too_slow()),
    }
}

fn too_slow() -> ApiError {
    ApiError::Unavailable(format!("the database did not answer within {} seconds", REQUEST_DEADLINE.as_secs()))
}
