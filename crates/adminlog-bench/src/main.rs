//! `cargo xtask bench`: generates a reproducible data set through the storage
//! layer, starts the real server, and measures it over HTTP beside the same
//! queries sent straight to the storage layer (the floor). Prints a markdown
//! table and writes JSON next to it. It asserts nothing: numbers are read,
//! not tested.

mod feed;
mod grow;
mod measure;
mod push;
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
    /// How long events arrive at 1,000 a second while ten streams push them.
    pub push_seconds: usize,
    pub out: PathBuf,
    pub postgres_url: String,
    /// Keep the bulk-loaded data set between runs (loaded when absent) and
    /// measure a copy of it, so that no run changes what the next measures.
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
        push_seconds: 20,
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
                options.push_seconds = 2;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// Where a data set lives. `--reuse` keeps a bulk data set between runs and
/// never measures it: each run measures a copy, so its ingestion and burst
/// never reach the kept one and every reusing run measures the same log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Kept,
    Run(Dataset),
}

impl Place {
    fn sqlite_file(self) -> &'static str {
        match self {
            Place::Kept => "bench.db",
            Place::Run(Dataset::Bulk) => "bench-run.db",
            Place::Run(Dataset::Grown) => "bench-grown.db",
        }
    }

    fn postgres_name(self) -> &'static str {
        match self {
            Place::Kept => "adminlog_bench",
            Place::Run(Dataset::Bulk) => "adminlog_bench_run",
            Place::Run(Dataset::Grown) => "adminlog_bench_grown",
        }
    }

    fn sqlite_path(self, options: &Options) -> String {
        options.out.join(self.sqlite_file()).display().to_string()
    }

    fn url(self, backend: Backend, options: &Options) -> DatabaseUrl {
        match backend {
            Backend::Sqlite => DatabaseUrl::Sqlite(self.sqlite_path(options)),
            Backend::Postgres => {
                let admin = &options.postgres_url;
                let base = &admin[..admin.rfind('/').unwrap_or(admin.len())];
                DatabaseUrl::Postgres(format!("{base}/{}", self.postgres_name()))
            }
        }
    }
}

/// A connection to PostgreSQL's administrative database, for creating and
/// dropping the benchmark's own.
fn postgres_admin(options: &Options) -> Result<PgConnection, String> {
    PgConnection::establish(&options.postgres_url).map_err(|e| e.to_string())
}

fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    diesel::sql_query(sql).execute(conn).map(drop).map_err(|e| format!("{sql}: {e}"))
}

/// Removes a SQLite database with its write-ahead log and shared memory.
fn remove_sqlite(path: &str) -> Result<(), String> {
    for file in [path.to_owned(), format!("{path}-wal"), format!("{path}-shm")] {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(format!("cannot remove {file}: {e}")),
            _ => {}
        }
    }
    Ok(())
}

/// The database one run measures: a PostgreSQL one is dropped after the
/// run; a SQLite file stays for a look until the next run replaces it.
struct Scratch {
    url: DatabaseUrl,
    drop_postgres: Option<(String, String)>,
}

