//! Roles, plans, scopes and tenancy: who sees what.

use adminlog_tests::on_both_backends;
use adminlog_tests::serde_json::json;
use adminlog_types::Plan;

use crate::fixtures::{ids, load_june};

on_both_backends! {
    async fn administrators_who_are_not_super_see_the_seed_message(app) {
        let org = app.org("Acme", Plan::Business).await;
        load_june(&app, &org).await;
        let (_, token) = app.add_admin(&org, "plain@acme.example", "admin").await;
        for path in ["/api/v1/admin-logs", "/api/v1/admin-logs/export"] {
            let reply = app.get(path, &token).await;
            reply.assert_error(403, "forbidden");
            assert_eq!(reply.json()["error"]["message"], "Only Super Administrators can view admin logs.");
        }
        app.get("/api/v1/administrators", &token).await.assert_error(403, "forbidden");
        app.get("/api/v1/api-keys", &token).await.assert_error(403, "forbidden");
        // What every administrator may do.
        app.get("/api/v1/me", &token).await.assert_status(200);
        app.get("/api/v1/actions", &token).await.assert_status(200);
    }

    async fn starter_organizations_need_a_higher_plan_to_view(app) {
        let org = app.org("Tiny", Plan::Starter).await;
        for path in ["/api/v1/admin-logs", "/api/v1/admin-logs/export"] {
            let reply = app.get(path, &org.token).await;
            reply.assert_error(403, "subscription_required");
            let message = reply.json()["error"]["message"].as_str().unwrap().to_owned();
            for plan in ["Professional", "Business", "Enterprise"] {
                assert!(message.contains(plan), "{message}");
            }
        }
        let key = app.api_key(&org, &["logs:read"]).await;
        app.get("/api/v1/admin-logs", &key).await.assert_error(403, "subscription_required");
    }

    async fn every_paid_plan_may_view(app) {
        for (i, plan) in [Plan::Professional, Plan::Business, Plan::Enterprise].into_iter().enumerate() {
            let org = app.org(&format!("Paid{i}"), plan).await;
            app.get("/api/v1/admin-logs", &org.token).await.assert_status(200);
        }
    }

    async fn api_key_scopes_are_enforced(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let writer = app.api_key(&org, &["logs:write"]).await;
        let reader = app.api_key(&org, &["logs:read"]).await;
        app.get("/api/v1/admin-logs", &writer).await.assert_error(403, "forbidden");
        app.get("/api/v1/admin-logs/export", &writer).await.assert_error(403, "forbidden");
        app.get("/api/v1/admin-logs", &reader).await.assert_status(200);
        app.get("/api/v1/admin-logs/export", &reader).await.assert_status(200);
        for path in ["/api/v1/administrators", "/api/v1/api-keys"] {
            app.get(path, &reader).await.assert_error(403, "forbidden");
        }
        app.post("/api/v1/api-keys", &reader, json!({"name": "escalate", "scopes": ["logs:write"]})).await.assert_error(403, "forbidden");
    }

    async fn organizations_never_see_each_other(app) {
        let acme = app.org("Acme", Plan::Professional).await;
        let globex = app.org("Globex", Plan::Professional).await;
        load_june(&app, &acme).await;
        // Nothing of Acme's, by any filter.
        for query in ["to=2016-12-31", "keyword=john", "keyword=acme", "actions=ISSUE_TOKEN"] {
            assert_eq!(ids(&app, &globex.token, query).await, Vec::<i64>::new(), "{query}");
        }
        let export = app.get("/api/v1/admin-logs/export?keyword=john", &globex.token).await;
        assert_eq!(export.text, "");
        // Acme's cursor means nothing to Globex.
        let page = app.get("/api/v1/admin-logs?to=2016-12-31&limit=1", &acme.token).await.json();
        let cursor = page["next_cursor"].as_str().unwrap();
        app.get(&format!("/api/v1/admin-logs?cursor={cursor}"), &globex.token).await.assert_error(400, "invalid_request");
        // Acme's administrators and keys cannot be reached through Globex.
        let (admin_id, _) = app.add_admin(&acme, "ann@acme.example", "admin").await;
        app.patch(&format!("/api/v1/administrators/{admin_id}"), &globex.token, json!({"name": "Mallory"})).await.assert_error(404, "not_found");
        app.delete(&format!("/api/v1/administrators/{admin_id}"), &globex.token).await.assert_error(404, "not_found");
        let list = app.get("/api/v1/administrators", &globex.token).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let key_reply = app.post("/api/v1/api-keys", &acme.token, json!({"name": "acme key", "scopes": ["logs:read"]})).await.json();
        let key_id = key_reply["id"].as_i64().unwrap();
        app.delete(&format!("/api/v1/api-keys/{key_id}"), &globex.token).await.assert_error(404, "not_found");
        app.get("/api/v1/admin-logs", key_reply["key"].as_str().unwrap()).await.assert_status(200);
        // Ids are per organization: Globex's administrator 1 is its own.
        let me = app.get("/api/v1/me", &globex.token).await.json();
        assert_eq!(me["organization"]["name"], "Globex");
    }

    async fn role_changes_apply_to_existing_sessions(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let (id, token) = app.add_admin(&org, "second@acme.example", "super_admin").await;
        app.get("/api/v1/admin-logs", &token).await.assert_status(200);
        app.patch(&format!("/api/v1/administrators/{id}"), &org.token, json!({"role": "admin"})).await.assert_status(200);
        app.get("/api/v1/admin-logs", &token).await.assert_error(403, "forbidden");
        app.delete(&format!("/api/v1/administrators/{id}"), &org.token).await.assert_status(204);
        app.get("/api/v1/me", &token).await.assert_error(401, "unauthorized");
    }
}
