//! Faults with bounded answers: a write lock held elsewhere (another
//! process's long transaction) makes writers answer 503 with `Retry-After`
//! within the lock bound instead of waiting with it, readiness says what is
//! true within its own bound, and nothing is lost or stored twice once the
//! lock is released.

use std::time::{Duration, Instant};

use adminlog_tests::reqwest::Method;
use adminlog_tests::serde_json::json;
use adminlog_tests::{on_both_backends, Backend};
use adminlog_types::Plan;

/// Far above the 2-second lock bound and the 3-second readiness bound: a
/// liveness limit, not a speed figure.
const ANSWERED_WITHIN: Duration = Duration::from_secs(8);

on_both_backends! {
    async fn a_lock_held_elsewhere_is_answered_within_the_bound(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
        let batch = json!({"events": [{"event_id": "held-1", "action": "ISSUE_TOKEN", "user_name": "ann"}]});

        let lock = app.hold_write_lock(org.id);
        let started = Instant::now();
        let reply = app.post("/api/v1/admin-logs", &key, batch.clone()).await;
        assert!(started.elapsed() < ANSWERED_WITHIN, "a writer waited {:?}", started.elapsed());
        reply.assert_error(503, "unavailable");
        assert_eq!(reply.header("retry-after").as_deref(), Some("1"));

        let started = Instant::now();
        let ready = app.request(Method::GET, "/readyz", None, None).await;
        assert!(started.elapsed() < ANSWERED_WITHIN, "readiness waited {:?}", started.elapsed());
        match app.backend {
            // SQLite has one write lock for the whole database: nothing can be written.
            Backend::Sqlite => ready.assert_error(503, "unavailable"),
            // PostgreSQL locks one organization's row: the database still takes writes.
            Backend::Postgres => ready.assert_status(200),
        };
        // Reading goes on.
        app.get("/api/v1/admin-logs?limit=5", &key).await.assert_status(200);
        drop(lock);

        // The client retries: stored once.
        let ids = app.ingest(&key, vec![batch["events"][0].clone()]).await;
        assert_eq!(app.ingest(&key, vec![batch["events"][0].clone()]).await, ids);
        let stored = app.all_pages(&key, "keyword=ann", 100).await;
        assert_eq!(stored.len(), 1);
        app.request(Method::GET, "/readyz", None, None).await.assert_status(200);
    }
}
