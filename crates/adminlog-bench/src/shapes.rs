//! The eleven page shapes of the issue, each timed over HTTP and against the
//! storage layer directly (the floor).

use std::time::{Duration, Instant};

use adminlog_server::demo::Population;
use adminlog_server::domain::cursor::CursorKey;
use adminlog_server::storage::events::EventSelection;
use adminlog_server::storage::Db;
use adminlog_types::{LogQuery, Page, QueryKind};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::report::Percentiles;
use crate::MAIL_DOMAIN;

/// What every measurement needs.
pub struct Context {
    pub base: String,
    pub client: reqwest::blocking::Client,
    pub token: String,
    pub db: Db,
    pub org_id: i64,
    cursors: CursorKey,
    shapes: Vec<Shape>,
}

/// Where in the results the timed page sits.
#[derive(Clone, Debug)]
enum Depth {
    First,
    /// The page after this many pages.
    Deep(usize),
    /// The last page.
    Last,
}

#[derive(Clone, Debug)]
struct Shape {
    name: &'static str,
    query: String,
    depth: Depth,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShapeResult {
    pub name: String,
    pub query: String,
    pub rows: usize,
    pub http: Percentiles,
    pub floor: Percentiles,
    /// The planner's route for the page (`storage::events::Route`).
    pub route: String,
    /// `GET /admin-logs/histogram` with the shape's filters (first pages
    /// only: the histogram has no position), and the count it gave.
    pub histogram: Option<Percentiles>,
    pub histogram_total: Option<String>,
    /// `GET /admin-logs/action-counts` with the shape's range and keyword
    /// (the action picker's counts; first pages only).
    pub action_counts: Option<Percentiles>,
}

fn day(at: OffsetDateTime) -> String {
    at.date().to_string()
}

impl Context {
    pub fn new(
        base: &str,
        db: &Db,
        secret_key_file: &std::path::Path,
        org_id: i64,
        population: &Population,
        end: OffsetDateTime,
    ) -> Result<Context, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let token = crate::login(base)?;
        let secret = adminlog_server::signing_key::load_or_create_secret(secret_key_file)?;
        // An exact user name: one of the last round of names (`...39`), which
        // no other name contains, and the most active of them.
        let users = population.users();
        let exact_user = users.get(users.len().saturating_sub(500)).map(|u| u.1.clone()).unwrap_or_default();
        // A domain holding about 0.2% of events.
        let rare_domain = population.domains().get(100).cloned().unwrap_or_default();
        let enc = |s: &str| s.replace(' ', "+");
        let shapes = vec![
            Shape { name: "1 no filter", query: String::new(), depth: Depth::First },
            Shape {
                name: "2 30-day window",
                query: format!("from={}&to={}", day(end - time::Duration::days(60)), day(end - time::Duration::days(31))),
                depth: Depth::First,
            },
            Shape { name: "3 one common action", query: "actions=ISSUE_TOKEN".into(), depth: Depth::First },
            Shape {
                name: "4 three rare actions",
                query: "actions=EDIT_BILLING,CREATE_HARDWARE_TOKEN,TEST_HARDWARE_TOKEN".into(),
                depth: Depth::First,
            },
            Shape { name: "5 keyword: exact user name", query: format!("keyword={}", enc(&exact_user)), depth: Depth::First },
            Shape { name: "6 keyword: ~0.1% of rows", query: format!("keyword={}", enc(&rare_domain)), depth: Depth::First },
            Shape { name: "7 keyword: most rows", query: format!("keyword={MAIL_DOMAIN}"), depth: Depth::First },
            Shape { name: "8 keyword: no match", query: "keyword=zz-no-such-thing".into(), depth: Depth::First },
            Shape {
                name: "9 six months + 3 actions + keyword",
                query: format!(
                    "from={}&to={}&actions=ADD_USER_TO_DOMAIN,REMOVE_USER_FROM_DOMAIN,RESET_USER_RETRY_LIMIT&keyword=Office+VPN",
                    day(end - time::Duration::days(270)),
                    day(end - time::Duration::days(90))
                ),
                depth: Depth::First,
            },
            Shape { name: "10 deep page (page 101)", query: String::new(), depth: Depth::Deep(100) },
            Shape { name: "11 last page, selective filter", query: "actions=EDIT_BILLING".into(), depth: Depth::Last },
        ];
        Ok(Context {
            base: base.to_owned(),
            client,
            token,
            db: db.clone(),
            org_id,
            cursors: adminlog_server::app::cursor_key(&secret),
            shapes,
        })
    }

    pub fn get(&self, path_and_query: &str) -> Result<reqwest::blocking::Response, String> {
        let response = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(format!("{path_and_query}: {}", response.status()))
        }
    }

    fn page(&self, query: &str, cursor: Option<&str>) -> Result<Page<adminlog_types::Event>, String> {
        self.get(&page_url(query, cursor))?.json().map_err(|e| e.to_string())
    }

    /// The first-page URLs of every shape, for the concurrency mix.
    pub fn mix(&self) -> Vec<String> {
        self.shapes.iter().filter(|s| matches!(s.depth, Depth::First)).map(|s| page_url(&s.query, None)).collect()
    }
}

