//! Push streams: managed by super administrators (every change logged),
//! delivering every matching event once, in id order, signed as Standard
//! Webhooks says, retried under the same `webhook-id`, stopped by 410 Gone,
//! replayed on request, and never sent where the operator did not allow.

use std::time::Duration;

use adminlog_tests::receiver::{verify, Delivery, Mode, Receiver, VerifyKey, TOLERANCE_SECONDS};
use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{for_both_backends, spawn_app, spawn_configured, Backend, TestApp};
use adminlog_types::Plan;

const PATIENCE: Duration = Duration::from_secs(20);

/// Events of two actions, alternating: `count` of them.
fn events(count: usize, tag: &str) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({
                "action": if i % 2 == 0 { "EDIT_USER" } else { "ISSUE_TOKEN" },
                "user_name": format!("{tag} {i}"),
            })
        })
        .collect()
}

async fn stream_status(app: &TestApp, token: &str, id: i64) -> Value {
    let reply = app.get(&format!("/api/v1/streams/{id}"), token).await;
    reply.assert_status(200);
    reply.json()
}

/// Waits until the stream's status satisfies `done`.
async fn wait_for_status(app: &TestApp, token: &str, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = stream_status(app, token, id).await;
        if done(&status) {
            return status;
        }
        assert!(tokio::time::Instant::now() < deadline, "waited for {what}: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ids of the log's events with `action`, oldest first.
async fn ids_of(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let mut ids: Vec<i64> =
        app.all_pages(token, query, 1000).await.iter().map(|e| e["id"].as_i64().expect("id")).collect();
    ids.sort_unstable();
    ids
}

async fn management_is_checked_logged_and_kept_to_the_organization(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let receiver = Receiver::start().await;
    let create = |body: Value| {
        let (app, token) = (&app, org.token.clone());
        async move { app.post("/api/v1/streams", &token, body).await }
    };

    // Bad input: each problem named by its field, nothing created.
    let reply =
        create(json!({"url": "ftp://x/", "actions": ["NOT_AN_ACTION"], "keyword": "a\u{7}", "start_after": -1})).await;
    reply.assert_error(400, "validation_failed");
    let fields: Vec<String> = reply.json()["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["url", "actions", "keyword", "start_after"]);
    create(json!({"url": receiver.url, "colour": "red"})).await.assert_error(400, "invalid_request");
    create(json!({"url": receiver.url, "signing": "rsa"})).await.assert_error(400, "invalid_request");
    // Addresses the operator did not allow (the tests allow 127.0.0.1 only).
    for url in ["http://10.1.2.3/hooks", "http://[::1]:9/", "http://127.0.0.2:9/", "http://receiver.invalid/"] {
        let reply = create(json!({"url": url})).await;
        reply.assert_error(400, "validation_failed");
        assert_eq!(reply.json()["error"]["details"][0]["field"], "url", "{url}");
    }
    assert_eq!(app.get("/api/v1/streams", &org.token).await.json()["items"], json!([]));

    // Who may manage streams: super administrators on plans that read the log.
    let (_, admin) = app.add_admin(&org, "ops@acme.example", "admin").await;
    app.post("/api/v1/streams", &admin, json!({"url": receiver.url})).await.assert_error(403, "forbidden");
    let key = app.api_key(&org, &["logs:read", "logs:write"]).await;
    app.get("/api/v1/streams", &key).await.assert_error(403, "forbidden");
    let starter = app.org("Small", Plan::Starter).await;
    app.post("/api/v1/streams", &starter.token, json!({"url": receiver.url}))
        .await
        .assert_error(403, "subscription_required");

    let created = create(json!({"url": receiver.url, "actions": ["EDIT_USER", "EDIT_USER"], "keyword": " Ann "})).await;
    created.assert_status(201);
    let stream = created.json();
    let id = stream["id"].as_i64().unwrap();
    assert!(stream["secret"].as_str().unwrap().starts_with("whsec_"), "{stream}");
    assert_eq!(stream["actions"], json!(["EDIT_USER"]));
    assert_eq!(stream["keyword"], "Ann");
    assert_eq!(stream["signing"], "hmac");
    assert_eq!(stream["public_key"], Value::Null);
    assert_eq!(stream["paused"], false);
    assert_eq!(stream["disabled"], false);
    let listed = app.get("/api/v1/streams", &org.token).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0].get("secret"), None, "the secret is shown once");

    // Another organization sees nothing of it.
    let other = app.org("Other", Plan::Professional).await;
    app.get(&format!("/api/v1/streams/{id}"), &other.token).await.assert_error(404, "not_found");
    app.patch(&format!("/api/v1/streams/{id}"), &other.token, json!({"paused": true}))
        .await
        .assert_error(404, "not_found");
    app.delete(&format!("/api/v1/streams/{id}"), &other.token).await.assert_error(404, "not_found");
    assert_eq!(stream_status(&app, &org.token, id).await["paused"], false);

    let path = format!("/api/v1/streams/{id}");
    app.patch(&path, &org.token, json!({})).await.assert_error(400, "validation_failed");
    app.patch(&path, &org.token, json!({"replay_after": -5})).await.assert_error(400, "validation_failed");
    let paused = app.patch(&path, &org.token, json!({"paused": true})).await;
    paused.assert_status(200);
    assert_eq!(paused.json()["paused"], true);
    app.delete(&path, &org.token).await.assert_status(204);
    app.get(&path, &org.token).await.assert_error(404, "not_found");
    app.delete(&path, &org.token).await.assert_error(404, "not_found");

    // A new stream never takes a deleted one's id.
    let again = create(json!({"url": receiver.url})).await;
    again.assert_status(201);
    assert_eq!(again.json()["id"].as_i64().unwrap(), id + 1);

    let logged = app.all_pages(&org.token, "actions=CREATE_STREAM,UPDATE_STREAM,DELETE_STREAM", 100).await;
    let said: Vec<(String, String, String, String)> = logged
        .iter()
        .rev()
        .map(|e| {
            let text = |f: &str| e[f].as_str().unwrap_or_default().to_owned();
            (text("action"), text("admin_email"), text("user_name"), text("domain_name"))
        })
        .collect();
    let entry = |action: &str, name: String| (action.to_owned(), org.super_email.clone(), name, "127.0.0.1".to_owned());
    assert_eq!(
        said,
        [
            entry("CREATE_STREAM", format!("push stream {id}")),
            entry("UPDATE_STREAM", format!("push stream {id}: paused")),
            entry("DELETE_STREAM", format!("push stream {id}")),
            entry("CREATE_STREAM", format!("push stream {}", id + 1)),
        ]
    );
}

/// A server whose operator allowed no receiver refuses every stream.
async fn no_allowed_receiver_means_no_stream(backend: Backend) {
    let Some(app) = spawn_configured(backend, |settings| settings.stream_allow = Default::default()).await else {
        return;
    };
    let org = app.org("Acme", Plan::Professional).await;
    let receiver = Receiver::start().await;
    let reply = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url})).await;
    reply.assert_error(400, "validation_failed");
    let message = reply.json()["error"]["details"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("ADMINLOG_STREAM_ALLOW"), "{message}");
}

