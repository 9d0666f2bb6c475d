//! Push delivery: each process claims the streams due for delivery that no
//! live process holds (a lease in the database, renewed while it works and
//! expiring when its holder dies), and delivers each one's matching events
//! in id order, one batch at a time, until a batch fails (then the stream
//! waits out its backoff, and whichever process claims it next retries the
//! same batch under the same `webhook-id`) or its receiver answers 410 Gone.
//! `docs/streams.md` is the receiver's side of it.

pub mod client;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adminlog_types::{Action, LogFilter, Source, StreamDelivery, MAX_STREAM_BATCH};
use tokio::sync::watch;

use crate::domain::ingest::EventDraft;
use crate::domain::outbound::receiver_url;
use crate::domain::webhook::{retry_delay, webhook_id, StreamKey};
use crate::storage::events::FeedSelection;
use crate::storage::streams::{Held, StreamRecord};
use crate::storage::{Db, StorageError};
use client::{Answer, Receivers};

/// How long a claim lasts without renewal: a process that dies holding a
/// stream delays it by at most this much.
const LEASE: Duration = Duration::from_secs(30);
/// A holder renews its lease once less than this is left.
const RENEW_BELOW: Duration = Duration::from_secs(20);
/// How often a process looks for streams to claim, and how often an idle
/// stream looks for events committed by other processes.
const LOOK_PERIOD: Duration = Duration::from_secs(1);

/// What delivering needs: the database, the stream master key and the
/// allow-listed client.
pub struct Deliveries {
    pub db: Db,
    pub master_key: [u8; 32],
    pub receivers: Receivers,
    /// This process's name in leases.
    pub owner: String,
}

/// The running delivery thread; dropping it stops delivery (the streams it
/// held are claimed by another process once their leases expire).
pub struct DeliveryWorker {
    _stop: watch::Sender<bool>,
}

/// Starts delivering on a thread of its own.
pub fn start(deliveries: Deliveries) -> DeliveryWorker {
    let (stop, stopped) = watch::channel(false);
    std::thread::Builder::new()
        .name("stream-delivery".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(error) => return tracing::error!(%error, "push delivery could not start"),
            };
            runtime.block_on(claim_loop(Arc::new(deliveries), stopped));
        })
        .expect("the OS can start a thread");
    DeliveryWorker { _stop: stop }
}

/// A name for this process in leases: random, so two processes never share one.
pub fn new_owner_name() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::getrandom(&mut bytes);
    format!("{}-{}", std::process::id(), crate::domain::chain::hex(&bytes))
}

type Running = Arc<Mutex<HashSet<(i64, i64)>>>;

