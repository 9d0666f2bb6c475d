//! The feed: `GET /admin-logs/feed`, every matching event once, in id order,
//! with how far the consumer's view is complete. Reading it records nothing.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use adminlog_types::{FeedPage, LogQuery, QueryKind};
use tokio::time::Instant;

use crate::domain::access::Caller;
use crate::http::error::{reading, ApiError};
use crate::http::give_back_slot;
use crate::http::state::AppState;
use crate::storage::events::{FeedRead, FeedSelection};

/// How often a waiting request looks again without a signal: commits made by
/// other server processes on the same database are not signalled here.
const RECHECK: Duration = Duration::from_secs(1);

pub async fn read_feed(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may_read_logs()?;
    let query = LogQuery::parse(req.query_string(), QueryKind::Feed).map_err(ApiError::Validation)?;
    let org_id = caller.tenant.id;
    let mut selection = FeedSelection::new(&query.filter, query.after.unwrap_or(0), i64::from(query.feed_size()));
    let wait = Duration::from_secs(u64::from(query.wait_seconds.unwrap_or(0)));
    // Subscribed before the first read: a commit between that read and the
    // wait still wakes it.
    let mut commits = state.db.commits();
    let mut read = read_once(&state, org_id, &selection).await?;
    if read.events.is_empty() && !wait.is_zero() {
        if let Some(_place) = state.admission.try_wait() {
            give_back_slot(&req);
            let deadline = Instant::now() + wait;
            while read.events.is_empty() && Instant::now() < deadline {
                // Ids looked at and not matching are done with: the next
                // read starts after them, so the promise still holds.
                selection.after = read.next_after;
                if read.complete_through >= read.head {
                    let _ = tokio::time::timeout_at(deadline.min(Instant::now() + RECHECK), commits.changed()).await;
                }
                // Seen before the read, so a commit during the read wakes
                // the next wait at once.
                commits.borrow_and_update();
                read = read_once(&state, org_id, &selection).await?;
            }
        }
    }
    Ok(HttpResponse::Ok().json(FeedPage {
        items: read.events,
        next_after: read.next_after,
        complete_through: read.complete_through,
    }))
}

async fn read_once(state: &web::Data<AppState>, org_id: i64, selection: &FeedSelection) -> Result<FeedRead, ApiError> {
    let (db, selection) = (state.db.clone(), selection.clone());
    reading(&state.admission, move || Ok(db.feed_events(org_id, &selection)?)).await
}