async fn every_matching_event_arrives_once_in_order_and_signed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let before = app.ingest(&key, events(30, "before")).await;
    for (signing, query) in [("hmac", "actions=EDIT_USER"), ("ed25519", "")] {
        let receiver = Receiver::start().await;
        let mut body = json!({"url": receiver.url, "signing": signing, "start_after": before[9]});
        if !query.is_empty() {
            body["actions"] = json!(["EDIT_USER"]);
        }
        let created = app.post("/api/v1/streams", &org.token, body).await;
        created.assert_status(201);
        let stream = created.json();
        let id = stream["id"].as_i64().unwrap();
        receiver.set_key(match signing {
            "hmac" => VerifyKey::Secret(stream["secret"].as_str().unwrap().to_owned()),
            _ => VerifyKey::Public(stream["public_key"].as_str().unwrap().to_owned()),
        });
        // More than one batch of 100, in several commits while delivering.
        for round in 0..5 {
            app.ingest(&key, events(60, &format!("{signing} {round}"))).await;
        }
        let head = *ids_of(&app, &key, "").await.last().unwrap();
        let wanted: Vec<i64> = ids_of(&app, &key, query).await.into_iter().filter(|id| *id > before[9]).collect();
        receiver
            .wait_for(PATIENCE, "every matching event", |_| receiver.accepted_event_ids().len() >= wanted.len())
            .await;
        assert_eq!(receiver.accepted_event_ids(), wanted, "{signing}: each matching event once, in id order");
        assert_eq!(receiver.refused_signatures(), 0, "{signing}: every signature verifies");
        // The events are the log's own, as the page API shows them.
        let pages: std::collections::HashMap<i64, Value> =
            app.all_pages(&key, "", 1000).await.into_iter().map(|e| (e["id"].as_i64().unwrap(), e)).collect();
        let mut last_through = before[9];
        for delivery in &receiver.deliveries() {
            let body = delivery.json();
            assert_eq!(body["stream_id"], id);
            let ids = delivery.event_ids();
            assert!(!ids.is_empty() && ids.len() <= 100, "batches of 1 to 100 events");
            let through = body["complete_through"].as_i64().unwrap();
            assert!(
                ids[0] > last_through && *ids.last().unwrap() <= through,
                "{ids:?} within ({last_through}, {through}]"
            );
            last_through = through;
            for event in body["events"].as_array().unwrap() {
                assert_eq!(Some(event), pages.get(&event["id"].as_i64().unwrap()));
            }
        }
        wait_for_status(&app, &org.token, id, "delivered through the head", |s| s["delivered_through"] == head).await;
    }
}

