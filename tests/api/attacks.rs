//! Attacks a black-box probe found working, each kept as a test: a removed
//! administrator's token, stalled request bodies, password guessing (one by
//! one and in parallel), multiplied checkpoints, secrets in the database and
//! overlong sessions.

use std::time::{Duration, Instant};

use adminlog_tests::reqwest::Method;
use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{for_both_backends, on_both_backends, spawn_configured, Backend, TestApp, PASSWORD};
use adminlog_types::Plan;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The secret the harness configures for session tokens.
const HARNESS_JWT_SECRET: &str = "test secret, long enough to be a real key";

async fn login_with(app: &TestApp, body: Value) -> adminlog_tests::Reply {
    app.request(Method::POST, "/api/v1/auth/login", None, Some(&body)).await
}

on_both_backends! {
    async fn a_removed_administrators_token_never_acts_as_the_next_one(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let (removed_id, removed_token) = app.add_admin(&org, "leaver@acme.example", "super_admin").await;
        app.delete(&format!("/api/v1/administrators/{removed_id}"), &org.token).await.assert_status(204);
        let (next_id, next_token) = app.add_admin(&org, "joiner@acme.example", "super_admin").await;
        assert_ne!(next_id, removed_id, "ids are never handed out twice");
        app.get("/api/v1/me", &removed_token).await.assert_error(401, "unauthorized");
        app.post("/api/v1/api-keys", &removed_token, json!({"name": "k", "scopes": ["logs:read"]}))
            .await
            .assert_error(401, "unauthorized");
        let me = app.get("/api/v1/me", &next_token).await.json();
        assert_eq!(me["administrator"]["email"], "joiner@acme.example");

        // A database whose ids were reused before this rule (older versions
        // took max(id) + 1): the old token still dies, because it was issued
        // before the administrator who now has its id existed.
        let (old_id, old_token) = app.add_admin(&org, "old@acme.example", "admin").await;
        app.delete(&format!("/api/v1/administrators/{old_id}"), &org.token).await.assert_status(204);
        app.raw_sql(&[format!("UPDATE organizations SET last_admin_id = {} WHERE id = {}", old_id - 1, org.id)]);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (reused_id, _) = app.add_admin(&org, "reused@acme.example", "admin").await;
        assert_eq!(reused_id, old_id, "the legacy case is set up");
        app.get("/api/v1/me", &old_token).await.assert_error(401, "unauthorized");
    }

    async fn guesses_from_elsewhere_never_lock_out_a_known_device(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let first = login_with(&app, json!({"email": org.super_email, "password": PASSWORD})).await;
        first.assert_status(200);
        let device = first.json()["device_token"].as_str().expect("a device token").to_owned();

        // An attacker without the device token: a few tries, then 429.
        let mut statuses = Vec::new();
        for _ in 0..15 {
            statuses.push(app.login_reply(&org.super_email, "a wrong guess").await.status.as_u16());
        }
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 10, "{statuses:?}");
        assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
        let locked = app.login_reply(&org.super_email, PASSWORD).await;
        locked.assert_error(429, "too_many_requests");
        assert!(locked.header("retry-after").is_some());

        // The owner's own client still gets in, and keeps its token.
        let owner = login_with(&app, json!({"email": org.super_email, "password": PASSWORD, "device_token": device})).await;
        owner.assert_status(200);
        assert_eq!(owner.json()["device_token"], device.as_str());
        // A device token names one address: it does not free another account.
        let other = login_with(&app, json!({"email": "nobody@acme.example", "password": PASSWORD, "device_token": device})).await;
        other.assert_error(401, "invalid_credentials");
        // A forged device token is simply unknown: the untrusted limit applies.
        let forged = format!("{}.{}", "a".repeat(32), "b".repeat(64));
        let forged = login_with(&app, json!({"email": org.super_email, "password": PASSWORD, "device_token": forged})).await;
        forged.assert_error(429, "too_many_requests");
        // The device has a limit of its own.
        for _ in 0..5 {
            login_with(&app, json!({"email": org.super_email, "password": "wrong", "device_token": device}))
                .await
                .assert_error(401, "invalid_credentials");
        }
        login_with(&app, json!({"email": org.super_email, "password": PASSWORD, "device_token": device}))
            .await
            .assert_error(429, "too_many_requests");
    }

    async fn parallel_guesses_are_counted_before_any_is_checked(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let mut guesses = Vec::new();
        for n in 0..24 {
            let password = if n == 23 { PASSWORD.to_owned() } else { format!("guess number {n}") };
            let (client, url, email) = (app.client.clone(), app.url("/api/v1/auth/login"), org.super_email.clone());
            guesses.push(tokio::spawn(async move {
                let reply = client.post(url).json(&json!({"email": email, "password": password})).send().await;
                reply.expect("the server answers").status().as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for guess in guesses {
            statuses.push(guess.await.expect("join"));
        }
        // A success gives its attempt back, so it may let one more through;
        // wrong passwords checked never exceed the limit.
        let wrong = statuses.iter().filter(|s| **s == 401).count();
        let right = statuses.iter().filter(|s| **s == 200).count();
        assert!(wrong <= 10, "only the untrusted limit's worth of wrong passwords may be checked: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 24 - wrong - right, "{statuses:?}");
    }

    async fn addresses_of_other_organizations_are_neither_revealed_nor_blocked(app) {
        let first = app.org("Acme", Plan::Professional).await;
        let second = app.org("Globex", Plan::Professional).await;
        let create = |org: &adminlog_tests::Org, email: &str, password: &str| {
            let body = json!({"email": email, "name": "Kate", "role": "super_admin", "password": password});
            (org.token.clone(), body)
        };
        let (token, body) = create(&first, "kate@shared.example", PASSWORD);
        app.post("/api/v1/administrators", &token, body).await.assert_status(201);
        // Registering the address first in another organization blocks nothing
        // and reveals nothing: the same answer as for an unused address.
        let (token, body) = create(&second, "Kate@Shared.example", "globex password 1");
        app.post("/api/v1/administrators", &token, body).await.assert_status(201);
        // Within one organization, a Kelvin sign (U+212A) is the same address.
        let (token, body) = create(&second, "\u{212A}ate@shared.example", "globex password 2");
        app.post("/api/v1/administrators", &token, body).await.assert_error(409, "conflict");

        // Each password signs in to its own organization.
        let acme = app.login_reply("kate@shared.example", PASSWORD).await;
        assert_eq!(acme.json()["organization"]["name"], "Acme");
        let globex = app.login_reply("kate@shared.example", "globex password 1").await;
        assert_eq!(globex.json()["organization"]["name"], "Globex");
        // The same password in both: the owner of both names one.
        let (token, body) = create(&second, "both@shared.example", PASSWORD);
        app.post("/api/v1/administrators", &token, body).await.assert_status(201);
        let (token, body) = create(&first, "both@shared.example", PASSWORD);
        app.post("/api/v1/administrators", &token, body).await.assert_status(201);
        let ambiguous = app.login_reply("both@shared.example", PASSWORD).await;
        ambiguous.assert_error(400, "validation_failed");
        assert_eq!(ambiguous.json()["error"]["details"][0]["field"], "organization");
        let chosen = login_with(&app, json!({"email": "both@shared.example", "password": PASSWORD, "organization": "Globex"})).await;
        assert_eq!(chosen.json()["organization"]["name"], "Globex");
        let wrong_org = login_with(&app, json!({"email": "kate@shared.example", "password": PASSWORD, "organization": "Globex"})).await;
        wrong_org.assert_error(401, "invalid_credentials");
    }

    async fn nobody_removes_or_demotes_themself(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let (second, second_token) = app.add_admin(&org, "second@acme.example", "super_admin").await;
        let own = app.patch(&format!("/api/v1/administrators/{second}"), &second_token, json!({"role": "admin"})).await;
        own.assert_error(409, "conflict");
        assert!(own.json()["error"]["message"].as_str().unwrap().contains("your own role"));
        app.delete(&format!("/api/v1/administrators/{second}"), &second_token).await.assert_error(409, "conflict");
        // Renaming oneself is fine; another super administrator may demote.
        app.patch(&format!("/api/v1/administrators/{second}"), &second_token, json!({"name": "Sam"})).await.assert_status(200);
        let list = app.get("/api/v1/administrators", &org.token).await.json();
        assert_eq!(list["items"][1]["role"], "super_admin", "nothing changed by the refused requests");
        app.patch(&format!("/api/v1/administrators/{second}"), &org.token, json!({"role": "admin"})).await.assert_status(200);
    }

    async fn answers_carry_security_headers_and_tokens_are_never_cached(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let login = app.login_reply(&org.super_email, PASSWORD).await;
        let page = app.get("/api/v1/admin-logs", &org.token).await;
        let error = app.get("/api/v1/admin-logs?limit=0", &org.token).await;
        let docs = app.request(Method::GET, "/api-docs", None, None).await;
        for reply in [&login, &page, &error, &docs] {
            assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"), "{reply:?}");
            let policy = reply.header("content-security-policy").expect("a policy");
            assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "{policy}");
        }
        for reply in [&login, &page, &error] {
            assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"), "{reply:?}");
        }
        // The browser app keeps its own policy, which lets its script run.
        let app_page = app.request(Method::GET, "/", None, None).await;
        assert!(app_page.header("content-security-policy").unwrap().contains("script-src 'self'"));
    }

    async fn every_event_says_who_recorded_it_and_when(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let other = app.org("Other", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
        let key_id = app.get("/api/v1/api-keys", &org.token).await.json()["items"][0]["id"].as_i64().unwrap();
        // A key claiming to be an administrator of another organization, in
        // the admin panel, in 1970.
        let claimed = json!({"action": "DELETE_USER", "admin_email": other.super_email, "source": "admin_panel",
            "timestamp": "1970-01-01T00:00:00Z", "user_name": "victim"});
        app.ingest(&key, vec![claimed]).await;
        app.ingest(&org.token, vec![json!({"action": "EDIT_USER", "user_name": "by a session"})]).await;
        let me = app.get("/api/v1/me", &org.token).await.json();
        let admin_id = me["administrator"]["id"].as_i64().unwrap();

        let page = app.get("/api/v1/admin-logs?limit=100", &org.token).await.json();
        let items = page["items"].as_array().unwrap();
        let find = |name: &str| items.iter().find(|e| e["user_name"] == name).cloned().expect(name);
        let forged = find("victim");
        assert_eq!(forged["recorded_by"], json!({"kind": "api_key", "id": key_id, "name": "test key"}));
        let received = time::OffsetDateTime::parse(forged["received_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        assert!(time::OffsetDateTime::now_utc() - received < time::Duration::minutes(5), "arrived now, whatever it claims");
        assert_eq!(find("by a session")["recorded_by"], json!({"kind": "administrator", "id": admin_id, "email": org.super_email}));
        let login = items.iter().find(|e| e["action"] == "LOG_IN").unwrap();
        assert_eq!(login["recorded_by"], json!({"kind": "server"}));

        // The extended CSV says it too; the seed's format is unchanged.
        let csv = app.get("/api/v1/admin-logs/export?format=extended&header=true&keyword=victim", &org.token).await;
        csv.assert_status(200);
        let mut lines = csv.text.lines();
        assert_eq!(lines.next(), Some("timestamp,action,admin_email,user_email,user_name,domain_name,id,source,recorded_by,received_at"));
        assert!(lines.next().unwrap().contains(&format!(",admin_panel,api_key {key_id} (test key),")), "{}", csv.text);
        let seed = app.get("/api/v1/admin-logs/export?keyword=victim", &org.token).await;
        assert_eq!(seed.text.trim().split(',').count(), 6, "{}", seed.text);
        app.get("/api/v1/admin-logs/export?format=xml", &org.token).await.assert_error(400, "validation_failed");

        // The evidence file carries it, hashed: the chain verifies.
        let evidence = app.get("/api/v1/admin-logs/evidence", &org.token).await;
        assert!(evidence.text.contains(&format!("\"recorder\":\"api_key:{key_id}\"")));
        assert_eq!(app.get("/api/v1/admin-logs/verify", &org.token).await.json()["ok"], true);
    }

    async fn keys_cannot_write_adminlogs_own_actions(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let before = app.all_pages(&org.token, "", 100).await.len();
        for action in ["EXPORT_ADMIN_LOGS", "CREATE_API_KEY", "REVOKE_API_KEY"] {
            let reply = app.post("/api/v1/admin-logs", &key, json!({"events": [{"action": action}]})).await;
            reply.assert_error(400, "validation_failed");
            assert!(reply.text.contains("recorded by adminlog itself"), "{}", reply.text);
        }
        assert_eq!(app.all_pages(&org.token, "", 100).await.len(), before, "nothing stored");
    }

    async fn an_event_id_resent_with_other_content_is_a_conflict(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let original = json!({"event_id": "e-1", "action": "ISSUE_TOKEN", "user_name": "ann", "timestamp": "2026-01-02T03:04:05.123456789Z"});
        let first = app.ingest(&key, vec![original.clone()]).await;
        // A retry, unchanged, is the same event.
        assert_eq!(app.ingest(&key, vec![original.clone()]).await, first);
        // A retry without a timestamp still is (its time would be new).
        let untimed = json!({"event_id": "e-2", "action": "ISSUE_TOKEN", "user_name": "bo"});
        let second = app.ingest(&key, vec![untimed.clone()]).await;
        assert_eq!(app.ingest(&key, vec![untimed]).await, second);
        let before = app.all_pages(&org.token, "", 100).await.len();
        for changed in [
            json!({"event_id": "e-1", "action": "ISSUE_TOKEN", "user_name": "mallory", "timestamp": "2026-01-02T03:04:05.123456Z"}),
            json!({"event_id": "e-1", "action": "REVOKE_TOKEN", "user_name": "ann", "timestamp": "2026-01-02T03:04:05.123456Z"}),
            json!({"event_id": "e-1", "action": "ISSUE_TOKEN", "user_name": "ann", "timestamp": "2026-01-02T03:04:06Z"}),
        ] {
            let reply = app.post("/api/v1/admin-logs", &key, json!({"events": [{"action": "LOG_OUT", "admin_email": "x@acme.example"}, changed]})).await;
            reply.assert_error(409, "conflict");
            assert!(reply.text.contains("`e-1`"), "{}", reply.text);
        }
        // Two different events under one new event_id in one batch.
        let twins = json!({"events": [{"event_id": "e-3", "action": "ISSUE_TOKEN"}, {"event_id": "e-3", "action": "REVOKE_TOKEN"}]});
        app.post("/api/v1/admin-logs", &key, twins).await.assert_error(409, "conflict");
        assert_eq!(app.all_pages(&org.token, "", 100).await.len(), before, "a refused batch stores nothing");
    }

    async fn checkpoints_on_demand_cannot_be_multiplied(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let reader = app.api_key(&org, &["logs:read"]).await;
        let first = app.post("/api/v1/admin-logs/checkpoints", &reader, json!({})).await;
        first.assert_status(201);
        for _ in 0..30 {
            let again = app.post("/api/v1/admin-logs/checkpoints", &reader, json!({})).await;
            again.assert_status(200);
            assert_eq!(again.json()["signature"], first.json()["signature"]);
        }
        // Evidence downloads sign on demand too, and record an export each.
        for _ in 0..5 {
            app.get("/api/v1/admin-logs/evidence", &reader).await.assert_status(200);
        }
        let stored = app.raw_number(&format!("SELECT count(*) AS n FROM checkpoints WHERE org_id = {}", org.id));
        assert_eq!(stored, 1, "one checkpoint a minute at most");
        let verified = app.get("/api/v1/admin-logs/verify", &reader).await.json();
        assert_eq!(verified["ok"], true);
    }

    async fn secrets_live_outside_the_database_and_sessions_have_a_maximum_life(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let stored = app.raw_number("SELECT count(*) AS n FROM settings WHERE name IN ('jwt_secret', 'cursor_key')");
        assert_eq!(stored, 0, "no signing secret in the database");

        // A token correctly signed with the server's key but claiming ten years.
        let me = app.get("/api/v1/me", &org.token).await.json();
        let admin_id = me["administrator"]["id"].as_i64().expect("id");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = json!({
            "sub": admin_id.to_string(), "org": org.id, "jti": "forged-jti", "iss": "adminlog",
            "iat": now, "nbf": now, "exp": now + 10 * 365 * 24 * 3600,
        });
        let key = jsonwebtoken::EncodingKey::from_secret(HARNESS_JWT_SECRET.as_bytes());
        let long_lived = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).expect("sign");
        app.get("/api/v1/me", &long_lived).await.assert_error(401, "unauthorized");
        // The same claims with the normal lifetime work: the key is right.
        let normal = json!({
            "sub": admin_id.to_string(), "org": org.id, "jti": "normal-jti", "iss": "adminlog",
            "iat": now, "nbf": now, "exp": now + 3600,
        });
        let normal = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &normal, &key).expect("sign");
        app.get("/api/v1/me", &normal).await.assert_status(200);
    }
}

/// Opens a connection and sends a request head promising a body that then
/// trickles in one byte at a time.
async fn stalled_body(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: adminlog\r\nContent-Type: application/json\r\n\
                Content-Length: 1000\r\n\r\n{";
    stream.write_all(head.as_bytes()).await.expect("send the head");
    stream
}

async fn stalled_request_bodies_cost_a_connection_not_a_slot(backend: Backend) {
    // The default in-flight limit on SQLite is 32: forty stalled bodies used
    // to hold every slot.
    let Some(app) = spawn_configured(backend, |_| {}).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stalled = Vec::new();
    for _ in 0..40 {
        stalled.push(stalled_body(&addr).await);
    }
    let started = Instant::now();
    for round in 0..3 {
        for stream in &mut stalled {
            stream.write_all(b" ").await.expect("trickle");
        }
        let timed = Instant::now();
        let token = app.login(&org.super_email).await;
        app.get("/api/v1/admin-logs?limit=5", &token).await.assert_status(200);
        app.ingest(&key, vec![json!({"action": "ISSUE_TOKEN", "user_name": format!("during stall {round}")})]).await;
        // Not a speed figure: a liveness bound, far above a normal answer.
        assert!(timed.elapsed() < Duration::from_secs(5), "answers wait for stalled clients: {:?}", timed.elapsed());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // A stalled body is refused once its deadline passes, and the connection closed.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stalled[0].read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the stalled connection is closed by the server");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(started.elapsed() >= Duration::from_secs(3));
    // Nothing the stalled logins sent was taken as an attempt.
    let logins = app.get("/api/v1/admin-logs?actions=LOG_IN", &org.token).await.json();
    assert_eq!(logins["items"].as_array().expect("items").len(), 4, "the fixture's login and three more");
}

async fn connections_beyond_an_address_limit_are_refused(backend: Backend) {
    let Some(app) = spawn_configured(backend, |settings| settings.max_connections_per_address = 3).await else {
        return;
    };
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    let mut extra = TcpStream::connect(&addr).await.expect("connect");
    extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: adminlog\r\n\r\n").await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), extra.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after"), "{answer}");
    drop(held);
    drop(extra);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fresh = TcpStream::connect(&addr).await.expect("connect");
    fresh.write_all(b"GET /healthz HTTP/1.1\r\nHost: adminlog\r\nConnection: close\r\n\r\n").await.expect("send");
    let mut answer = Vec::new();
    fresh.read_to_end(&mut answer).await.expect("read");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "closed connections are released");
}

for_both_backends!(
    stalled_request_bodies_cost_a_connection_not_a_slot,
    connections_beyond_an_address_limit_are_refused
);
