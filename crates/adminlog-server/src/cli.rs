//! The `adminlog` command line: serve, migrate, create-admin, verify,
//! public-key, demo.

use std::io::BufRead;
use std::process::ExitCode;

use adminlog_types::{Plan, Role};
use clap::{Args, Parser, Subcommand};

use crate::app::{self, Settings};
use crate::demo::{self, DemoSpec};
use crate::domain::outbound::AllowList;
use crate::domain::{chain, checkpoint, evidence};
use crate::signing_key;
use crate::storage::DatabaseUrl;

#[derive(Parser)]
#[command(name = "adminlog", version, about = "An audit log for an admin panel: REST API, browser app, CLI")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DatabaseArgs {
    /// `sqlite://PATH`, a plain file path, or `postgres://USER@HOST/DB`.
    #[arg(long, env = "ADMINLOG_DATABASE_URL", default_value = "adminlog.db")]
    database_url: String,
}

#[derive(Args, Clone)]
struct SigningKeyArgs {
    /// The Ed25519 key that signs checkpoints (64 hex characters), created
    /// when missing. Keep it outside the database.
    #[arg(long, env = "ADMINLOG_SIGNING_KEY_FILE", default_value = "adminlog-signing.key")]
    signing_key_file: std::path::PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long, env = "ADMINLOG_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// The built browser app; served at `/` when the folder exists.
        #[arg(long, env = "ADMINLOG_STATIC_DIR", default_value = "frontend/dist")]
        static_dir: std::path::PathBuf,
        /// Browser origins allowed to call the API, comma-separated
        /// (default: none; the bundled app needs none).
        #[arg(long = "cors-origin", env = "ADMINLOG_CORS_ORIGINS", value_delimiter = ',')]
        cors_origins: Vec<String>,
        /// Worker threads answering HTTP (default: one per core).
        #[arg(long, env = "ADMINLOG_WORKERS")]
        workers: Option<usize>,
        /// API requests served at once; more get a quick 503 with Retry-After
        /// (default: four per pooled database connection).
        #[arg(long, env = "ADMINLOG_MAX_IN_FLIGHT")]
        max_in_flight: Option<usize>,
        /// Open connections one client address may hold; more are answered
        /// 429 and closed. 0: no limit (behind a reverse proxy, every client
        /// shares its address).
        #[arg(long, env = "ADMINLOG_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 128)]
        max_connections_per_address: usize,
        #[command(flatten)]
        signing: SigningKeyArgs,
        /// The server secret (64 hex characters) that session tokens,
        /// cursors and login device tokens are keyed from; created when
        /// missing. Share it between processes; keep it out of database backups.
        #[arg(long, env = "ADMINLOG_SECRET_KEY_FILE", default_value = "adminlog-secret.key")]
        secret_key_file: std::path::PathBuf,
        /// Seconds a checkpoint signed on demand (POST checkpoints, evidence
        /// downloads) is handed out again instead of a new one.
        #[arg(long, env = "ADMINLOG_CHECKPOINT_REUSE_SECS", default_value_t = 60)]
        checkpoint_reuse_secs: u64,
        /// Seconds between checkpoint rounds (each organization whose chain
        /// grew gets one); 0 signs only on demand.
        #[arg(long, env = "ADMINLOG_CHECKPOINT_INTERVAL_SECS", default_value_t = 3600)]
        checkpoint_interval_secs: u64,
        /// Where push streams may deliver: networks (10.0.0.0/8), addresses
        /// and host names (hooks.example.com, *.example.com), separated by
        /// commas. Empty (the default): nowhere, so no stream can be created.
        #[arg(long, env = "ADMINLOG_STREAM_ALLOW", default_value = "")]
        stream_allow: String,
        /// A PEM file of root certificates that https receivers may also
        /// chain to (a private CA), besides the usual public roots.
        #[arg(long, env = "ADMINLOG_STREAM_CA_FILE")]
        stream_ca_file: Option<std::path::PathBuf>,
        /// Create the demo organization first if it does not exist yet.
        #[arg(long)]
        demo: bool,
        /// Events the demo organization gets when `--demo` creates it.
        #[arg(long, default_value_t = 20_000)]
        demo_events: u64,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Create an administrator (and its organization when new). The password
    /// comes from ADMINLOG_PASSWORD or one line of standard input.
    CreateAdmin {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "professional")]
        plan: Plan,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "super_admin")]
        role: Role,
    },
    /// Recheck each organization's hash chain (or one's) through every signed
    /// checkpoint; with --file, check a downloaded evidence file offline
    /// instead. Exits non-zero when anything is broken, naming the first
    /// event where it breaks.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        org: Option<String>,
        /// An evidence file (GET /api/v1/admin-logs/evidence) to check without
        /// the database; needs --public-key.
        #[arg(long, requires = "public_key")]
        file: Option<std::path::PathBuf>,
        /// The public key you trust (64 hex characters, or a file holding
        /// them); by default the database check derives it from the signing key.
        #[arg(long)]
        public_key: Option<String>,
        /// A checkpoint you kept (its JSON, or an older evidence file): the
        /// chain must still pass through its head. Repeatable.
        #[arg(long = "checkpoint")]
        checkpoints: Vec<std::path::PathBuf>,
        #[command(flatten)]
        signing: SigningKeyArgs,
    },
    /// Print the public key that verifies this server's checkpoints: give it
    /// to auditors.
    PublicKey {
        #[command(flatten)]
        signing: SigningKeyArgs,
    },
    /// Create the demo organization with realistic events over the past year.
    Demo {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long, default_value_t = 20_000)]
        events: u64,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ADMINLOG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("ADMINLOG_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("adminlog: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            database,
            bind,
            static_dir,
            cors_origins,
            workers,
            max_in_flight,
            max_connections_per_address,
            signing,
            secret_key_file,
            checkpoint_interval_secs,
            checkpoint_reuse_secs,
            stream_allow,
            stream_ca_file,
            demo,
            demo_events,
        } => {
            let settings = Settings {
                bind,
                database: DatabaseUrl::parse(&database.database_url),
                jwt_secret: std::env::var("ADMINLOG_JWT_SECRET").ok().filter(|s| !s.is_empty()),
                workers: workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
                static_dir: static_dir.join("index.html").is_file().then_some(static_dir),
                cors_origins,
                max_in_flight,
                max_connections_per_address,
                signing_key_file: signing.signing_key_file,
                secret_key_file,
                checkpoint_reuse: std::time::Duration::from_secs(checkpoint_reuse_secs),
                checkpoint_interval: (checkpoint_interval_secs > 0)
                    .then(|| std::time::Duration::from_secs(checkpoint_interval_secs)),
                stream_allow: AllowList::parse(&stream_allow).map_err(|e| format!("ADMINLOG_STREAM_ALLOW: {e}"))?,
                stream_ca_file,
            };
            if demo {
                let db = app::open_database(&settings.database, 2).map_err(|e| e.to_string())?;
                let spec = DemoSpec { events: demo_events, ..DemoSpec::default() };
                let created = demo::ensure_demo(&db, &spec).map_err(|e| e.to_string())?;
                if created {
                    println!("Created the demo organization with {demo_events} events.");
                }
            }
            let running = app::start(&settings).map_err(|e| e.to_string())?;
            println!("adminlog is listening on http://{}/", running.addr);
            if settings.static_dir.is_none() {
                println!("  (the browser app is not built: `cargo xtask run` builds it)");
            }
            println!("  API:        http://{}/api/v1   docs: http://{}/api-docs", running.addr, running.addr);
            if demo {
                println!("  Demo login: {} / {}", demo::DEMO_EMAIL, demo::DEMO_PASSWORD);
            }
            actix_web::rt::System::new().block_on(running.server).map_err(|e| e.to_string())
        }
        Command::Migrate { database } => {
            let db = app::open_database(&DatabaseUrl::parse(&database.database_url), 1).map_err(|e| e.to_string())?;
            println!("{} database is up to date.", db.backend().label());
            Ok(())
        }
        Command::CreateAdmin { database, org, plan, email, name, role } => {
            let password = match std::env::var("ADMINLOG_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = app::open_database(&DatabaseUrl::parse(&database.database_url), 2).map_err(|e| e.to_string())?;
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            let admin = demo::create_admin(&db, &org, plan, &email, &name, role, &password)?;
            println!("Created {} ({}) in {org}.", admin.email, admin.role);
            Ok(())
        }
        Command::Verify { database, org, file, public_key, checkpoints, signing } => {
            let kept = checkpoints.iter().map(|path| read_checkpoint(path)).collect::<Result<Vec<_>, _>>()?;
            let trusted = match public_key {
                Some(text) => Some(read_public_key(&text)?),
                None => signing_key::load_existing(&signing.signing_key_file)?.map(|signer| signer.verifying_key()),
            };
            match (file, trusted) {
                (Some(file), Some(trusted)) => verify_file(&file, &trusted, &kept),
                (Some(_), None) => Err("--file needs --public-key".into()),
                (None, None) if !kept.is_empty() => Err("--checkpoint needs --public-key or the signing key".into()),
                (None, trusted) => verify_database(&DatabaseUrl::parse(&database.database_url), org, trusted, &kept),
            }
        }
        Command::PublicKey { signing } => {
            let signer = signing_key::load_or_create(&signing.signing_key_file)?;
            println!("{}", signer.public_key_hex());
            Ok(())
        }
        Command::Demo { database, events } => {
            let db = app::open_database(&DatabaseUrl::parse(&database.database_url), 2).map_err(|e| e.to_string())?;
            let started = std::time::Instant::now();
            let spec = DemoSpec { events, ..DemoSpec::default() };
            if !demo::ensure_demo(&db, &spec).map_err(|e| e.to_string())? {
                return Err(format!("the organization \"{}\" already exists in this database", demo::DEMO_ORG));
            }
            let seconds = started.elapsed().as_secs_f64();
            println!("Created \"{}\" with {events} events in {seconds:.1} s.", demo::DEMO_ORG);
            println!("Sign in as {} / {}", demo::DEMO_EMAIL, demo::DEMO_PASSWORD);
            Ok(())
        }
    }
}

