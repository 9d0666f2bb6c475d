//! The hash chain: an intact log verifies; every kind of tampering done
//! directly in the database is found at the event where it happened.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{on_both_backends, Org, TestApp};
use adminlog_types::Plan;

/// An organization with twenty known events; returns their ids.
async fn org_with_events(app: &TestApp, name: &str) -> (Org, Vec<i64>) {
    let org = app.org(name, Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write"]).await;
    let events = (0..20)
        .map(|i| json!({"timestamp": format!("2016-06-09T10:00:{i:02}Z"), "action": "ISSUE_TOKEN", "user_name": format!("{name}-user-{i}"), "domain_name": "Office VPN"}))
        .collect();
    let ids = app.ingest(&key, events).await;
    (org, ids)
}

async fn verify(app: &TestApp, org: &Org) -> Value {
    let reply = app.get("/api/v1/admin-logs/verify", &org.token).await;
    reply.assert_status(200);
    reply.json()
}

on_both_backends! {
    async fn an_intact_log_verifies_every_event(app) {
        let (org, _) = org_with_events(&app, "Intact").await;
        let total = app.all_pages(&org.token, "", 1000).await.len();
        let report = verify(&app, &org).await;
        assert_eq!(report["ok"], true, "{report}");
        assert_eq!(report["checked"], total as u64);
        assert_eq!(report["first_broken_id"], Value::Null);
        assert_eq!(report["head"].as_str().unwrap().len(), 64);
        // More events extend the chain; it still verifies.
        let key = app.api_key(&org, &["logs:write"]).await;
        app.ingest(&key, vec![json!({"action": "LOG_OUT", "admin_email": "a@intact.example"})]).await;
        let again = verify(&app, &org).await;
        assert_eq!(again["ok"], true);
        assert_ne!(again["head"], report["head"]);
        // Who may ask: as for reading the log.
        let (_, admin) = app.add_admin(&org, "plain@intact.example", "admin").await;
        app.get("/api/v1/admin-logs/verify", &admin).await.assert_error(403, "forbidden");
        let starter = app.org("Small", Plan::Starter).await;
        app.get("/api/v1/admin-logs/verify", &starter.token).await.assert_error(403, "subscription_required");
    }

    async fn every_kind_of_tampering_is_found_at_its_event(app) {
        struct Case { name: &'static str, tamper: fn(i64, &[i64]) -> Vec<String>, broken_at: fn(&[i64]) -> i64 }
        let cases = [
            Case {
                name: "EditedTime",
                tamper: |org, ids| vec![format!("UPDATE events SET ts = ts + 1000000 WHERE org_id = {org} AND id = {}", ids[9])],
                broken_at: |ids| ids[9],
            },
            Case {
                name: "EditedAction",
                tamper: |org, ids| vec![format!("UPDATE events SET action = 27 WHERE org_id = {org} AND id = {}", ids[12])],
                broken_at: |ids| ids[12],
            },
            Case {
                name: "EditedName",
                tamper: |org, _| vec![format!("UPDATE terms SET value = 'mallory' WHERE org_id = {org} AND value = 'EditedName-user-7'")],
                broken_at: |ids| ids[7],
            },
            Case {
                name: "Deleted",
                tamper: |org, ids| vec![format!("DELETE FROM events WHERE org_id = {org} AND id = {}", ids[9])],
                broken_at: |ids| ids[9],
            },
            Case {
                name: "DeletedLast",
                tamper: |org, ids| vec![format!("DELETE FROM events WHERE org_id = {org} AND id = {}", ids[19])],
                broken_at: |ids| ids[19],
            },
            Case {
                name: "Reordered",
                tamper: |org, ids| {
                    let (a, b) = (ids[9], ids[10]);
                    vec![
                        format!("UPDATE events SET id = -1 WHERE org_id = {org} AND id = {a}"),
                        format!("UPDATE events SET id = {a} WHERE org_id = {org} AND id = {b}"),
                        format!("UPDATE events SET id = {b} WHERE org_id = {org} AND id = -1"),
                    ]
                },
                broken_at: |ids| ids[9],
            },
            Case {
                name: "Inserted",
                tamper: |org, ids| vec![format!(
                    "INSERT INTO events (org_id, id, ts, action, source, admin_term, user_email_term, user_name_term, domain_term, client_event_id, received_at, hash) \
                     SELECT org_id, {}, ts, action, source, admin_term, user_email_term, user_name_term, domain_term, NULL, received_at, hash \
                     FROM events WHERE org_id = {org} AND id = {}", ids[19] + 1, ids[3]
                )],
                broken_at: |ids| ids[19] + 1,
            },
            Case {
                name: "HashReplaced",
                tamper: |org, ids| vec![format!(
                    "UPDATE events SET hash = (SELECT hash FROM events WHERE org_id = {org} AND id = {}) WHERE org_id = {org} AND id = {}", ids[2], ids[5]
                )],
                broken_at: |ids| ids[5],
            },
        ];
        let (bystander, _) = org_with_events(&app, "Bystander").await;
        for case in &cases {
            let (org, ids) = org_with_events(&app, case.name).await;
            assert_eq!(verify(&app, &org).await["ok"], true, "{} before tampering", case.name);
            app.raw_sql(&(case.tamper)(org.id, &ids));
            let report = verify(&app, &org).await;
            assert_eq!(report["ok"], false, "{}: {report}", case.name);
            assert_eq!(report["first_broken_id"], (case.broken_at)(&ids), "{}: {report}", case.name);
            assert!(report["problem"].as_str().is_some_and(|p| !p.is_empty()));
            assert_eq!(report["head"], Value::Null);
        }
        assert_eq!(verify(&app, &bystander).await["ok"], true, "other organizations are unaffected");
        let tampered = cases.len();
        assert_eq!(tampered, 8);
    }
}
