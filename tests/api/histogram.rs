//! GET /api/v1/admin-logs/histogram and /action-counts: the count, the
//! buckets and the counts per action agree with the rows the same filters
//! page through, on any range, under concurrent ingestion, and past a
//! keyword's cap; bad input is refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{enc, for_both_backends, on_both_backends, spawn_app, Backend, TestApp};
use adminlog_types::{Action, ActionCounts, Histogram, Plan};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Monday 2024-03-04, 00:00 UTC.
const MONDAY: OffsetDateTime = time::macros::datetime!(2024-03-04 0:00 UTC);

/// Events at uneven times over 40 days: several an hour, some hours and
/// days empty, minutes and seconds everywhere, three actions and two users.
fn spread() -> Vec<Value> {
    (0..400i64)
        .map(|n| {
            let at = MONDAY + Duration::minutes(n * n % 57_600 + n * 7) + Duration::seconds(n % 60);
            let action = ["LOG_IN", "ISSUE_TOKEN", "EDIT_USER"][(n % 3) as usize];
            let user = if n % 5 == 0 { "john.doe" } else { "jane.roe" };
            json!({"timestamp": at.format(&Rfc3339).unwrap(), "action": action, "user_name": user})
        })
        .collect()
}

/// `GET /admin-logs/{endpoint}?{query}`, which must answer 200.
async fn read<T: serde::de::DeserializeOwned>(app: &TestApp, token: &str, endpoint: &str, query: &str) -> T {
    let reply = app.get(&format!("/api/v1/admin-logs/{endpoint}?{query}"), token).await;
    reply.assert_status(200);
    reply.typed()
}

async fn histogram(app: &TestApp, token: &str, query: &str) -> Histogram {
    read(app, token, "histogram", query).await
}

/// The histogram against the rows the same query pages through: the total,
/// and every bucket holding exactly the rows whose time falls in it.
async fn assert_agrees_with_rows(app: &TestApp, token: &str, query: &str) -> Histogram {
    let found = histogram(app, token, query).await;
    let rows = app.all_pages(token, query, 1000).await;
    let times: Vec<OffsetDateTime> =
        rows.iter().map(|row| OffsetDateTime::parse(row["timestamp"].as_str().unwrap(), &Rfc3339).unwrap()).collect();
    assert!(found.exact, "{query}");
    assert_eq!(found.total, times.len() as u64, "{query}: total");
    let width = Duration::seconds(found.bucket_seconds as i64);
    assert!(found.buckets.len() <= 120, "{query}: {} buckets", found.buckets.len());
    for (i, bucket) in found.buckets.iter().enumerate() {
        if i > 0 {
            assert_eq!(bucket.start - found.buckets[i - 1].start, width, "{query}: buckets follow each other");
        }
        let inside = times.iter().filter(|&&at| at >= bucket.start && at < bucket.start + width).count();
        assert_eq!(bucket.count, Some(inside as u64), "{query}: bucket {i} at {}", bucket.start);
    }
    if let (Some(first), Some(last)) = (found.buckets.first(), found.buckets.last()) {
        assert!(first.start <= found.from && found.to <= last.start + width, "{query}: buckets cover the range");
        assert!(times.iter().all(|&at| at >= found.from && at < found.to), "{query}: every row inside the range");
    }
    found
}

async fn action_counts(app: &TestApp, token: &str, query: &str) -> ActionCounts {
    read(app, token, "action-counts", query).await
}

/// The counts per action against the rows that the same range and keyword
/// page through: each action's count is its rows, and actions without rows
/// are left out.
async fn assert_action_counts_agree_with_rows(app: &TestApp, token: &str, query: &str) -> ActionCounts {
    let found = action_counts(app, token, query).await;
    let mut rows_per_action: BTreeMap<Action, u64> = BTreeMap::new();
    for row in app.all_pages(token, query, 1000).await {
        *rows_per_action.entry(row["action"].as_str().unwrap().parse().unwrap()).or_default() += 1;
    }
    assert!(found.exact, "{query}");
    let counted: BTreeMap<Action, u64> = found.counts.iter().map(|c| (c.action, c.count)).collect();
    assert_eq!(counted, rows_per_action, "{query}");
    let order: Vec<Action> = found.counts.iter().map(|c| c.action).collect();
    let mut listed = order.clone();
    listed.sort_by_key(|action| Action::ALL.iter().position(|a| a == action));
    assert_eq!(order, listed, "{query}: in the order of the action list");
    found
}

