//! The report: a markdown table for people, JSON for tools.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::feed::FeedResult;
use crate::grow::Burst;
use crate::measure::{ConcurrencyResult, ExportResult, IngestResult};
use crate::push::PushResult;
use crate::shapes::ShapeResult;
use crate::Options;

#[derive(Clone, Debug, Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles.
    pub fn of(samples: &mut [Duration]) -> Percentiles {
        samples.sort_unstable();
        let at = |p: f64| {
            if samples.is_empty() {
                return 0.0;
            }
            let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1].as_secs_f64() * 1000.0
        };
        Percentiles { samples: samples.len(), p50_ms: at(0.50), p95_ms: at(0.95), p99_ms: at(0.99) }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BackendReport {
    pub backend: String,
    /// How the data set was made: `bulk` (storage layer, indexes built at the
    /// end, statistics refreshed) or `grown` (the server's ingestion endpoint,
    /// no statistics refreshed).
    pub dataset: String,
    /// What produced the data set, said in the report's header line.
    pub load_note: String,
    /// The kept data set of `--reuse`, copied: the load figures are the copy's.
    pub reused: bool,
    /// The events the planner's statistics counted when the shapes were
    /// timed (`None`: never analyzed): how stale they were.
    pub planner_estimate: Option<i64>,
    pub burst_planner_estimate: Option<i64>,
    pub events: u64,
    pub load_seconds: f64,
    pub load_events_per_second: f64,
    pub database_bytes: u64,
    pub bytes_per_event: f64,
    pub shapes: Vec<ShapeResult>,
    pub export: Option<ExportResult>,
    pub feed: Option<FeedResult>,
    pub push: Option<PushResult>,
    pub concurrency: Option<ConcurrencyResult>,
    pub ingest: Option<IngestResult>,
    /// New events of one action sent after everything else...
    pub burst: Option<Burst>,
    /// ... and the shapes timed again at once, statistics as they were.
    pub burst_shapes: Vec<ShapeResult>,
}

