//! Building the server from settings: open and migrate the database, load
//! the shared secrets, bind the listener.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::auth::tokens::TokenKeys;
use crate::domain::cursor::CursorKey;
use crate::http::metrics::Metrics;
use crate::http::state::AppState;
use crate::http::{self, Admission, MAX_BODY_BYTES};
use crate::storage::{Backend, DatabaseUrl, Db, StorageError};
use crate::{housekeeping, signing_key};

/// Everything `serve` needs, built once from flags and environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    pub database: DatabaseUrl,
    /// When `None`, a secret is generated once and kept in the database, so
    /// tokens survive restarts and every process shares it.
    pub jwt_secret: Option<String>,
    pub workers: usize,
    /// The built browser app (`index.html`, `app.js`, `app_bg.wasm`...).
    pub static_dir: Option<std::path::PathBuf>,
    /// Browser origins allowed to call the API (`https://panel.example`); empty: none.
    pub cors_origins: Vec<String>,
    /// API requests served at once; more get a quick 503 (default: four per
    /// pooled connection).
    pub max_in_flight: Option<usize>,
    /// The Ed25519 key that signs checkpoints; created when missing. Keep it
    /// outside the database (and its backups' reach, ideally).
    pub signing_key_file: std::path::PathBuf,
    /// How often heads that grew get a checkpoint; `None`: only on demand.
    pub checkpoint_interval: Option<Duration>,
}

impl Settings {
    pub fn pool_size(&self) -> u32 {
        match self.database {
            DatabaseUrl::Sqlite(_) => 8,
            DatabaseUrl::Postgres(_) => 16,
        }
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.unwrap_or(self.pool_size() as usize * 4)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    SigningKey(String),
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
}

/// A random secret for the settings table.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS has a random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How long a request waits for a pooled connection before it gets a 503.
/// Admission control keeps the queue short, so this is rarely reached.
const POOL_WAIT: Duration = Duration::from_secs(2);

/// Opens the database and applies pending migrations.
pub fn open_database(url: &DatabaseUrl, pool_size: u32) -> Result<Db, StorageError> {
    let db = Db::connect(url, pool_size, POOL_WAIT)?;
    let applied = db.migrate()?;
    if applied > 0 {
        tracing::info!(applied, backend = ?db.backend(), "database migrated");
    }
    Ok(db)
}

/// A bound, not yet awaited server.
pub struct Running {
    pub server: actix_web::dev::Server,
    pub addr: SocketAddr,
    pub db: Db,
}

pub fn start(settings: &Settings) -> Result<Running, StartError> {
    let db = open_database(&settings.database, settings.pool_size())?;
    let jwt_secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => db.secret("jwt_secret", random_secret)?,
    };
    let cursor_secret = db.secret("cursor_key", random_secret)?;
    let signer = Arc::new(signing_key::load_or_create(&settings.signing_key_file).map_err(StartError::SigningKey)?);
    let checkpoint_timer = settings
        .checkpoint_interval
        .map(|every| housekeeping::start_checkpoint_timer(db.clone(), signer.clone(), every));
    let state = web::Data::new(AppState {
        static_dir: settings.static_dir.clone(),
        cors_origins: settings.cors_origins.clone(),
        db: db.clone(),
        tokens: TokenKeys::new(jwt_secret.as_bytes()),
        cursors: CursorKey::new(cursor_secret.as_bytes()),
        metrics: Metrics::default(),
        admission: Admission::new(settings.max_in_flight()),
        signer,
        checkpoint_timer,
    });
    let listener =
        TcpListener::bind(&settings.bind).map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(ErrorHandlers::new().default_handler(http::json_fallback))
            .wrap(from_fn(http::admit))
            .wrap(from_fn(http::cross_origin))
            .wrap(from_fn(http::record_request))
            .configure(http::configure)
            .default_service(web::to(http::fallback))
    })
    .workers(settings.workers)
    .listen(listener)
    .map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?
    .shutdown_timeout(5)
    .run();
    tracing::info!(%addr, backend = ?db.backend(), "adminlog listening");
    Ok(Running { server, addr, db })
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}
