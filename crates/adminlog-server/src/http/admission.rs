//! Admission control: what a client must do before it costs the server
//! anything another client needs.
//!
//! - A burst larger than the server can serve is refused at once with a 503
//!   and `Retry-After`, instead of queueing until clients time out.
//! - An API request's body is read whole, within [`BODY_DEADLINE`], *before*
//!   it takes one of those slots: a slow or stalled sender costs its own
//!   connection, never a slot (408 when it runs out of time, 413 when it is
//!   too large). Request heads have their own deadline (actix-web's
//!   `client_request_timeout`, set in `app`).
//! - One client address may hold at most a configured number of open
//!   connections; further ones are answered 429 and closed.
//!
//! - Reads take turns: at most two per HTTP worker run against the database
//!   at once, the rest wait in arrival order (see [`Admission::read_turn`]).
//!
//! Only the API takes slots; health checks and the browser app's files are
//! always answered.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, ConnectionType};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use bytes::BytesMut;
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;
use super::state::AppState;
use super::MAX_BODY_BYTES;

/// How long a client may take to send a request body: a full batch of 1,000
/// events is a few hundred kilobytes, seconds even on a poor link.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);

/// How many requests may wait for new events at once (feed long-polls),
/// beyond the requests in flight. One more is answered at once instead.
pub const MAX_WAITING: usize = 1024;

/// How many API requests may be in the server at once, how many may wait,
/// and how many reads run against the database at once.
pub struct Admission {
    slots: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    read_turns: Arc<Semaphore>,
}

/// A read's turn: held while its storage work runs, however it ends.
pub struct ReadTurn(#[expect(dead_code, reason = "held, never read: dropping it ends the turn")] OwnedSemaphorePermit);

impl Admission {
    /// `limit` requests in flight; `read_turns` reads running at once.
    pub fn new(limit: usize, read_turns: usize) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(limit.max(1))),
            waiting: Arc::new(Semaphore::new(MAX_WAITING)),
            read_turns: Arc::new(Semaphore::new(read_turns.max(1))),
        }
    }

    /// Waits for a read's turn, first come first served. Without turns
    /// every request in flight would run its query at once, and on two
    /// cores sixteen concurrent pages each took sixteen times as long: the
    /// costly ones (a keyword across six months) set the tail. In turns a
    /// request waits its place, then runs at full speed. Measured with the
    /// benchmark's 16 clients (1 M events, SQLite): p99 33.2 ms without
    /// turns, 20.1 ms with four, 19.9 ms with two at 12% less throughput.
    /// `None` only if the turns were closed, which nothing does: the read
    /// then runs without one rather than fail.
    pub async fn read_turn(&self) -> Option<ReadTurn> {
        self.read_turns.clone().acquire_owned().await.ok().map(ReadTurn)
    }

    /// A place among the waiting requests, if one is free; held while waiting.
    pub fn try_wait(&self) -> Option<OwnedSemaphorePermit> {
        self.waiting.clone().try_acquire_owned().ok()
    }
}

pub async fn admit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.conn_data::<ConnectionTicket>().is_some_and(|ticket| ticket.over_limit) {
        let mut response = ApiError::TooManyConnections.error_response();
        response.head_mut().set_connection_type(ConnectionType::Close);
        return Ok(req.into_response(response).map_into_right_body());
    }
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, req.path().starts_with("/api/")) else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let body = match read_body(req.take_payload(), declared).await {
        Ok(body) => body,
        Err(refusal) => {
            let mut response = refusal.error_response();
            // The rest of a refused body is never read: the connection cannot be reused.
            response.head_mut().set_connection_type(ConnectionType::Close);
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    req.set_payload(Payload::from(body));
    // The slot is held until the response head is ready; a CSV export's body
    // streams after that, bounded by the connection pool instead.
    match state.admission.slots.clone().try_acquire_owned() {
        Ok(slot) => {
            req.extensions_mut().insert(AdmissionSlot(slot));
            let response = next.call(req).await;
            if let Ok(response) = &response {
                drop(response.request().extensions_mut().remove::<AdmissionSlot>());
            }
            response.map(ServiceResponse::map_into_left_body)
        }
        Err(_) => {
            let refusal = ApiError::Unavailable("too many requests in flight".into());
            Ok(req.into_response(refusal.error_response()).map_into_right_body())
        }
    }
}

/// The slot a request holds, kept in its extensions so that a handler that
/// waits for something (a feed long-poll) can give it back for the wait.
struct AdmissionSlot(
    #[expect(dead_code, reason = "held, never read: dropping it frees the slot")] OwnedSemaphorePermit,
);

/// Frees the caller's slot: from here on the request waits without counting
/// against the requests in flight. Its reads still queue for the database
/// pool like everyone's.
pub fn give_back_slot(req: &actix_web::HttpRequest) {
    drop(req.extensions_mut().remove::<AdmissionSlot>());
}

/// The whole body, at most [`MAX_BODY_BYTES`], within [`BODY_DEADLINE`].
async fn read_body(mut payload: Payload, declared: Option<usize>) -> Result<bytes::Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("the body is larger than {MAX_BODY_BYTES} bytes"));
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let deadline = tokio::time::Instant::now() + BODY_DEADLINE;
    // Memory grows with what actually arrives, not with what the head declares.
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(64 * 1024));
    loop {
        let chunk = tokio::time::timeout_at(deadline, payload.next()).await.map_err(|_| {
            ApiError::RequestTimeout(format!(
                "the request body did not arrive within {} seconds",
                BODY_DEADLINE.as_secs()
            ))
        })?;
        match chunk {
            None => return Ok(body.freeze()),
            Some(Ok(bytes)) => {
                if body.len() + bytes.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&bytes);
            }
            Some(Err(error)) => {
                return Err(ApiError::InvalidRequest(format!("the request body is malformed: {error}")))
            }
        }
    }
}