impl BackendReport {
    pub fn new(backend: &str, dataset: &str, events: u64, load_seconds: f64, database_bytes: u64) -> BackendReport {
        BackendReport {
            backend: backend.to_owned(),
            dataset: dataset.to_owned(),
            load_note: String::new(),
            reused: false,
            planner_estimate: None,
            burst_planner_estimate: None,
            events,
            load_seconds,
            load_events_per_second: events as f64 / load_seconds,
            database_bytes,
            bytes_per_event: database_bytes as f64 / events as f64,
            shapes: Vec::new(),
            export: None,
            feed: None,
            push: None,
            concurrency: None,
            ingest: None,
            burst: None,
            burst_shapes: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub machine: String,
    pub events: u64,
    pub iterations: usize,
    pub backends: Vec<BackendReport>,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(String::new(), |kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0));
    format!("{cores} cores, {memory}, {cpu}")
}

impl Report {
    pub fn new(options: &Options) -> Report {
        Report {
            generated_at: crate::shapes::now_text(),
            machine: machine(),
            events: options.events,
            iterations: options.iterations,
            backends: Vec::new(),
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# adminlog benchmark\n\n{} · {} events in the big organization · {} requests per shape after warm-up · {}\n", self.machine, self.events, self.iterations, self.generated_at);
        for b in &self.backends {
            let _ = writeln!(out, "## {} — {}\n", b.backend, b.dataset);
            let _ = writeln!(
                out,
                "{}: {} events in {:.1} s ({:.0} events/s); on disk {:.1} MiB (write-ahead log included), {:.0} bytes/event.\n",
                b.load_note,
                b.events,
                b.load_seconds,
                b.load_events_per_second,
                b.database_bytes as f64 / 1048576.0,
                b.bytes_per_event
            );
            let _ = writeln!(out, "{}\n", statistics_note(b.planner_estimate));
            shape_table(&mut out, &b.shapes);
            if let Some(e) = &b.export {
                let _ = writeln!(out, "\nCSV export of {} rows: first byte p50 {:.1} ms, last byte p50 {:.1} ms (p99 {:.1} ms); resident memory {} → {} KiB.", e.rows, e.first_byte.p50_ms, e.last_byte.p50_ms, e.last_byte.p99_ms, e.rss_before_kib, e.rss_after_kib);
            }
            if let Some(f) = &b.feed {
                let _ = writeln!(
                    out,
                    "Feed: a page of 1,000 events (`GET /admin-logs/feed?after=…&limit=1000`, positions across the log) p50 {:.1} ms, p99 {:.1} ms; a waiting request answers {:.1} ms (p50) / {:.1} ms (p99) after the commit's 201.",
                    f.page.p50_ms, f.page.p99_ms, f.wake_up.p50_ms, f.wake_up.p99_ms
                );
            }
            if let Some(p) = &b.push {
                let _ = writeln!(
                    out,
                    "Push: {} streams while events arrive at {}/s for {} s: from an event's arrival at the server to its receipt by each stream's receiver p50 {:.0} ms, p99 {:.0} ms ({} deliveries; {} batches answered 503 and sent again).",
                    p.streams, p.events_per_second, p.seconds, p.latency.p50_ms, p.latency.p99_ms, p.deliveries, p.retried
                );
            }
            if let Some(i) = &b.ingest {
                let _ = writeln!(
                    out,
                    "Ingestion over HTTP: {} clients × batches of {}: {} events in {:.1} s = {:.0} events/s ({}); {} batches answered 503 and sent again.",
                    i.clients, i.batch, i.events, i.seconds, i.events_per_second, i.durability, i.retried
                );
            }
            if let Some(c) = &b.concurrency {
                let _ = writeln!(
                    out,
                    "Concurrency: {} clients for {:.0} s: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, {} errors.",
                    c.clients, c.seconds, c.requests_per_second, c.latency.p50_ms, c.latency.p99_ms, c.errors
                );
            }
            if let Some(burst) = &b.burst {
                let _ = writeln!(
                    out,
                    "\n### After a burst of {} {} events\n\nSent last through POST /admin-logs ({} clients × batches of {}) in {:.2} s, without timestamps: stamped as they arrived, between {} and {}, they are the newest events of the log. An action rare in the history, so statistics gathered before the burst call it rare. Then the shapes again at once: the benchmark runs no ANALYZE (the server's own refresh runs as in production).\n",
                    burst.events, burst.action, crate::grow::CLIENTS, crate::grow::BATCH, burst.seconds, burst.from, burst.to
                );
                let _ = writeln!(out, "{}\n", statistics_note(b.burst_planner_estimate));
                shape_table(&mut out, &b.burst_shapes);
            }
            out.push('\n');
        }
        self.side_by_side(&mut out);
        out
    }

    /// Every data set's p50 / p99 over HTTP in one table, shape by shape;
    /// then the same after the burst.
    fn side_by_side(&self, out: &mut String) {
        if self.backends.len() < 2 {
            return;
        }
        self.side_by_side_shapes(out, "Side by side: HTTP p50 / p99 ms", |b| &b.shapes, http_cell);
        let export: Vec<String> = self
            .backends
            .iter()
            .map(|b| {
                b.export
                    .as_ref()
                    .map_or("—".to_owned(), |e| format!("{:.1} / {:.1}", e.last_byte.p50_ms, e.last_byte.p99_ms))
            })
            .collect();
        let _ = writeln!(out, "| CSV export, last byte | {} |", export.join(" | "));
        let feed: Vec<String> = self
            .backends
            .iter()
            .map(|b| {
                b.feed.as_ref().map_or("—".to_owned(), |f| {
                    format!("{:.1} / {:.1} (wake-up {:.1})", f.page.p50_ms, f.page.p99_ms, f.wake_up.p50_ms)
                })
            })
            .collect();
        let _ = writeln!(out, "| feed page of 1,000 | {} |", feed.join(" | "));
        let push: Vec<String> = self
            .backends
            .iter()
            .map(|b| {
                b.push
                    .as_ref()
                    .map_or("—".to_owned(), |p| format!("{:.0} / {:.0}", p.latency.p50_ms, p.latency.p99_ms))
            })
            .collect();
        let _ = writeln!(out, "| push, arrival to receiver (10 streams, 1,000 events/s) | {} |", push.join(" | "));
        let disk: Vec<String> = self.backends.iter().map(|b| format!("{:.0} B", b.bytes_per_event)).collect();
        let _ = writeln!(out, "| disk per event | {} |\n", disk.join(" | "));
        self.side_by_side_shapes(
            out,
            "Side by side: histogram of the shape's filters, HTTP p50 / p99 ms (count)",
            |b| &b.shapes,
            histogram_cell,
        );
        let _ = writeln!(out);
        self.side_by_side_shapes(
            out,
            "Side by side: counts per action of the shape's range and keyword, HTTP p50 / p99 ms",
            |b| &b.shapes,
            |shape| shape.action_counts.as_ref().map(|t| format!("{:.2} / {:.2}", t.p50_ms, t.p99_ms)),
        );
        let _ = writeln!(out);
        if self.backends.iter().all(|b| b.burst_shapes.is_empty()) {
            return;
        }
        self.side_by_side_shapes(
            out,
            "Side by side after the burst: HTTP p50 / p99 ms",
            |b| &b.burst_shapes,
            http_cell,
        );
        let bursts: Vec<String> = self
            .backends
            .iter()
            .map(|b| b.burst.as_ref().map_or("—".to_owned(), |burst| format!("{} {}", burst.events, burst.action)))
            .collect();
        let _ = writeln!(out, "| burst | {} |\n", bursts.join(" | "));
    }

    /// A heading and one row per shape, a column per data set.
    fn side_by_side_shapes(
        &self,
        out: &mut String,
        title: &str,
        shapes: fn(&BackendReport) -> &[ShapeResult],
        cell: fn(&ShapeResult) -> Option<String>,
    ) {
        let Some(first) = self.backends.first() else { return };
        let _ = writeln!(out, "## {title}\n");
        let columns: Vec<String> = self.backends.iter().map(|b| format!("{} {}", b.backend, b.dataset)).collect();
        let _ = writeln!(out, "| shape | {} |", columns.join(" | "));
        let _ = writeln!(out, "| --- |{}", " ---: |".repeat(columns.len()));
        for (i, shape) in shapes(first).iter().enumerate() {
            if cell(shape).is_none() {
                continue;
            }
            let cells: Vec<String> = self
                .backends
                .iter()
                .map(|b| shapes(b).get(i).and_then(cell).unwrap_or_else(|| "—".to_owned()))
                .collect();
            let _ = writeln!(out, "| {} | {} |", shape.name, cells.join(" | "));
        }
    }

    pub fn write(&self, dir: &Path, markdown: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("bench.md"), markdown)?;
        std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(self).map_err(std::io::Error::other)?)
    }
}

