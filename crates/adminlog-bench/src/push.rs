//! Push streams: ten streams, events arriving at 1,000 a second, and how long
//! after each event reached the server each stream's receiver had it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::report::Percentiles;
use crate::shapes::Context;

const STREAMS: usize = 10;
const EVENTS_PER_SECOND: usize = 1000;
/// One request every 100 ms.
const BATCH: usize = 100;
/// Marks the events this measurement sends, among the streams' own events.
const SENDER: &str = "bench@push.example";

#[derive(Clone, Debug, Serialize)]
pub struct PushResult {
    pub streams: usize,
    pub events_per_second: usize,
    pub seconds: usize,
    /// Deliveries the receiver accepted, over all streams.
    pub deliveries: usize,
    /// Batches the server answered 503 (busy) and that were sent again.
    pub retried: usize,
    /// From an event's arrival at the server (`received_at`, before its
    /// commit) to its receipt by a stream's receiver, over every (event,
    /// stream).
    pub latency: Percentiles,
}

/// What the receiver saw: per stream, each marked event's latency.
#[derive(Default)]
struct Received {
    latencies: HashMap<i64, Vec<Duration>>,
    deliveries: usize,
}

pub fn measure(context: &Context, key: &str, seconds: usize) -> Result<PushResult, String> {
    let received = Arc::new(Mutex::new(Received::default()));
    let url = start_receiver(received.clone())?;
    let mut streams = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        let created: serde_json::Value = context
            .client
            .post(format!("{}/api/v1/streams", context.base))
            .bearer_auth(&context.token)
            .json(&serde_json::json!({"url": url}))
            .send()
            .and_then(|r| r.json())
            .map_err(|e| format!("creating a stream: {e}"))?;
        streams.push(created["id"].as_i64().ok_or(format!("no stream: {created}"))?);
    }
    // Every process looks for streams to claim once a second.
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    let batches = EVENTS_PER_SECOND * seconds / BATCH;
    let every = Duration::from_secs(1) / (EVENTS_PER_SECOND / BATCH) as u32;
    let events: Vec<serde_json::Value> =
        (0..BATCH).map(|_| serde_json::json!({"action": "EDIT_BILLING", "admin_email": SENDER})).collect();
    let body = serde_json::json!({ "events": events });
    let mut retried = 0;
    for batch in 0..batches {
        let due = started + every * batch as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        // As a client following the API's advice: a 503 (busy) is sent
        // again, at most a few times; anything else fails the measurement.
        let mut attempts = 0;
        loop {
            let response = context
                .client
                .post(format!("{}/api/v1/admin-logs", context.base))
                .bearer_auth(key)
                .json(&body)
                .send()
                .map_err(|e| format!("ingesting at {EVENTS_PER_SECOND}/s: {e}"))?;
            if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE && attempts < 5 {
                attempts += 1;
                retried += 1;
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
            response.error_for_status().map_err(|e| format!("ingesting at {EVENTS_PER_SECOND}/s: {e}"))?;
            break;
        }
    }
    let sent = batches * BATCH;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = {
            let received = received.lock().map_err(|_| "receiver poisoned")?;
            streams.iter().all(|id| received.latencies.get(id).map_or(0, Vec::len) >= sent)
        };
        if done {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the streams did not deliver {sent} events within 2 minutes"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for id in &streams {
        let _ =
            context.client.delete(format!("{}/api/v1/streams/{id}", context.base)).bearer_auth(&context.token).send();
    }
    let received = received.lock().map_err(|_| "receiver poisoned")?;
    let mut latencies: Vec<Duration> = received.latencies.values().flatten().copied().collect();
    let result = PushResult {
        streams: STREAMS,
        events_per_second: EVENTS_PER_SECOND,
        seconds,
        deliveries: received.deliveries,
        retried,
        latency: Percentiles::of(&mut latencies),
    };
    println!(
        "push: {STREAMS} streams at {EVENTS_PER_SECOND} events/s: arrival to receiver p50 {:.0} ms, p99 {:.0} ms, {} deliveries, {} batches retried after a 503",
        result.latency.p50_ms, result.latency.p99_ms, result.deliveries, result.retried
    );
    Ok(result)
}

/// A receiver on loopback that answers 204 to every delivery (keeping the
/// connection open) and notes when each marked event arrived.
fn start_receiver(received: Arc<Mutex<Received>>) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!("http://{}/push", listener.local_addr().map_err(|e| e.to_string())?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let received = received.clone();
            std::thread::spawn(move || serve(stream, &received));
        }
    });
    Ok(url)
}

fn serve(stream: TcpStream, received: &Mutex<Received>) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let now = OffsetDateTime::now_utc();
        note(&body, now, received);
        if writer.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_err() {
            return;
        }
    }
}

fn note(body: &[u8], now: OffsetDateTime, received: &Mutex<Received>) {
    let Ok(delivery) = serde_json::from_slice::<serde_json::Value>(body) else { return };
    let Some(stream) = delivery["stream_id"].as_i64() else { return };
    let Ok(mut received) = received.lock() else { return };
    received.deliveries += 1;
    for event in delivery["events"].as_array().into_iter().flatten() {
        if event["admin_email"] != SENDER {
            continue;
        }
        let arrived = event["received_at"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok());
        if let Some(arrived) = arrived {
            let latency = Duration::try_from(now - arrived).unwrap_or_default();
            received.latencies.entry(stream).or_default().push(latency);
        }
    }
}
