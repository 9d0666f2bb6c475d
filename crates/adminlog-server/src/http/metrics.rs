//! Prometheus metrics: requests by route and status, their latency, and
//! error answers by code (so a database that is unreachable, `unavailable`,
//! or full, `insufficient_storage`, has a series of its own).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

impl Series {
    fn add(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        self.count += 1;
        self.sum_seconds += seconds;
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The histogram's lines for one label set.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (bound, count) in BUCKETS.iter().zip(self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum_seconds);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
    errors: Mutex<BTreeMap<String, u64>>,
    /// Storage time of page reads, by the planner's route.
    page_reads: Mutex<BTreeMap<&'static str, Series>>,
}

impl Metrics {
    /// `route` is the matched pattern (`/api/v1/administrators/{id}`), never
    /// the raw path, so the number of series stays bounded.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut series = self.series.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        series.entry((method.to_owned(), route.to_owned(), status)).or_default().add(elapsed);
    }

    /// The storage time of one page read, labelled with the route the
    /// planner chose (`storage::events::Route::label`).
    pub fn observe_page_read(&self, plan: &'static str, elapsed: Duration) {
        let mut reads = self.page_reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        reads.entry(plan).or_default().add(elapsed);
    }

    /// One error answer with this code.
    pub fn count_error(&self, code: adminlog_types::ErrorCode) {
        let name = serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let mut errors = self.errors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *errors.entry(name).or_default() += 1;
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        {
            let errors = self.errors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            out.push_str("# HELP adminlog_errors_total Error answers by code.\n");
            out.push_str("# TYPE adminlog_errors_total counter\n");
            for (code, count) in errors.iter() {
                let _ = writeln!(out, "adminlog_errors_total{{code=\"{code}\"}} {count}");
            }
        }
        let series = self.series.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        out.push_str("# HELP adminlog_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE adminlog_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "adminlog_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP adminlog_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE adminlog_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in series.iter() {
            let total = by_route.entry((method, route)).or_default();
            total.count += s.count;
            total.sum_seconds += s.sum_seconds;
            for (t, b) in total.buckets.iter_mut().zip(s.buckets) {
                *t += b;
            }
        }
        for ((method, route), s) in by_route {
            s.render(
                &mut out,
                "adminlog_http_request_duration_seconds",
                &format!("method=\"{method}\",route=\"{route}\""),
            );
        }
        drop(series);
        out.push_str("# HELP adminlog_page_read_duration_seconds Storage time of log pages, by the planner's route.\n");
        out.push_str("# TYPE adminlog_page_read_duration_seconds histogram\n");
        let reads = self.page_reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (plan, s) in reads.iter() {
            s.render(&mut out, "adminlog_page_read_duration_seconds", &format!("plan=\"{plan}\""));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_requests() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/healthz", 200, Duration::from_millis(3));
        metrics.observe("GET", "/healthz", 200, Duration::from_millis(30));
        let text = metrics.render();
        assert!(text.contains("adminlog_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
    }

    #[test]
    fn page_reads_are_a_histogram_by_route() {
        let metrics = Metrics::default();
        metrics.observe_page_read("per_action", Duration::from_millis(2));
        metrics.observe_page_read("per_action", Duration::from_millis(40));
        metrics.observe_page_read("scan", Duration::from_millis(7));
        let text = metrics.render();
        assert!(text.contains("adminlog_page_read_duration_seconds_count{plan=\"per_action\"} 2"), "{text}");
        assert!(
            text.contains("adminlog_page_read_duration_seconds_bucket{plan=\"per_action\",le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.contains("adminlog_page_read_duration_seconds_count{plan=\"scan\"} 1"), "{text}");
    }

    #[test]
    fn counts_error_answers_by_code() {
        let metrics = Metrics::default();
        metrics.count_error(adminlog_types::ErrorCode::InsufficientStorage);
        metrics.count_error(adminlog_types::ErrorCode::Unavailable);
        metrics.count_error(adminlog_types::ErrorCode::Unavailable);
        let text = metrics.render();
        assert!(text.contains("adminlog_errors_total{code=\"unavailable\"} 2"), "{text}");
        assert!(text.contains("adminlog_errors_total{code=\"insufficient_storage\"} 1"), "{text}");
    }
}
