//! Per-request logging and metrics, and the safety net that gives actix's
//! own error responses our JSON error shape.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{web, HttpResponse};
use adminlog_types::{ErrorBody, ErrorCode, ErrorDetail};
use tracing::Instrument;

use super::state::AppState;

/// Logs one structured line per request and feeds the metrics. Never logs
/// headers or bodies: they carry tokens and passwords.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // Handlers add what they learn (the planner's route of a log page) to
    // this span; the request's line below is logged inside it.
    let span = tracing::info_span!("request", plan = tracing::field::Empty);
    let response = next.call(req).instrument(span.clone()).await?;
    let _entered = span.enter();
    let status = response.status().as_u16();
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    let code = response.response().extensions().get::<ErrorCode>().copied();
    if let Some(state) = state {
        state.metrics.observe(&method, &route, status, elapsed);
        if let Some(code) = code {
            state.metrics.count_error(code);
        }
    }
    tracing::info!(%method, %path, %route, status, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "request");
    Ok(response)
}

/// Says the limit the server enforces, so the two cannot drift apart.
static TOO_LARGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("the request body is too large: send at most {} MiB (1,000 events)", super::MAX_BODY_BYTES / (1024 * 1024))
});

/// Replaces a non-JSON error body (actix's plain-text 400s, 404s, 413s) with
/// our `{"error": {...}}` shape.
pub fn json_fallback<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let (code, message) = match status.as_u16() {
        404 => (ErrorCode::NotFound, "no such endpoint: see /api-docs"),
        405 => (ErrorCode::MethodNotAllowed, "this endpoint does not accept this method"),
        413 => (ErrorCode::PayloadTooLarge, TOO_LARGE.as_str()),
        415 => (ErrorCode::UnsupportedMediaType, "send the body as JSON with Content-Type: application/json"),
        400..=499 => (ErrorCode::InvalidRequest, "the request is malformed"),
        _ => (ErrorCode::Internal, "an unexpected error occurred; it has been logged"),
    };
    let body = ErrorBody { error: ErrorDetail { code, message: message.to_owned(), details: Vec::new() } };
    let (request, _) = response.into_parts();
    let replaced: HttpResponse<BoxBody> = HttpResponse::build(status).json(body);
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replaced).map_into_right_body()))
}
