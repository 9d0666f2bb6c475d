//! Push delivery under chaos: two server processes share the database while
//! clients ingest through both, the receiver fails, drops connections and
//! recovers, and one process is SIGKILLed and restarted. In the end the
//! receiver holds every event of the log exactly once (after dropping
//! repeated `webhook-id`s), in id order, every delivery correctly signed.

use super::*;
use adminlog_tests::process::ServerProcess;
use adminlog_tests::receiver::{Mode, Receiver, VerifyKey};
use adminlog_tests::{Backend, TestDatabase};

async fn deliveries_survive_failures_a_kill_and_two_processes(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let org_id = prepare(&database.url);
    let name = format!("adminlog-streams-{backend:?}-{}", std::process::id());
    let mut first = ServerProcess::start(&database, &format!("{name}-a"));
    let mut second = ServerProcess::start(&database, &format!("{name}-b"));
    let http = reqwest::Client::new();
    let fixture = credentials(&http, &first.base, org_id).await;
    let receiver = Receiver::start().await;
    let created: Value = http
        .post(format!("{}/api/v1/streams", first.base))
        .bearer_auth(&fixture.token)
        .json(&json!({"url": receiver.url, "start_after": 0}))
        .send()
        .await
        .expect("create the stream")
        .json()
        .await
        .expect("stream JSON");
    receiver.set_key(VerifyKey::Secret(created["secret"].as_str().expect("secret").to_owned()));
    let stream = format!("/api/v1/streams/{}", created["id"].as_i64().expect("id"));

    let targets: Targets = Arc::new(RwLock::new(vec![first.base.clone(), second.base.clone()]));
    let clients = start_clients(2, &fixture.key, &targets);
    tokio::time::sleep(Duration::from_secs(1)).await;
    receiver.set_mode(Mode::Answer(500));
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.set_mode(Mode::Hang);
    tokio::time::sleep(Duration::from_secs(3)).await;
    receiver.set_mode(Mode::Accept);
    // The process delivering the stream dies mid-stream and comes back; the
    // other takes the stream over once the dead one's lease runs out.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let holder = lease_holder(&database.url).await;
    let (killed, survivor) = if holder == first.pid() { (&mut first, &second) } else { (&mut second, &first) };
    assert_eq!(holder, killed.pid(), "the stream is held by one of the two processes");
    killed.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = ServerProcess::start(&database, &format!("{name}-restarted"));
    let survivor_base = survivor.base.clone();
    *targets.write().expect("targets") = vec![survivor_base.clone(), restarted.base.clone()];
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tally = clients.finish().await;
    assert_exactly_once(&database.url, org_id, &tally);

    // Caught up, within the lease a dead holder leaves (30 s) and a backoff.
    let mut stored: Vec<i64> = stored_events(&database.url, org_id).into_iter().map(|(id, _)| id).collect();
    stored.sort_unstable();
    let head = *stored.last().expect("events");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let status: Value = http
            .get(format!("{survivor_base}{stream}"))
            .bearer_auth(&fixture.token)
            .send()
            .await
            .expect("stream status")
            .json()
            .await
            .expect("status JSON");
        if status["delivered_through"] == head {
            break;
        }
        assert!(Instant::now() < deadline, "not caught up with {head}: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(receiver.accepted_event_ids(), stored, "every event once, in order, after dropping repeats");
    assert_eq!(receiver.refused_signatures(), 0);
    let attempts = receiver.deliveries().len();
    let failed = receiver.deliveries().iter().filter(|d| d.answered != Mode::Accept).count();
    let hung = receiver.deliveries().iter().filter(|d| d.answered == Mode::Hang).count();
    assert!(failed > hung && hung > 0, "the receiver's failures and dropped connections were met");
    eprintln!("{backend:?}: {} events pushed in {attempts} deliveries, {failed} refused by the receiver", stored.len());
}

#[derive(diesel::QueryableByName)]
struct Lease {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    lease_owner: Option<String>,
}

/// The process id of the stream's lease holder (a lease names its process
/// `<pid>-<random>`), read from the database once someone holds it.
async fn lease_holder(url: &DatabaseUrl) -> u32 {
    use diesel::{Connection, RunQueryDsl};
    let sql = "SELECT lease_owner FROM stream_states";
    for _ in 0..100 {
        let rows: Vec<Lease> = match url {
            DatabaseUrl::Sqlite(path) => diesel::sql_query(sql)
                .load(&mut diesel::SqliteConnection::establish(path).expect("open"))
                .expect("read"),
            DatabaseUrl::Postgres(url) => {
                diesel::sql_query(sql).load(&mut diesel::PgConnection::establish(url).expect("connect")).expect("read")
            }
        };
        if let Some(owner) = rows.first().and_then(|row| row.lease_owner.clone()) {
            return owner.split('-').next().and_then(|pid| pid.parse().ok()).expect("<pid>-<random>");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nobody took the stream's lease");
}

adminlog_tests::for_both_backends!(deliveries_survive_failures_a_kill_and_two_processes);