fn http_cell(shape: &ShapeResult) -> Option<String> {
    Some(format!("{:.2} / {:.2}", shape.http.p50_ms, shape.http.p99_ms))
}

fn histogram_cell(shape: &ShapeResult) -> Option<String> {
    let timings = shape.histogram.as_ref()?;
    Some(format!("{:.2} / {:.2} ({})", timings.p50_ms, timings.p99_ms, shape.histogram_total.as_deref().unwrap_or("?")))
}

/// What the planner's statistics knew when the shapes were timed.
fn statistics_note(estimate: Option<i64>) -> String {
    match estimate {
        None => "Planner statistics: none (the events table was never analyzed).".to_owned(),
        Some(events) => format!("Planner statistics: the events table counted at {events} events."),
    }
}

/// One data set's shapes: rows, HTTP percentiles, the floor.
fn shape_table(out: &mut String, shapes: &[ShapeResult]) {
    let _ = writeln!(
        out,
        "| shape | route | rows | HTTP p50 ms | p95 ms | p99 ms | floor p50 ms | floor p99 ms | HTTP/floor p50 | \
         histogram p50 / p99 ms | count | action counts p50 / p99 ms |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for s in shapes {
        let ratio = if s.floor.p50_ms > 0.0 { s.http.p50_ms / s.floor.p50_ms } else { 0.0 };
        let pair = |t: &Option<Percentiles>| {
            t.as_ref().map_or("—".to_owned(), |t| format!("{:.2} / {:.2}", t.p50_ms, t.p99_ms))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1}× | {} | {} | {} |",
            s.name,
            s.route,
            s.rows,
            s.http.p50_ms,
            s.http.p95_ms,
            s.http.p99_ms,
            s.floor.p50_ms,
            s.floor.p99_ms,
            ratio,
            pair(&s.histogram),
            s.histogram_total.as_deref().unwrap_or("—"),
            pair(&s.action_counts),
        );
    }
}
