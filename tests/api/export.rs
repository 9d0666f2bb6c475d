//! GET /api/v1/admin-logs/export: the seed's CSV bytes, the cap, headers.

use adminlog_tests::serde_json::json;
use adminlog_tests::{enc, on_both_backends};
use adminlog_types::Plan;

use crate::fixtures::load_june;

/// The sample from the seed requirement, byte for byte.
const SEED_SAMPLE: &str = "2016-06-09T13:59:24Z,ISSUE_TOKEN,,,john.doe,Office VPN\n\
2016-06-09T13:59:19Z,ADD_USER_TO_DOMAIN,,,john.doe,Office VPN\n\
2016-06-09T13:59:00Z,CREATE_DOMAIN,,,,Office VPN\n";

on_both_backends! {
    async fn export_reproduces_the_seed_sample_bytes(app) {
        let org = app.org("Acme", Plan::Professional).await;
        load_june(&app, &org).await;
        let reply = app.get("/api/v1/admin-logs/export?from=2016-06-09&to=2016-06-09", &org.token).await;
        reply.assert_status(200);
        assert_eq!(reply.text, SEED_SAMPLE);
        assert_eq!(reply.header("content-type").unwrap(), "text/csv; charset=utf-8");
        assert_eq!(
            reply.header("content-disposition").unwrap(),
            "attachment; filename=\"admin-logs_2016-06-09_to_2016-06-09.csv\""
        );
        assert_eq!(reply.header("x-export-truncated").unwrap(), "false");
    }

    async fn export_is_the_current_view_with_an_optional_header(app) {
        let org = app.org("Acme", Plan::Professional).await;
        load_june(&app, &org).await;
        let reply = app.get("/api/v1/admin-logs/export?to=2016-12-31&keyword=jane&header=true", &org.token).await;
        assert_eq!(
            reply.text,
            "timestamp,action,admin_email,user_email,user_name,domain_name\n\
             2016-06-11T23:59:59Z,EDIT_USER,bob@acme.example,jane.roe@example.com,Jane Roe,GitLab\n\
             2016-06-10T08:05:00Z,CREATE_USER,alice@acme.example,Jane.Roe@Example.com,Jane Roe,\n"
        );
        let by_action = app.get("/api/v1/admin-logs/export?to=2016-12-31&actions=LOG_IN", &org.token).await;
        assert_eq!(by_action.text, "2016-06-10T08:00:00Z,LOG_IN,Alice@Acme.example,,,\n");
        assert!(by_action.header("content-disposition").unwrap().contains("_filtered.csv"));
    }

    async fn export_quotes_and_neutralises_formulas(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        app.ingest(&key, vec![
            json!({"timestamp": "2016-01-01T00:00:00Z", "action": "EDIT_USER", "user_name": "=HYPERLINK(\"http://evil\")", "domain_name": "Sales, EMEA"}),
            json!({"timestamp": "2016-01-01T00:00:01Z", "action": "EDIT_USER", "user_name": "@SUM(A1)", "domain_name": "-1+2"}),
        ]).await;
        let reply = app.get("/api/v1/admin-logs/export?to=2016-12-31", &org.token).await;
        assert_eq!(
            reply.text,
            "2016-01-01T00:00:01Z,EDIT_USER,,,'@SUM(A1),'-1+2\n\
             2016-01-01T00:00:00Z,EDIT_USER,,,\"'=HYPERLINK(\"\"http://evil\"\")\",\"Sales, EMEA\"\n"
        );
    }

    async fn export_stops_at_ten_thousand_rows_and_says_so(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        for batch in 0..11 {
            let events: Vec<_> = (0..1000)
                .map(|i| json!({"timestamp": format!("2015-01-01T00:{:02}:{:02}Z", batch, i % 60), "action": "ISSUE_TOKEN", "user_name": format!("u{batch}-{i}"), "event_id": format!("{batch}-{i}")}))
                .collect();
            app.ingest(&key, events).await;
        }
        let reply = app.get("/api/v1/admin-logs/export?to=2015-12-31", &org.token).await;
        reply.assert_status(200);
        assert_eq!(reply.text.lines().count(), 10_000);
        assert_eq!(reply.header("x-export-truncated").unwrap(), "true");
        assert_eq!(reply.header("x-export-row-limit").unwrap(), "10000");
        assert!(reply.text.starts_with("2015-01-01T00:10:59Z,ISSUE_TOKEN,"));
        // The same filter, narrowed under the cap, is complete.
        let narrow = app.get(&format!("/api/v1/admin-logs/export?to={}", enc("2015-01-01T00:00:59Z")), &org.token).await;
        assert_eq!(narrow.text.lines().count(), 1000);
        assert_eq!(narrow.header("x-export-truncated").unwrap(), "false");
    }

    async fn exports_are_themselves_logged(app) {
        let org = app.org("Acme", Plan::Professional).await;
        app.get("/api/v1/admin-logs/export?to=2016-12-31", &org.token).await.assert_status(200);
        let mut found = false;
        for _ in 0..50 {
            let page = app.get("/api/v1/admin-logs?actions=EXPORT_ADMIN_LOGS", &org.token).await.json();
            if let Some(event) = page["items"].as_array().unwrap().first() {
                assert_eq!(event["admin_email"], org.super_email.as_str());
                found = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(found, "EXPORT_ADMIN_LOGS was not recorded");
    }

    async fn export_rejects_bad_parameters(app) {
        let org = app.org("Acme", Plan::Professional).await;
        for query in ["header=yes", "limit=10", "cursor=abc", "from=2016-02-30", "actions=NOPE"] {
            app.get(&format!("/api/v1/admin-logs/export?{query}"), &org.token).await.assert_error(400, "validation_failed");
        }
    }
}