fn page_url(query: &str, cursor: Option<&str>) -> String {
    let mut url = format!("/api/v1/admin-logs?limit=50{}{query}", if query.is_empty() { "" } else { "&" });
    if let Some(cursor) = cursor {
        url.push_str("&cursor=");
        url.push_str(cursor);
    }
    url
}

/// The cursor that leads to the timed page (not timed itself).
fn cursor_for(context: &Context, shape: &Shape) -> Result<Option<String>, String> {
    match shape.depth {
        Depth::First => Ok(None),
        Depth::Deep(pages) => {
            let mut cursor = None;
            for _ in 0..pages {
                cursor = context.page(&shape.query, cursor.as_deref())?.next_cursor;
            }
            Ok(cursor)
        }
        Depth::Last => {
            let mut cursor: Option<String> = None;
            loop {
                let page = context.page(&shape.query, cursor.as_deref())?;
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => return Ok(cursor),
                }
            }
        }
    }
}

pub fn measure_all(context: &Context, iterations: usize) -> Result<Vec<ShapeResult>, String> {
    let mut results = Vec::new();
    for shape in &context.shapes {
        let cursor = cursor_for(context, shape)?;
        let url = page_url(&shape.query, cursor.as_deref());
        let mut rows = 0;
        for _ in 0..3 {
            rows = context.page(&shape.query, cursor.as_deref())?.items.len();
        }
        let http = time_get(context, &url, iterations)?;
        let parsed = LogQuery::parse(&shape.query, QueryKind::Page).map_err(|p| format!("{p:?}"))?;
        let after = match &cursor {
            Some(token) => {
                Some(context.cursors.decode(context.org_id, &parsed.filter, token).map_err(|e| e.to_string())?)
            }
            None => None,
        };
        let selection = EventSelection::new(&parsed.filter, after, 51);
        let mut floor = Vec::with_capacity(iterations);
        let mut route = String::new();
        for _ in 0..iterations {
            let started = Instant::now();
            let read = context.db.page_events(context.org_id, &selection).map_err(|e| e.to_string())?;
            floor.push(started.elapsed());
            route = read.route.label().to_owned();
        }
        let (histogram, histogram_total, action_counts) = match shape.depth {
            Depth::First => {
                let (timings, total) = time_histogram(context, &shape.query, iterations)?;
                let counted = LogQuery { filter: parsed.filter.clone(), ..LogQuery::default() }
                    .to_query_string(QueryKind::ActionCounts);
                let url = format!("/api/v1/admin-logs/action-counts?{counted}");
                (Some(timings), Some(total), Some(time_get(context, &url, iterations)?))
            }
            _ => (None, None, None),
        };
        let result = ShapeResult {
            name: shape.name.to_owned(),
            query: url,
            rows,
            route,
            http,
            floor: Percentiles::of(&mut floor),
            histogram,
            histogram_total,
            action_counts,
        };
        println!(
            "{:<38} rows {:>4}  http p50 {:>8.2} ms p99 {:>8.2} ms  floor p50 {:>8.2} ms  {}  histogram p99 {}  action counts p99 {}",
            result.name,
            rows,
            result.http.p50_ms,
            result.http.p99_ms,
            result.floor.p50_ms,
            result.route,
            result.histogram.as_ref().map_or("—".to_owned(), |h| format!("{:.2} ms", h.p99_ms)),
            result.action_counts.as_ref().map_or("—".to_owned(), |h| format!("{:.2} ms", h.p99_ms)),
        );
        results.push(result);
    }
    Ok(results)
}

/// Times the histogram of a shape's filters over HTTP; the count it gives
/// ("1234", or "10000+" past a keyword's cap).
fn time_histogram(context: &Context, query: &str, iterations: usize) -> Result<(Percentiles, String), String> {
    let url = format!("/api/v1/admin-logs/histogram{}{query}", if query.is_empty() { "" } else { "?" });
    let histogram: adminlog_types::Histogram = context.get(&url)?.json().map_err(|e| e.to_string())?;
    let total = format!("{}{}", histogram.total, if histogram.exact { "" } else { "+" });
    Ok((time_get(context, &url, iterations)?, total))
}

/// `iterations` GETs of `url`, each timed to its last byte.
fn time_get(context: &Context, url: &str, iterations: usize) -> Result<Percentiles, String> {
    let mut timings = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let body = context.get(url)?.bytes().map_err(|e| e.to_string())?;
        timings.push(started.elapsed());
        drop(body);
    }
    Ok(Percentiles::of(&mut timings))
}

/// Now, as the API writes it.
pub fn now_text() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}
