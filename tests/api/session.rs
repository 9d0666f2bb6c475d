//! Logging in and out, tokens, throttling.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{on_both_backends, PASSWORD};
use adminlog_types::Plan;

on_both_backends! {
    async fn login_returns_a_token_the_administrator_and_the_plan(app) {
        let org = app.org("Acme", Plan::Business).await;
        let reply = app.login_reply(&org.super_email.to_uppercase(), PASSWORD).await;
        reply.assert_status(200);
        let body = reply.json();
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["administrator"]["role"], "super_admin");
        assert_eq!(body["organization"], json!({"id": org.id, "name": "Acme", "plan": "business"}));
        let me = app.get("/api/v1/me", body["token"].as_str().unwrap()).await.json();
        assert_eq!(me["administrator"]["email"], org.super_email.as_str());
        assert_eq!(me["organization"]["plan"], "business");
        let logins = app.get("/api/v1/admin-logs?actions=LOG_IN", &org.token).await.json();
        let first = &logins["items"][0];
        assert_eq!((first["admin_email"].as_str(), first["source"].as_str()), (Some(org.super_email.as_str()), Some("admin_panel")));
        assert_eq!(logins["items"].as_array().unwrap().len(), 2);
    }

    async fn wrong_password_and_unknown_email_get_the_same_answer(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let wrong = app.login_reply(&org.super_email, "not the password").await;
        let unknown = app.login_reply("nobody@acme.example", PASSWORD).await;
        wrong.assert_error(401, "invalid_credentials");
        unknown.assert_error(401, "invalid_credentials");
        assert_eq!(wrong.text, unknown.text);
        let bad = app.request(adminlog_tests::reqwest::Method::POST, "/api/v1/auth/login", None, Some(&json!({"email": "a@b.c"}))).await;
        bad.assert_error(400, "invalid_request");
        let empty = app.login_reply("", PASSWORD).await;
        empty.assert_error(400, "validation_failed");
    }

    async fn logout_revokes_the_token_and_is_logged(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let token = app.login(&org.super_email).await;
        app.request(adminlog_tests::reqwest::Method::POST, "/api/v1/auth/logout", Some(&token), None).await.assert_status(204);
        app.get("/api/v1/me", &token).await.assert_error(401, "unauthorized");
        app.request(adminlog_tests::reqwest::Method::POST, "/api/v1/auth/logout", Some(&token), None).await.assert_error(401, "unauthorized");
        // The other session of the same administrator still works.
        let page = app.get("/api/v1/admin-logs?actions=LOG_OUT", &org.token).await.json();
        assert_eq!(page["items"][0]["admin_email"], org.super_email.as_str());
    }

    async fn missing_or_invalid_credentials_are_a_401(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let no_token = app.request(adminlog_tests::reqwest::Method::GET, "/api/v1/admin-logs", None, None).await;
        no_token.assert_error(401, "unauthorized");
        assert_eq!(no_token.header("www-authenticate").as_deref(), Some("Bearer"));
        let mut tampered = org.token.clone().into_bytes();
        let at = tampered.len() - 5;
        tampered[at] = if tampered[at] == b'a' { b'b' } else { b'a' };
        for token in ["garbage", "a.b.c", std::str::from_utf8(&tampered).unwrap(), "alk_1_1_secret"] {
            app.get("/api/v1/admin-logs", token).await.assert_error(401, "unauthorized");
        }
        let basic = app.client.get(app.url("/api/v1/me")).basic_auth("root", Some(PASSWORD)).send().await.unwrap();
        assert_eq!(basic.status(), 401);
    }

    async fn repeated_failures_are_slowed_down_with_retry_after(app) {
        let org = app.org("Acme", Plan::Professional).await;
        // Clients without a device token share one limit per address (the
        // owner's own client keeps working: see attacks.rs).
        // Each answer says what is left (IETF RateLimit header fields).
        for failed in 1..=10 {
            let reply = app.login_reply(&org.super_email, "wrong password").await;
            reply.assert_error(401, "invalid_credentials");
            assert_eq!(reply.header("ratelimit-policy").as_deref(), Some("\"login\";q=10;w=900"));
            let left = reply.header("ratelimit").unwrap();
            assert!(left.starts_with(&format!("\"login\";r={};t=", 10 - failed)), "{left} after {failed}");
        }
        for password in ["wrong password", PASSWORD] {
            let reply = app.login_reply(&org.super_email, password).await;
            reply.assert_error(429, "too_many_requests");
            let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=900).contains(&wait), "retry after {wait}");
            assert_eq!(reply.header("ratelimit"), Some(format!("\"login\";r=0;t={wait}")));
        }
        // Unknown accounts are throttled the same way: no hint that they do not exist.
        for _ in 0..10 {
            app.login_reply("ghost@acme.example", "x").await.assert_error(401, "invalid_credentials");
        }
        app.login_reply("ghost@acme.example", "x").await.assert_error(429, "too_many_requests");
        // Other accounts are unaffected.
        let other = app.org("Other", Plan::Professional).await;
        let _: Value = app.get("/api/v1/me", &other.token).await.json();
    }
}
