//! `cargo xtask bench`: generates a reproducible data set through the storage
//! layer, starts the real server, and measures it over HTTP beside the same
//! queries sent straight to the storage layer (the floor). Prints a markdown
//! table and writes JSON next to it. It asserts nothing: numbers are read,
//! not tested.

mod grow;
mod measure;
mod report;
mod shapes;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use adminlog_server::app::{self, Settings};
use adminlog_server::demo::{self, DemoSpec, Population};
use adminlog_server::storage::{Backend, DatabaseUrl, Db};
use adminlog_types::{Plan, Role};
use diesel::{Connection, PgConnection, RunQueryDsl};

use report::{BackendReport, Report};

pub const PASSWORD: &str = "benchmark password";
pub const MAIL_DOMAIN: &str = "bench-corp.example";

/// What to run, from the command line.
#[derive(Clone, Debug)]
pub struct Options {
    pub events: u64,
    pub backends: Vec<Backend>,
    pub iterations: usize,
    pub concurrency_seconds: u64,
    pub ingest_events: usize,
    pub out: PathBuf,
    pub postgres_url: String,
    /// Keep an existing bulk-loaded data set (same seed) instead of loading anew.
    pub reuse: bool,
    pub datasets: Vec<Dataset>,
}

/// How a data set is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    /// Through the storage layer, secondary indexes built once at the end,
    /// statistics refreshed: the best case.
    Bulk,
    /// Through the running server's ingestion endpoint, as real logs grow,
    /// with nobody refreshing statistics.
    Grown,
}

impl Dataset {
    fn label(self) -> &'static str {
        match self {
            Dataset::Bulk => "bulk-loaded",
            Dataset::Grown => "grown through the API",
        }
    }
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        events: 10_000_000,
        backends: vec![Backend::Sqlite, Backend::Postgres],
        iterations: 50,
        concurrency_seconds: 20,
        ingest_events: 200_000,
        out: PathBuf::from("target/bench"),
        postgres_url: std::env::var("ADMINLOG_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        reuse: false,
        datasets: vec![Dataset::Bulk, Dataset::Grown],
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--events" => options.events = value()?.replace('_', "").parse().map_err(|e| format!("--events: {e}"))?,
            "--backend" => {
                options.backends = match value()?.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    "both" => vec![Backend::Sqlite, Backend::Postgres],
                    other => return Err(format!("--backend: sqlite, postgres or both, not {other}")),
                }
            }
            "--iterations" => options.iterations = value()?.parse().map_err(|e| format!("--iterations: {e}"))?,
            "--concurrency-seconds" => {
                options.concurrency_seconds = value()?.parse().map_err(|e| format!("--concurrency-seconds: {e}"))?
            }
            "--ingest-events" => {
                options.ingest_events = value()?.parse().map_err(|e| format!("--ingest-events: {e}"))?
            }
            "--out" => options.out = PathBuf::from(value()?),
            "--dataset" => {
                options.datasets = match value()?.as_str() {
                    "bulk" => vec![Dataset::Bulk],
                    "grown" => vec![Dataset::Grown],
                    "both" => vec![Dataset::Bulk, Dataset::Grown],
                    other => return Err(format!("--dataset: bulk, grown or both, not {other}")),
                }
            }
            "--reuse" => options.reuse = true,
            "--quick" => {
                options.iterations = 5;
                options.concurrency_seconds = 2;
                options.ingest_events = 8_000;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// A throwaway database for one backend.
struct Scratch {
    url: DatabaseUrl,
    drop_postgres: Option<(String, String)>,
}

impl Scratch {
    fn new(backend: Backend, dataset: Dataset, options: &Options) -> Result<Scratch, String> {
        // Only a bulk-loaded data set is ever reused: growing is the measurement.
        let reuse = options.reuse && dataset == Dataset::Bulk;
        match backend {
            Backend::Sqlite => {
                std::fs::create_dir_all(&options.out).map_err(|e| e.to_string())?;
                let path = options.out.join(if dataset == Dataset::Bulk { "bench.db" } else { "bench-grown.db" });
                if reuse && path.exists() {
                    return Ok(Scratch { url: DatabaseUrl::Sqlite(path.display().to_string()), drop_postgres: None });
                }
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Ok(Scratch { url: DatabaseUrl::Sqlite(path.display().to_string()), drop_postgres: None })
            }
            Backend::Postgres => {
                let name = if dataset == Dataset::Bulk { "adminlog_bench" } else { "adminlog_bench_grown" }.to_owned();
                let mut conn = PgConnection::establish(&options.postgres_url).map_err(|e| e.to_string())?;
                let base =
                    &options.postgres_url[..options.postgres_url.rfind('/').unwrap_or(options.postgres_url.len())];
                let url = DatabaseUrl::Postgres(format!("{base}/{name}"));
                if reuse {
                    // Kept between runs: created once, never dropped.
                    let _ = diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn);
                    return Ok(Scratch { url, drop_postgres: None });
                }
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .map_err(|e| e.to_string())?;
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).map_err(|e| e.to_string())?;
                Ok(Scratch { url, drop_postgres: Some((options.postgres_url.clone(), name)) })
            }
        }
    }

    /// Bytes on disk, per the engine.
    fn size_bytes(&self, db: &Db) -> u64 {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                ["", "-wal"].iter().filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok()).map(|m| m.len()).sum()
            }
            DatabaseUrl::Postgres(_) => db.database_size_bytes().unwrap_or(0),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.drop_postgres {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
            }
        }
    }
}

