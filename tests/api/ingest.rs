//! POST /api/v1/admin-logs: ids, defaults, idempotency, and all-or-nothing
//! validation.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{on_both_backends, reqwest, TestApp};
use adminlog_types::Plan;

/// Events the tests send (the fixture's own LOG_IN is not one of these).
async fn count(app: &TestApp, token: &str) -> usize {
    app.all_pages(token, "actions=ISSUE_TOKEN,EDIT_USER", 1000).await.len()
}

on_both_backends! {
    async fn ids_come_back_in_input_order_and_defaults_apply(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
        let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(2);
        let ids = app.ingest(&key, vec![
            json!({"action": "ISSUE_TOKEN", "user_name": "john.doe"}),
            json!({"action": "LOG_IN", "admin_email": "ann@acme.example"}),
            json!({"action": "EDIT_USER", "admin_email": "ann@acme.example", "source": "api", "domain_name": ""}),
        ]).await;
        assert_eq!(ids.len(), 3);
        assert!(ids[0] < ids[1] && ids[1] < ids[2]);
        let items = app.all_pages(&key, "actions=ISSUE_TOKEN,LOG_IN,EDIT_USER", 10).await;
        let by_id = |id: i64| items.iter().find(|e| e["id"] == id).unwrap().clone();
        assert_eq!(by_id(ids[0])["source"], "api");
        assert_eq!(by_id(ids[1])["source"], "admin_panel");
        assert_eq!(by_id(ids[2])["source"], "api");
        assert_eq!(by_id(ids[2])["domain_name"], "", "absent text is empty, as in the CSV and the evidence");
        let stamped = time::OffsetDateTime::parse(by_id(ids[0])["timestamp"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        assert!(stamped >= before && stamped <= time::OffsetDateTime::now_utc() + time::Duration::seconds(2));
    }

    async fn resending_an_event_id_stores_nothing_new(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let event = json!({"event_id": "evt-1", "action": "ISSUE_TOKEN", "user_name": "john.doe"});
        let first = app.ingest(&key, vec![event.clone(), json!({"action": "EDIT_USER", "user_name": "jane"})]).await;
        let again = app.ingest(&key, vec![json!({"event_id": "evt-2", "action": "EDIT_USER"}), event.clone(), event]).await;
        assert_eq!(again[1], first[0]);
        assert_eq!(again[2], first[0]);
        assert_eq!(count(&app, &org.token).await, 3);
        // Another organization may use the same client id.
        let other = app.org("Other", Plan::Professional).await;
        let other_key = app.api_key(&other, &["logs:write"]).await;
        app.ingest(&other_key, vec![json!({"event_id": "evt-1", "action": "ISSUE_TOKEN"})]).await;
        assert_eq!(count(&app, &other.token).await, 1);
    }

    async fn an_invalid_batch_is_rejected_whole_with_every_problem(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let reply = app.post("/api/v1/admin-logs", &key, json!({"events": [
            {"action": "ISSUE_TOKEN", "user_name": "fine"},
            {"action": "TELEPORT"},
            {"action": "LOG_IN", "admin_email": "not-an-email", "timestamp": "2999-01-01T00:00:00Z"},
            {"action": "EDIT_USER", "user_name": "x".repeat(257)},
            {"action": "EDIT_USER", "user_name": "bell\u{7}"},
            {"action": "EDIT_USER", "colour": "red"},
            {"user_name": "no action"},
        ]})).await;
        reply.assert_error(400, "validation_failed");
        let details = reply.json()["error"]["details"].as_array().unwrap().clone();
        let places: Vec<(i64, String)> = details.iter().map(|d| (d["index"].as_i64().unwrap(), d["field"].as_str().unwrap().to_owned())).collect();
        assert_eq!(places, vec![
            (1, "action".into()), (2, "timestamp".into()), (2, "admin_email".into()),
            (3, "user_name".into()), (4, "user_name".into()), (5, "colour".into()), (6, "action".into()),
        ]);
        assert_eq!(count(&app, &org.token).await, 0, "nothing of the batch was stored");
    }

    async fn batch_size_and_body_shape_are_checked(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        app.post("/api/v1/admin-logs", &key, json!({"events": []})).await.assert_error(400, "validation_failed");
        let many: Vec<_> = (0..1001).map(|_| json!({"action": "ISSUE_TOKEN"})).collect();
        app.post("/api/v1/admin-logs", &key, json!({"events": many})).await.assert_error(400, "validation_failed");
        // A field the body does not have is named, as one inside an event is.
        let misnamed = app.post("/api/v1/admin-logs", &key, json!({"event": []})).await;
        misnamed.assert_error(400, "validation_failed");
        let fields: Vec<String> = misnamed.json()["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["event", "events"]);
        app.post("/api/v1/admin-logs", &key, json!({"events": [], "extra": 1})).await.assert_error(400, "validation_failed");
        app.post("/api/v1/admin-logs", &key, json!([1, 2])).await.assert_error(400, "invalid_request");
        let raw = |body: &'static str, content_type: &'static str| {
            app.client.post(app.url("/api/v1/admin-logs")).bearer_auth(&key).header("content-type", content_type).body(body).send()
        };
        let not_json = raw("{\"events\": [", "application/json").await.unwrap();
        assert_eq!(not_json.status(), 400);
        let wrong_type = raw("{\"events\": []}", "text/plain").await.unwrap();
        assert_eq!(wrong_type.status(), 415);
        let huge = "x".repeat(5 * 1024 * 1024);
        let too_big: reqwest::Response = app.client.post(app.url("/api/v1/admin-logs")).bearer_auth(&key)
            .header("content-type", "application/json").body(huge).send().await.unwrap();
        assert_eq!(too_big.status(), 413);
        let body: Value = too_big.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");
        assert_eq!(count(&app, &org.token).await, 0);
    }

    async fn ingestion_needs_the_write_scope_or_a_super_admin(app) {
        let org = app.org("Acme", Plan::Starter).await;
        let event = json!({"events": [{"action": "ISSUE_TOKEN"}]});
        let read_only = app.api_key(&org, &["logs:read"]).await;
        app.post("/api/v1/admin-logs", &read_only, event.clone()).await.assert_error(403, "forbidden");
        let (_, admin_token) = app.add_admin(&org, "plain@acme.example", "admin").await;
        app.post("/api/v1/admin-logs", &admin_token, event.clone()).await.assert_error(403, "forbidden");
        // Events are recorded on every plan, starter included.
        app.post("/api/v1/admin-logs", &org.token, event).await.assert_status(201);
    }
}
