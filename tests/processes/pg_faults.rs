//! PostgreSQL faults, on a server of the test's own: paused (SIGSTOP) and
//! restarted during ingestion. Every answer comes within its bound (503 with
//! `Retry-After` while the database cannot answer), readiness tells the
//! truth, and once the database is back every acknowledged event is stored
//! exactly once, without restarting adminlog.

use std::time::{Duration, Instant};

use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::own_postgres::OwnPostgres;
use adminlog_tests::{spawn_configured, stored_events, Backend, TestApp};
use adminlog_types::Plan;

use super::*;

/// The request deadline (15 s) with room for a loaded machine: a liveness
/// bound, not a speed figure.
const ANSWERED_WITHIN: Duration = Duration::from_secs(25);
const EVENTS_PER_BATCH: usize = 20;

/// A server on a PostgreSQL of the test's own, with an organization and a
/// key that may write and read its log.
async fn own_server() -> Option<(OwnPostgres, TestApp, adminlog_tests::Org, String)> {
    let postgres = match OwnPostgres::start() {
        Ok(postgres) => postgres,
        Err(reason) => {
            eprintln!("skipping: cannot start a PostgreSQL of the test's own ({reason})");
            return None;
        }
    };
    let url = DatabaseUrl::Postgres(postgres.url());
    let app = spawn_configured(Backend::Postgres, |settings| settings.database = url).await?;
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    Some((postgres, app, org, key))
}

fn batch(name: &str) -> Value {
    let events: Vec<Value> = (0..EVENTS_PER_BATCH)
        .map(
            |i| json!({"event_id": format!("{name}-{i}"), "action": "ISSUE_TOKEN", "user_name": format!("{name} {i}")}),
        )
        .collect();
    json!({ "events": events })
}

/// Sends `body` until it is stored, as a client following the contract does:
/// 503s (and dropped connections) are retried with the same event ids.
async fn send_until_stored(app: &TestApp, key: &str, body: &Value) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..120 {
        let reply = app.client.post(app.url("/api/v1/admin-logs")).bearer_auth(key).json(body).send().await;
        match reply {
            Ok(reply) => {
                let status = reply.status().as_u16();
                seen.push(status);
                if status == 201 {
                    return seen;
                }
                assert_eq!(status, 503, "only 503s while the database is away");
            }
            Err(_) => seen.push(0),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("never stored: {seen:?}");
}

/// Every one of `batches` acknowledged batches is stored, none twice, read
/// straight from the database, and the chain verifies.
async fn assert_stored_once(postgres: &OwnPostgres, app: &TestApp, org: &adminlog_tests::Org, batches: usize) {
    let stored = stored_events(&DatabaseUrl::Postgres(postgres.url()), org.id);
    let client_ids: Vec<String> = stored.iter().filter_map(|(_, client)| client.clone()).collect();
    let unique: std::collections::HashSet<&String> = client_ids.iter().collect();
    assert_eq!(client_ids.len(), batches * EVENTS_PER_BATCH, "every acknowledged batch stored");
    assert_eq!(unique.len(), client_ids.len(), "none stored twice");
    assert_eq!(app.get("/api/v1/admin-logs/verify", &org.token).await.json()["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paused_postgresql_gets_bounded_answers_and_loses_nothing() {
    let Some((postgres, app, org, key)) = own_server().await else { return };
    send_until_stored(&app, &key, &batch("before")).await;

    postgres.pause();
    let paused = Instant::now();
    let mut requests = Vec::new();
    for n in 0..4 {
        let (client, url, key, body) =
            (app.client.clone(), app.url("/api/v1/admin-logs"), key.clone(), batch(&format!("paused-{n}")));
        requests.push(tokio::spawn(async move {
            let started = Instant::now();
            let reply = client.post(url).bearer_auth(key).json(&body).send().await.expect("answered");
            (reply.status().as_u16(), reply.headers().get("retry-after").is_some(), started.elapsed(), body)
        }));
    }
    let started = Instant::now();
    let ready = app.client.get(app.url("/readyz")).send().await.expect("readiness answers");
    assert_eq!(ready.status().as_u16(), 503, "not ready while the database is paused");
    assert!(started.elapsed() < Duration::from_secs(8), "readiness took {:?}", started.elapsed());
    let mut retry = Vec::new();
    for request in requests {
        let (status, retry_after, took, body) = request.await.expect("join");
        assert!(took < ANSWERED_WITHIN, "an ingestion waited {took:?} for a paused database");
        assert_eq!((status, retry_after), (503, true), "503 with Retry-After while paused");
        retry.push(body);
    }
    // Paused long enough for every deadline to have passed.
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(paused.elapsed())).await;
    postgres.resume();

    for body in &retry {
        send_until_stored(&app, &key, body).await;
    }
    assert_eq!(app.client.get(app.url("/readyz")).send().await.expect("ready").status().as_u16(), 200);
    assert_stored_once(&postgres, &app, &org, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgresql_restart_during_ingestion_loses_nothing() {
    let Some((postgres, app, org, key)) = own_server().await else { return };
    let app = std::sync::Arc::new(app);
    let mut writers = Vec::new();
    for client in 0..2 {
        let (app, key) = (app.clone(), key.clone());
        writers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for n in 0..30 {
                seen.extend(send_until_stored(&app, &key, &batch(&format!("c{client}-{n}"))).await);
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    postgres.restart();
    let mut statuses = Vec::new();
    for writer in writers {
        statuses.extend(writer.await.expect("a writer"));
    }
    assert!(statuses.iter().all(|s| [201, 503, 0].contains(s)), "no other answer than 201 or 503: {statuses:?}");
    assert_stored_once(&postgres, &app, &org, 2 * 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_postgresql_gets_quick_503s_and_is_found_again() {
    let Some((postgres, app, org, key)) = own_server().await else { return };
    send_until_stored(&app, &key, &batch("before")).await;

    postgres.stop();
    for path in ["/api/v1/admin-logs?limit=5", "/readyz"] {
        let started = Instant::now();
        let reply = app.request(adminlog_tests::reqwest::Method::GET, path, Some(&key), None).await;
        assert!(started.elapsed() < ANSWERED_WITHIN, "{path} waited {:?}", started.elapsed());
        reply.assert_error(503, "unavailable");
        assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
    }
    let started = Instant::now();
    let refused = app.post("/api/v1/admin-logs", &key, batch("stopped")).await;
    assert!(started.elapsed() < ANSWERED_WITHIN);
    refused.assert_error(503, "unavailable");
    let metrics = app.request(adminlog_tests::reqwest::Method::GET, "/metrics", None, None).await.text;
    assert!(metrics.contains("adminlog_errors_total{code=\"unavailable\"}"), "counted by kind: {metrics}");

    postgres.start_again();
    send_until_stored(&app, &key, &batch("stopped")).await;
    assert_eq!(app.client.get(app.url("/readyz")).send().await.expect("ready").status().as_u16(), 200);
    assert_stored_once(&postgres, &app, &org, 2).await;
}