/// 64 hex characters, or a file holding them.
fn read_public_key(text_or_path: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    if let Ok(key) = checkpoint::parse_public_key(text_or_path) {
        return Ok(key);
    }
    let text = std::fs::read_to_string(text_or_path)
        .map_err(|e| format!("--public-key is neither 64 hex characters nor a readable file ({e})"))?;
    checkpoint::parse_public_key(&text)
}

/// A checkpoint's JSON, or the first line of an evidence file.
fn read_checkpoint(path: &std::path::Path) -> Result<adminlog_types::Checkpoint, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let first = text.lines().next().unwrap_or_default();
    serde_json::from_str::<adminlog_types::Checkpoint>(text.trim())
        .or_else(|_| serde_json::from_str::<adminlog_types::EvidenceHeader>(first).map(|header| header.checkpoint))
        .map_err(|_| format!("{} is neither a checkpoint nor an evidence file", path.display()))
}

fn verify_database(
    url: &DatabaseUrl,
    org: Option<String>,
    trusted: Option<ed25519_dalek::VerifyingKey>,
    kept: &[adminlog_types::Checkpoint],
) -> Result<(), String> {
    let db = app::open_database(url, 2).map_err(|e| e.to_string())?;
    let tenants = match org {
        Some(name) => vec![db
            .tenant_by_name(&name)
            .map_err(|e| e.to_string())?
            .ok_or(format!("no organization named \"{name}\""))?],
        None => db.tenants().map_err(|e| e.to_string())?,
    };
    if trusted.is_none() {
        println!("(no signing key or --public-key: checkpoints are not checked)");
    }
    let mut broken = 0;
    let mut damaged = false;
    match db.file_problems() {
        Ok(Some(problems)) if problems.is_empty() => println!("database file: ok (SQLite quick_check)"),
        Ok(Some(problems)) => {
            damaged = true;
            println!("database file: DAMAGED, restore it from a backup (SQLite quick_check):");
            for problem in problems {
                println!("  {problem}");
            }
        }
        Ok(None) => {}
        // A file damaged enough to fail the check itself is damaged.
        Err(error) => {
            damaged = true;
            println!("database file: DAMAGED, restore it from a backup: {error}");
        }
    }
    for tenant in tenants {
        let check = match &trusted {
            Some(key) => db.verify_signed_chain(tenant.id, key, kept),
            None => db.verify_chain(tenant.id, Default::default()),
        }
        .map_err(|e| e.to_string())?;
        match &check.broken {
            None => println!("{}: ok, {} events, head {}", tenant.name, check.checked, chain::hex(&check.head())),
            Some(at) => {
                broken += 1;
                println!(
                    "{}: BROKEN at event {} after {} good events: {}",
                    tenant.name, at.id, check.checked, at.problem
                );
            }
        }
    }
    match (damaged, broken) {
        (false, 0) => Ok(()),
        (false, n) => Err(format!("{n} broken chain(s)")),
        (true, 0) => Err("the database file is damaged".to_owned()),
        (true, n) => Err(format!("the database file is damaged and {n} chain(s) are broken")),
    }
}

fn verify_file(
    path: &std::path::Path,
    trusted: &ed25519_dalek::VerifyingKey,
    kept: &[adminlog_types::Checkpoint],
) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let outcome = evidence::verify_evidence(std::io::BufReader::new(file), trusted, kept)?;
    let checkpoint = &outcome.header.checkpoint;
    match &outcome.chain.broken {
        None => {
            println!(
                "{}: ok, {} events ({} to {}) lead to the head signed at {} by {}",
                outcome.header.organization,
                outcome.chain.checked,
                outcome.header.after_id + 1,
                checkpoint.last_event_id,
                checkpoint.signed_at,
                checkpoint.public_key
            );
            Ok(())
        }
        Some(at) => Err(format!(
            "{}: BROKEN at event {} after {} good events: {}",
            outcome.header.organization, at.id, outcome.chain.checked, at.problem
        )),
    }
}
