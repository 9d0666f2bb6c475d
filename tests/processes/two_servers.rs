//! Two server processes on one database, ingesting concurrently for the same
//! organization: nothing lost or doubled, one valid chain, and a cursor from
//! either process pages on the other.

use super::*;
use adminlog_tests::process::ServerProcess;
use adminlog_tests::{Backend, TestDatabase};

const CLIENTS: usize = 4;

async fn two_processes_share_one_database(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let org_id = prepare(&database.url);
    let name = format!("adminlog-two-{backend:?}-{}", std::process::id());
    let first = ServerProcess::start(&database, &format!("{name}-a"));
    let second = ServerProcess::start(&database, &format!("{name}-b"));
    let http = reqwest::Client::new();
    let fixture = credentials(&http, &first.base, org_id).await;

    let targets: Targets = Arc::new(RwLock::new(vec![first.base.clone(), second.base.clone()]));
    let clients = start_clients(CLIENTS, &fixture.key, &targets);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = clients.finish().await;

    let found = assert_exactly_once(&database.url, org_id, &tally);
    assert_chain_verifies(&http, &first.base, &fixture, &database.url).await;
    assert_chain_verifies(&http, &second.base, &fixture, &database.url).await;

    // Page through everything, alternating processes: each continues the
    // other's cursor, and together they list exactly the stored events.
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    for turn in 0.. {
        let base = if turn % 2 == 0 { &first.base } else { &second.base };
        let mut url = format!("{base}/api/v1/admin-logs?limit=500");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let reply = http.get(url).bearer_auth(&fixture.token).send().await.expect("page");
        assert_eq!(reply.status(), StatusCode::OK);
        let page: Value = reply.json().await.expect("page JSON");
        listed.extend(page["items"].as_array().expect("items").iter().map(|e| e["id"].as_i64().expect("id")));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let stored: Vec<i64> = stored_events(&database.url, org_id).into_iter().map(|(id, _)| id).collect();
    assert_eq!(listed, stored);
    eprintln!(
        "{backend:?}: two processes; {} events acknowledged, {found} found exactly once; {} attempts retried",
        tally.acknowledged.len(),
        tally.retried
    );
}

adminlog_tests::for_both_backends!(two_processes_share_one_database);