async fn claim_loop(deliveries: Arc<Deliveries>, mut stopped: watch::Receiver<bool>) {
    let running: Running = Arc::default();
    loop {
        let now = now_micros();
        let db = deliveries.db.clone();
        let owner = deliveries.owner.clone();
        let claimed = blocking(move || db.claim_streams(&owner, now, now + micros(LEASE))).await;
        match claimed {
            Ok(records) => {
                for record in records {
                    let key = (record.config.org_id, record.config.id);
                    if running.lock().unwrap_or_else(|p| p.into_inner()).insert(key) {
                        let task = StreamTask { deliveries: deliveries.clone(), running: running.clone(), key };
                        tokio::spawn(task.run(record));
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "could not claim push streams"),
        }
        tokio::select! {
            _ = tokio::time::sleep(LOOK_PERIOD) => {}
            _ = stopped.changed() => break,
        }
    }
    let held: Vec<(i64, i64)> = running.lock().unwrap_or_else(|p| p.into_inner()).drain().collect();
    for (org_id, id) in held {
        if let Err(error) = deliveries.db.release_stream(org_id, id, &deliveries.owner) {
            tracing::warn!(org_id, stream_id = id, %error, "could not release a push stream");
        }
    }
}

/// One stream delivered by this process; it leaves the running set when done.
struct StreamTask {
    deliveries: Arc<Deliveries>,
    running: Running,
    key: (i64, i64),
}

impl Drop for StreamTask {
    fn drop(&mut self) {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
    }
}

/// Why a stream's task stopped; all but a storage error are expected.
enum Stop {
    /// Another process holds it, it was deleted, paused or disabled, or a
    /// replay moved it: nothing more for this task to do, and its lease (if
    /// still this process's) is given up.
    LetGo,
    /// The batch failed; the stream waits out its backoff.
    Failed,
    Storage(StorageError),
}

impl From<StorageError> for Stop {
    fn from(error: StorageError) -> Stop {
        Stop::Storage(error)
    }
}

impl StreamTask {
    async fn run(self, record: StreamRecord) {
        let (org_id, id) = self.key;
        match self.deliver(record).await {
            // A failure gave the lease up with its backoff.
            Ok(()) | Err(Stop::Failed) => return,
            Err(Stop::LetGo) => {}
            Err(Stop::Storage(error)) => {
                tracing::warn!(org_id, stream_id = id, %error, "push delivery paused by a database error");
            }
        }
        // Free for the next claim at once, not when the lease runs out (a
        // replay during a delivery would otherwise wait up to 30 s). Only
        // this process's own lease is given up.
        let db = self.deliveries.db.clone();
        let owner = self.deliveries.owner.clone();
        let _ = blocking(move || db.release_stream(org_id, id, &owner)).await;
    }

    /// Sends batch after batch while the receiver accepts them; waits for
    /// new commits when there is nothing to send.
    async fn deliver(&self, record: StreamRecord) -> Result<(), Stop> {
        let deliveries = &self.deliveries;
        let config = record.config;
        let (org_id, id) = (config.org_id, config.id);
        let key = StreamKey::derive(&deliveries.master_key, config.signing, org_id, id, &config.key_salt);
        let url = receiver_url(&config.url).map_err(|_| Stop::LetGo)?;
        let filter =
            LogFilter { actions: config.actions.clone(), keyword: config.keyword.clone(), ..LogFilter::default() };
        let mut commits = deliveries.db.commits();
        loop {
            commits.borrow_and_update();
            let now = now_micros();
            let (db, owner) = (deliveries.db.clone(), deliveries.owner.clone());
            let state =
                blocking(move || db.hold_stream(org_id, id, &owner, now, micros(RENEW_BELOW), now + micros(LEASE)))
                    .await?
                    .ok_or(Stop::LetGo)?;
            let db = deliveries.db.clone();
            let reads_the_log = blocking(move || db.tenant(org_id)).await?.plan.can_view_logs();
            if !reads_the_log || state.paused || state.disabled_at.is_some() || state.next_attempt_at > now {
                return Err(Stop::LetGo);
            }
            let mut selection = FeedSelection::new(&filter, state.delivered_through, MAX_STREAM_BATCH as i64);
            selection.through = state.batch_through;
            let db = deliveries.db.clone();
            let read = blocking(move || db.feed_events(org_id, &selection)).await?;
            let through = state.batch_through.unwrap_or(read.complete_through);
            let held = Held { org_id, id, owner: &deliveries.owner, generation: state.generation };
            if read.events.is_empty() {
                if through > state.delivered_through {
                    self.record(move |db, held| db.finish_batch(held, through, None), &held).await?;
                } else {
                    let _ = tokio::time::timeout(LOOK_PERIOD, commits.changed()).await;
                }
                continue;
            }
            if state.batch_through.is_none() {
                self.record(move |db, held| db.begin_batch(held, through), &held).await?;
            }
            let message = webhook_id(org_id, id, state.generation, state.delivered_through, through);
            let body = StreamDelivery { stream_id: id, events: read.events, complete_through: through };
            let body = serde_json::to_vec(&body).map_err(|e| Stop::Storage(StorageError::Corrupt(e.to_string())))?;
            let answer = deliveries.receivers.deliver(&url, &message, &key, body).await;
            let attempted_at = now_micros();
            match answer {
                Ok(Answer::Accepted) => {
                    self.record(move |db, held| db.finish_batch(held, through, Some(attempted_at)), &held).await?;
                }
                Ok(Answer::Gone) => {
                    let host = url.host_str().unwrap_or_default().to_owned();
                    let log = EventDraft::now(Action::DISABLE_STREAM, "", Source::Api).about_user("", &stream_name(id));
                    let log = EventDraft { domain_name: host, ..log };
                    let error = "the receiver answered 410 Gone: resume the stream to deliver again";
                    self.record(move |db, held| db.disable_stream(held, error, attempted_at, &[log]), &held).await?;
                    return Err(Stop::LetGo);
                }
                Err(reason) => {
                    tracing::info!(org_id, stream_id = id, %reason, "a push delivery failed");
                    let retry_at = attempted_at + micros(retry_delay(state.failures + 1));
                    self.record(move |db, held| db.fail_batch(held, &reason, attempted_at, retry_at), &held).await?;
                    return Err(Stop::Failed);
                }
            }
        }
    }

    /// Runs one guarded write; the task lets go when it no longer holds the
    /// stream at this generation.
    async fn record(
        &self,
        write: impl FnOnce(&Db, &Held<'_>) -> Result<bool, StorageError> + Send + 'static,
        held: &Held<'_>,
    ) -> Result<(), Stop> {
        let db = self.deliveries.db.clone();
        let (org_id, id, owner, generation) = (held.org_id, held.id, held.owner.to_owned(), held.generation);
        let applied = blocking(move || write(&db, &Held { org_id, id, owner: &owner, generation })).await?;
        if applied {
            Ok(())
        } else {
            Err(Stop::LetGo)
        }
    }
}

/// How a stream is named in the log's events about it.
pub fn stream_name(id: i64) -> String {
    format!("push stream {id}")
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|panicked| Err(StorageError::Unavailable(format!("a database call panicked: {panicked}"))))
}

fn now_micros() -> i64 {
    crate::storage::to_micros(time::OffsetDateTime::now_utc())
}

fn micros(duration: Duration) -> i64 {
    duration.as_micros() as i64
}
