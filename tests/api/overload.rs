//! Overload: a burst larger than the server admits gets quick 503s with
//! `Retry-After`, stores nothing, and the server recovers once it passes.

use adminlog_tests::serde_json::json;
use adminlog_tests::{spawn_configured, Backend};
use adminlog_types::Plan;

const ADMITTED: usize = 4;
const BURST: usize = 24;
const EVENTS_PER_REQUEST: usize = 10;

async fn a_burst_is_refused_quickly_and_the_server_recovers(backend: Backend) {
    let Some(app) = spawn_configured(backend, |settings| settings.max_in_flight = Some(ADMITTED)).await else {
        return;
    };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;

    // Another process holds the organization's write lock: every admitted
    // ingestion waits for it (up to the 2-second lock bound), so the server
    // stays full while the burst arrives.
    let lock = app.hold_write_lock(org.id);
    let (replies_tx, mut replies) = tokio::sync::mpsc::unbounded_channel();
    for request in 0..BURST {
        let events: Vec<_> = (0..EVENTS_PER_REQUEST)
            .map(|i| json!({"event_id": format!("burst-{request}-{i}"), "action": "ISSUE_TOKEN", "user_name": "ann"}))
            .collect();
        let (client, url, key, tx) =
            (app.client.clone(), app.url("/api/v1/admin-logs"), key.clone(), replies_tx.clone());
        tokio::spawn(async move {
            let batch = json!({ "events": events });
            let response = client.post(url).bearer_auth(key).json(&batch).send().await;
            let response = response.expect("the server answers");
            let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let status = response.status().as_u16();
            let body = response.text().await.expect("body");
            let _ = tx.send((status, retry_after, body, batch));
        });
    }

    // Everything beyond the admitted requests is answered while the lock is
    // still held: refused, not queued.
    let refused_in_time = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut refused = Vec::new();
        while refused.len() < BURST - ADMITTED {
            refused.push(replies.recv().await.expect("a reply"));
        }
        refused
    })
    .await;
    let refused = refused_in_time.expect("the requests beyond the limit must be answered without waiting for the lock");
    for (status, retry_after, body, _) in &refused {
        assert_eq!(*status, 503, "body: {body}");
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert!(body.contains("\"unavailable\""), "a JSON error naming the cause: {body}");
    }
    // Reads are refused too while the server is full; health checks are not.
    app.get("/api/v1/admin-logs", &key).await.assert_error(503, "unavailable");
    app.request(adminlog_tests::reqwest::Method::GET, "/healthz", None, None).await.assert_status(200);

    drop(lock);
    // Admitted requests are stored once the lock is free, or, when it was
    // held past the lock bound, answered 503 with Retry-After: a client
    // retries those with the same event ids.
    for _ in 0..ADMITTED {
        let (status, retry_after, body, batch) = replies.recv().await.expect("the admitted requests finish");
        match status {
            201 => {}
            503 => {
                assert_eq!(retry_after.as_deref(), Some("1"), "body: {body}");
                app.post("/api/v1/admin-logs", &key, batch).await.assert_status(201);
            }
            other => panic!("an admitted request answered {other}: {body}"),
        }
    }
    // Recovered: only the admitted requests' events were stored.
    let stored = app.all_pages(&key, "actions=ISSUE_TOKEN", 1000).await;
    assert_eq!(stored.len(), ADMITTED * EVENTS_PER_REQUEST);
    let more = vec![json!({"action": "ISSUE_TOKEN", "user_name": "after"})];
    assert_eq!(app.ingest(&key, more).await.len(), 1);
}

adminlog_tests::for_both_backends!(a_burst_is_refused_quickly_and_the_server_recovers);
