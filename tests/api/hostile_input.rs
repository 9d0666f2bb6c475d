//! Hostile input from a black-box attack: dates at the end of time, JSON
//! bodies that repeat a key, and spreadsheet formulas hidden from a naive
//! first-character check of the CSV export.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{enc, on_both_backends, Reply, TestApp, PASSWORD};
use adminlog_types::Plan;

/// Sends `body` byte for byte as JSON: `TestApp::post` would re-serialise a
/// `Value` and so could never repeat a key.
async fn raw_json(app: &TestApp, path: &str, token: Option<&str>, body: String) -> Reply {
    let mut request = app.client.post(app.url(path)).header("content-type", "application/json").body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::read(request.send().await.expect("request reaches the server")).await
}

/// The ids of every event of the organization, newest first.
async fn every_event(app: &TestApp, token: &str) -> Vec<i64> {
    app.all_pages(token, "", 1000).await.iter().map(|e| e["id"].as_i64().expect("id")).collect()
}

fn page_ids(reply: &Reply) -> Vec<i64> {
    reply.json()["items"].as_array().expect("items").iter().map(|e| e["id"].as_i64().expect("id")).collect()
}

/// The export as rows of cells: RFC 4180, with quoted cells that may hold
/// commas, quotes and line ends.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                other => cell.push(other),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut cell)),
                '\n' => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                other => cell.push(other),
            }
        }
    }
    assert!(!quoted, "unterminated quoted cell in {text:?}");
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Names and domain names a spreadsheet would run as formulas (no control
/// characters: ingestion refuses those).
const DANGEROUS_TEXT: &[&str] = &[
    "=1+1",
    "+1",
    "-1",
    "@SUM(1)",
    " =HYPERLINK(\"http://evil\")",
    "\u{a0}=1",
    "\u{3000}=1",
    "\u{200b}=1",
    "\u{feff}+1",
    "\u{ff1d}1+1",
    "\u{ff0b}1",
    "\u{ff0d}1",
    "\u{ff20}SUM(1)",
    ";=1+1",
    "|calc",
    "%0A",
    "a;=1",
    "a,=1+1",
    "Doe, =1+1",
];

/// Email addresses that pass ingestion's check and still start a formula.
const DANGEROUS_EMAILS: &[&str] = &[
    "=1+1@x.io",
    "+1@x.io",
    "-1@x.io",
    "\u{ff1d}1@x.io",
    "\u{ff0b}1@x.io",
    "|calc@x.io",
    "%1@x.io",
    "a;=1@x.io",
    "a,=1@x.io",
    "\u{200b}=1@x.io",
];

on_both_backends! {
    async fn to_at_the_end_of_time_is_no_upper_bound(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let ingested = app.ingest(&key, vec![
            json!({"timestamp": "2021-03-04T05:06:07Z", "action": "ISSUE_TOKEN", "user_name": "john.doe"}),
            json!({"action": "EDIT_USER", "user_name": "jane"}),
        ]).await;
        let before = every_event(&app, &org.token).await;

        for query in [
            "to=9999-12-31".to_owned(),
            "from=2020-01-01&to=9999-12-31".to_owned(),
            "from=0001-01-01&to=9999-12-31".to_owned(),
            format!("from=1970-01-01&to={}", enc("9999-12-31T23:59:59.999999999Z")),
            format!("to={}", enc("9999-12-31T23:59:59+01:00")),
        ] {
            let reply = app.get(&format!("/api/v1/admin-logs?{query}"), &org.token).await;
            reply.assert_status(200);
            let found = page_ids(&reply);
            assert!(ingested.iter().all(|id| found.contains(id)), "{query}: {found:?} lacks {ingested:?}");
        }
        let late = app.get("/api/v1/admin-logs?from=9999-12-31&to=9999-12-31", &org.token).await;
        late.assert_status(200);
        assert_eq!(page_ids(&late), Vec::<i64>::new());

        // What the parser cannot represent is the caller's mistake, named.
        let unrepresentable = [
            (format!("to={}", enc("+10000-01-01")), "to"),
            ("from=10000-01-01".to_owned(), "from"),
            (format!("from=2020-01-01&to={}", enc("+10000-01-01")), "to"),
            (format!("to={}", enc("9999-12-31T23:59:59-01:00")), "to"),
            (format!("from={}", enc("0000-01-01T00:00:00+01:00")), "from"),
            (format!("to={}", enc("+10000-01-01T00:00:00Z")), "to"),
            ("from=9999-12-31&to=2020-01-01".to_owned(), "from"),
        ];
        for endpoint in ["/api/v1/admin-logs", "/api/v1/admin-logs/export"] {
            for (query, field) in &unrepresentable {
                let reply = app.get(&format!("{endpoint}?{query}"), &org.token).await;
                reply.assert_error(400, "validation_failed");
                let details = reply.json()["error"]["details"].clone();
                assert_eq!(details[0]["field"], *field, "{endpoint}?{query}: {}", reply.text);
            }
        }
        assert_eq!(every_event(&app, &org.token).await, before, "refused queries changed nothing");

        for (query, filename) in [
            ("to=9999-12-31", "admin-logs_beginning_to_9999-12-31.csv"),
            ("from=2020-01-01&to=9999-12-31", "admin-logs_2020-01-01_to_9999-12-31.csv"),
        ] {
            let reply = app.get(&format!("/api/v1/admin-logs/export?{query}"), &org.token).await;
            reply.assert_status(200);
            assert!(reply.text.contains("2021-03-04T05:06:07Z,ISSUE_TOKEN,,,john.doe,\n"), "{query}: {}", reply.text);
            assert!(reply.text.contains(",EDIT_USER,,,jane,\n"), "{query}: {}", reply.text);
            assert_eq!(reply.header("content-disposition").unwrap(), format!("attachment; filename=\"{filename}\""));
        }
    }

    async fn duplicate_json_keys_are_refused_and_store_nothing(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let before = every_event(&app, &org.token).await;

        let cases = [
            (r#"{"events":[{"action":"LOG_IN","action":"DELETE_USER"}]}"#, "action", "events[0]"),
            (
                r#"{"events":[{"action":"ISSUE_TOKEN"},{"action":"EDIT_USER","user_name":"a","user_n\u0061me":"b"}]}"#,
                "user_name",
                "events[1]",
            ),
            (r#"{"events":[{"action":"ISSUE_TOKEN"}],"events":[{"action":"DELETE_USER"}]}"#, "events", "top level"),
        ];
        for (body, repeated, place) in cases {
            let reply = raw_json(&app, "/api/v1/admin-logs", Some(&key), body.to_owned()).await;
            reply.assert_error(400, "invalid_request");
            let message = reply.json()["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(&format!("`{repeated}`")), "{body}: {message}");
            assert!(message.contains(place), "{body}: {message}");
        }
        // Nesting deeper than any body of ours is refused, not a crash.
        let deep = format!("{{\"events\":[{{\"action\":\"ISSUE_TOKEN\",\"x\":{}}}]}}", "[".repeat(100_000));
        raw_json(&app, "/api/v1/admin-logs", Some(&key), deep).await.assert_error(400, "invalid_request");
        assert_eq!(every_event(&app, &org.token).await, before, "nothing was stored");

        // The same key in sibling objects is no repetition.
        let siblings = r#"{"events":[{"action":"ISSUE_TOKEN","user_name":"a"},{"action":"ISSUE_TOKEN","user_name":"b"}]}"#;
        raw_json(&app, "/api/v1/admin-logs", Some(&key), siblings.to_owned()).await.assert_status(201);

        // Every JSON body is checked, signing in included.
        let login = format!(r#"{{"email":"{}","password":"wrong password!","password":"{PASSWORD}"}}"#, org.super_email);
        let reply = raw_json(&app, "/api/v1/auth/login", None, login).await;
        reply.assert_error(400, "invalid_request");
        let message = reply.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains("`password`"), "{message}");
    }

    async fn csv_export_neutralises_formula_forms(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let count = DANGEROUS_TEXT.len().max(DANGEROUS_EMAILS.len());
        let mut expected: Vec<(String, String, String)> = Vec::new();
        let mut events: Vec<Value> = Vec::new();
        for i in 0..count {
            let user_email = DANGEROUS_EMAILS[i % DANGEROUS_EMAILS.len()];
            let user_name = DANGEROUS_TEXT[i];
            let domain_name = DANGEROUS_TEXT[(i + 1) % DANGEROUS_TEXT.len()];
            events.push(json!({
                "timestamp": format!("2016-01-01T00:00:{i:02}Z"), "action": "EDIT_USER",
                "user_email": user_email, "user_name": user_name, "domain_name": domain_name,
            }));
            expected.push((format!("'{user_email}"), format!("'{user_name}"), format!("'{domain_name}")));
        }
        // Ordinary values next to them stay as they are.
        events.push(json!({
            "timestamp": "2016-01-01T00:01:00Z", "action": "EDIT_USER",
            "user_email": "a-b@x.io", "user_name": "john.doe", "domain_name": "Sales, EMEA",
        }));
        app.ingest(&key, events).await;

        let reply = app.get("/api/v1/admin-logs/export?from=2016-01-01&to=2016-01-01", &org.token).await;
        reply.assert_status(200);
        let rows = parse_csv(&reply.text);
        assert_eq!(rows.len(), count + 1, "{}", reply.text);
        assert_eq!(rows[0], ["2016-01-01T00:01:00Z", "EDIT_USER", "", "a-b@x.io", "john.doe", "Sales, EMEA"]);
        for row in &rows[1..] {
            assert_eq!(row.len(), 6, "{row:?}");
            let second: usize = row[0].trim_start_matches("2016-01-01T00:00:").trim_end_matches('Z').parse().unwrap();
            let (user_email, user_name, domain_name) = &expected[second];
            for cell in &row[3..6] {
                assert!(cell.starts_with('\''), "not neutralised: {cell:?} in {row:?}");
            }
            assert_eq!(&row[3], user_email);
            assert_eq!(&row[4], user_name);
            assert_eq!(&row[5], domain_name);
        }
    }
}
