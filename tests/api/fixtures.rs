//! Known events with known answers.

use adminlog_tests::serde_json::{json, Value};
use adminlog_tests::{Org, TestApp};

/// Seven events in June 2016; tests restrict queries to 2016 so the
/// organization's own management events stay out of the way.
pub fn june_2016() -> Vec<Value> {
    vec![
        json!({"timestamp": "2016-06-09T13:59:00Z", "action": "CREATE_DOMAIN", "domain_name": "Office VPN"}),
        json!({"timestamp": "2016-06-09T13:59:19Z", "action": "ADD_USER_TO_DOMAIN", "user_name": "john.doe", "domain_name": "Office VPN"}),
        json!({"timestamp": "2016-06-09T13:59:24Z", "action": "ISSUE_TOKEN", "user_name": "john.doe", "domain_name": "Office VPN"}),
        json!({"timestamp": "2016-06-10T08:00:00Z", "action": "LOG_IN", "admin_email": "Alice@Acme.example"}),
        json!({"timestamp": "2016-06-10T08:05:00Z", "action": "CREATE_USER", "admin_email": "alice@acme.example",
               "user_email": "Jane.Roe@Example.com", "user_name": "Jane Roe"}),
        json!({"timestamp": "2016-06-11T23:59:59Z", "action": "EDIT_USER", "admin_email": "bob@acme.example",
               "user_email": "jane.roe@example.com", "user_name": "Jane Roe", "domain_name": "GitLab"}),
        json!({"timestamp": "2016-06-12T00:00:00Z", "action": "DELETE_USER", "user_email": "zed@example.com", "user_name": "Zed"}),
    ]
}

/// Ingests `june_2016` into `org` and returns the ids, e1..e7.
pub async fn load_june(app: &TestApp, org: &Org) -> Vec<i64> {
    let key = app.api_key(org, &["logs:write"]).await;
    app.ingest(&key, june_2016()).await
}

/// The ids of the events a query returns, in order.
pub async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let reply = app.get(&format!("/api/v1/admin-logs?{query}"), token).await;
    reply.assert_status(200);
    reply.json()["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

/// Picks events by their 1-based fixture number.
pub fn pick(all: &[i64], numbers: &[usize]) -> Vec<i64> {
    numbers.iter().map(|n| all[n - 1]).collect()
}
