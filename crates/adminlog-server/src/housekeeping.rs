//! Work the server does on its own schedule: signing a checkpoint of every
//! organization whose chain grew since its last one.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use crate::domain::checkpoint::CheckpointSigner;
use crate::storage::Db;

/// The running timer; dropping it stops the thread at once.
pub struct CheckpointTimer {
    _stop: mpsc::Sender<()>,
}

/// Signs due checkpoints every `every`, on a thread of its own.
pub fn start_checkpoint_timer(db: Db, signer: Arc<CheckpointSigner>, every: Duration) -> CheckpointTimer {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("checkpoints".into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                sign_due_checkpoints(&db, &signer);
            }
        })
        .expect("the OS can start a thread");
    CheckpointTimer { _stop: stop }
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