async fn signatures_fail_on_a_flipped_byte_a_stale_time_or_another_key(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write"]).await;
    let receiver = Receiver::start().await;
    let mut keys = Vec::new();
    for signing in ["hmac", "ed25519"] {
        let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url, "signing": signing})).await;
        created.assert_status(201);
        let stream = created.json();
        keys.push(match signing {
            "hmac" => VerifyKey::Secret(stream["secret"].as_str().unwrap().to_owned()),
            _ => VerifyKey::Public(stream["public_key"].as_str().unwrap().to_owned()),
        });
    }
    app.ingest(&key, events(3, "signed")).await;
    receiver.wait_for(PATIENCE, "a delivery of each stream", |d| d.len() >= 2).await;
    let deliveries = receiver.deliveries();
    for (index, verify_key) in keys.iter().enumerate() {
        let stream_id = index as i64 + 1;
        let delivery: &Delivery =
            deliveries.iter().find(|d| d.json()["stream_id"] == stream_id).expect("a delivery of the stream");
        let now: i64 = delivery.timestamp.parse().unwrap();
        assert_eq!(verify(verify_key, delivery, now), Ok(()));
        for at in 0..delivery.body.len() {
            let mut flipped = delivery.clone();
            flipped.body[at] ^= 0x01;
            assert!(verify(verify_key, &flipped, now).is_err(), "a flipped byte at {at} is caught");
        }
        let mut other_id = delivery.clone();
        other_id.webhook_id.push('0');
        assert!(verify(verify_key, &other_id, now).is_err(), "the id is signed");
        let mut other_time = delivery.clone();
        other_time.timestamp = (now + 1).to_string();
        assert!(verify(verify_key, &other_time, now).is_err(), "the timestamp is signed");
        assert!(verify(verify_key, delivery, now + TOLERANCE_SECONDS + 1).is_err(), "a stale delivery is refused");
        let other_key = &keys[1 - index];
        assert!(verify(other_key, delivery, now).is_err(), "another stream's key does not verify it");
    }
}

async fn failures_retry_the_same_batch_and_gone_disables(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let receiver = Receiver::start().await;
    receiver.set_mode(Mode::Answer(500));
    let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url, "start_after": 0})).await;
    created.assert_status(201);
    let id = created.json()["id"].as_i64().unwrap();
    let first = app.ingest(&key, events(5, "first")).await;
    receiver.wait_for(PATIENCE, "two failed attempts", |d| d.len() >= 2).await;
    let failing = wait_for_status(&app, &org.token, id, "a failure on record", |s| s["last_error"].is_string()).await;
    assert!(failing["last_error"].as_str().unwrap().contains("500"), "{failing}");
    assert!(failing["next_attempt_at"].is_string(), "{failing}");
    // More events while it fails: the retried batch stays what it was.
    let second = app.ingest(&key, events(5, "second")).await;
    receiver.set_mode(Mode::Accept);
    let all = ids_of(&app, &key, "").await;
    receiver.wait_for(PATIENCE, "both batches accepted", |_| receiver.accepted_event_ids().len() >= all.len()).await;
    let deliveries = receiver.deliveries();
    let retried = &deliveries[0];
    assert!(deliveries.iter().filter(|d| d.webhook_id == retried.webhook_id).count() >= 3, "retries keep their id");
    for delivery in deliveries.iter().filter(|d| d.webhook_id == retried.webhook_id) {
        assert_eq!(delivery.json()["events"], retried.json()["events"], "a retry sends the same events");
    }
    let all = ids_of(&app, &key, "").await;
    assert!(all.ends_with(&second) && all.contains(&first[0]));
    assert_eq!(receiver.accepted_event_ids(), all, "the whole log, each event once, in order");
    let healthy = wait_for_status(&app, &org.token, id, "the failure cleared", |s| s["last_error"].is_null()).await;
    assert_eq!(healthy["next_attempt_at"], Value::Null);

    // 410 Gone disables the stream, and the log says so.
    receiver.set_mode(Mode::Answer(410));
    app.ingest(&key, events(1, "gone")).await;
    let gone = wait_for_status(&app, &org.token, id, "disabled", |s| s["disabled"] == true).await;
    assert!(gone["last_error"].as_str().unwrap().contains("410"), "{gone}");
    let disabled = app.all_pages(&key, "actions=DISABLE_STREAM", 10).await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["user_name"], format!("push stream {id}"));
    let attempts = receiver.deliveries().len();
    app.ingest(&key, events(1, "while disabled")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.deliveries().len(), attempts, "a disabled stream sends nothing");

    // Resuming delivers what was held back, the batch refused with 410 first.
    receiver.set_mode(Mode::Accept);
    app.patch(&format!("/api/v1/streams/{id}"), &org.token, json!({"paused": false})).await.assert_status(200);
    let head = *ids_of(&app, &key, "").await.last().unwrap();
    wait_for_status(&app, &org.token, id, "caught up after resuming", |s| s["delivered_through"] == head).await;
    assert_eq!(receiver.accepted_event_ids(), ids_of(&app, &key, "").await, "in order, nothing skipped");
}

