//! Cross-origin access: closed unless an origin is configured
//! (`--cors-origin`, `ADMINLOG_CORS_ORIGINS`). The browser app is served by
//! the API's own origin and needs none of this.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use super::state::AppState;

const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE";
const ALLOWED_HEADERS: &str = "Authorization, Content-Type";
const EXPOSED_HEADERS: &str = "Content-Disposition, Retry-After, X-Export-Truncated, X-Export-Row-Limit";

/// The request's `Origin` when it is one of the configured origins.
fn allowed_origin(req: &ServiceRequest) -> Option<HeaderValue> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let origin = req.headers().get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    state.cors_origins.iter().any(|allowed| allowed == text).then(|| origin.clone())
}

pub async fn cross_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(origin) = allowed_origin(&req) else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let response = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .insert_header((header::VARY, "Origin"))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    Ok(response.map_into_left_body())
}
