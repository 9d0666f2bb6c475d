//! Health, readiness, metrics, the contract, and the error shape of
//! unknown routes and methods.

use std::collections::BTreeSet;

use adminlog_server::http::ROUTES;
use adminlog_tests::on_both_backends;
use adminlog_tests::reqwest::Method;
use adminlog_types::Plan;

const SPEC: &str = include_str!("../../api-spec/openapi.yaml");

/// (METHOD, path) of every operation in the spec: paths sit at two spaces
/// under `paths:`, methods at four.
fn spec_operations() -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    let mut in_paths = false;
    let mut path = String::new();
    for line in SPEC.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
            in_paths = trimmed == "paths:";
        } else if in_paths && indent == 2 && trimmed.ends_with(':') {
            path = trimmed.trim_end_matches(':').trim_matches(['\'', '"']).to_owned();
        } else if in_paths && indent == 4 {
            let method = trimmed.trim_end_matches(':');
            if ["get", "post", "put", "patch", "delete"].contains(&method) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn the_spec_lists_exactly_the_served_routes() {
    let served: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(spec_operations(), served);
}

on_both_backends! {
    async fn health_readiness_and_metrics_answer(app) {
        let health = app.request(Method::GET, "/healthz", None, None).await;
        health.assert_status(200);
        assert_eq!(health.json()["status"], "ok");
        app.request(Method::GET, "/readyz", None, None).await.assert_status(200);
        app.request(Method::GET, "/api/v1/nowhere", None, None).await.assert_error(404, "not_found");
        let metrics = app.request(Method::GET, "/metrics", None, None).await;
        metrics.assert_status(200);
        assert!(metrics.text.contains("adminlog_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), "{}", metrics.text);
        assert!(metrics.text.contains("route=\"unmatched\",status=\"404\""));
    }

    async fn the_served_contract_is_the_committed_file(app) {
        let served = app.request(Method::GET, "/openapi.yaml", None, None).await;
        served.assert_status(200);
        assert_eq!(served.text, SPEC);
        let docs = app.request(Method::GET, "/api-docs", None, None).await;
        docs.assert_status(200);
        for (method, path) in spec_operations() {
            assert!(docs.text.contains(&format!("<code>{method} {path}</code>")), "{method} {path} missing from /api-docs");
        }
    }

    async fn wrong_methods_are_a_json_405(app) {
        let org = app.org("Acme", Plan::Professional).await;
        for (method, path) in [(Method::PUT, "/api/v1/admin-logs"), (Method::GET, "/api/v1/auth/login"), (Method::POST, "/healthz"), (Method::GET, "/api-keys/1")] {
            let reply = app.request(method.clone(), path, Some(&org.token), None).await;
            if path == "/api-keys/1" {
                // Outside /api, a GET is a route of the browser app.
                reply.assert_status(200);
            } else {
                reply.assert_error(405, "method_not_allowed");
            }
        }
        let reply = app.request(Method::GET, "/api/v1/api-keys/1", Some(&org.token), None).await;
        reply.assert_error(405, "method_not_allowed");
        assert_eq!(reply.header("allow").as_deref(), Some("DELETE"));
        let reply = app.request(Method::PUT, "/api/v1/administrators/1", Some(&org.token), None).await;
        assert_eq!(reply.header("allow").as_deref(), Some("PATCH, DELETE"));
    }

    async fn the_browser_app_is_served_with_spa_fallback_and_a_strict_policy(app) {
        for path in ["/", "/admin-logs?from=2016-06-01&keyword=john", "/administrators"] {
            let reply = app.request(Method::GET, path, None, None).await;
            reply.assert_status(200);
            assert!(reply.text.contains("<title>adminlog app</title>"), "{path}");
            assert_eq!(reply.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
            let policy = reply.header("content-security-policy").unwrap();
            assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"), "{policy}");
            assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"));
            assert_eq!(reply.header("x-frame-options").as_deref(), Some("DENY"));
        }
        let script = app.request(Method::GET, "/app.js", None, None).await;
        script.assert_status(200);
        assert_eq!(script.header("content-type").as_deref(), Some("text/javascript; charset=utf-8"));
        app.request(Method::GET, "/missing.js", None, None).await.assert_error(404, "not_found");
        // Clients normalise `..` away; what reaches the server stays inside the app's folder.
        let escaped = app.request(Method::GET, "/../Cargo.toml", None, None).await;
        escaped.assert_error(404, "not_found");
        assert!(!escaped.text.contains("[workspace]"));
        app.request(Method::GET, "/api/v1/unknown", None, None).await.assert_error(404, "not_found");
        app.request(Method::POST, "/admin-logs", None, None).await.assert_error(404, "not_found");
    }

    async fn cross_origin_access_is_closed_except_for_configured_origins(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let from = |origin: &str| app.client.get(app.url("/api/v1/me")).bearer_auth(&org.token).header("origin", origin.to_owned()).send();
        let stranger = from("https://evil.example").await.unwrap();
        assert_eq!(stranger.status(), 200);
        assert!(stranger.headers().get("access-control-allow-origin").is_none());
        let friend = from(adminlog_tests::ALLOWED_ORIGIN).await.unwrap();
        assert_eq!(friend.headers()["access-control-allow-origin"], adminlog_tests::ALLOWED_ORIGIN);
        assert!(friend.headers()["access-control-expose-headers"].to_str().unwrap().contains("X-Export-Truncated"));
        let preflight = |origin: &str| {
            app.client
                .request(Method::OPTIONS, app.url("/api/v1/admin-logs"))
                .header("origin", origin.to_owned())
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type")
                .send()
        };
        let allowed = preflight(adminlog_tests::ALLOWED_ORIGIN).await.unwrap();
        assert_eq!(allowed.status(), 204);
        assert!(allowed.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
        assert!(allowed.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));
        let refused = preflight("https://evil.example").await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none());
        assert_eq!(refused.status(), 405);
    }

    async fn the_action_list_has_the_seed_actions_in_order(app) {
        let org = app.org("Acme", Plan::Starter).await;
        let actions = app.get("/api/v1/actions", &org.token).await.json();
        let items = actions["items"].as_array().unwrap();
        assert_eq!(items.iter().filter(|a| a["extension"] == false).count(), 38);
        assert_eq!(items[0]["name"], "LOG_IN");
        assert_eq!(items[0]["explanation"], "Administrator logged into the Admin Panel");
        assert_eq!(items[37]["name"], "SET_ENROLLMENT_EMAIL");
        assert!(items[38..].iter().all(|a| a["extension"] == true));
        app.request(Method::GET, "/api/v1/actions", None, None).await.assert_error(401, "unauthorized");
    }
}