/// The big organization's data set: fixed seed, two years, ~20,000 users,
/// ~300 domains, ~30% from API calls.
pub fn big_spec(events: u64) -> DemoSpec {
    DemoSpec { events, users: 20_000, domains: 300, seed: 20_261_126, span: time::Duration::days(730), api_share: 0.3 }
}

/// Loads the big organization and three small ones beside it; returns the
/// big one's id.
/// The data set, through the storage layer's bulk path: batches of 10,000
/// appended as ingestion does (terms, hash chain), with the secondary indexes
/// built once at the end; the reported time includes building them.
fn load(db: &Db, population: &Population, spec: &DemoSpec, end: time::OffsetDateTime) -> Result<i64, String> {
    db.load_deferring_indexes(|| load_organizations(db, population, spec, end)).map_err(|e| e.to_string())?
}

fn load_organizations(
    db: &Db,
    population: &Population,
    spec: &DemoSpec,
    end: time::OffsetDateTime,
) -> Result<i64, String> {
    let root = format!("root@{MAIL_DOMAIN}");
    let admin = demo::create_admin(db, "Bench Corp", Plan::Enterprise, &root, "Root", Role::SuperAdmin, PASSWORD)?;
    demo::load_events(db, admin.org_id, population, spec, end, 10_000).map_err(|e| e.to_string())?;
    for i in 0..3 {
        let email = format!("root@small{i}.example");
        let small = demo::create_admin(
            db,
            &format!("Small {i}"),
            Plan::Professional,
            &email,
            "Root",
            Role::SuperAdmin,
            PASSWORD,
        )?;
        let small_spec = DemoSpec { events: 2_000, users: 50, domains: 5, seed: i, ..DemoSpec::default() };
        let small_population = Population::new(&small_spec, &format!("small{i}.example"), vec![email.clone()]);
        demo::load_events(db, small.org_id, &small_population, &small_spec, end, 2_000).map_err(|e| e.to_string())?;
    }
    Ok(admin.org_id)
}

fn server_settings(url: &DatabaseUrl, options: &Options) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database: url.clone(),
        jwt_secret: None,
        workers: 2,
        static_dir: None,
        cors_origins: Vec::new(),
        max_in_flight: None,
        max_connections_per_address: 128,
        signing_key_file: options.out.join("bench-signing.key"),
        secret_key_file: options.out.join("bench-secret.key"),
        checkpoint_reuse: std::time::Duration::from_secs(60),
        checkpoint_interval: None,
    }
}

/// A session token of the big organization's super administrator.
fn login(base: &str) -> Result<String, String> {
    let client = reqwest::blocking::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": format!("root@{MAIL_DOMAIN}"), "password": PASSWORD}))
        .send()
        .and_then(|r| r.json())
        .map_err(|e| e.to_string())?;
    login["token"].as_str().map(str::to_owned).ok_or(format!("login failed: {login}"))
}

/// A new `logs:write` key of the big organization.
fn write_key(base: &str, token: &str) -> Result<String, String> {
    let created: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "bench growth", "scopes": ["logs:write"]}))
        .send()
        .and_then(|r| r.json())
        .map_err(|e| e.to_string())?;
    created["key"].as_str().map(str::to_owned).ok_or(format!("no key: {created}"))
}

/// PostgreSQL's autovacuum setting, said in the report: grown data sets
/// measure whatever the machine does.
fn autovacuum(db: &Db) -> String {
    db.server_setting("autovacuum").ok().flatten().unwrap_or_else(|| "unknown".into())
}

