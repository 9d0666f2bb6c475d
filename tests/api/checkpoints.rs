//! Signed checkpoints and evidence files: the server signs its chain head
//! with a key outside the database, on demand and on a timer; an evidence
//! file verifies offline; a chain rewritten hashes and all is still caught.

use std::time::Duration;

use adminlog_server::domain::chain::{hex, link, unhex, ChainedEvent, Recorded};
use adminlog_server::domain::checkpoint::verify_checkpoint;
use adminlog_server::domain::evidence::verify_evidence;
use adminlog_server::domain::recorder::Recorder;
use adminlog_tests::serde_json::json;
use adminlog_tests::{on_both_backends, spawn_configured, Backend, Org, TestApp};
use adminlog_types::{Action, Checkpoint, EvidenceEvent, EvidenceHeader, Plan, Source};

async fn org_with_events(app: &TestApp, name: &str, count: usize) -> (Org, String) {
    let org = app.org(name, Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let events = (0..count)
        .map(|i| json!({"action": "ISSUE_TOKEN", "user_name": format!("{name}-user-{i}"), "domain_name": "Office VPN"}))
        .collect();
    app.ingest(&key, events).await;
    (org, key)
}

/// The organization's last event id, from the API.
async fn last_id(app: &TestApp, org: &Org) -> i64 {
    let page = app.get("/api/v1/admin-logs?limit=1", &org.token).await;
    page.assert_status(200);
    page.json()["items"][0]["id"].as_i64().expect("an event")
}

/// Waits until `count` downloads are logged (the record is appended once
/// the body is sent) and returns those events, newest first.
async fn logged_exports(app: &TestApp, org: &Org, count: usize) -> Vec<adminlog_tests::serde_json::Value> {
    for _ in 0..100 {
        let found = app.all_pages(&org.token, "actions=EXPORT_ADMIN_LOGS", 100).await;
        if found.len() >= count {
            assert_eq!(found.len(), count, "one EXPORT_ADMIN_LOGS per download");
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{count} downloads were not all logged");
}

fn parse_evidence(text: &str) -> (EvidenceHeader, Vec<EvidenceEvent>) {
    let mut lines = text.lines();
    let header = adminlog_tests::serde_json::from_str(lines.next().expect("a header")).expect("header JSON");
    let events = lines.map(|l| adminlog_tests::serde_json::from_str(l).expect("event JSON")).collect();
    (header, events)
}

fn sql_bytes(app: &TestApp, bytes: &[u8; 32]) -> String {
    match app.backend {
        Backend::Sqlite => format!("X'{}'", hex(bytes)),
        Backend::Postgres => format!("decode('{}', 'hex')", hex(bytes)),
    }
}

on_both_backends! {
    async fn checkpoints_are_signed_on_demand_with_the_servers_key(app) {
        let (org, _) = org_with_events(&app, "Acme", 12).await;
        app.get("/api/v1/admin-logs/checkpoints/latest", &org.token).await.assert_error(404, "not_found");
        let reply = app.post("/api/v1/admin-logs/checkpoints", &org.token, json!({})).await;
        reply.assert_status(201);
        let checkpoint: Checkpoint = reply.typed();
        assert_eq!(checkpoint.org_id, org.id);
        assert_eq!(checkpoint.last_event_id, last_id(&app, &org).await);
        let verified = app.get("/api/v1/admin-logs/verify", &org.token).await.json();
        assert_eq!(checkpoint.head, verified["head"].as_str().unwrap(), "the signed head is the chain's head");
        let head = verify_checkpoint(&checkpoint, &app.public_key()).expect("signed by the server's key");
        assert_eq!(hex(&head), checkpoint.head);
        let latest: Checkpoint = app.get("/api/v1/admin-logs/checkpoints/latest", &org.token).await.typed();
        assert_eq!(latest, checkpoint);
        // As for reading the log: not plain administrators, not starter plans,
        // not keys without logs:read; and never another organization's.
        let (_, admin) = app.add_admin(&org, "plain@acme.example", "admin").await;
        app.post("/api/v1/admin-logs/checkpoints", &admin, json!({})).await.assert_error(403, "forbidden");
        let writer = app.api_key(&org, &["logs:write"]).await;
        app.get("/api/v1/admin-logs/checkpoints/latest", &writer).await.assert_error(403, "forbidden");
        let starter = app.org("Small", Plan::Starter).await;
        app.post("/api/v1/admin-logs/checkpoints", &starter.token, json!({})).await.assert_error(403, "subscription_required");
        let other = app.org("Other", Plan::Professional).await;
        app.get("/api/v1/admin-logs/checkpoints/latest", &other.token).await.assert_error(404, "not_found");
    }

    async fn an_evidence_file_verifies_offline_up_to_a_fresh_checkpoint(app) {
        let (org, _) = org_with_events(&app, "Acme", 30).await;
        let last = last_id(&app, &org).await;
        let reply = app.get("/api/v1/admin-logs/evidence", &org.token).await;
        reply.assert_status(200);
        assert_eq!(reply.header("content-type").as_deref(), Some("application/x-ndjson"));
        assert!(reply.header("content-disposition").unwrap().contains(&format!("adminlog-evidence-1-to-{last}.jsonl")));
        let (header, events) = parse_evidence(&reply.text);
        assert_eq!((header.after_id, header.checkpoint.last_event_id), (0, last));
        assert_eq!(events.iter().map(|e| e.id).collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>());
        let check = verify_evidence(reply.text.as_bytes(), &app.public_key(), &[]).expect("an evidence file").chain;
        assert_eq!((check.broken, check.checked), (None, last as u64));
        // The download is itself logged, after the signed head.
        assert_eq!(logged_exports(&app, &org, 1).await[0]["id"], last + 1);

        // A segment: the events after 10, from event 10's hash, up to the
        // same checkpoint (under a minute old, it is handed out again).
        let segment = app.get("/api/v1/admin-logs/evidence?after_id=10", &org.token).await;
        segment.assert_status(200);
        let (header, events) = parse_evidence(&segment.text);
        assert_eq!(events.first().map(|e| e.id), Some(11));
        assert_eq!(header.checkpoint.last_event_id, last);
        let check = verify_evidence(segment.text.as_bytes(), &app.public_key(), &[]).unwrap().chain;
        assert_eq!((check.broken, check.checked), (None, (last - 10) as u64));

        // Bad requests are 400s and sign nothing.
        let before = app.get("/api/v1/admin-logs/checkpoints/latest", &org.token).await.text;
        for query in ["after_id=-1", "after_id=abc", "after_id=99999", "from=2016-01-01"] {
            let reply = app.get(&format!("/api/v1/admin-logs/evidence?{query}"), &org.token).await;
            reply.assert_error(400, "validation_failed");
        }
        assert_eq!(app.get("/api/v1/admin-logs/checkpoints/latest", &org.token).await.text, before);
        let (_, admin) = app.add_admin(&org, "plain@acme.example", "admin").await;
        app.get("/api/v1/admin-logs/evidence", &admin).await.assert_error(403, "forbidden");
    }
}

async fn heads_that_grow_get_a_checkpoint_on_a_timer(backend: Backend) {
    let every = Duration::from_millis(100);
    let Some(app) = spawn_configured(backend, |s| s.checkpoint_interval = Some(every)).await else { return };
    let (org, key) = org_with_events(&app, "Acme", 5).await;
    let first = wait_for_checkpoint(&app, &org, last_id(&app, &org).await).await;
    verify_checkpoint(&first, &app.public_key()).expect("signed by the server");
    app.ingest(&key, vec![json!({"action": "LOG_OUT", "admin_email": "ann@acme.example"})]).await;
    wait_for_checkpoint(&app, &org, first.last_event_id + 1).await;
}

/// Polls until the latest checkpoint covers `last_event_id` (30 s at most).
async fn wait_for_checkpoint(app: &TestApp, org: &Org, last_event_id: i64) -> Checkpoint {
    for _ in 0..300 {
        let reply = app.get("/api/v1/admin-logs/checkpoints/latest", &org.token).await;
        if reply.status == 200 {
            let checkpoint: Checkpoint = reply.typed();
            if checkpoint.last_event_id == last_event_id {
                return checkpoint;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no checkpoint covered event {last_event_id} within 30 s");
}

adminlog_tests::for_both_backends!(
    heads_that_grow_get_a_checkpoint_on_a_timer,
    a_chain_rewritten_hashes_and_all_breaks_at_a_signed_head
);

/// Each evidence file here must end at a fresh checkpoint: the server signs
/// one for every download instead of reusing a recent one.
async fn a_chain_rewritten_hashes_and_all_breaks_at_a_signed_head(backend: Backend) {
    let Some(app) = spawn_configured(backend, |s| s.checkpoint_reuse = Duration::ZERO).await else { return };
    let (org, key) = org_with_events(&app, "Acme", 10).await;
    // The auditor keeps the first evidence file: its checkpoint is C1.
    let kept_file = app.get("/api/v1/admin-logs/evidence", &org.token).await.text;
    let (kept_header, _) = parse_evidence(&kept_file);
    let signed_id = kept_header.checkpoint.last_event_id;
    app.ingest(&key, vec![json!({"action": "LOG_OUT", "admin_email": "ann@acme.example"})]).await;

    // The attacker: rename one user in place, recompute every later hash
    // and the head, as someone with the database but not the key can.
    let full = app.get("/api/v1/admin-logs/evidence", &org.token).await.text;
    let (_, mut events) = parse_evidence(&full);
    // That download's own record follows the signed head: rewrite it too.
    let record = &logged_exports(&app, &org, 2).await[0];
    let micros = |field: &str| {
        let at = time::OffsetDateTime::parse(
            record[field].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        (at.unix_timestamp_nanos() / 1_000) as i64
    };
    let at = micros("timestamp");
    assert_eq!(record["recorded_by"]["kind"], "server");
    events.push(EvidenceEvent {
        id: record["id"].as_i64().unwrap(),
        ts_micros: at,
        action: "EXPORT_ADMIN_LOGS".into(),
        source: "admin_panel".into(),
        admin_email: org.super_email.clone(),
        user_email: String::new(),
        user_name: String::new(),
        domain_name: String::new(),
        event_id: String::new(),
        recorder: Some("server".into()),
        received_at_micros: Some(micros("received_at")),
        hash: String::new(),
    });
    let target = events.iter().position(|e| e.user_name == "Acme-user-3").expect("the victim event");
    events[target].user_name = "mallory".into();
    let mut previous = unhex::<32>(&if target == 0 { hex(&[0; 32]) } else { events[target - 1].hash.clone() }).unwrap();
    let mut statements = vec![format!(
        "UPDATE terms SET value = 'mallory', folded = 'mallory' WHERE org_id = {} AND value = 'Acme-user-3'",
        org.id
    )];
    for event in &events[target..] {
        let chained = ChainedEvent {
            org_id: org.id,
            id: event.id,
            ts_micros: event.ts_micros,
            action: event.action.parse::<Action>().unwrap(),
            source: if event.source == "api" { Source::Api } else { Source::AdminPanel },
            admin_email: &event.admin_email,
            user_email: &event.user_email,
            user_name: &event.user_name,
            domain_name: &event.domain_name,
            client_event_id: &event.event_id,
            recorded: event.recorder.as_deref().map(|recorder| Recorded {
                recorder: Recorder::from_evidence(recorder).unwrap(),
                received_at_micros: event.received_at_micros.unwrap(),
            }),
        };
        previous = link(&previous, &chained);
        statements.push(format!(
            "UPDATE events SET hash = {} WHERE org_id = {} AND id = {}",
            sql_bytes(&app, &previous),
            org.id,
            event.id
        ));
    }
    statements.push(format!(
        "UPDATE organizations SET chain_head = {} WHERE id = {}",
        sql_bytes(&app, &previous),
        org.id
    ));
    app.raw_sql(&statements);

    // The stored checkpoints catch it at the first signed head after the edit.
    let report = app.get("/api/v1/admin-logs/verify", &org.token).await.json();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_broken_id"], signed_id, "{report}");
    // The attacker deletes the checkpoints too: the database alone can no
    // longer tell, which is why auditors keep checkpoints outside it.
    app.raw_sql(&[format!("DELETE FROM checkpoints WHERE org_id = {}", org.id)]);
    assert_eq!(app.get("/api/v1/admin-logs/verify", &org.token).await.json()["ok"], true);
    // A fresh evidence file is validly signed over the forged head, but it
    // does not pass through the checkpoint the auditor kept.
    let forged = app.get("/api/v1/admin-logs/evidence", &org.token).await.text;
    let alone = verify_evidence(forged.as_bytes(), &app.public_key(), &[]).unwrap().chain;
    assert_eq!(alone.broken, None);
    let held = verify_evidence(forged.as_bytes(), &app.public_key(), &[kept_header.checkpoint]).unwrap().chain;
    assert_eq!(held.broken.map(|b| b.id), Some(signed_id));
}
