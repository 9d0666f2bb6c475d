//! GET /api/v1/admin-logs/feed: every matching event exactly once, in id
//! order, with a `complete_through` that holds while writers commit
//! concurrently and some back-date their events.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{enc, for_both_backends, spawn_app, spawn_configured, Backend, TestApp};
use adminlog_types::Plan;

const WRITERS: usize = 4;
const BATCHES_PER_WRITER: usize = 15;
const BATCH: usize = 40;

/// What a consumer saw: every item in order, and after each response the
/// `complete_through` it was promised with how many items it had by then.
#[derive(Default)]
struct Consumed {
    items: Vec<Value>,
    promises: Vec<(i64, usize)>,
}

/// Follows the feed from the start until `stop` is set and one more read
/// found nothing new.
async fn consume(app: &TestApp, key: &str, filter: &str, stop: &AtomicBool) -> Consumed {
    let mut consumed = Consumed::default();
    let mut after = 0;
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let reply = app.get(&format!("/api/v1/admin-logs/feed?after={after}&limit=37{filter}"), key).await;
        reply.assert_status(200);
        let page = reply.json();
        let items = page["items"].as_array().expect("items").clone();
        let (next_after, complete_through) =
            (page["next_after"].as_i64().expect("next_after"), page["complete_through"].as_i64().expect("complete"));
        for item in &items {
            let id = item["id"].as_i64().expect("id");
            assert!(id > after && id <= complete_through, "{id} outside ({after}, {complete_through}]");
        }
        assert!(next_after >= after, "the position never goes back");
        consumed.items.extend(items.iter().cloned());
        consumed.promises.push((complete_through, consumed.items.len()));
        after = next_after;
        if stopping && items.is_empty() && complete_through == next_after {
            return consumed;
        }
    }
}

/// The consumer's items are exactly `expected` (ascending ids), and at each
/// promise every expected event up to it had already been delivered.
fn assert_exactly_once(consumed: &Consumed, expected: &[Value], what: &str) {
    let got: Vec<i64> = consumed.items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let want: Vec<i64> = expected.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(got, want, "{what}: the feed delivers every event once, in id order");
    assert_eq!(consumed.items, expected, "{what}: the same events as the page API");
    for &(complete_through, delivered) in &consumed.promises {
        let owed = want.iter().filter(|id| **id <= complete_through).count();
        assert!(delivered >= owed, "{what}: complete through {complete_through} with {delivered} of {owed} delivered");
    }
}

/// Every event a page query finds, oldest first: the page API is an
/// independent way to read the same log.
async fn oldest_first(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut events = app.all_pages(token, query, 1000).await;
    events.sort_by_key(|e| e["id"].as_i64().unwrap());
    events
}

