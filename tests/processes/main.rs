//! The real binary as separate processes: killed mid-ingestion, and two of
//! them sharing one database. Clients retry with the same `event_id`, as the
//! API tells them to; nothing acknowledged may be lost or stored twice.

mod cli;
mod crash;
mod full_disk;
mod held_lock;
mod offline;
mod pg_faults;
mod stream_chaos;
mod two_servers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use adminlog_server::app;
use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::reqwest::{self, StatusCode};
use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{stored_events, PASSWORD};
use adminlog_types::{Plan, Role};

const SUPER_EMAIL: &str = "root@acme.example";
const EVENTS_PER_BATCH: usize = 50;

/// The organization the clients write to, with its credentials.
pub struct Fixture {
    pub org_id: i64,
    pub token: String,
    pub key: String,
}

/// Migrates the database and creates the organization before any server
/// process starts, so processes never race to migrate.
pub fn prepare(database: &DatabaseUrl) -> i64 {
    let db = app::open_database(database, 2).expect("open and migrate");
    let admin = adminlog_server::demo::create_admin(
        &db,
        "Acme",
        Plan::Professional,
        SUPER_EMAIL,
        "Root",
        Role::SuperAdmin,
        PASSWORD,
    )
    .expect("fixture administrator");
    admin.org_id
}

/// Signs in on `base` and creates an API key that may write and read.
pub async fn credentials(client: &reqwest::Client, base: &str, org_id: i64) -> Fixture {
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": SUPER_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("login reaches the server");
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<Value>().await.expect("login JSON")["token"].as_str().expect("token").to_owned();
    let created = client
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "ingester", "scopes": ["logs:write", "logs:read"]}))
        .send()
        .await
        .expect("key request reaches the server");
    assert_eq!(created.status(), StatusCode::CREATED);
    let key = created.json::<Value>().await.expect("key JSON")["key"].as_str().expect("key").to_owned();
    Fixture { org_id, token, key }
}

/// What one client saw.
#[derive(Default)]
pub struct Tally {
    /// Client event id → the server id in the acknowledgement.
    pub acknowledged: HashMap<String, i64>,
    /// Attempts that got no acknowledgement (connection cut or refused, 503)
    /// and were sent again.
    pub retried: usize,
}

/// Where clients send: one address per server process, replaced on restart.
pub type Targets = Arc<RwLock<Vec<String>>>;

/// Sends batches of fresh events until `stop`, each batch retried with the
/// same event ids until the server acknowledges it. Client `n` talks to
/// server `n % servers`.
pub async fn ingest_until_stopped(client_no: usize, key: String, targets: Targets, stop: Arc<AtomicBool>) -> Tally {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let mut tally = Tally::default();
    let mut batch_no = 0;
    while !stop.load(Ordering::Relaxed) {
        let ids: Vec<String> = (0..EVENTS_PER_BATCH).map(|i| format!("c{client_no}-b{batch_no}-e{i}")).collect();
        let events: Vec<Value> = ids
            .iter()
            .map(|id| json!({"event_id": id, "action": "ISSUE_TOKEN", "user_name": format!("user-{client_no}")}))
            .collect();
        let body = json!({ "events": events });
        let started = Instant::now();
        let acknowledged: Vec<i64> = loop {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "client {client_no}: batch {batch_no} never acknowledged"
            );
            let base = {
                let targets = targets.read().expect("targets");
                targets[client_no % targets.len()].clone()
            };
            match http.post(format!("{base}/api/v1/admin-logs")).bearer_auth(&key).json(&body).send().await {
                Ok(reply) if reply.status() == StatusCode::CREATED => {
                    let reply: Value = reply.json().await.expect("acknowledgement JSON");
                    break reply["ids"].as_array().expect("ids").iter().map(|v| v.as_i64().expect("id")).collect();
                }
                Ok(reply) if reply.status() == StatusCode::SERVICE_UNAVAILABLE => {}
                Ok(reply) => {
                    let status = reply.status();
                    panic!("client {client_no}: unexpected {status}: {}", reply.text().await.unwrap_or_default())
                }
                // The server died under the request or is not back yet.
                Err(_) => {}
            }
            tally.retried += 1;
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        assert_eq!(acknowledged.len(), ids.len());
        tally.acknowledged.extend(ids.into_iter().zip(acknowledged));
        batch_no += 1;
    }
    tally
}

/// Clients ingesting until stopped.
pub struct Clients {
    stop: Arc<AtomicBool>,
    running: Vec<tokio::task::JoinHandle<Tally>>,
}

/// Starts `count` clients of [`ingest_until_stopped`] with `key`.
pub fn start_clients(count: usize, key: &str, targets: &Targets) -> Clients {
    let stop = Arc::new(AtomicBool::new(false));
    let running = (0..count)
        .map(|n| tokio::spawn(ingest_until_stopped(n, key.to_owned(), targets.clone(), stop.clone())))
        .collect();
    Clients { stop, running }
}

impl Clients {
    /// Stops the clients once their current batch is acknowledged and merges
    /// their tallies: every acknowledged id and the retries.
    pub async fn finish(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for client in self.running {
            let tally = client.await.expect("client task");
            all.retried += tally.retried;
            all.acknowledged.extend(tally.acknowledged);
        }
        all
    }
}

/// Every acknowledged event is stored exactly once, under the id its
/// acknowledgement gave, and nothing unacknowledged was stored. Returns the
/// number of events found.
pub fn assert_exactly_once(database: &DatabaseUrl, org_id: i64, tally: &Tally) -> usize {
    let mut stored: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, client_id) in stored_events(database, org_id) {
        if let Some(client_id) = client_id {
            stored.entry(client_id).or_default().push(id);
        }
    }
    for (client_id, id) in &tally.acknowledged {
        match stored.get(client_id).map(Vec::as_slice) {
            Some([found]) => assert_eq!(found, id, "{client_id} is stored under another id than acknowledged"),
            Some(many) => panic!("{client_id} is stored {} times", many.len()),
            None => panic!("{client_id} was acknowledged as {id} but is lost"),
        }
    }
    let unacknowledged: Vec<&String> = stored.keys().filter(|id| !tally.acknowledged.contains_key(*id)).collect();
    assert!(unacknowledged.is_empty(), "stored but never acknowledged: {unacknowledged:?}");
    stored.len()
}

/// The organization's chain verifies, through the server at `base`, over
/// every stored event.
pub async fn assert_chain_verifies(client: &reqwest::Client, base: &str, fixture: &Fixture, database: &DatabaseUrl) {
    let reply = client
        .get(format!("{base}/api/v1/admin-logs/verify"))
        .bearer_auth(&fixture.token)
        .send()
        .await
        .expect("verify reaches the server");
    assert_eq!(reply.status(), StatusCode::OK);
    let check: Value = reply.json().await.expect("verification JSON");
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["first_broken_id"], Value::Null);
    let stored = stored_events(database, fixture.org_id).len();
    assert_eq!(check["checked"].as_u64(), Some(stored as u64), "{check}");
}
