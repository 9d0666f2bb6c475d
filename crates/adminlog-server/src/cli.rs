//! The `adminlog` command line: serve, migrate, create-admin, demo.

use std::io::BufRead;
use std::process::ExitCode;

use adminlog_types::{Plan, Role};
use clap::{Args, Parser, Subcommand};

use crate::app::{self, Settings};
use crate::demo::{self, DemoSpec};
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
    /// Recheck each organization's hash chain (or one's); exits non-zero when
    /// any chain is broken, naming the first event where it breaks.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        org: Option<String>,
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
        Command::Serve { database, bind, static_dir, cors_origins, workers, max_in_flight, demo, demo_events } => {
            let settings = Settings {
                bind,
                database: DatabaseUrl::parse(&database.database_url),
                jwt_secret: std::env::var("ADMINLOG_JWT_SECRET").ok().filter(|s| !s.is_empty()),
                workers: workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
                static_dir: static_dir.join("index.html").is_file().then_some(static_dir),
                cors_origins,
                max_in_flight,
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
        Command::Verify { database, org } => {
            let db = app::open_database(&DatabaseUrl::parse(&database.database_url), 2).map_err(|e| e.to_string())?;
            let tenants = match org {
                Some(name) => vec![db
                    .tenant_by_name(&name)
                    .map_err(|e| e.to_string())?
                    .ok_or(format!("no organization named \"{name}\""))?],
                None => db.tenants().map_err(|e| e.to_string())?,
            };
            let mut broken = 0;
            for tenant in tenants {
                let check = db.verify_chain(tenant.id).map_err(|e| e.to_string())?;
                match &check.broken {
                    None => println!(
                        "{}: ok, {} events, head {}",
                        tenant.name,
                        check.checked,
                        crate::domain::chain::hex(&check.head())
                    ),
                    Some(at) => {
                        broken += 1;
                        println!(
                            "{}: BROKEN at event {} after {} good events: {}",
                            tenant.name, at.id, check.checked, at.problem
                        );
                    }
                }
            }
            if broken == 0 {
                Ok(())
            } else {
                Err(format!("{broken} broken chain(s)"))
            }
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
