//! /api/v1/saved-views: each administrator keeps named views of their own,
//! checked like the list's query and kept from their first page; nobody
//! else sees or deletes them; bad input changes nothing.

use std::sync::Arc;

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{for_both_backends, on_both_backends, spawn_app, Backend, TestApp};
use adminlog_types::{Plan, SavedView, MAX_SAVED_VIEWS};

async fn views(app: &TestApp, token: &str) -> Vec<SavedView> {
    let reply = app.get("/api/v1/saved-views", token).await;
    reply.assert_status(200);
    serde_json::from_value(reply.json()["items"].clone()).unwrap()
}

async fn save(app: &TestApp, token: &str, name: &str, query: &str) -> SavedView {
    let reply = app.post("/api/v1/saved-views", token, json!({"name": name, "query": query})).await;
    reply.assert_status(201);
    reply.typed()
}

on_both_backends! {
    async fn each_administrator_keeps_views_of_their_own(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let kept = save(&app, &org.token, "  Token churn ", "?from=now-7d&actions=ISSUE_TOKEN,REVOKE_TOKEN&cursor=abc").await;
        assert_eq!(kept.name, "Token churn");
        assert_eq!(kept.query, "from=now-7d&actions=ISSUE_TOKEN%2CREVOKE_TOKEN", "first page, range still relative");
        let everything = save(&app, &org.token, "Everything", "").await;
        assert_eq!(views(&app, &org.token).await, vec![kept.clone(), everything.clone()]);
        // The saved query is one the list takes as it is.
        app.get(&format!("/api/v1/admin-logs?{}", kept.query), &org.token).await.assert_status(200);

        // Another administrator of the organization sees none, and cannot delete them.
        let (_, colleague) = app.add_admin(&org, "colleague@acme.example", "super_admin").await;
        assert_eq!(views(&app, &colleague).await, vec![]);
        app.delete(&format!("/api/v1/saved-views/{}", kept.id), &colleague).await.assert_error(404, "not_found");
        let theirs = save(&app, &colleague, "Token churn", "keyword=vpn").await;
        assert_eq!(theirs.id, 1, "ids count per administrator");
        // Nor does another organization.
        let other = app.org("Other", Plan::Professional).await;
        assert_eq!(views(&app, &other.token).await, vec![]);

        // A name in use, whatever its case, is a conflict that changes nothing.
        let reply = app.post("/api/v1/saved-views", &org.token, json!({"name": "TOKEN CHURN", "query": ""})).await;
        reply.assert_error(409, "conflict");
        assert!(reply.json()["error"]["message"].as_str().unwrap().contains("already have a view named"));
        assert_eq!(views(&app, &org.token).await.len(), 2);

        // Deleting: once, then 404.
        app.delete(&format!("/api/v1/saved-views/{}", kept.id), &org.token).await.assert_status(204);
        app.delete(&format!("/api/v1/saved-views/{}", kept.id), &org.token).await.assert_error(404, "not_found");
        assert_eq!(views(&app, &org.token).await, vec![everything]);
        assert_eq!(views(&app, &colleague).await, vec![theirs]);
        // Nothing of this is in the log: a view changes nothing anyone else sees.
        let log = app.all_pages(&org.token, "", 1000).await;
        assert!(log.iter().all(|e| !e["action"].as_str().unwrap().contains("VIEW")), "{log:?}");
        let before = log.len();
        let kept = save(&app, &org.token, "One more", "").await;
        app.delete(&format!("/api/v1/saved-views/{}", kept.id), &org.token).await.assert_status(204);
        assert_eq!(app.all_pages(&org.token, "", 1000).await.len(), before, "saving and deleting log nothing");
    }

    async fn bad_views_and_callers_are_refused_and_change_nothing(app) {
        let org = app.org("Acme", Plan::Professional).await;
        for (body, field) in [
            (json!({"name": " ", "query": ""}), "name"),
            (json!({"name": "x".repeat(81), "query": ""}), "name"),
            (json!({"name": "a\u{7}b", "query": ""}), "name"),
            (json!({"name": "ok", "query": "from=2016-07-01&to=2016-06-01"}), "query"),
            (json!({"name": "ok", "query": "actions=NOPE"}), "query"),
            (json!({"name": "ok", "query": "limit=100000"}), "query"),
            (json!({"name": "ok", "query": "a".repeat(2049)}), "query"),
        ] {
            let reply = app.post("/api/v1/saved-views", &org.token, body.clone()).await;
            reply.assert_error(400, "validation_failed");
            assert_eq!(reply.json()["error"]["details"][0]["field"], field, "{body}");
        }
        for body in [json!({"name": "ok"}), json!({"name": "ok", "query": "", "shared": true}), json!([])] {
            app.post("/api/v1/saved-views", &org.token, body).await.assert_status(400);
        }
        assert_eq!(views(&app, &org.token).await, vec![]);
        // API keys have no views; administrators who cannot read the log keep none.
        let key = app.api_key(&org, &["logs:read"]).await;
        app.get("/api/v1/saved-views", &key).await.assert_status(403);
        app.post("/api/v1/saved-views", &key, json!({"name": "k", "query": ""})).await.assert_status(403);
        let (_, admin) = app.add_admin(&org, "admin@acme.example", "admin").await;
        app.post("/api/v1/saved-views", &admin, json!({"name": "a", "query": ""})).await.assert_status(403);
        let starter = app.org("Starter", Plan::Starter).await;
        app.get("/api/v1/saved-views", &starter.token).await.assert_error(403, "subscription_required");
        app.request(adminlog_tests::reqwest::Method::GET, "/api/v1/saved-views", None, None).await.assert_status(401);
        app.delete("/api/v1/saved-views/abc", &org.token).await.assert_error(404, "not_found");
    }

    async fn a_hundred_views_are_the_most_and_a_removed_administrator_keeps_none(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let (colleague_id, colleague) = app.add_admin(&org, "colleague@acme.example", "super_admin").await;
        for n in 0..MAX_SAVED_VIEWS {
            save(&app, &colleague, &format!("view {n}"), "").await;
        }
        let reply = app.post("/api/v1/saved-views", &colleague, json!({"name": "one more", "query": ""})).await;
        reply.assert_error(409, "conflict");
        assert_eq!(views(&app, &colleague).await.len(), MAX_SAVED_VIEWS);
        app.delete(&format!("/api/v1/administrators/{colleague_id}"), &org.token).await.assert_status(204);
        let left = app.raw_number(&format!("SELECT COUNT(*) AS n FROM saved_views WHERE admin_id = {colleague_id}"));
        assert_eq!(left, 0, "the removed administrator's views went with them");
    }
}

/// One administrator saving from several tabs at once: every view kept,
/// each with its own id.
async fn saves_racing_each_other_all_land(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let app = Arc::new(app);
    let org = app.org("Acme", Plan::Professional).await;
    let saves: Vec<_> = (0..8)
        .map(|n| {
            let (app, token) = (app.clone(), org.token.clone());
            tokio::spawn(async move {
                let reply =
                    app.post("/api/v1/saved-views", &token, json!({"name": format!("tab {n}"), "query": ""})).await;
                reply.assert_status(201);
                reply.json()
            })
        })
        .collect();
    let mut ids: Vec<i64> = Vec::new();
    for save in saves {
        let kept: Value = save.await.expect("save");
        ids.push(kept["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=8).collect::<Vec<i64>>());
    assert_eq!(views(&app, &org.token).await.len(), 8);
}

for_both_backends!(saves_racing_each_other_all_land);