async fn a_stalled_or_vanished_receiver_is_retried_until_it_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let receiver = Receiver::start().await;
    // Nothing listens: the connection is refused.
    receiver.close();
    let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url})).await;
    let id = created.json()["id"].as_i64().unwrap();
    app.ingest(&key, events(4, "held")).await;
    let refused = wait_for_status(&app, &org.token, id, "a refused connection on record", |s| {
        s["last_error"].as_str().is_some_and(|e| e.contains("could not connect"))
    })
    .await;
    // Listening again, but dropping each connection without an answer.
    receiver.set_mode(Mode::Hang);
    receiver.reopen().await;
    let hung = wait_for_status(&app, &org.token, id, "a dropped connection on record", |s| {
        s["last_error"].is_string() && s["last_error"] != refused["last_error"]
    })
    .await;
    receiver.set_mode(Mode::Stall);
    let stalled = wait_for_status(&app, &org.token, id, "a timeout on record", |s| {
        s["last_error"].as_str().is_some_and(|e| e.contains("did not answer"))
    })
    .await;
    assert_ne!(hung["last_error"], stalled["last_error"]);
    receiver.set_mode(Mode::Accept);
    receiver
        .wait_for(Duration::from_secs(40), "the events after the outage", |_| receiver.accepted_event_ids().len() >= 4)
        .await;
    assert_eq!(receiver.accepted_event_ids().len(), 4);
}

async fn a_replay_resends_exactly_the_events_after_its_id(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let receiver = Receiver::start().await;
    let ids = app.ingest(&key, events(20, "history")).await;
    let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url, "start_after": 0})).await;
    let id = created.json()["id"].as_i64().unwrap();
    let everything = ids_of(&app, &key, "").await;
    receiver.wait_for(PATIENCE, "the history", |_| receiver.accepted_event_ids().len() >= everything.len()).await;
    let first_round = receiver.deliveries().len();
    let replayed = app.patch(&format!("/api/v1/streams/{id}"), &org.token, json!({"replay_after": ids[14]})).await;
    replayed.assert_status(200);
    assert_eq!(replayed.json()["delivered_through"], ids[14]);
    let head = *ids_of(&app, &key, "").await.last().unwrap();
    wait_for_status(&app, &org.token, id, "replayed to the head", |s| s["delivered_through"] == head).await;
    let again: Vec<i64> = receiver.deliveries()[first_round..].iter().flat_map(Delivery::event_ids).collect();
    let expected: Vec<i64> = ids_of(&app, &key, "").await.into_iter().filter(|i| *i > ids[14]).collect();
    assert_eq!(again, expected, "the events after the replay's id, once each");
    assert!(
        receiver.deliveries()[first_round..]
            .iter()
            .all(|d| receiver.deliveries()[..first_round].iter().all(|e| e.webhook_id != d.webhook_id)),
        "a replay's batches have new ids, so receivers do not drop them as repeats"
    );
}

/// A private CA and a certificate it issued for 127.0.0.1, made with the
/// openssl command: (CA certificate, leaf certificate, leaf key).
fn private_ca(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the openssl command (Debian package openssl) makes the test certificates");
        assert!(status.success(), "openssl {args:?}");
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=adminlog test CA"],
    ]
    .concat());
    run(&[&["req"][..], &ec, &["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1"]].concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    (dir.join("ca.pem"), dir.join("leaf.pem"), dir.join("leaf.key"))
}

