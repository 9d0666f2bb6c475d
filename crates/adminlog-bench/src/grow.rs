//! The data set as real logs get it: pushed through the running server's
//! ingestion endpoint in time-ordered batches by several clients, with
//! nobody refreshing the planner's statistics (no ANALYZE, no VACUUM; on
//! PostgreSQL autovacuum as the machine has it).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adminlog_server::demo::{DemoSpec, Population, Rng};
use adminlog_server::domain::ingest::EventDraft;
use adminlog_types::Action;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub const CLIENTS: usize = 4;
pub const BATCH: usize = 1000;

/// One event as a client sends it; without a timestamp when not `stamped`
/// (the server then stamps its arrival).
fn new_event(draft: &EventDraft, event_id: String, stamped: bool) -> serde_json::Value {
    let mut event = serde_json::json!({
        "event_id": event_id,
        "action": draft.action,
        "source": draft.source,
        "admin_email": draft.admin_email,
        "user_email": draft.user_email,
        "user_name": draft.user_name,
        "domain_name": draft.domain_name,
    });
    if stamped {
        event["timestamp"] = draft.timestamp.format(&Rfc3339).unwrap_or_default().into();
    }
    event
}

/// Pushes `spec.events` events with a `logs:write` key, [`CLIENTS`] clients
/// taking batches in time order: spread over `spec.span` up to `end`, or with
/// no `end` sent without timestamps, stamped as they arrive (the burst).
/// `action` overrides every event's action (the burst). Event ids are
/// `{ids}-{seed}-{k}`: a set of events pushed into a log that holds another's
/// needs ids of its own, or the server acknowledges them as duplicates
/// without storing them. Returns the seconds it took.
pub fn grow(
    base: &str,
    key: &str,
    population: &Arc<Population>,
    spec: &DemoSpec,
    end: Option<OffsetDateTime>,
    action: Option<Action>,
    ids: &'static str,
) -> Result<f64, String> {
    let batches = (spec.events as usize).div_ceil(BATCH);
    let step = spec.span.whole_microseconds() as f64 / spec.events.max(1) as f64;
    let start = end.map(|end| end - spec.span);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, failures, key, base) = (next.clone(), failures.clone(), key.to_owned(), base.to_owned());
            let (population, spec) = (population.clone(), spec.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(120))
                    .build()
                    .expect("an HTTP client");
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    // A batch that could not be stored ends the growing: the
                    // measurement is void, and a server that went away would
                    // otherwise be asked twenty times for every batch left.
                    if n >= batches || failures.load(Ordering::Relaxed) > 0 {
                        break;
                    }
                    // Each batch has its own generator: the data set does not
                    // depend on which client sends which batch.
                    let mut rng = Rng::new(spec.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    let first = n * BATCH;
                    let last = (first + BATCH).min(spec.events as usize);
                    let events: Vec<serde_json::Value> = (first..last)
                        .map(|k| {
                            let at = start.map_or_else(OffsetDateTime::now_utc, |start| {
                                start + time::Duration::microseconds((k as f64 * step) as i64)
                            });
                            let mut draft = population.event(&mut rng, at, spec.api_share);
                            if let Some(action) = action {
                                draft.action = action;
                            }
                            new_event(&draft, format!("{ids}-{}-{k}", spec.seed), start.is_some())
                        })
                        .collect();
                    let body = serde_json::json!({ "events": events });
                    let mut sent = false;
                    // Retries with the same event ids are safe: 503s under load are expected.
                    for _ in 0..20 {
                        let reply =
                            client.post(format!("{base}/api/v1/admin-logs")).bearer_auth(&key).json(&body).send();
                        match reply {
                            Ok(r) if r.status().as_u16() == 201 => {
                                sent = true;
                                break;
                            }
                            Ok(r) if r.status().as_u16() == 503 => std::thread::sleep(Duration::from_millis(200)),
                            Ok(r) => {
                                eprintln!("batch {n}: {} {}", r.status(), r.text().unwrap_or_default());
                                break;
                            }
                            Err(error) => {
                                eprintln!("batch {n}: {error}");
                                std::thread::sleep(Duration::from_millis(200));
                            }
                        }
                    }
                    if !sent {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| "a growing client panicked".to_owned())?;
    }
    match failures.load(Ordering::Relaxed) {
        0 => Ok(started.elapsed().as_secs_f64()),
        failed => Err(format!("{failed} batches were not stored")),
    }
}

/// The burst's action. It is 1 in 934 events of the history's mix and shapes
/// 4 and 11 filter on it: statistics gathered before the burst call it rare
/// while it is then 5% of the log, the worst case for stale statistics.
pub const BURST_ACTION: Action = Action::EDIT_BILLING;

/// What the burst sent, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct Burst {
    pub action: &'static str,
    pub events: u64,
    /// When it was sent: the server stamped its events in between.
    pub from: String,
    pub to: String,
    pub seconds: f64,
}

/// How many events a burst after `history` events has: 5%, at least 1,000.
fn burst_size(history: u64) -> u64 {
    (history / 20).max(1_000)
}

/// New events arriving after everything else: a [`burst_size`] of
/// `spec.events`, every one [`BURST_ACTION`], sent as [`grow`] sends (ids
/// `burst-…`, a seed of their own) but without timestamps. Stamped as they
/// arrive, they are the newest events of the log, above the history and the
/// ingestion measurement's events alike, and in time order.
pub fn burst(base: &str, key: &str, population: &Arc<Population>, spec: &DemoSpec) -> Result<Burst, String> {
    let events = burst_size(spec.events);
    let burst = DemoSpec { events, seed: spec.seed.wrapping_add(1), ..spec.clone() };
    let from = OffsetDateTime::now_utc();
    let seconds = grow(base, key, population, &burst, None, Some(BURST_ACTION), "burst")?;
    Ok(Burst {
        action: BURST_ACTION.as_str(),
        events,
        from: from.format(&Rfc3339).unwrap_or_default(),
        to: OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        seconds,
    })
}
