//! GET /api/v1/admin-logs: every filter, alone and combined; order;
//! pagination; bad input.

use adminlog_tests::serde_json::json;
use adminlog_tests::{enc, on_both_backends};
use adminlog_types::Plan;

use crate::fixtures::{ids, load_june, pick};

const IN_2016: &str = "from=2016-01-01&to=2016-12-31";

on_both_backends! {
    async fn no_filter_lists_newest_first_with_every_field(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        assert_eq!(ids(&app, &org.token, IN_2016).await, pick(&e, &[7, 6, 5, 4, 3, 2, 1]));
        let mut page = app.get(&format!("/api/v1/admin-logs?{IN_2016}&limit=2"), &org.token).await.json();
        let received_at = page["items"][0].as_object_mut().unwrap().remove("received_at").unwrap();
        let received_at = received_at.as_str().unwrap();
        // Fixed width: six fractional digits always, so text order is time order.
        assert!(received_at.starts_with("20") && received_at.len() == 27 && received_at.ends_with('Z'), "when the server stored it: {received_at}");
        assert_eq!(&received_at[19..20], ".");
        assert_eq!(page["items"][0], json!({
            "id": e[6], "timestamp": "2016-06-12T00:00:00.000000Z", "action": "DELETE_USER", "admin_email": "",
            "user_email": "zed@example.com", "user_name": "Zed", "domain_name": "", "source": "api",
            "recorded_by": {"kind": "api_key", "id": 1, "name": "test key"}, "event_id": null
        }));
        assert_eq!(page["items"][1]["source"], "admin_panel");
        assert_eq!(page["items"][1]["domain_name"], "GitLab");
        // Without any filter the organization's own events come first.
        let all = app.get("/api/v1/admin-logs", &org.token).await.json();
        assert_eq!(all["items"][0]["action"], "CREATE_API_KEY");
    }

    async fn one_event_is_read_by_its_id_within_its_organization_only(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let sent = app.ingest(&key, vec![json!({"action": "EDIT_USER", "user_name": "Ann", "event_id": "crm-42"})]).await;
        // Exactly what the list says of it, the sender's id included.
        let listed = app.get("/api/v1/admin-logs?keyword=Ann", &org.token).await.json()["items"][0].clone();
        let read = app.get(&format!("/api/v1/admin-logs/{}", sent[0]), &org.token).await;
        read.assert_status(200);
        assert_eq!(read.json(), listed);
        assert_eq!(listed["event_id"], "crm-42");
        let first = app.get(&format!("/api/v1/admin-logs/{}", e[0]), &org.token).await.json();
        assert_eq!((first["id"].as_i64(), first["event_id"].clone()), (Some(e[0]), json!(null)));
        // Another organization's id, one that was never given, and no id at all are 404s.
        let other = app.org("Other", Plan::Professional).await;
        app.get(&format!("/api/v1/admin-logs/{}", e[0]), &other.token).await.assert_error(404, "not_found");
        app.get("/api/v1/admin-logs/999999", &org.token).await.assert_error(404, "not_found");
        app.get("/api/v1/admin-logs/abc", &org.token).await.assert_error(404, "not_found");
        // Reading needs the read scope, as the list does.
        app.get(&format!("/api/v1/admin-logs/{}", e[0]), &key).await.assert_status(403);
        let path = format!("/api/v1/admin-logs/{}", e[0]);
        app.request(adminlog_tests::reqwest::Method::GET, &path, None, None).await.assert_status(401);
        let reader = app.api_key(&org, &["logs:read"]).await;
        assert_eq!(app.get(&format!("/api/v1/admin-logs/{}", sent[0]), &reader).await.json(), listed);
    }

    async fn date_bounds_are_whole_inclusive_utc_days(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        assert_eq!(ids(&app, &org.token, "from=2016-06-10&to=2016-06-11").await, pick(&e, &[6, 5, 4]));
        assert_eq!(ids(&app, &org.token, "from=2016-06-12&to=2016-06-12").await, pick(&e, &[7]));
        assert_eq!(ids(&app, &org.token, "to=2016-06-09").await, pick(&e, &[3, 2, 1]));
    }

    async fn spans_back_from_now_keep_a_view_relative(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        // The last hour holds the organization's own events of today only.
        let recent = app.get("/api/v1/admin-logs?from=now-1h", &org.token).await.json();
        let recent = recent["items"].as_array().unwrap();
        assert!(!recent.is_empty(), "the key's creation is in the last hour");
        assert!(recent.iter().all(|i| !e.contains(&i["id"].as_i64().unwrap())), "no event of 2016: {recent:?}");
        // Up to a day ago: exactly the 2016 events, paged with cursors that
        // stay valid while the window moves between requests.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_query = match &cursor {
                Some(c) => format!("to=now-1d&limit=3&cursor={}", enc(c)),
                None => "to=now-1d&limit=3".to_owned(),
            };
            let page = app.get(&format!("/api/v1/admin-logs?{page_query}"), &org.token).await;
            page.assert_status(200);
            let page = page.json();
            seen.extend(page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, pick(&e, &[7, 6, 5, 4, 3, 2, 1]));
        // A cursor belongs to the relative query, not to the instant it was
        // resolved to: the same window written as an instant is another query.
        let page = app.get("/api/v1/admin-logs?to=now-1d&limit=3", &org.token).await.json();
        let cursor = page["next_cursor"].as_str().unwrap();
        app.get(&format!("/api/v1/admin-logs?to=2026-01-01&limit=3&cursor={}", enc(cursor)), &org.token)
            .await
            .assert_error(400, "invalid_request");
        // An export resolves the window once and names its instant.
        let export = app.get("/api/v1/admin-logs/export?to=now-1d", &org.token).await;
        export.assert_status(200);
        let disposition = export.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment; filename=\"admin-logs_beginning_to_20"), "{disposition}");
        assert_eq!(export.text.lines().count(), 7);
    }

    async fn instant_bounds_are_inclusive(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        let q = format!("from={}&to={}", enc("2016-06-09T13:59:19Z"), enc("2016-06-09T15:59:24+02:00"));
        assert_eq!(ids(&app, &org.token, &q).await, pick(&e, &[3, 2]));
    }

    async fn keyword_matches_any_of_four_fields_as_a_case_insensitive_substring(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        let cases: [(&str, &[usize]); 7] = [
            ("ALICE", &[5, 4]),          // administrator email, any case
            ("jane.roe@", &[6, 5]),      // user email
            ("John", &[3, 2]),           // user name
            ("vpn", &[3, 2, 1]),         // domain name
            ("e R", &[6, 5]),            // inside "Jane Roe", with a space
            ("example.com", &[7, 6, 5]), // several fields
            ("nobody-here", &[]),
        ];
        for (keyword, expected) in cases {
            let q = format!("{IN_2016}&keyword={}", enc(keyword));
            assert_eq!(ids(&app, &org.token, &q).await, pick(&e, expected), "keyword {keyword}");
        }
    }

    async fn actions_filter_accepts_lists_and_repeats(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        let expected = pick(&e, &[3, 1]);
        assert_eq!(ids(&app, &org.token, &format!("{IN_2016}&actions=ISSUE_TOKEN,CREATE_DOMAIN")).await, expected);
        assert_eq!(ids(&app, &org.token, &format!("{IN_2016}&actions=ISSUE_TOKEN&actions=CREATE_DOMAIN")).await, expected);
        assert_eq!(ids(&app, &org.token, &format!("{IN_2016}&actions=LOG_IN")).await, pick(&e, &[4]));
        assert_eq!(ids(&app, &org.token, &format!("{IN_2016}&actions=EDIT_BILLING")).await, Vec::<i64>::new());
    }

    async fn filters_combine_with_and(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let e = load_june(&app, &org).await;
        assert_eq!(ids(&app, &org.token, "from=2016-06-10&keyword=jane&actions=EDIT_USER").await, pick(&e, &[6]));
        assert_eq!(ids(&app, &org.token, "from=2016-06-10&to=2016-06-10&keyword=jane").await, pick(&e, &[5]));
        assert_eq!(ids(&app, &org.token, "to=2016-06-10&keyword=vpn&actions=ISSUE_TOKEN,LOG_IN").await, pick(&e, &[3]));
        assert_eq!(ids(&app, &org.token, "from=2016-06-11&keyword=vpn").await, Vec::<i64>::new());
    }

    async fn pagination_reaches_the_end_without_gaps_or_repeats(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        // 95 events, in groups of five sharing a timestamp, sent out of order.
        let events: Vec<_> = (0..95)
            .map(|i| json!({"timestamp": format!("2016-03-{:02}T10:00:00Z", 1 + (i * 7 % 19)), "action": "ISSUE_TOKEN", "user_name": format!("user{i}")}))
            .collect();
        app.ingest(&key, events).await;
        let all = app.all_pages(&org.token, IN_2016, 7).await;
        assert_eq!(all.len(), 95);
        let mut keys: Vec<(String, i64)> = all.iter().map(|e| (e["timestamp"].as_str().unwrap().to_owned(), e["id"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(keys, sorted, "newest first, ties by id descending");
        keys.dedup();
        assert_eq!(keys.len(), 95);
        // A page size that divides the total still ends with a null cursor.
        assert_eq!(app.all_pages(&org.token, IN_2016, 19).await.len(), 95);
    }

    async fn keyword_pages_merge_matches_from_every_field_in_order(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        // The keyword sits in a different field per event, and timestamps tie.
        let events: Vec<_> = (0..30)
            .map(|i| {
                let ts = format!("2016-04-{:02}T00:00:00Z", 1 + i % 7);
                match i % 4 {
                    0 => json!({"timestamp": ts, "action": "EDIT_USER", "user_name": format!("needle-{i}")}),
                    1 => json!({"timestamp": ts, "action": "EDIT_USER", "user_email": format!("needle{i}@x.example")}),
                    2 => json!({"timestamp": ts, "action": "EDIT_USER", "domain_name": "Needle Domain"}),
                    _ => json!({"timestamp": ts, "action": "EDIT_USER", "admin_email": "needle.admin@x.example", "user_name": "other"}),
                }
            })
            .collect();
        app.ingest(&key, events).await;
        app.ingest(&key, vec![json!({"timestamp": "2016-04-03T00:00:00Z", "action": "EDIT_USER", "user_name": "hay"})]).await;
        let found = app.all_pages(&org.token, "keyword=NEEDLE", 4).await;
        let keys: Vec<(String, i64)> = found.iter().map(|e| (e["timestamp"].as_str().unwrap().to_owned(), e["id"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(keys, sorted, "newest first, no repeats");
        assert_eq!(keys.len(), 30);
    }

    async fn a_keyword_matching_over_a_thousand_names_pages_completely(app) {
        // 1,200 distinct matching names, more than the per-column plans take:
        // the log is walked in time order and filtered in memory, across
        // pages and filters.
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let mut expected = Vec::new();
        for batch in 0..4 {
            let events: Vec<_> = (0..450)
                .map(|i| {
                    let n = batch * 450 + i;
                    let ts = format!("2016-05-{:02}T{:02}:00:00Z", 1 + n % 28, n % 24);
                    if n % 3 == 0 {
                        json!({"timestamp": ts, "action": "LOG_IN", "admin_email": format!("admin{n}@acme.example")})
                    } else {
                        json!({"timestamp": ts, "action": "EDIT_USER", "user_name": format!("Wide-Name-{n:04}")})
                    }
                })
                .collect();
            let ids = app.ingest(&key, events).await;
            expected.extend(ids.into_iter().enumerate().filter(|(i, _)| (batch * 450 + i) % 3 != 0).map(|(_, id)| id));
        }
        let found = app.all_pages(&org.token, "keyword=wide-name-", 100).await;
        let mut found_ids: Vec<i64> = found.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert_eq!(found_ids.len(), 1200);
        let keys: Vec<(String, i64)> = found.iter().map(|e| (e["timestamp"].as_str().unwrap().to_owned(), e["id"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(keys, sorted, "newest first");
        found_ids.sort_unstable();
        expected.sort_unstable();
        assert_eq!(found_ids, expected);
        // With a window and an action on top; and a name added later is found.
        let window = app.all_pages(&org.token, "keyword=WIDE-NAME-1&from=2016-05-10&to=2016-05-12&actions=EDIT_USER", 7).await;
        let expected_window = found.iter().filter(|e| {
            let ts = e["timestamp"].as_str().unwrap();
            e["user_name"].as_str().unwrap().starts_with("Wide-Name-1") && ("2016-05-10".."2016-05-13").contains(&&ts[..10])
        }).count();
        assert!(expected_window > 0);
        assert_eq!(window.len(), expected_window);
        app.ingest(&key, vec![json!({"action": "EDIT_USER", "user_name": "Wide-Name-late"})]).await;
        let newest = app.get("/api/v1/admin-logs?keyword=wide-name&limit=1", &org.token).await.json();
        assert_eq!(newest["items"][0]["user_name"], "Wide-Name-late");
    }

    async fn every_keyword_plan_finds_exactly_what_filtering_the_whole_log_finds(app) {
        // Keywords matching one term, one string stored in two columns, and
        // dozens of terms, and action lists alone: each is read another way
        // (walks per term, per column, per action, one statement per column
        // on PostgreSQL, pages bounded by what earlier walks found), and each
        // must equal filtering every event, page by page, through ties in
        // time.
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let actions = ["ADD_USER_TO_DOMAIN", "EDIT_USER", "LOG_IN", "REMOVE_USER_FROM_DOMAIN"];
        let shared = "Shared.Name@acme.example";
        let events: Vec<_> = (0..400usize)
            .map(|i| {
                let (admin, user_email) = match i % 9 {
                    0 => (shared.to_owned(), format!("user{}@acme.example", i % 40)),
                    1 => ("boss@acme.example".to_owned(), shared.to_owned()),
                    _ => (format!("admin{}@acme.example", i % 3), format!("user{}@acme.example", i % 40)),
                };
                let domain = match i % 5 {
                    0 => "Lab".to_owned(),
                    1 => "Office VPN".to_owned(),
                    _ => format!("Office VPN {}", i % 31),
                };
                json!({
                    "timestamp": format!("2016-03-{:02}T{:02}:00:00Z", 1 + i % 20, i % 3),
                    "action": actions[i % 4], "admin_email": admin, "user_email": user_email,
                    "user_name": format!("Person {}", i % 40), "domain_name": domain,
                })
            })
            .collect();
        let ids = app.ingest(&key, events.clone()).await;
        let text = |event: &adminlog_tests::serde_json::Value, field: &str| event[field].as_str().unwrap().to_owned();
        let windows = [
            ("from=2016-03-01&to=2016-03-31", "2016-03-01T00:00:00Z", "2016-03-31T23:59:59Z", &[][..]),
            ("from=2016-03-05&to=2016-03-12", "2016-03-05T00:00:00Z", "2016-03-12T23:59:59Z", &[][..]),
            (
                "from=2016-03-01&to=2016-03-31&actions=ADD_USER_TO_DOMAIN,REMOVE_USER_FROM_DOMAIN",
                "2016-03-01T00:00:00Z",
                "2016-03-31T23:59:59Z",
                &["ADD_USER_TO_DOMAIN", "REMOVE_USER_FROM_DOMAIN"][..],
            ),
            ("from=2016-03-03T01:00:00Z&to=2016-03-15&actions=EDIT_USER", "2016-03-03T01:00:00Z", "2016-03-15T23:59:59Z", &["EDIT_USER"][..]),
            (
                "from=2016-03-02&to=2016-03-30&actions=EDIT_USER,LOG_IN&actions=LOG_IN",
                "2016-03-02T00:00:00Z",
                "2016-03-30T23:59:59Z",
                &["EDIT_USER", "LOG_IN"][..],
            ),
        ];
        // The empty keyword: the actions alone choose the plan.
        for keyword in ["", "shared.name", "LAB", "office vpn", "person 1", "acme", "vpn 3", "zz-nothing"] {
            for (query, from, to, wanted_actions) in windows {
                let mut expected: Vec<(String, i64)> = events
                    .iter()
                    .zip(&ids)
                    .filter(|(event, _)| {
                        let ts = text(event, "timestamp");
                        let matches = ["admin_email", "user_email", "user_name", "domain_name"]
                            .iter()
                            .any(|field| text(event, field).to_lowercase().contains(&keyword.to_lowercase()));
                        matches
                            && (from..=to).contains(&ts.as_str())
                            && (wanted_actions.is_empty() || wanted_actions.contains(&text(event, "action").as_str()))
                    })
                    .map(|(event, id)| (text(event, "timestamp"), *id))
                    .collect();
                expected.sort_by(|a, b| b.cmp(a));
                let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
                let q = if keyword.is_empty() { query.to_owned() } else { format!("{query}&keyword={}", enc(keyword)) };
                for limit in [7, 50] {
                    assert_eq!(ids_of(&app.all_pages(&org.token, &q, limit).await), expected, "{q} in pages of {limit}");
                }
            }
        }
    }

    async fn terms_stored_before_terms_had_kinds_are_found_in_every_column(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let ids = app
            .ingest(&key, vec![
                json!({"timestamp": "2016-02-01T00:00:00Z", "action": "LOG_IN", "admin_email": "a@acme.example"}),
                json!({"timestamp": "2016-02-02T00:00:00Z", "action": "EDIT_USER", "user_email": "b@acme.example"}),
            ])
            .await;
        // A database from before the term_kinds migration holds terms without
        // a kind, each serving every column: point both events at one.
        let o = org.id;
        app.raw_sql(&[
            format!(
                "INSERT INTO terms (org_id, id, value, folded, kind) SELECT {o}, last_term_id + 1, \
                 'Old.Timer@acme.example', 'old.timer@acme.example', NULL FROM organizations WHERE id = {o}"
            ),
            format!("UPDATE organizations SET last_term_id = last_term_id + 1 WHERE id = {o}"),
            format!("UPDATE events SET admin_term = (SELECT last_term_id FROM organizations WHERE id = {o}) WHERE org_id = {o} AND id = {}", ids[0]),
            format!("UPDATE events SET user_email_term = (SELECT last_term_id FROM organizations WHERE id = {o}) WHERE org_id = {o} AND id = {}", ids[1]),
        ]);
        let q = format!("{IN_2016}&keyword=old.timer");
        let found = app.all_pages(&org.token, &q, 10).await;
        assert_eq!(ids_of(&found), vec![ids[1], ids[0]]);
        assert_eq!((found[0]["user_email"].as_str(), found[1]["admin_email"].as_str()), (Some("Old.Timer@acme.example"), Some("Old.Timer@acme.example")));
        // The same string ingested now is stored as a term of its column and
        // found beside the old one.
        let newer = app.ingest(&key, vec![json!({"timestamp": "2016-02-03T00:00:00Z", "action": "EDIT_USER", "user_email": "Old.Timer@acme.example"})]).await;
        assert_eq!(ids_of(&app.all_pages(&org.token, &q, 2).await), vec![newer[0], ids[1], ids[0]]);
        assert_eq!(ids_of(&app.all_pages(&org.token, &format!("{q}&actions=EDIT_USER"), 1).await), vec![newer[0], ids[1]]);
    }

    async fn cursors_stay_stable_while_new_events_arrive(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write"]).await;
        let old: Vec<_> = (0..30).map(|i| json!({"timestamp": format!("2020-01-01T00:00:{i:02}Z"), "action": "LOG_IN", "admin_email": "a@acme.example"})).collect();
        let mut expected = app.ingest(&key, old).await;
        expected.reverse();
        let first = app.get("/api/v1/admin-logs?to=2020-12-31&limit=10", &org.token).await.json();
        let mut seen: Vec<i64> = first["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
        // Newer events arrive between pages.
        app.ingest(&key, vec![json!({"timestamp": "2020-06-01T00:00:00Z", "action": "LOG_OUT", "admin_email": "a@acme.example"})]).await;
        let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
        while let Some(c) = cursor {
            let page = app.get(&format!("/api/v1/admin-logs?to=2020-12-31&limit=10&cursor={c}"), &org.token).await.json();
            seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
            cursor = page["next_cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(seen, expected);
    }

    async fn bad_query_input_is_a_400_naming_the_problem(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let cases = [
            ("from=2016-06-10&to=2016-06-09", "from", "after"),
            ("actions=ISSUE_TOKEN,FLY_TO_MOON", "actions", "FLY_TO_MOON"),
            ("limit=0", "limit", "1 to 1000"),
            ("limit=1001", "limit", "1 to 1000"),
            ("limit=ten", "limit", "1 to 1000"),
            ("from=June", "from", "YYYY-MM-DD"),
            ("to=2016-13-01", "to", "YYYY-MM-DD"),
            ("keyword=a%00b", "keyword", "control"),
            ("sort=asc", "sort", "not a parameter"),
            ("actions=&actions=", "actions", "is empty"),
            ("from=now-0d", "from", "span back from now"),
            ("to=now-7w", "to", "span back from now"),
            ("from=now-1h&to=now-2h", "from", "after"),
        ];
        for (query, field, words) in cases {
            let reply = app.get(&format!("/api/v1/admin-logs?{query}"), &org.token).await;
            reply.assert_error(400, "validation_failed");
            let problem = &reply.json()["error"]["details"][0];
            assert_eq!(problem["field"], field, "{query}");
            assert!(problem["message"].as_str().unwrap().contains(words), "{query}: {}", reply.text);
        }
        let long = "k".repeat(257);
        app.get(&format!("/api/v1/admin-logs?keyword={long}"), &org.token).await.assert_error(400, "validation_failed");
        app.get(&format!("/api/v1/admin-logs?keyword={}", "k".repeat(256)), &org.token).await.assert_status(200);
    }

    async fn malformed_or_forged_cursors_are_a_400(app) {
        let org = app.org("Acme", Plan::Professional).await;
        load_june(&app, &org).await;
        let page = app.get(&format!("/api/v1/admin-logs?{IN_2016}&limit=2"), &org.token).await.json();
        let good = page["next_cursor"].as_str().unwrap().to_owned();
        let mut forged = good.clone().into_bytes();
        forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
        for bad in ["garbage", "", "AAAA", std::str::from_utf8(&forged).unwrap()] {
            if bad.is_empty() { continue; }
            let reply = app.get(&format!("/api/v1/admin-logs?{IN_2016}&cursor={}", enc(bad)), &org.token).await;
            reply.assert_error(400, "invalid_request");
            assert!(reply.json()["error"]["message"].as_str().unwrap().contains("cursor"));
        }
        app.get(&format!("/api/v1/admin-logs?{IN_2016}&cursor={good}"), &org.token).await.assert_status(200);
        // The same cursor continues its own query only: with other filters its
        // position would skip or repeat events without a word.
        app.get(&format!("/api/v1/admin-logs?{IN_2016}&limit=7&cursor={good}"), &org.token).await.assert_status(200);
        for other in ["from=2016-01-02&to=2016-12-31", "", "from=2016-01-01&to=2016-12-31&keyword=zed", "from=2016-01-01&to=2016-12-31&actions=DELETE_USER"] {
            let reply = app.get(&format!("/api/v1/admin-logs?{other}&cursor={good}"), &org.token).await;
            reply.assert_error(400, "invalid_request");
            assert!(reply.json()["error"]["message"].as_str().unwrap().contains("filters"), "{other}: {}", reply.text);
        }
    }

    async fn times_have_six_fractional_digits_whatever_was_sent(app) {
        let org = app.org("Acme", Plan::Professional).await;
        let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
        app.ingest(&key, vec![
            json!({"action": "LOG_IN", "admin_email": "a@acme.example", "timestamp": "2016-06-09T13:59:24.5Z"}),
            json!({"action": "LOG_IN", "admin_email": "a@acme.example", "timestamp": "2016-06-09T15:59:24.123456+02:00"}),
            json!({"action": "LOG_IN", "admin_email": "a@acme.example", "timestamp": "2016-06-09T13:59:24Z"}),
        ]).await;
        let page = app.get(&format!("/api/v1/admin-logs?{IN_2016}"), &key).await.json();
        let times: Vec<&str> = page["items"].as_array().unwrap().iter().map(|e| e["timestamp"].as_str().unwrap()).collect();
        assert_eq!(times, vec!["2016-06-09T13:59:24.500000Z", "2016-06-09T13:59:24.123456Z", "2016-06-09T13:59:24.000000Z"]);
        let login = app.login_reply(&org.super_email, adminlog_tests::PASSWORD).await.json();
        let expires_at = login["expires_at"].as_str().unwrap();
        assert_eq!((expires_at.len(), &expires_at[19..20]), (27, "."), "{expires_at}");
    }
}

fn ids_of(events: &[adminlog_tests::serde_json::Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}
