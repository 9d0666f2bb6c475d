//! Admission control: a burst larger than the server can serve is refused at
//! once with a 503 and `Retry-After`, instead of queueing until clients time
//! out. Only the API is counted; health checks and the browser app's files
//! are always answered.

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use tokio::sync::Semaphore;

use super::error::ApiError;
use super::state::AppState;

/// How many API requests may be in the server at once.
pub struct Admission {
    slots: Arc<Semaphore>,
}

impl Admission {
    pub fn new(limit: usize) -> Admission {
        Admission { slots: Arc::new(Semaphore::new(limit.max(1))) }
    }
}

pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, req.path().starts_with("/api/")) else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    // The slot is held until the response head is ready; a CSV export's body
    // streams after that, bounded by the connection pool instead.
    match state.admission.slots.clone().try_acquire_owned() {
        Ok(_slot) => next.call(req).await.map(ServiceResponse::map_into_left_body),
        Err(_) => {
            let refusal = ApiError::Unavailable("too many requests in flight".into());
            Ok(req.into_response(refusal.error_response()).map_into_right_body())
        }
    }
}