on_both_backends! {
    async fn counts_per_action_agree_with_the_rows_whatever_the_actions_chosen(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        app.ingest(&key, spread()).await;
        let t = &org.token;
        for query in [
            "to=2024-12-31",
            "from=2024-03-05&to=2024-03-25",
            &format!("from={}&to={}", enc("2024-03-06T10:17:03Z"), enc("2024-04-02T05:42:00Z")),
            &format!("from={}&to={}", enc("2024-03-12T08:05:00Z"), enc("2024-03-12T08:55:00Z")),
            "keyword=john&to=2024-12-31",
            "keyword=jane&from=2024-03-10&to=2024-04-30",
            "",
        ] {
            assert_action_counts_agree_with_rows(&app, t, query).await;
        }
        let three = action_counts(&app, t, "to=2024-12-31").await;
        assert_eq!(three.counts.len(), 3, "LOG_IN, ISSUE_TOKEN and EDIT_USER: {three:?}");
        // Each count is what choosing that action alone shows.
        for count in &three.counts {
            let alone = histogram(&app, t, &format!("to=2024-12-31&actions={}", count.action)).await;
            assert_eq!(alone.total, count.count, "{}", count.action);
        }
        // So the actions filter is not a parameter: a plain 400, not a silent ignore.
        let reply = app.get("/api/v1/admin-logs/action-counts?actions=LOG_IN", t).await;
        reply.assert_error(400, "validation_failed");
        assert_eq!(reply.json()["error"]["details"][0]["field"], "actions");
    }

    async fn counts_agree_with_the_rows_on_any_range_and_filter(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        app.ingest(&key, spread()).await;
        let t = &org.token;
        for query in [
            "to=2024-12-31",
            "from=2024-03-04&to=2024-03-04",
            "from=2024-03-05&to=2024-03-25",
            "actions=ISSUE_TOKEN,EDIT_USER&to=2024-12-31",
            // Ragged ends: inside hours, across midnight, within one hour.
            &format!("from={}&to={}", enc("2024-03-06T10:17:03Z"), enc("2024-04-02T05:42:00Z")),
            &format!("from={}&to={}&actions=LOG_IN", enc("2024-03-09T22:30:00Z"), enc("2024-03-10T01:15:00Z")),
            &format!("from={}&to={}", enc("2024-03-12T08:05:00Z"), enc("2024-03-12T08:55:00Z")),
            // A keyword is counted from its matches.
            "keyword=john&to=2024-12-31",
            "keyword=jane&actions=LOG_IN&from=2024-03-10&to=2024-04-30",
        ] {
            assert_agrees_with_rows(&app, t, query).await;
        }
        // Forty days get twelve-hour bars; one day, hourly ones.
        assert_eq!(histogram(&app, t, "from=2024-03-04&to=2024-04-12").await.bucket_seconds, 12 * 3600);
        assert_eq!(histogram(&app, t, "from=2024-03-04&to=2024-03-04").await.bucket_seconds, 3600);
        // An open range ends at the later of now and the last event: this
        // organization's own events (its key) are today.
        let everything = assert_agrees_with_rows(&app, t, "").await;
        let own = app.all_pages(t, "from=now-1d", 1000).await.len() as u64;
        assert_eq!(everything.total, 400 + own, "the 400 and the organization's own events of today");
        assert!(everything.bucket_seconds >= 7 * 86_400, "two years and more: weekly bars or wider");
        // Nothing matches: zero, every bucket empty.
        let none = histogram(&app, t, "actions=DELETE_DOMAIN&to=2024-12-31").await;
        assert_eq!(none.total, 0);
        assert!(none.buckets.iter().all(|b| b.count == Some(0)));
    }

    async fn a_keyword_past_the_cap_says_more_and_never_counts_short(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        // 10,200 matches, one a minute, and 300 others.
        let events: Vec<Value> = (0..10_500i64)
            .map(|n| {
                let at = MONDAY + Duration::minutes(n);
                let user = if n % 35 == 0 { "someone.else" } else { "john.doe" };
                json!({"timestamp": at.format(&Rfc3339).unwrap(), "action": "LOG_IN", "user_name": user})
            })
            .collect();
        for batch in events.chunks(1000) {
            app.ingest(&key, batch.to_vec()).await;
        }
        let found = histogram(&app, &org.token, "keyword=john&from=2024-03-04&to=2024-03-11").await;
        assert!(!found.exact);
        assert_eq!(found.total, 10_000);
        let known: Vec<_> = found.buckets.iter().filter(|b| b.count.is_some()).collect();
        let unknown = found.buckets.len() - known.len();
        assert!(unknown > 0, "the oldest matches were not counted");
        assert!(found.buckets[..unknown].iter().all(|b| b.count.is_none()), "unknown buckets are the oldest");
        // Every known bucket is exact: the rows in it, from the page endpoint.
        let width = Duration::seconds(found.bucket_seconds as i64);
        for bucket in known {
            let query = format!(
                "keyword=john&from={}&to={}",
                enc(&bucket.start.format(&Rfc3339).unwrap()),
                enc(&(bucket.start + width - Duration::microseconds(1)).format(&Rfc3339).unwrap())
            );
            let rows = app.all_pages(&org.token, &query, 1000).await.len() as u64;
            assert_eq!(bucket.count, Some(rows), "bucket at {}", bucket.start);
        }
        // Without the keyword the same range is exact at any size.
        let all = histogram(&app, &org.token, "from=2024-03-04&to=2024-03-11").await;
        assert!(all.exact);
        assert_eq!(all.total, 10_500);
        // Per action: a lower bound past the cap, the cap's worth counted.
        let per_action = action_counts(&app, &org.token, "keyword=john&from=2024-03-04&to=2024-03-11").await;
        assert!(!per_action.exact);
        assert_eq!(per_action.of(Action::LOG_IN), 10_000);
        assert_eq!(per_action.counts.len(), 1);
    }

    async fn bad_input_is_refused_and_reading_needs_the_read_scope(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let t = &org.token;
        for (query, field) in [
            ("limit=10", "limit"),
            ("cursor=abc", "cursor"),
            ("from=2024-02-01&to=2024-01-01", "from"),
            ("actions=NOT_AN_ACTION", "actions"),
            ("from=yesterday", "from"),
        ] {
            for endpoint in ["histogram", "action-counts"] {
                let reply = app.get(&format!("/api/v1/admin-logs/{endpoint}?{query}"), t).await;
                reply.assert_error(400, "validation_failed");
                assert_eq!(reply.json()["error"]["details"][0]["field"], field, "{endpoint}?{query}");
            }
        }
        let writer = app.api_key(&org, &["logs:write"]).await;
        for endpoint in ["histogram", "action-counts"] {
            let path = format!("/api/v1/admin-logs/{endpoint}");
            app.get(&path, &writer).await.assert_status(403);
            app.request(adminlog_tests::reqwest::Method::GET, &path, None, None).await.assert_status(401);
        }
        let reader = app.api_key(&org, &["logs:read"]).await;
        let own = assert_agrees_with_rows(&app, &reader, "").await;
        assert!(own.total >= 2, "at least the two keys' creation: {own:?}");
    }

    async fn one_organization_never_counts_another(app) {
        let acme = app.org("Acme", Plan::Professional).await;
        let other = app.org("Other", Plan::Professional).await;
        let key = app.api_key(&acme, &["logs:write"]).await;
        app.ingest(&key, spread()).await;
        assert_eq!(histogram(&app, &other.token, "to=2024-12-31").await.total, 0);
        assert_eq!(histogram(&app, &other.token, "keyword=john&to=2024-12-31").await.total, 0);
        assert_eq!(action_counts(&app, &other.token, "to=2024-12-31").await.counts, vec![]);
        assert_eq!(action_counts(&app, &other.token, "keyword=john&to=2024-12-31").await.counts, vec![]);
    }
}

