//! Export, concurrency and ingestion measurements, and the in-process server.

use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use adminlog_server::app::{self, Settings};
use serde::Serialize;

use crate::report::Percentiles;
use crate::shapes::Context;

/// The server runs on its own thread with its own actix system.
pub struct ServerThread {
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn start_server(settings: Settings) -> Result<(std::net::SocketAddr, ServerThread), String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match app::start(&settings) {
                Ok(running) => {
                    let _ = sender.send(Ok((running.addr, running.server.handle())));
                    let _ = running.server.await;
                }
                Err(e) => {
                    let _ = sender.send(Err(e.to_string()));
                }
            }
        })
    });
    let (addr, handle) = receiver.recv().map_err(|e| e.to_string())??;
    Ok((addr, ServerThread { handle, thread: Some(thread) }))
}

/// Resident memory of this process (server and client share it), in KiB.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportResult {
    pub rows: usize,
    pub first_byte: Percentiles,
    pub last_byte: Percentiles,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
}

/// A 10,000-row export, ten times: time to first byte, to last byte, memory.
pub fn export(context: &Context) -> Result<ExportResult, String> {
    let rss_before_kib = resident_kib();
    let (mut first, mut last, mut rows) = (Vec::new(), Vec::new(), 0);
    for _ in 0..10 {
        let started = Instant::now();
        let mut response = context.get("/api/v1/admin-logs/export")?;
        let mut buffer = [0u8; 1];
        response.read_exact(&mut buffer).map_err(|e| e.to_string())?;
        first.push(started.elapsed());
        let mut rest = Vec::new();
        response.read_to_end(&mut rest).map_err(|e| e.to_string())?;
        last.push(started.elapsed());
        rows = rest.iter().filter(|b| **b == b'\n').count();
    }
    let result = ExportResult {
        rows,
        first_byte: Percentiles::of(&mut first),
        last_byte: Percentiles::of(&mut last),
        rss_before_kib,
        rss_after_kib: resident_kib(),
    };
    println!(
        "export: {} rows, first byte p50 {:.1} ms, last byte p50 {:.1} ms",
        result.rows, result.first_byte.p50_ms, result.last_byte.p50_ms
    );
    Ok(result)
}

#[derive(Clone, Debug, Serialize)]
pub struct ConcurrencyResult {
    pub clients: usize,
    pub seconds: f64,
    pub requests: u64,
    pub requests_per_second: f64,
    pub errors: u64,
    pub latency: Percentiles,
}

/// Sixteen clients cycle through the first-page shapes.
pub fn concurrency(context: &Context, duration: Duration) -> Result<ConcurrencyResult, String> {
    const CLIENTS: usize = 16;
    let urls = Arc::new(context.mix());
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (urls, latencies, errors) = (urls.clone(), latencies.clone(), errors.clone());
            let (base, token) = (context.base.clone(), context.token.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut mine = Vec::new();
                let mut i = n;
                while started.elapsed() < duration {
                    let url = format!("{base}{}", urls[i % urls.len()]);
                    i += 1;
                    let begun = Instant::now();
                    match client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .and_then(|r| r.error_for_status())
                        .and_then(|r| r.bytes())
                    {
                        Ok(_) => mine.push(begun.elapsed()),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latencies.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut all = std::mem::take(&mut *latencies.lock().unwrap_or_else(|p| p.into_inner()));
    let requests = all.len() as u64 + errors.load(Ordering::Relaxed);
    let result = ConcurrencyResult {
        clients: CLIENTS,
        seconds,
        requests,
        requests_per_second: requests as f64 / seconds,
        errors: errors.load(Ordering::Relaxed),
        latency: Percentiles::of(&mut all),
    };
    println!(
        "concurrency: {:.0} req/s, p99 {:.1} ms, {} errors",
        result.requests_per_second, result.latency.p99_ms, result.errors
    );
    Ok(result)
}

#[derive(Clone, Debug, Serialize)]
pub struct IngestResult {
    pub clients: usize,
    pub batch: usize,
    pub events: usize,
    pub seconds: f64,
    pub events_per_second: f64,
    pub durability: &'static str,
    /// Batches answered 503 (busy) and sent again.
    pub retried: u64,
}

/// Four clients send batches of 1,000 events until `total` are stored.
pub fn ingest(context: &Context, total: usize) -> Result<IngestResult, String> {
    const CLIENTS: usize = 4;
    const BATCH: usize = 1000;
    let created: serde_json::Value = context
        .client
        .post(format!("{}/api/v1/api-keys", context.base))
        .bearer_auth(&context.token)
        .json(&serde_json::json!({"name": "bench ingest", "scopes": ["logs:write"]}))
        .send()
        .and_then(|r| r.json())
        .map_err(|e| e.to_string())?;
    let key = created["key"].as_str().ok_or(format!("no key: {created}"))?.to_owned();
    let batches = total.div_ceil(BATCH);
    // Ids unique to this run: a reused data set already holds the last run's,
    // which would be acknowledged as duplicates without being stored.
    let run = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, failures, key, base) = (next.clone(), failures.clone(), key.clone(), context.base.clone());
            let busy = busy.clone();
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= batches {
                        break;
                    }
                    let events: Vec<serde_json::Value> = (0..BATCH)
                        .map(|i| {
                            serde_json::json!({
                                "action": "ISSUE_TOKEN",
                                "user_name": format!("ingest-{}", (n * BATCH + i) % 5000),
                                "domain_name": "Office VPN",
                                "event_id": format!("bench-{run}-{n}-{i}"),
                            })
                        })
                        .collect();
                    let body = serde_json::json!({"events": events});
                    // As a client following the API's advice: a 503 (busy)
                    // is retried with the same event ids, which is safe;
                    // anything else fails the measurement, said below.
                    let mut stored = false;
                    for _ in 0..20 {
                        match client.post(format!("{base}/api/v1/admin-logs")).bearer_auth(&key).json(&body).send() {
                            Ok(r) if r.status().as_u16() == 201 => {
                                stored = true;
                                break;
                            }
                            Ok(r) if r.status().as_u16() == 503 => {
                                busy.fetch_add(1, Ordering::Relaxed);
                                std::thread::sleep(Duration::from_millis(100));
                            }
                            Ok(r) => {
                                eprintln!("ingest batch {n}: {} {}", r.status(), r.text().unwrap_or_default());
                                break;
                            }
                            Err(error) => {
                                eprintln!("ingest batch {n}: {error}");
                                break;
                            }
                        }
                    }
                    if !stored {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
    let seconds = started.elapsed().as_secs_f64();
    if failures.load(Ordering::Relaxed) > 0 {
        return Err(format!("{} ingestion batches failed", failures.load(Ordering::Relaxed)));
    }
    let events = batches * BATCH;
    let result = IngestResult {
        clients: CLIENTS,
        batch: BATCH,
        events,
        seconds,
        events_per_second: events as f64 / seconds,
        durability: "committed before 201: SQLite WAL synchronous=NORMAL, PostgreSQL synchronous_commit=on",
        retried: busy.load(Ordering::Relaxed),
    };
    println!("ingest: {:.0} events/s, {} batches retried after a 503", result.events_per_second, result.retried);
    Ok(result)
}
