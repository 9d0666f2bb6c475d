//! Work the server does on its own schedule: signing a checkpoint of every
//! organization whose chain grew since its last one, and keeping SQLite's
//! write-ahead log bounded.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use crate::domain::checkpoint::CheckpointSigner;
use crate::storage::Db;

/// A running timer; dropping it stops its thread at once.
pub struct Timer {
    _stop: mpsc::Sender<()>,
}

/// Runs `work` every `every` on a thread of its own, named `name`.
fn every(name: &str, every: Duration, mut work: impl FnMut() + Send + 'static) -> Timer {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                work();
            }
        })
        .expect("the OS can start a thread");
    Timer { _stop: stop }
}

/// Signs due checkpoints every `every`.
pub fn start_checkpoint_timer(db: Db, signer: Arc<CheckpointSigner>, period: Duration) -> Timer {
    every("checkpoints", period, move || sign_due_checkpoints(&db, &signer))
}

/// The events table's statistics are refreshed once it has grown by this
/// share since the last refresh (and at the first look after a start).
const REFRESH_GROWTH: f64 = 0.1;
/// ... and by at least this many events.
const REFRESH_MIN_EVENTS: i64 = 10_000;

/// Every minute, refreshes the planner's statistics of the events table
/// when it has grown enough (no operator runs ANALYZE; PostgreSQL's
/// autovacuum may be off or lag a burst). Plans do not depend on it.
pub fn start_statistics_refresh(db: Db, period: Duration) -> Timer {
    let mut analyzed_at: Option<i64> = None;
    every("statistics", period, move || {
        let stored = match db.events_stored() {
            Ok(stored) => stored,
            Err(error) => return tracing::warn!(%error, "could not count events"),
        };
        if !refresh_due(analyzed_at, stored) {
            return;
        }
        let started = std::time::Instant::now();
        match db.refresh_statistics() {
            Ok(()) => {
                analyzed_at = Some(stored);
                tracing::info!(
                    events = stored,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "statistics refreshed"
                );
            }
            Err(error) => tracing::warn!(%error, "could not refresh statistics"),
        }
    })
}

/// Whether `stored` events call for new statistics, the last refresh having
/// seen `analyzed_at` (none yet since this process started: always).
fn refresh_due(analyzed_at: Option<i64>, stored: i64) -> bool {
    match analyzed_at {
        None => true,
        Some(before) => stored - before >= REFRESH_MIN_EVENTS.max((before as f64 * REFRESH_GROWTH) as i64),
    }
}

/// SQLite: every second, restarts the write-ahead log once it outgrows its
/// bound (see `Db::bound_wal`). Readers that keep a snapshot open at every
/// moment stop SQLite's own checkpoints from ever restarting it.
pub fn start_wal_bound(db: Db) -> Timer {
    every("wal-bound", Duration::from_secs(1), move || {
        if let Err(error) = db.bound_wal() {
            tracing::warn!(%error, "could not checkpoint the write-ahead log");
        }
    })
}

/// One round: a checkpoint for each organization with unsigned events.
pub fn sign_due_checkpoints(db: &Db, signer: &CheckpointSigner) {
    let due = match db.unsigned_heads() {
        Ok(due) => due,
        Err(error) => return tracing::warn!(%error, "checkpoint round skipped"),
    };
    for org_id in due {
        match db.sign_checkpoint(org_id, signer) {
            Ok(checkpoint) => tracing::info!(org_id, last_event_id = checkpoint.last_event_id, "checkpoint signed"),
            Err(error) => tracing::warn!(org_id, %error, "could not sign a checkpoint"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_refreshed_at_start_then_after_a_tenth_more_events() {
        assert!(refresh_due(None, 0));
        // Small logs: at least REFRESH_MIN_EVENTS more.
        assert!(!refresh_due(Some(500), 500 + REFRESH_MIN_EVENTS - 1));
        assert!(refresh_due(Some(500), 500 + REFRESH_MIN_EVENTS));
        // Large logs: 10% more.
        assert!(!refresh_due(Some(10_000_000), 10_999_999));
        assert!(refresh_due(Some(10_000_000), 11_000_000));
    }
}
