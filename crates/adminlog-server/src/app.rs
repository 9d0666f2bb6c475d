//! Building the server from settings: open and migrate the database, load
//! the shared secrets, bind the listener.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};

use crate::auth::tokens::TokenKeys;
use crate::delivery::{self, client::Receivers, Deliveries};
use crate::domain::cursor::CursorKey;
use crate::domain::outbound::AllowList;
use crate::domain::throttle::DeviceTokens;
use crate::http::handlers::streams::StreamKeys;
use crate::http::metrics::Metrics;
use crate::http::state::AppState;
use crate::http::{self, Admission, ConnectionCounts, MAX_BODY_BYTES};
use crate::storage::{Backend, DatabaseUrl, Db, StorageError};
use crate::{housekeeping, signing_key};

/// Everything `serve` needs, built once from flags and environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    pub database: DatabaseUrl,
    /// When `None`, the session key is derived from the secret key file.
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
    /// The server secret that session tokens, cursors and device tokens are
    /// keyed from; created when missing, shared by every process. Outside the
    /// database, so a leaked backup forges nothing.
    pub secret_key_file: std::path::PathBuf,
    /// Open connections one client address may hold; 0: no limit. Behind a
    /// reverse proxy every client shares its address: raise it or use 0.
    pub max_connections_per_address: usize,
    /// How long a checkpoint signed on demand is handed out again instead of
    /// a new one (every verification rechecks every checkpoint, so readers
    /// must not multiply them).
    pub checkpoint_reuse: Duration,
    /// How often heads that grew get a checkpoint; `None`: only on demand.
    pub checkpoint_interval: Option<Duration>,
    /// Where push streams may deliver (`ADMINLOG_STREAM_ALLOW`); empty:
    /// nowhere.
    pub stream_allow: AllowList,
    /// PEM root certificates that https receivers may also chain to (a
    /// private CA), besides the WebPKI roots.
    pub stream_ca_file: Option<std::path::PathBuf>,
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

    /// Reads running against the database at once: two per HTTP worker
    /// (one per core by default), enough to keep the cores busy while one
    /// waits on the disk or the network (`http::admission` has the figures).
    pub fn read_turns(&self) -> usize {
        self.workers.max(1) * 2
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    SigningKey(String),
    #[error("{0}")]
    Delivery(String),
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
}

/// The key cursors are signed with, from the server secret.
pub fn cursor_key(secret: &[u8; 32]) -> CursorKey {
    CursorKey::new(&signing_key::derive_key(secret, "adminlog cursors v1"))
}

/// How often the server looks whether the events table grew enough for its
/// statistics to be refreshed.
const STATISTICS_PERIOD: Duration = Duration::from_secs(60);

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
    let secret = signing_key::load_or_create_secret(&settings.secret_key_file).map_err(StartError::SigningKey)?;
    let session_key = match &settings.jwt_secret {
        Some(configured) => configured.as_bytes().to_vec(),
        None => signing_key::derive_key(&secret, "adminlog session tokens v1").to_vec(),
    };
    // Versions before the key file kept these in the database, where every
    // backup carried them: they are no longer used, and are removed.
    db.forget_settings(&["jwt_secret", "cursor_key"])?;
    let signer = Arc::new(signing_key::load_or_create(&settings.signing_key_file).map_err(StartError::SigningKey)?);
    let checkpoint_timer = settings
        .checkpoint_interval
        .map(|every| housekeeping::start_checkpoint_timer(db.clone(), signer.clone(), every));
    let stream_master_key = signing_key::derive_key(&secret, "adminlog stream keys v1");
    let receivers = Receivers::new(Arc::new(settings.stream_allow.clone()), settings.stream_ca_file.as_deref())
        .map_err(StartError::Delivery)?;
    let delivery = delivery::start(Deliveries {
        db: db.clone(),
        master_key: stream_master_key,
        receivers: receivers.clone(),
        owner: delivery::new_owner_name(),
    });
    let state = web::Data::new(AppState {
        static_dir: settings.static_dir.clone(),
        cors_origins: settings.cors_origins.clone(),
        db: db.clone(),
        tokens: TokenKeys::new(&session_key),
        cursors: cursor_key(&secret),
        devices: DeviceTokens::new(&signing_key::derive_key(&secret, "adminlog login devices v1")),
        metrics: Metrics::default(),
        admission: Admission::new(settings.max_in_flight(), settings.read_turns()),
        signer,
        checkpoint_reuse: time::Duration::try_from(settings.checkpoint_reuse).unwrap_or(time::Duration::MINUTE),
        checkpoint_timer,
        wal_timer: (db.backend() == Backend::Sqlite).then(|| housekeeping::start_wal_bound(db.clone())),
        statistics_timer: housekeeping::start_statistics_refresh(db.clone(), STATISTICS_PERIOD),
        streams: StreamKeys { master_key: stream_master_key, receivers },
        delivery,
    });
    let listener =
        TcpListener::bind(&settings.bind).map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { bind: settings.bind.clone(), source })?;
    let connections = ConnectionCounts::default();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(ErrorHandlers::new().default_handler(http::json_fallback))
            .wrap(from_fn(http::admit))
            .wrap(from_fn(http::cross_origin))
            .wrap(from_fn(http::record_request))
            .wrap(http::security_headers())
            .configure(http::configure)
            .default_service(web::to(http::fallback))
    })
    .workers(settings.workers)
    // A request head must arrive within this; bodies have their own deadline
    // (`http::admission`).
    .client_request_timeout(Duration::from_secs(5))
    // Streamed bodies (exports, evidence) end with small writes: with Nagle's
    // algorithm on, the last one waited for the client's delayed ACK, 40 ms
    // per download on a kept-alive connection (63.6 ms for a 10,000-row
    // export that takes 21 ms).
    .tcp_nodelay(true)
    .on_connect(connections.on_connect(settings.max_connections_per_address))
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
