//! The auditor's side, through the real CLI: `adminlog public-key` and
//! `adminlog verify --file` on a downloaded evidence file, without the
//! database; and `adminlog verify --checkpoint` against the database.

use std::process::Command;

use super::*;
use adminlog_tests::process::{adminlog_binary, ServerProcess};
use adminlog_tests::{Backend, TestDatabase};
use adminlog_types::EvidenceEvent;

/// Runs the CLI: success, and what it printed (standard output first).
fn adminlog(args: &[&str]) -> (bool, String) {
    let output = Command::new(adminlog_binary()).args(args).output().expect("run adminlog");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// The public key `adminlog public-key` prints for a key file.
fn public_key_of(key_file: &std::path::Path) -> String {
    let output = Command::new(adminlog_binary())
        .args(["public-key", "--signing-key-file"])
        .arg(key_file)
        .output()
        .expect("run adminlog");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_checks_a_downloaded_evidence_file_with_the_cli() {
    let database = TestDatabase::create(Backend::Sqlite).expect("SQLite");
    let org_id = prepare(&database.url);
    let server = ServerProcess::start(&database, &format!("adminlog-offline-{}", std::process::id()));
    let http = reqwest::Client::new();
    let fixture = credentials(&http, &server.base, org_id).await;
    let events: Vec<Value> =
        (0..25).map(|i| json!({"action": "ISSUE_TOKEN", "user_name": format!("user-{i}")})).collect();
    let sent = http
        .post(format!("{}/api/v1/admin-logs", server.base))
        .bearer_auth(&fixture.key)
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("ingest");
    assert_eq!(sent.status(), StatusCode::CREATED);
    let download = http.get(format!("{}/api/v1/admin-logs/evidence", server.base)).bearer_auth(&fixture.token);
    let evidence = download.send().await.expect("evidence").text().await.expect("body");
    let file = database.signing_key_file.with_extension("jsonl");
    std::fs::write(&file, &evidence).expect("save the evidence file");

    let key_file = database.signing_key_file.display().to_string();
    let public_key = public_key_of(&database.signing_key_file);
    assert!(evidence.lines().next().unwrap().contains(&format!("\"public_key\":\"{public_key}\"")));
    let path = file.display().to_string();

    let events: Vec<EvidenceEvent> =
        evidence.lines().skip(1).map(|line| adminlog_tests::serde_json::from_str(line).expect("event")).collect();
    assert!(events.len() > 25, "the fixture's own events and the 25 sent");
    let (ok, said) = adminlog(&["verify", "--file", &path, "--public-key", &public_key]);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("ok, {0} events (1 to {0})", events.len())), "{said}");
    let victim = events.iter().find(|e| e.user_name == "user-7").expect("user-7's event").id;

    let tampered = file.with_extension("tampered.jsonl");
    std::fs::write(&tampered, evidence.replace("\"user-7\"", "\"mallory\"")).expect("write");
    let (ok, said) = adminlog(&["verify", "--file", &tampered.display().to_string(), "--public-key", &public_key]);
    assert!(!ok && said.contains(&format!("BROKEN at event {victim}")), "{said}");

    let stranger_key = database.signing_key_file.with_extension("other.key");
    let stranger = public_key_of(&stranger_key);
    let (ok, said) = adminlog(&["verify", "--file", &path, "--public-key", &stranger]);
    assert!(!ok && said.contains("another key"), "{said}");

    // With the database: the chain passes through the auditor's checkpoint.
    let DatabaseUrl::Sqlite(db_path) = &database.url else { unreachable!() };
    let (ok, said) =
        adminlog(&["verify", "--database-url", db_path, "--signing-key-file", &key_file, "--checkpoint", &path]);
    assert!(ok && said.contains("Acme: ok"), "{said}");

    for leftover in [file, tampered, stranger_key] {
        let _ = std::fs::remove_file(leftover);
    }
}