/// Writers racing each other and the readers: whenever the log is read
/// afterwards, the counts equal the rows, per action and in all.
async fn counts_stay_exact_under_concurrent_ingestion(backend: Backend) {
    const WRITERS: usize = 4;
    const BATCHES: usize = 6;
    let Some(app) = spawn_app(backend).await else { return };
    let app = Arc::new(app);
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write"]).await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (app, key) = (app.clone(), key.clone());
            tokio::spawn(async move {
                for batch in 0..BATCHES {
                    let events: Vec<Value> = (0..200)
                        .map(|i| {
                            let minutes = ((writer * 7919 + batch * 104_729 + i * 31) % 20_000) as i64;
                            let at = MONDAY + Duration::minutes(minutes);
                            let action = if (writer + i) % 4 == 0 { "EDIT_USER" } else { "ISSUE_TOKEN" };
                            json!({"timestamp": at.format(&Rfc3339).unwrap(), "action": action})
                        })
                        .collect();
                    app.ingest(&key, events).await;
                }
            })
        })
        .collect();
    // Readers meanwhile: each answer is consistent in itself.
    for _ in 0..10 {
        let seen = histogram(&app, &org.token, "to=2024-12-31").await;
        assert_eq!(seen.total, seen.buckets.iter().filter_map(|b| b.count).sum::<u64>());
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    for query in ["to=2024-12-31", "actions=EDIT_USER&to=2024-12-31", "actions=ISSUE_TOKEN&from=2024-03-10"] {
        assert_agrees_with_rows(&app, &org.token, query).await;
    }
    assert_action_counts_agree_with_rows(&app, &org.token, "to=2024-12-31").await;
    assert_eq!(histogram(&app, &org.token, "to=2024-12-31").await.total, (WRITERS * BATCHES * 200) as u64);
}

for_both_backends!(counts_stay_exact_under_concurrent_ingestion);
