//! What every handler shares.

use crate::auth::tokens::TokenKeys;
use crate::domain::checkpoint::CheckpointSigner;
use crate::domain::cursor::CursorKey;
use crate::storage::Db;

use super::admission::Admission;
use super::metrics::Metrics;

pub struct AppState {
    /// Origins allowed to call the API from a browser; empty: none.
    pub cors_origins: Vec<String>,
    /// The built browser app, when there is one.
    pub static_dir: Option<std::path::PathBuf>,
    pub db: Db,
    pub tokens: TokenKeys,
    pub cursors: CursorKey,
    /// Login device tokens (see `domain::throttle`).
    pub devices: crate::domain::throttle::DeviceTokens,
    pub metrics: Metrics,
    pub admission: Admission,
    pub signer: std::sync::Arc<CheckpointSigner>,
    /// See `app::Settings::checkpoint_reuse`.
    pub checkpoint_reuse: time::Duration,
    /// Stops the periodic checkpoint signer when the server goes away.
    pub checkpoint_timer: Option<crate::housekeeping::Timer>,
    /// Keeps SQLite's write-ahead log bounded (SQLite only).
    pub wal_timer: Option<crate::housekeeping::Timer>,
    /// Refreshes the planner's statistics as the log grows.
    pub statistics_timer: crate::housekeeping::Timer,
    /// Push streams' keys and the allow-listed client.
    pub streams: super::handlers::streams::StreamKeys,
    /// Delivers push streams while the server runs.
    pub delivery: crate::delivery::DeliveryWorker,
}
