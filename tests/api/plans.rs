//! The query-plan oracle: one log shaped so that each of the planner's
//! routes serves some query, on both backends. Each query must take the
//! route it was built for (read off `/metrics`) and return exactly what
//! filtering every event would, page by page; the export's truncation flag
//! (a count along the same route) must agree too.

use std::collections::HashMap;

use adminlog_server::storage::events::Route;
use adminlog_tests::reqwest::Method;
use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{on_both_backends, Backend, TestApp};
use adminlog_types::Plan;

/// A time window, as the oracle compares timestamps.
type Window = Option<(&'static str, &'static str)>;

/// (query, keyword, actions, window, the route of its first page)
type Case = (String, &'static str, &'static [&'static str], Window, &'static str);

/// One generated event, kept beside its id for the oracle.
struct Stored {
    id: i64,
    ts: String,
    action: &'static str,
    text: String,
}

/// The page reads counted per route so far.
async fn reads_by_route(app: &TestApp) -> HashMap<String, u64> {
    let metrics = app.request(Method::GET, "/metrics", None, None).await;
    metrics.assert_status(200);
    metrics
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("adminlog_page_read_duration_seconds_count{plan=\""))
        .filter_map(|rest| {
            let (plan, count) = rest.split_once("\"} ")?;
            Some((plan.to_owned(), count.parse().ok()?))
        })
        .collect()
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

on_both_backends! {
    async fn every_route_is_taken_where_expected_and_finds_what_filtering_finds(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        // Four populations: a crowd of 150 names with 21,000 events (more
        // than the per-column reads take), 1,200 distinct names (more than an
        // SQL term list takes), 120 domains of two events each (more pairs
        // than either backend walks one by one, few events), and one rare
        // action by one person. Timestamps tie in threes.
        let mut drafts: Vec<(Value, &'static str, String)> = Vec::new();
        for i in 0..21_000 {
            let name = format!("Crowd Member {}", i % 150);
            drafts.push((json!({"action": "EDIT_USER", "user_name": name}), "EDIT_USER", name));
        }
        for n in 0..1_200 {
            let name = format!("Wide-Name-{n:04}");
            drafts.push((json!({"action": "LOG_IN", "user_name": name}), "LOG_IN", name));
        }
        for k in 0..240 {
            let domain = format!("Branch Office {}", k % 120);
            drafts.push((json!({"action": "ADD_USER_TO_DOMAIN", "domain_name": domain}), "ADD_USER_TO_DOMAIN", domain));
        }
        for _ in 0..5 {
            drafts.push((json!({"action": "EDIT_BILLING", "user_name": "Solo Person"}), "EDIT_BILLING", "Solo Person".to_owned()));
        }
        // Interleaved in time, so every walk crosses the others' events.
        let order: Vec<usize> = (0..drafts.len()).map(|i| (i * 7_919) % drafts.len()).collect();
        let mut stored: Vec<Stored> = Vec::new();
        for (batch_start, chunk) in (0..order.len()).step_by(1_000).zip(order.chunks(1_000)) {
            let stamps: Vec<String> = (batch_start..batch_start + chunk.len()).map(timestamp).collect();
            let batch: Vec<Value> = chunk
                .iter()
                .zip(&stamps)
                .map(|(&i, ts)| {
                    let mut event = drafts[i].0.clone();
                    event["timestamp"] = json!(ts);
                    event
                })
                .collect();
            let new_ids = app.ingest(&key, batch).await;
            for ((&i, id), ts) in chunk.iter().zip(new_ids).zip(stamps) {
                stored.push(Stored { id, ts, action: drafts[i].1, text: drafts[i].2.to_lowercase() });
            }
        }

        let all = "from=2016-01-01&to=2016-12-31";
        let days = "from=2016-01-03&to=2016-01-09";
        let window: Window = Some(("2016-01-03T00:00:00Z", "2016-01-09T23:59:59Z"));
        let cases: Vec<Case> = vec![
            (all.into(), "", &[], None, "time_order"),
            (days.into(), "", &[], window, "time_order"),
            ("actions=EDIT_BILLING".into(), "", &["EDIT_BILLING"], None, "per_action"),
            (format!("{days}&actions=EDIT_BILLING,LOG_IN,ADD_USER_TO_DOMAIN"), "", &["EDIT_BILLING", "LOG_IN", "ADD_USER_TO_DOMAIN"], window, "per_action"),
            ("keyword=solo+person".into(), "solo person", &[], None, "per_term"),
            ("keyword=branch+office".into(), "branch office", &[], None, "per_column"),
            (format!("{days}&keyword=branch+office&actions=ADD_USER_TO_DOMAIN"), "branch office", &["ADD_USER_TO_DOMAIN"], window, "per_column"),
            ("keyword=crowd+member".into(), "crowd member", &[], None, "time_order_with_terms"),
            (format!("{days}&keyword=crowd+member+1&actions=EDIT_USER"), "crowd member 1", &["EDIT_USER"], window, "per_term"),
            ("keyword=wide-name".into(), "wide-name", &[], None, "scan"),
            (format!("{days}&keyword=wide-name-1&actions=LOG_IN"), "wide-name-1", &["LOG_IN"], window, "per_column"),
            ("keyword=zz-nothing".into(), "zz-nothing", &[], None, "no_match"),
        ];
        for (q, keyword, actions, window, route) in &cases {
            let mut expected: Vec<(&str, i64)> = stored
                .iter()
                .filter(|e| e.text.contains(keyword))
                .filter(|e| actions.is_empty() || actions.contains(&e.action))
                .filter(|e| window.is_none_or(|(from, to)| (from..=to).contains(&e.ts.as_str())))
                .map(|e| (e.ts.as_str(), e.id))
                .collect();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();

            let before = reads_by_route(&app).await;
            app.get(&format!("/api/v1/admin-logs?{q}&limit=50"), &org.token).await.assert_status(200);
            let after = reads_by_route(&app).await;
            let taken: Vec<&str> =
                after.keys().filter(|plan| after.get(*plan) != before.get(*plan)).map(String::as_str).collect();
            assert_eq!(taken, vec![*route], "{q}: the first page's route");

            let limit = if expected.len() > 5_000 { 1_000 } else { 37 };
            assert_eq!(ids(&app.all_pages(&org.token, q, limit).await), expected, "{q} in pages of {limit}");
        }
        let taken = reads_by_route(&app).await;
        for label in Route::LABELS {
            assert!(taken.get(label).is_some_and(|n| *n > 0), "route {label} never ran: {taken:?}");
        }

        // Exports last (each records an event): the truncation flag counts
        // along the query's route.
        for (query, truncated) in [("keyword=crowd+member", "true"), ("keyword=wide-name", "false"), ("keyword=branch+office", "false"), ("", "true")] {
            let export = app.get(&format!("/api/v1/admin-logs/export?{query}"), &org.token).await;
            export.assert_status(200);
            assert_eq!(export.header("x-export-truncated").as_deref(), Some(truncated), "export {query}");
        }
    }
}

/// The `n`th timestamp: a minute apart in threes, from 2016-01-01.
fn timestamp(n: usize) -> String {
    let minute = n / 3;
    format!("2016-01-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, minute % 1440 / 60, minute % 60)
}

on_both_backends! {
    async fn the_server_refreshes_the_planners_statistics_it_is_never_asked_to(app) {
        // What the housekeeping timer runs once a log grew by a tenth: the
        // planner's estimate goes from unknown (or stale) to the real count.
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let events: Vec<Value> = (0..1_500).map(|i| json!({"action": "LOG_IN", "admin_email": format!("a{}@acme.example", i % 7)})).collect();
        for batch in events.chunks(500) {
            app.ingest(&key, batch.to_vec()).await;
        }
        let stored = app.db.events_stored().unwrap();
        assert_ne!(app.db.planner_event_estimate().unwrap(), Some(stored), "nobody analyzed yet");
        // PostgreSQL: pages not yet marked all-visible make every index-only
        // walk (a keyword's matches, a count) visit the table as well.
        let all_visible = "SELECT CAST(relallvisible AS BIGINT) AS n FROM pg_class WHERE relname = 'events'";
        if app.backend == Backend::Postgres {
            assert_eq!(app.raw_number(all_visible), 0, "nothing vacuumed yet");
        }
        app.db.refresh_statistics().unwrap();
        assert_eq!(app.db.planner_event_estimate().unwrap(), Some(stored));
        if app.backend == Backend::Postgres {
            let pages = app.raw_number("SELECT CAST(relpages AS BIGINT) AS n FROM pg_class WHERE relname = 'events'");
            assert!(pages > 0);
            assert_eq!(app.raw_number(all_visible), pages, "every page of the table is marked all-visible");
        }
    }
}

on_both_backends! {
    async fn another_organizations_events_never_answer_a_keyword_whatever_the_route(app) {
        // Term ids are numbered per organization, so Globex's term 1 is
        // Acme's term 1 too: every walk must stay inside the caller's
        // organization. Both logs are built alike; Globex holds fewer events.
        let acme = app.org("Acme", Plan::Professional).await;
        let globex = app.org("Globex", Plan::Professional).await;
        let log = |copies: usize| -> Vec<Value> {
            let mut events = Vec::new();
            for k in 0..120 {
                for _ in 0..copies {
                    events.push(json!({"timestamp": timestamp(k), "action": "ADD_USER_TO_DOMAIN", "domain_name": format!("Branch Office {k}"), "user_name": "Solo Person"}));
                }
            }
            events
        };
        let acme_key = app.api_key(&acme, &["logs:write"]).await;
        app.ingest(&acme_key, log(3)).await;
        let globex_key = app.api_key(&globex, &["logs:write"]).await;
        let globex_ids = app.ingest(&globex_key, log(1)).await;
        let mut expected = globex_ids.clone();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        // One term (walked per term), 120 terms (read per column), actions.
        for query in ["keyword=solo+person", "keyword=branch+office", "actions=ADD_USER_TO_DOMAIN", "keyword=branch+office&actions=ADD_USER_TO_DOMAIN"] {
            assert_eq!(ids(&app.all_pages(&globex.token, query, 50).await), expected, "{query}");
        }
        let export = app.get("/api/v1/admin-logs/export?keyword=branch+office", &globex.token).await;
        assert_eq!(export.text.lines().count(), globex_ids.len());
    }
}