impl Scratch {
    /// An empty database for `dataset`.
    fn empty(backend: Backend, dataset: Dataset, options: &Options) -> Result<Scratch, String> {
        let place = Place::Run(dataset);
        match backend {
            Backend::Sqlite => {
                remove_sqlite(&place.sqlite_path(options))?;
                Ok(Scratch { url: place.url(backend, options), drop_postgres: None })
            }
            Backend::Postgres => {
                let name = place.postgres_name();
                let mut conn = postgres_admin(options)?;
                execute(&mut conn, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
                execute(&mut conn, &format!("CREATE DATABASE {name}"))?;
                Ok(Scratch {
                    url: place.url(backend, options),
                    drop_postgres: Some((options.postgres_url.clone(), name.into())),
                })
            }
        }
    }

    /// A copy of the kept bulk data set for this run, statistics included
    /// (SQLite's are in the file, PostgreSQL's in the template's catalog).
    /// Nothing may have the kept database open: PostgreSQL refuses to copy a
    /// template in use, and a SQLite file is only whole when closed.
    fn copy_of_kept(backend: Backend, options: &Options) -> Result<Scratch, String> {
        let (kept, run) = (Place::Kept, Place::Run(Dataset::Bulk));
        match backend {
            Backend::Sqlite => {
                let (from, to) = (kept.sqlite_path(options), run.sqlite_path(options));
                remove_sqlite(&to)?;
                // The last connection's close folds the write-ahead log into
                // the file and removes it; one left by a process killed is part
                // of the data set, and a closed file and its log copy as a pair.
                for suffix in ["", "-wal"] {
                    let source = format!("{from}{suffix}");
                    if suffix.is_empty() || std::path::Path::new(&source).exists() {
                        let copy = format!("{to}{suffix}");
                        std::fs::copy(&source, &copy).map_err(|e| format!("cannot copy {source}: {e}"))?;
                        // Written to disk before anything is timed: otherwise
                        // the first fsync of a measurement (a commit, a
                        // checkpoint) waits for the whole copy to be flushed
                        // (at 100 M events, 18.7 GB: writes answered 503 and
                        // the 16 clients' p99 went from 41 ms to 186 ms).
                        std::fs::File::open(&copy)
                            .and_then(|file| file.sync_all())
                            .map_err(|e| format!("cannot flush {copy}: {e}"))?;
                    }
                }
                Ok(Scratch { url: run.url(backend, options), drop_postgres: None })
            }
            Backend::Postgres => {
                let name = run.postgres_name();
                let mut conn = postgres_admin(options)?;
                execute(&mut conn, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
                execute(&mut conn, &format!("CREATE DATABASE {name} TEMPLATE {}", kept.postgres_name()))?;
                Ok(Scratch {
                    url: run.url(backend, options),
                    drop_postgres: Some((options.postgres_url.clone(), name.into())),
                })
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

/// How the bulk data set of `--reuse` came to be.
enum Kept {
    /// Loaded by this run, in this many seconds.
    Loaded(f64),
    /// Loaded by an earlier run.
    Reused,
}

/// `--reuse`: the kept bulk data set, loaded when absent and only copied
/// after. Its connections are closed on return, as copying needs.
fn keep_bulk(
    backend: Backend,
    options: &Options,
    population: &Population,
    spec: &DemoSpec,
    end: time::OffsetDateTime,
) -> Result<Kept, String> {
    if backend == Backend::Postgres {
        // Created once, never dropped: this fails, harmlessly, on every run
        // but the first.
        let _ = execute(&mut postgres_admin(options)?, &format!("CREATE DATABASE {}", Place::Kept.postgres_name()));
    }
    let db = app::open_database(&Place::Kept.url(backend, options), 4).map_err(|e| e.to_string())?;
    if db.tenant_by_name(BIG_ORG).map_err(|e| e.to_string())?.is_some() {
        return Ok(Kept::Reused);
    }
    let started = Instant::now();
    load_bulk(&db, population, spec, end)?;
    Ok(Kept::Loaded(started.elapsed().as_secs_f64()))
}

/// The big organization's data set: fixed seed, two years, ~20,000 users,
/// ~300 domains, ~30% from API calls.
pub fn big_spec(events: u64) -> DemoSpec {
    DemoSpec { events, users: 20_000, domains: 300, seed: 20_261_126, span: time::Duration::days(730), api_share: 0.3 }
}

/// The big organization, the one measured.
const BIG_ORG: &str = "Bench Corp";

/// Loads the big organization and three small ones beside it; returns the
/// big one's id.
/// The data set, through the storage layer's bulk path: batches of 10,000
/// appended as ingestion does (terms, hash chain), with the secondary indexes
/// built once at the end; the reported time includes building them.
fn load(db: &Db, population: &Population, spec: &DemoSpec, end: time::OffsetDateTime) -> Result<i64, String> {
    db.load_deferring_indexes(|| load_organizations(db, population, spec, end)).map_err(|e| e.to_string())?
}

/// The bulk data set: loaded, then statistics refreshed (the best case).
fn load_bulk(db: &Db, population: &Population, spec: &DemoSpec, end: time::OffsetDateTime) -> Result<i64, String> {
    let org_id = load(db, population, spec, end)?;
    db.optimize().map_err(|e| e.to_string())?;
    Ok(org_id)
}

const BULK_NOTE: &str = "Bulk-loaded through the storage layer, secondary indexes built at the end, then ANALYZE";

fn load_organizations(
    db: &Db,
    population: &Population,
    spec: &DemoSpec,
    end: time::OffsetDateTime,
) -> Result<i64, String> {
    let root = format!("root@{MAIL_DOMAIN}");
    let admin = demo::create_admin(db, BIG_ORG, Plan::Enterprise, &root, "Root", Role::SuperAdmin, PASSWORD)?;
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
        stream_allow: adminlog_server::domain::outbound::AllowList::parse("127.0.0.1").expect("a valid list"),
        stream_ca_file: None,
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
fn write_key(base: &str, token: &str, name: &str) -> Result<String, String> {
    let created: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": name, "scopes": ["logs:write"]}))
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

/// The database a run measures: empty, or with `--reuse` a copy of the
/// kept bulk data set (loaded into first when absent).
fn scratch(
    backend: Backend,
    dataset: Dataset,
    options: &Options,
    population: &Population,
    spec: &DemoSpec,
    end: time::OffsetDateTime,
) -> Result<(Scratch, Option<Kept>), String> {
    // Only a bulk-loaded data set is ever reused: growing is the measurement.
    if !(options.reuse && dataset == Dataset::Bulk) {
        return Ok((Scratch::empty(backend, dataset, options)?, None));
    }
    let kept = keep_bulk(backend, options, population, spec, end)?;
    Ok((Scratch::copy_of_kept(backend, options)?, Some(kept)))
}

fn run_backend(backend: Backend, dataset: Dataset, options: &Options) -> Result<BackendReport, String> {
    println!("\n## {} — {} events, {}", backend.label(), options.events, dataset.label());
    let spec = big_spec(options.events);
    let admins: Vec<String> = (0..25).map(|i| format!("admin{i}@{MAIL_DOMAIN}")).collect();
    let population = std::sync::Arc::new(Population::new(&spec, MAIL_DOMAIN, admins));
    let end = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    std::fs::create_dir_all(&options.out).map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let preparing = Instant::now();
    let (scratch, kept) = scratch(backend, dataset, options, &population, &spec, end)?;
    let copy_seconds = preparing.elapsed().as_secs_f64();
    let db = app::open_database(&scratch.url, 4).map_err(|e| e.to_string())?;
    let settings = server_settings(&scratch.url, options);
    let secret_key_file = settings.secret_key_file.clone();
    let started = Instant::now();
    let (org_id, load_note, server) = match dataset {
        Dataset::Bulk => {
            let org_id = match kept {
                None => load_bulk(&db, &population, &spec, end)?,
                Some(_) => {
                    db.tenant_by_name(BIG_ORG).map_err(|e| e.to_string())?.ok_or("no Bench Corp in the copy")?.id
                }
            };
            let note = match kept {
                None => BULK_NOTE.to_owned(),
                Some(Kept::Loaded(_)) => format!("{BULK_NOTE} (into the data set --reuse keeps, measured on a copy)"),
                Some(Kept::Reused) => {
                    println!("reusing the kept data set, copied for this run (load figures below are not a load)");
                    format!("{BULK_NOTE} by an earlier run and kept (--reuse); copied for this run, so the time is the copy's, not a load")
                }
            };
            (org_id, note, None)
        }
        Dataset::Grown => {
            let org_id = load_organizations(&db, &population, &DemoSpec { events: 0, ..spec.clone() }, end)?;
            let server = measure::start_server(settings.clone())?;
            let base = format!("http://{}", server.0);
            let key = write_key(&base, &login(&base)?, "bench growth")?;
            grow::grow(&base, &key, &population, &spec, Some(end), None, "grow")?;
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
    let load_seconds = match kept {
        None => started.elapsed().as_secs_f64(),
        Some(Kept::Loaded(seconds)) => seconds,
        Some(Kept::Reused) => copy_seconds,
    };
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
    report.reused = matches!(kept, Some(Kept::Reused));
    report.planner_estimate = db.planner_event_estimate().map_err(|e| e.to_string())?;
    report.shapes = shapes::measure_all(&context, options.iterations)?;
    report.export = Some(measure::export(&context)?);
    report.feed = Some(feed::measure(&context, options.iterations)?);
    report.concurrency = Some(measure::concurrency(&context, Duration::from_secs(options.concurrency_seconds))?);
    // After the read-only measurements: it adds events (20,000 of one action
    // at the default length), as ingestion and the burst below do.
    let push_key = write_key(&base, &context.token, "bench push")?;
    report.push = Some(push::measure(&context, &push_key, options.push_seconds)?);
    report.ingest = Some(measure::ingest(&context, options.ingest_events)?);
    // Last, so it changes no other figure: then the shapes at once, with
    // nobody refreshing statistics.
    let key = write_key(&base, &context.token, "bench burst")?;
    let burst = grow::burst(&base, &key, &population, &spec)?;
    println!("burst: {} {} events in {:.2} s; the shapes at once:", burst.events, burst.action, burst.seconds);
    report.burst = Some(burst);
    report.burst_planner_estimate = db.planner_event_estimate().map_err(|e| e.to_string())?;
    report.burst_shapes = shapes::measure_all(&context, options.iterations)?;
    drop(server_thread);
    // Figures from a damaged file mean nothing: a run on SQLite 3.50.2 once
    // measured one (the WAL-reset bug) and reported a 500 as its only sign.
    match db.file_problems().map_err(|e| e.to_string())? {
        Some(problems) if !problems.is_empty() => {
            return Err(format!("the database file is damaged after the run: {}", problems.join("; ")));
        }
        Some(_) => println!("integrity: the database file passes SQLite's quick_check after the run"),
        None => {}
    }
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
