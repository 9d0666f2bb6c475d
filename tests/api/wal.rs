//! SQLite's write-ahead log stays bounded while clients ingest and read at
//! once: grown through the API, a log once left a WAL 19 times the database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::serde_json::json;
use adminlog_tests::{spawn_app, Backend};
use adminlog_types::Plan;

const CLIENTS: usize = 4;
const BATCHES_PER_CLIENT: usize = 30;
const BATCH: usize = 1000;
/// The bound the server keeps (`storage::WAL_BOUND_BYTES` is 32 MiB, checked
/// every second), with room for what one second of ingestion adds.
const BOUND: u64 = 64 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_write_ahead_log_stays_bounded_under_ingestion_and_reads() {
    let app = spawn_app(Backend::Sqlite).await.expect("SQLite is always available");
    let DatabaseUrl::Sqlite(path) = app.db_url() else { unreachable!("a SQLite test") };
    let wal = format!("{path}-wal");
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;

    let done = Arc::new(AtomicBool::new(false));
    // Readers keep snapshots open all the time, as a busy viewer does.
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (client, url, key, done) =
            (app.client.clone(), app.url("/api/v1/admin-logs/export?keyword=user"), key.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let _ = client.get(&url).bearer_auth(&key).send().await;
            }
        }));
    }
    let largest = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let (wal, done, largest) = (wal.clone(), done.clone(), largest.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                largest.fetch_max(size, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut writers = Vec::new();
    for client_no in 0..CLIENTS {
        let (client, url, key) = (app.client.clone(), app.url("/api/v1/admin-logs"), key.clone());
        writers.push(tokio::spawn(async move {
            for batch in 0..BATCHES_PER_CLIENT {
                let events: Vec<_> = (0..BATCH)
                    .map(|i| {
                        json!({"action": "ISSUE_TOKEN", "user_name": format!("user {}", (batch * BATCH + i) % 3000),
                               "user_email": format!("u{client_no}-{batch}-{i}@acme.example"), "domain_name": "VPN",
                               "event_id": format!("{client_no}-{batch}-{i}")})
                    })
                    .collect();
                // As the API asks of clients: a 503 is retried with the same
                // event ids after its Retry-After.
                let body = json!({ "events": events });
                let mut status = 0;
                for _ in 0..20 {
                    let reply = client.post(&url).bearer_auth(&key).json(&body).send().await;
                    status = reply.expect("the server answers").status().as_u16();
                    if status != 503 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                assert_eq!(status, 201);
            }
        }));
    }
    for writer in writers {
        writer.await.expect("a writer");
    }
    done.store(true, Ordering::Relaxed);
    sampler.await.expect("sampler");
    for reader in readers {
        reader.await.expect("a reader");
    }
    let database = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let largest = largest.load(Ordering::Relaxed);
    println!("database {database} bytes, largest WAL {largest} bytes");
    assert!(largest <= BOUND, "the WAL reached {largest} bytes (database {database}): over {BOUND}");
}