async fn concurrent_writers_and_a_back_dating_one_lose_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let app = Arc::new(app);
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let stop = Arc::new(AtomicBool::new(false));
    let filter = format!("&actions=EDIT_USER&keyword={}", enc("Late"));
    let consumers: Vec<_> = ["", filter.as_str()]
        .into_iter()
        .map(|filter| {
            let (app, key, stop, filter) = (app.clone(), key.clone(), stop.clone(), filter.to_owned());
            tokio::spawn(async move { consume(&app, &key, &filter, &stop).await })
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (app, key) = (app.clone(), key.clone());
            tokio::spawn(async move {
                for batch in 0..BATCHES_PER_WRITER {
                    let events: Vec<Value> = (0..BATCH)
                        .map(|i| {
                            let mut event = json!({
                                "action": if i % 3 == 0 { "EDIT_USER" } else { "ISSUE_TOKEN" },
                                "user_name": format!("{} {writer}-{batch}-{i}", if i % 2 == 0 { "late" } else { "user" }),
                            });
                            // The forwarder that sends minutes-old events.
                            if writer == 0 {
                                let then = time::OffsetDateTime::now_utc() - time::Duration::minutes(10 + i as i64);
                                event["timestamp"] =
                                    json!(then.format(&time::format_description::well_known::Rfc3339).unwrap());
                            }
                            event
                        })
                        .collect();
                    app.ingest(&key, events).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("a writer");
    }
    stop.store(true, Ordering::SeqCst);
    let mut consumed = Vec::new();
    for consumer in consumers {
        consumed.push(consumer.await.expect("a consumer"));
    }
    let everything = oldest_first(&app, &key, "").await;
    assert!(everything.len() >= WRITERS * BATCHES_PER_WRITER * BATCH);
    assert_exactly_once(&consumed[0], &everything, "unfiltered");
    let matching = oldest_first(&app, &key, &filter[1..]).await;
    assert_eq!(matching.len(), WRITERS * BATCHES_PER_WRITER * 7, "EDIT_USER with a `late` user: 7 of 40 a batch");
    assert_exactly_once(&consumed[1], &matching, "filtered");
}

async fn filters_limits_and_sparse_matches(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    // More non-matching events than one response looks at, then one match.
    for _ in 0..21 {
        let events: Vec<Value> =
            (0..1000).map(|i| json!({"action": "ISSUE_TOKEN", "user_name": format!("u{i}")})).collect();
        app.ingest(&key, events).await;
    }
    let rare = app
        .ingest(
            &key,
            vec![json!({"action": "DELETE_DOMAIN", "domain_name": "Old VPN", "timestamp": "2020-01-02T03:04:05Z"})],
        )
        .await[0];

    let first = app.get("/api/v1/admin-logs/feed?actions=DELETE_DOMAIN", &key).await;
    first.assert_status(200);
    let first = first.json();
    assert_eq!(first["items"], json!([]), "no match among the first 20,000 ids");
    assert_eq!(first["complete_through"], 20_000, "yet the promise moves on");
    assert_eq!(first["next_after"], 20_000);
    let second = app.get("/api/v1/admin-logs/feed?actions=DELETE_DOMAIN&after=20000", &key).await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["id"], rare);
    assert_eq!(second["items"][0]["domain_name"], "Old VPN");
    assert_eq!(second["complete_through"], second["next_after"]);
    let head = second["complete_through"].as_i64().unwrap();
    assert!(head >= rare, "complete through the head when nothing more matches");

    // The same filters as a page: keyword, time window.
    for (query, expected) in [
        ("keyword=old%20vpn", vec![rare]),
        ("from=2020-01-02&to=2020-01-02", vec![rare]),
        ("from=2020-01-03&to=2020-01-03", vec![]),
    ] {
        let mut after = 0;
        let mut found = Vec::new();
        while after < head {
            let page = app.get(&format!("/api/v1/admin-logs/feed?{query}&after={after}&limit=1000"), &key).await.json();
            found.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
            after = page["next_after"].as_i64().unwrap();
        }
        assert_eq!(found, expected, "{query}");
    }

    // `limit` cuts a response at an event, which is then complete through it.
    let page = app.get("/api/v1/admin-logs/feed?after=100&limit=5", &key).await.json();
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![101, 102, 103, 104, 105]);
    assert_eq!((page["next_after"].as_i64(), page["complete_through"].as_i64()), (Some(105), Some(105)));
    let default = app.get("/api/v1/admin-logs/feed", &key).await.json();
    assert_eq!(default["items"].as_array().unwrap().len(), 100, "100 events when the consumer does not say");
}

/// The newest id the feed is complete through.
async fn head(app: &TestApp, key: &str) -> i64 {
    let reply = app.get("/api/v1/admin-logs/feed?limit=1000&after=0", key).await;
    reply.assert_status(200);
    reply.json()["complete_through"].as_i64().expect("complete_through")
}

async fn bad_requests_are_refused_and_reading_records_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let writer = app.api_key(&org, &["logs:write"]).await;
    app.ingest(&key, vec![json!({"action": "ISSUE_TOKEN", "user_name": "john"})]).await;
    let before = head(&app, &key).await;
    for (query, field) in [
        ("after=-1", "after"),
        ("after=one", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("wait=31", "wait"),
        ("cursor=abc", "cursor"),
        ("after=1&after=2", "after"),
        ("from=2020-02-01&to=2020-01-01", "from"),
    ] {
        let reply = app.get(&format!("/api/v1/admin-logs/feed?{query}"), &key).await;
        reply.assert_error(400, "validation_failed");
        assert_eq!(reply.json()["error"]["details"][0]["field"], field, "{query}");
    }
    app.get("/api/v1/admin-logs/feed", &writer).await.assert_error(403, "forbidden");
    app.request(adminlog_tests::reqwest::Method::GET, "/api/v1/admin-logs/feed", None, None)
        .await
        .assert_error(401, "unauthorized");
    let starter = app.org("Starter", Plan::Starter).await;
    app.get("/api/v1/admin-logs/feed", &starter.token).await.assert_error(403, "subscription_required");
    assert_eq!(head(&app, &key).await, before, "reading the feed, even wrongly, stored nothing");
}

async fn another_organizations_events_never_appear(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let acme = app.org("Acme", Plan::Professional).await;
    let other = app.org("Other", Plan::Professional).await;
    let acme_key = app.api_key(&acme, &["logs:write", "logs:read"]).await;
    let other_key = app.api_key(&other, &["logs:write", "logs:read"]).await;
    app.ingest(&acme_key, vec![json!({"action": "ISSUE_TOKEN", "user_name": "acme secret"}); 50]).await;
    app.ingest(&other_key, vec![json!({"action": "ISSUE_TOKEN", "user_name": "other user"}); 3]).await;
    let page = app.get("/api/v1/admin-logs/feed?limit=1000", &other_key).await.json();
    let names: BTreeSet<&str> =
        page["items"].as_array().unwrap().iter().filter_map(|e| e["user_name"].as_str()).collect();
    assert!(names.contains("other user"));
    assert!(!names.contains("acme secret"));
    let beyond = app.get("/api/v1/admin-logs/feed?after=20&keyword=secret", &other_key).await.json();
    assert_eq!(beyond["items"], json!([]));
}

async fn a_waiting_request_answers_with_the_next_commit_and_holds_no_slot(backend: Backend) {
    let Some(app) = spawn_configured(backend, |settings| settings.max_in_flight = Some(2)).await else { return };
    let app = Arc::new(app);
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let head = head(&app, &key).await;

    // Nothing new: an empty answer once the wait is over, complete through the head.
    let quiet = app.get(&format!("/api/v1/admin-logs/feed?after={head}&wait=1"), &key).await.json();
    assert_eq!(quiet, json!({"items": [], "next_after": head, "complete_through": head}));

    // More waiting requests than there are slots in flight, one after
    // another (each holds a slot for its first read).
    let mut waiting = Vec::new();
    for _ in 0..5 {
        let (app, key) = (app.clone(), key.clone());
        waiting.push(tokio::spawn(async move {
            app.get(&format!("/api/v1/admin-logs/feed?after={head}&wait=20&actions=EDIT_USER"), &key).await.json()
        }));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    app.get("/api/v1/admin-logs?limit=1", &key).await.assert_status(200);
    app.ingest(&key, vec![json!({"action": "ISSUE_TOKEN", "user_name": "not asked for"})]).await;
    let ids = app.ingest(&key, vec![json!({"action": "EDIT_USER", "user_name": "jane"})]).await;
    for waiter in waiting {
        let page = waiter.await.expect("a waiting consumer");
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!(page["items"][0]["id"], ids[0]);
        assert_eq!(page["complete_through"], ids[0]);
    }
}

for_both_backends!(
    concurrent_writers_and_a_back_dating_one_lose_nothing,
    filters_limits_and_sparse_matches,
    bad_requests_are_refused_and_reading_records_nothing,
    another_organizations_events_never_appear,
    a_waiting_request_answers_with_the_next_commit_and_holds_no_slot,
);