fn run_backend(backend: Backend, dataset: Dataset, options: &Options) -> Result<BackendReport, String> {
    let scratch = Scratch::new(backend, dataset, options)?;
    let db = app::open_database(&scratch.url, 4).map_err(|e| e.to_string())?;
    println!("\n## {} — {} events, {}", backend.label(), options.events, dataset.label());
    let spec = big_spec(options.events);
    let admins: Vec<String> = (0..25).map(|i| format!("admin{i}@{MAIL_DOMAIN}")).collect();
    let population = std::sync::Arc::new(Population::new(&spec, MAIL_DOMAIN, admins));
    let end = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    std::fs::create_dir_all(&options.out).map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let settings = server_settings(&scratch.url, options);
    let secret_key_file = settings.secret_key_file.clone();
    let started = Instant::now();
    let (org_id, load_note, server) = match dataset {
        Dataset::Bulk => {
            let org_id = match db.tenant_by_name("Bench Corp").map_err(|e| e.to_string())? {
                Some(existing) if options.reuse => {
                    println!("reusing the loaded data set (load figures below are not a load)");
                    existing.id
                }
                _ => load(&db, &population, &spec, end)?,
            };
            db.optimize().map_err(|e| e.to_string())?;
            let note =
                "Bulk-loaded through the storage layer, secondary indexes built at the end, then ANALYZE".to_owned();
            (org_id, note, None)
        }
        Dataset::Grown => {
            let org_id = load_organizations(&db, &population, &DemoSpec { events: 0, ..spec.clone() }, end)?;
            let server = measure::start_server(settings.clone())?;
            let base = format!("http://{}", server.0);
            let key = write_key(&base, &login(&base)?)?;
            grow::grow(&base, &key, &population, &spec, end, None)?;
            let note = match backend {
                Backend::Sqlite => format!(
                    "Grown through POST /admin-logs ({} clients × batches of {}, time order), no ANALYZE",
                    grow::CLIENTS,
                    grow::BATCH
                ),
                Backend::Postgres => format!(
                    "Grown through POST /admin-logs ({} clients × batches of {}, time order), no ANALYZE or VACUUM, autovacuum = {}",
                    grow::CLIENTS,
                    grow::BATCH,
                    autovacuum(&db)
                ),
            };
            (org_id, note, Some(server))
        }
    };
    let load_seconds = started.elapsed().as_secs_f64();
    let total_events = options.events + 3 * 2_000;
    let size = scratch.size_bytes(&db);
    println!(
        "made in {load_seconds:.1} s ({:.0} events/s), {:.0} bytes/event",
        total_events as f64 / load_seconds,
        size as f64 / total_events as f64
    );
    let (addr, server_thread) = match server {
        Some(running) => running,
        None => measure::start_server(settings)?,
    };
    let base = format!("http://{addr}");
    let context = shapes::Context::new(&base, &db, &secret_key_file, org_id, &population, end)?;
    let mut report = BackendReport::new(backend.label(), dataset.label(), total_events, load_seconds, size);
    report.load_note = load_note;
    report.shapes = shapes::measure_all(&context, options.iterations)?;
    report.export = Some(measure::export(&context)?);
    report.concurrency = Some(measure::concurrency(&context, Duration::from_secs(options.concurrency_seconds))?);
    report.ingest = Some(measure::ingest(&context, options.ingest_events)?);
    drop(server_thread);
    Ok(report)
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("adminlog-bench: {message}");
            eprintln!("usage: adminlog-bench [--events N] [--backend sqlite|postgres|both] [--iterations N] [--concurrency-seconds S] [--ingest-events N] [--dataset bulk|grown|both] [--quick] [--reuse] [--out DIR]");
            std::process::exit(2);
        }
    };
    let mut report = Report::new(&options);
    for backend in &options.backends {
        for dataset in &options.datasets {
            match run_backend(*backend, *dataset, &options) {
                Ok(result) => report.backends.push(result),
                Err(message) => {
                    eprintln!("adminlog-bench: {} {}: {message}", backend.label(), dataset.label());
                    std::process::exit(1);
                }
            }
        }
    }
    let markdown = report.markdown();
    println!("\n{markdown}");
    if let Err(e) = report.write(&options.out, &markdown) {
        eprintln!("adminlog-bench: cannot write the report: {e}");
        std::process::exit(1);
    }
    println!("Written: {}/bench.md and {}/bench.json", options.out.display(), options.out.display());
}
