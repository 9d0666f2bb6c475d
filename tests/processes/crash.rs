//! SIGKILL during concurrent ingestion, three times, then a restart: every
//! acknowledged event is there exactly once and the chain verifies.

use super::*;
use adminlog_tests::process::ServerProcess;
use adminlog_tests::{Backend, TestDatabase};

const CLIENTS: usize = 4;
const KILLS: usize = 3;

async fn acknowledged_events_survive_sigkill(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let org_id = prepare(&database.url);
    let name = format!("adminlog-crash-{backend:?}-{}", std::process::id());
    let mut server = ServerProcess::start(&database, &name);
    let http = reqwest::Client::new();
    let fixture = credentials(&http, &server.base, org_id).await;

    let targets: Targets = Arc::new(RwLock::new(vec![server.base.clone()]));
    let clients = start_clients(CLIENTS, &fixture.key, &targets);
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        server.kill();
        server = tokio::task::block_in_place(|| ServerProcess::start(&database, &name));
        *targets.write().expect("targets") = vec![server.base.clone()];
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tally = clients.finish().await;

    assert!(tally.retried > 0, "the kills must have cut or refused some requests");
    let found = assert_exactly_once(&database.url, org_id, &tally);
    assert_chain_verifies(&http, &server.base, &fixture, &database.url).await;
    eprintln!(
        "{backend:?}: {KILLS} SIGKILLs; {} events acknowledged, {found} found exactly once; {} attempts retried",
        tally.acknowledged.len(),
        tally.retried
    );
}

adminlog_tests::for_both_backends!(acknowledged_events_survive_sigkill);
