//! The feed: pages of 1,000 events read across the whole log, and how soon a
//! waiting request answers once an event is committed.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::report::Percentiles;
use crate::shapes::Context;

const PAGE: usize = 1000;
const WAKE_SAMPLES: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct FeedResult {
    /// `GET /admin-logs/feed?after=…&limit=1000`, at positions spread evenly
    /// over the log, whole body read.
    pub page: Percentiles,
    /// From the 201 of an ingestion to the answer of a request that was
    /// waiting (`wait=10`) for it.
    pub wake_up: Percentiles,
}

pub fn measure(context: &Context, iterations: usize) -> Result<FeedResult, String> {
    // The id of a new event is the log's head.
    let mut head = ingest_one(context)?.1;
    let mut pages = Vec::with_capacity(iterations);
    for i in 0..iterations.max(1) {
        let after = head.saturating_sub(PAGE as i64) * i as i64 / iterations.max(1) as i64;
        let started = Instant::now();
        let page: serde_json::Value = context
            .get(&format!("/api/v1/admin-logs/feed?after={after}&limit={PAGE}"))?
            .json()
            .map_err(|e| e.to_string())?;
        pages.push(started.elapsed());
        let items = page["items"].as_array().map_or(0, Vec::len);
        if items != PAGE {
            return Err(format!("the feed after {after} held {items} events, not {PAGE}"));
        }
    }
    let mut wake_ups = Vec::with_capacity(WAKE_SAMPLES);
    for _ in 0..WAKE_SAMPLES {
        let (latency, id) = wake_up(context, head)?;
        wake_ups.push(latency);
        head = id;
    }
    let result = FeedResult { page: Percentiles::of(&mut pages), wake_up: Percentiles::of(&mut wake_ups) };
    println!(
        "feed: page of {PAGE} p50 {:.1} ms p99 {:.1} ms; wake-up after a commit p50 {:.1} ms p99 {:.1} ms",
        result.page.p50_ms, result.page.p99_ms, result.wake_up.p50_ms, result.wake_up.p99_ms
    );
    Ok(result)
}

/// Stores one event; returns when its 201 arrived and its id.
fn ingest_one(context: &Context) -> Result<(Instant, i64), String> {
    let reply: serde_json::Value = context
        .client
        .post(format!("{}/api/v1/admin-logs", context.base))
        .bearer_auth(&context.token)
        .json(&serde_json::json!({"events": [{"action": "EDIT_BILLING", "admin_email": "bench@feed.example"}]}))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .map_err(|e| format!("ingesting one event: {e}"))?;
    let committed = Instant::now();
    Ok((committed, reply["ids"][0].as_i64().ok_or(format!("no id in {reply}"))?))
}

/// One request waiting after `head`, one event committed: the time between
/// the commit's answer and the waiting request's, and the new event's id.
fn wake_up(context: &Context, head: i64) -> Result<(Duration, i64), String> {
    let (base, token) = (context.base.clone(), context.token.clone());
    let waiter = std::thread::spawn(move || -> Result<(Instant, serde_json::Value), String> {
        let page: serde_json::Value = reqwest::blocking::Client::new()
            .get(format!("{base}/api/v1/admin-logs/feed?after={head}&wait=10"))
            .bearer_auth(&token)
            .send()
            .and_then(|r| r.json())
            .map_err(|e| e.to_string())?;
        Ok((Instant::now(), page))
    });
    // Lets the request reach its wait before the event is sent.
    std::thread::sleep(Duration::from_millis(100));
    let (committed, id) = ingest_one(context)?;
    let (answered, page) = waiter.join().map_err(|_| "the waiting request panicked".to_owned())??;
    if page["items"][0]["id"].as_i64() != Some(id) {
        return Err(format!("the waiting feed request did not answer with event {id}: {page}"));
    }
    Ok((answered.saturating_duration_since(committed), id))
}