async fn https_receivers_must_chain_to_a_root_the_server_trusts(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("adminlog-tls-{backend:?}-{}", std::process::id()));
    let (ca, leaf, leaf_key) = private_ca(&dir);
    let trusting = spawn_configured(backend, |settings| settings.stream_ca_file = Some(ca.clone())).await;
    let Some(trusting) = trusting else { return };
    let Some(stranger) = spawn_app(backend).await else { return };
    for (app, trusted) in [(&trusting, true), (&stranger, false)] {
        let receiver = Receiver::start_tls(&leaf, &leaf_key).await;
        assert!(receiver.url.starts_with("https://"));
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url})).await;
        created.assert_status(201);
        let stream = created.json();
        receiver.set_key(VerifyKey::Secret(stream["secret"].as_str().unwrap().to_owned()));
        let id = stream["id"].as_i64().unwrap();
        let sent = app.ingest(&key, events(2, "over tls")).await;
        if trusted {
            receiver.wait_for(PATIENCE, "both events over TLS", |_| receiver.accepted_event_ids().len() >= 2).await;
            assert_eq!(receiver.accepted_event_ids(), sent);
            assert_eq!(receiver.refused_signatures(), 0);
        } else {
            let status =
                wait_for_status(app, &org.token, id, "a certificate refused", |s| s["last_error"].is_string()).await;
            let error = status["last_error"].as_str().unwrap();
            assert!(error.to_lowercase().contains("certificate"), "{error}");
            assert!(receiver.deliveries().is_empty(), "nothing is sent to a receiver whose certificate is not trusted");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stream reads the log: an organization moved to a plan without the log
/// gets nothing pushed until it can read the log again.
async fn a_plan_without_the_log_pushes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write"]).await;
    let receiver = Receiver::start().await;
    let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url})).await;
    created.assert_status(201);
    app.ingest(&key, events(1, "professional")).await;
    receiver.wait_for(PATIENCE, "the first event", |d| !d.is_empty()).await;
    let db = app.db.clone();
    let org_id = org.id;
    tokio::task::spawn_blocking(move || db.set_plan(org_id, Plan::Starter)).await.unwrap().unwrap();
    let held_back = app.ingest(&key, events(2, "starter")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.accepted_event_ids().len(), 1, "nothing pushed on the starter plan");
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || db.set_plan(org_id, Plan::Business)).await.unwrap().unwrap();
    receiver.wait_for(PATIENCE, "the held-back events", |_| receiver.accepted_event_ids().len() >= 3).await;
    assert_eq!(receiver.accepted_event_ids()[1..], held_back[..]);
}

/// A replay while a batch is in flight: the old batch's outcome is not
/// recorded over the replay, and the stream does not wait for its lease to
/// run out (30 s) before delivering again.
async fn a_replay_during_a_delivery_is_taken_up_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let receiver = Receiver::start().await;
    receiver.set_mode(Mode::Stall);
    let created = app.post("/api/v1/streams", &org.token, json!({"url": receiver.url})).await;
    let id = created.json()["id"].as_i64().unwrap();
    app.ingest(&key, events(3, "stalled")).await;
    receiver.wait_for(PATIENCE, "the delivery that stalls", |d| !d.is_empty()).await;
    receiver.set_mode(Mode::Accept);
    let replayed = app.patch(&format!("/api/v1/streams/{id}"), &org.token, json!({"replay_after": 0})).await;
    replayed.assert_status(200);
    // The stall ends at the 10 s answer limit; a lease left behind would
    // hold the stream until 30 s after its last renewal.
    let head = *ids_of(&app, &key, "").await.last().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = stream_status(&app, &org.token, id).await;
        if status["delivered_through"] == head {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not delivered again within 20 s of the replay: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(receiver.accepted_event_ids(), ids_of(&app, &key, "").await, "the whole log, replayed once");
}

for_both_backends!(
    a_replay_during_a_delivery_is_taken_up_at_once,
    a_plan_without_the_log_pushes_nothing,
    https_receivers_must_chain_to_a_root_the_server_trusts,
    management_is_checked_logged_and_kept_to_the_organization,
    no_allowed_receiver_means_no_stream,
    every_matching_event_arrives_once_in_order_and_signed,
    signatures_fail_on_a_flipped_byte_a_stale_time_or_another_key,
    failures_retry_the_same_batch_and_gone_disables,
    a_stalled_or_vanished_receiver_is_retried_until_it_answers,
    a_replay_resends_exactly_the_events_after_its_id,
);