/// Open connections per client address, shared by every worker.
#[derive(Clone, Default)]
pub struct ConnectionCounts {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Stored in each connection's data: counts the connection while it is open.
pub struct ConnectionTicket {
    counts: ConnectionCounts,
    address: IpAddr,
    /// The connection is beyond its address's limit: every request on it is refused.
    over_limit: bool,
}

impl ConnectionCounts {
    /// Counts a new connection from `address`; `limit` 0 means no limit.
    pub fn open(&self, address: IpAddr, limit: usize) -> ConnectionTicket {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        *count += 1;
        ConnectionTicket { counts: self.clone(), address, over_limit: limit > 0 && *count > limit }
    }

    /// The `HttpServer::on_connect` callback: a ticket for each TCP connection.
    pub fn on_connect(&self, limit: usize) -> impl Fn(&dyn std::any::Any, &mut Extensions) + Send + Sync + 'static {
        let counts = self.clone();
        move |connection, data| {
            let address = connection
                .downcast_ref::<actix_web::rt::net::TcpStream>()
                .and_then(|stream| stream.peer_addr().ok())
                .map(|peer| peer.ip());
            if let Some(address) = address {
                data.insert(counts.open(address, limit));
            }
        }
    }
}

impl Drop for ConnectionTicket {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future as _;

    use super::*;

    /// Polls a future once: whether it is ready now.
    fn ready_now<F: std::future::Future>(future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        let waker = std::task::Waker::noop();
        match future.as_mut().poll(&mut std::task::Context::from_waker(waker)) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }

    #[test]
    fn reads_beyond_the_turns_wait_in_arrival_order_until_one_ends() {
        let admission = Admission::new(100, 2);
        let first = ready_now(admission.read_turn()).flatten().expect("a free turn");
        let second = ready_now(admission.read_turn()).flatten().expect("a free turn");
        let mut third = Box::pin(admission.read_turn());
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        assert!(third.as_mut().poll(&mut context).is_pending(), "both turns are taken");
        // A read arriving later waits behind the third, even once a turn is free.
        let mut fourth = Box::pin(admission.read_turn());
        assert!(fourth.as_mut().poll(&mut context).is_pending());
        drop(first);
        assert!(fourth.as_mut().poll(&mut context).is_pending(), "the fourth came later");
        let third = match third.as_mut().poll(&mut context) {
            std::task::Poll::Ready(turn) => turn.expect("a turn"),
            std::task::Poll::Pending => panic!("the freed turn goes to the third read"),
        };
        drop((second, third));
        assert!(fourth.as_mut().poll(&mut context).is_ready());
    }

    #[test]
    fn connections_beyond_an_address_limit_are_marked_and_released_on_close() {
        let counts = ConnectionCounts::default();
        let one: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let first = counts.open(one, 2);
        let second = counts.open(one, 2);
        let third = counts.open(one, 2);
        assert!(!first.over_limit && !second.over_limit && third.over_limit);
        assert!(!counts.open(other, 2).over_limit, "another address has its own count");
        drop(third);
        drop(second);
        assert!(!counts.open(one, 2).over_limit);
        assert!(!counts.open(one, 0).over_limit, "0 means no limit");
    }
}
