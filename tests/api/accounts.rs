//! /api/v1/administrators and /api/v1/api-keys, and the events they log.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{on_both_backends, Org, TestApp, PASSWORD};
use adminlog_types::Plan;

/// The newest event of `action`.
async fn latest(app: &TestApp, org: &Org, action: &str) -> Value {
    let page = app.get(&format!("/api/v1/admin-logs?actions={action}&limit=1"), &org.token).await.json();
    page["items"][0].clone()
}

on_both_backends! {
    async fn super_admins_add_list_edit_and_remove_administrators(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let created = app.post("/api/v1/administrators", &org.token,
            json!({"email": "ann@acme.example", "name": "Ann", "role": "admin", "password": PASSWORD})).await;
        created.assert_status(201);
        let ann = created.json();
        assert_eq!((ann["email"].as_str(), ann["role"].as_str()), (Some("ann@acme.example"), Some("admin")));
        assert!(ann.get("password").is_none() && ann.get("password_hash").is_none());
        let added = latest(&app, &org, "ADD_ADMINISTRATOR").await;
        assert_eq!((added["admin_email"].as_str(), added["user_email"].as_str()), (Some(org.super_email.as_str()), Some("ann@acme.example")));

        let list = app.get("/api/v1/administrators", &org.token).await.json();
        let emails: Vec<&str> = list["items"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
        assert_eq!(emails, vec![org.super_email.as_str(), "ann@acme.example"]);

        let id = ann["id"].as_i64().unwrap();
        let edited = app.patch(&format!("/api/v1/administrators/{id}"), &org.token, json!({"name": "Ann Lee", "role": "super_admin"})).await;
        edited.assert_status(200);
        assert_eq!((edited.json()["name"].as_str(), edited.json()["role"].as_str()), (Some("Ann Lee"), Some("super_admin")));
        assert_eq!(latest(&app, &org, "EDIT_ADMINISTRATOR").await["user_name"], "Ann Lee");

        app.delete(&format!("/api/v1/administrators/{id}"), &org.token).await.assert_status(204);
        assert_eq!(latest(&app, &org, "REMOVE_ADMINISTRATOR").await["user_email"], "ann@acme.example");
        app.login_reply("ann@acme.example", PASSWORD).await.assert_error(401, "invalid_credentials");
        app.delete(&format!("/api/v1/administrators/{id}"), &org.token).await.assert_error(404, "not_found");
    }

    async fn bad_administrator_input_is_refused_and_changes_nothing(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let cases = [
            json!({"email": "not-an-email", "name": "X", "role": "admin", "password": PASSWORD}),
            json!({"email": "x@acme.example", "name": "", "role": "admin", "password": PASSWORD}),
            json!({"email": "x@acme.example", "name": "X", "role": "admin", "password": "short"}),
            json!({"email": "x@acme.example", "name": "X\u{1b}[31m", "role": "admin", "password": PASSWORD}),
        ];
        for body in cases {
            app.post("/api/v1/administrators", &org.token, body).await.assert_error(400, "validation_failed");
        }
        app.post("/api/v1/administrators", &org.token, json!({"email": "x@acme.example", "name": "X", "role": "owner", "password": PASSWORD}))
            .await.assert_error(400, "invalid_request");
        // An email already used in this organization, in any case or
        // compatibility form, is a conflict.
        app.post("/api/v1/administrators", &org.token, json!({"email": org.super_email.to_uppercase(), "name": "Dup", "role": "admin", "password": PASSWORD}))
            .await.assert_error(409, "conflict");
        app.post("/api/v1/administrators", &org.token, json!({"email": org.super_email.replace('r', "\u{FF52}"), "name": "Dup", "role": "admin", "password": PASSWORD}))
            .await.assert_error(409, "conflict");
        let list = app.get("/api/v1/administrators", &org.token).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        app.patch("/api/v1/administrators/1", &org.token, json!({})).await.assert_error(400, "validation_failed");
        app.patch("/api/v1/administrators/1", &org.token, json!({"email": "new@acme.example"})).await.assert_error(400, "invalid_request");
        app.patch("/api/v1/administrators/999", &org.token, json!({"name": "Ghost"})).await.assert_error(404, "not_found");
        app.patch("/api/v1/administrators/abc", &org.token, json!({"name": "Ghost"})).await.assert_error(404, "not_found");
    }

    async fn the_last_super_admin_cannot_be_demoted_or_removed(app) {
        let org = app.org("Acme", Plan::Professional).await;
        app.patch("/api/v1/administrators/1", &org.token, json!({"role": "admin"})).await.assert_error(409, "conflict");
        app.delete("/api/v1/administrators/1", &org.token).await.assert_error(409, "conflict");
        app.get("/api/v1/admin-logs", &org.token).await.assert_status(200);
        let (second, second_token) = app.add_admin(&org, "second@acme.example", "super_admin").await;
        app.patch("/api/v1/administrators/1", &second_token, json!({"role": "admin"})).await.assert_status(200);
        let list = app.get(&format!("/api/v1/administrators/{second}"), &org.token).await;
        list.assert_error(405, "method_not_allowed");
    }

    async fn api_keys_are_shown_once_used_and_revoked(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let created = app.post("/api/v1/api-keys", &org.token, json!({"name": "SIEM", "scopes": ["logs:read", "logs:write", "logs:read"]})).await;
        created.assert_status(201);
        let body = created.json();
        let key = body["key"].as_str().unwrap().to_owned();
        assert_eq!(body["scopes"], json!(["logs:read", "logs:write"]));
        assert_eq!(body["revoked_at"], Value::Null);
        let logged = latest(&app, &org, "CREATE_API_KEY").await;
        assert_eq!((logged["user_name"].as_str(), logged["admin_email"].as_str()), (Some("SIEM"), Some(org.super_email.as_str())));

        let listed = app.get("/api/v1/api-keys", &org.token).await.json();
        assert_eq!(listed["items"][0]["name"], "SIEM");
        assert!(listed["items"][0].get("key").is_none(), "the secret is shown once only");
        assert!(!listed.to_string().contains(&key[key.len() - 20..]));

        let me = app.get("/api/v1/me", &key).await.json();
        assert_eq!(me["api_key"]["name"], "SIEM");
        assert_eq!(me["administrator"], Value::Null);

        let id = body["id"].as_i64().unwrap();
        app.delete(&format!("/api/v1/api-keys/{id}"), &org.token).await.assert_status(204);
        app.get("/api/v1/admin-logs", &key).await.assert_error(401, "unauthorized");
        assert_eq!(latest(&app, &org, "REVOKE_API_KEY").await["user_name"], "SIEM");
        let listed = app.get("/api/v1/api-keys", &org.token).await.json();
        assert!(listed["items"][0]["revoked_at"].is_string());
        app.delete("/api/v1/api-keys/999", &org.token).await.assert_error(404, "not_found");
    }

    async fn bad_api_key_requests_are_refused(app) {
        let org = app.org("Acme", Plan::Professional).await;
        app.post("/api/v1/api-keys", &org.token, json!({"name": "x", "scopes": []})).await.assert_error(400, "validation_failed");
        app.post("/api/v1/api-keys", &org.token, json!({"name": "", "scopes": ["logs:read"]})).await.assert_error(400, "validation_failed");
        app.post("/api/v1/api-keys", &org.token, json!({"name": "x", "scopes": ["logs:delete"]})).await.assert_error(400, "invalid_request");
        assert_eq!(app.get("/api/v1/api-keys", &org.token).await.json()["items"], json!([]));
        // A key whose secret is wrong, or that names another key, is refused.
        let key = app.api_key(&org, &["logs:read"]).await;
        let mut wrong = key.clone();
        wrong.pop();
        wrong.push(if key.ends_with('A') { 'B' } else { 'A' });
        app.get("/api/v1/admin-logs", &wrong).await.assert_error(401, "unauthorized");
        app.get("/api/v1/admin-logs", &key.replacen("_1_", "_2_", 1)).await.assert_error(401, "unauthorized");
    }

    async fn api_key_actions_are_logged_without_an_administrator(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:read"]).await;
        app.get("/api/v1/admin-logs/export", &key).await.assert_status(200);
        for _ in 0..50 {
            let event = latest(&app, &org, "EXPORT_ADMIN_LOGS").await;
            if event.is_object() {
                assert_eq!((event["admin_email"].as_str(), event["source"].as_str()), (Some(""), Some("api")));
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the export by an API key was not logged");
    }
}
