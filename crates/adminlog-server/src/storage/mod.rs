//! The storage boundary: everything that knows SQL lives under this module.
//!
//! [`Db`] wraps a connection pool for SQLite or PostgreSQL. Each query is
//! written once inside [`on_any!`], which compiles it for both backends;
//! where the SQL must differ, the code matches on [`AnyConn`] here and nowhere
//! else. Handlers and the domain never see diesel.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub mod accounts;
mod bulk;
pub mod events;
pub mod integrity;
pub mod saved_views;
mod schema;
pub mod security;
pub mod streams;
mod term_cache;
mod terms;

/// Runs `$body` with `$c` bound to the concrete connection, compiling the body
/// once per backend.
macro_rules! on_any {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::AnyConn::Sqlite(inner) => {
                let $c: &mut diesel::sqlite::SqliteConnection = &mut **inner;
                $body
            }
            $crate::storage::AnyConn::Pg(inner) => {
                let $c: &mut diesel::pg::PgConnection = &mut **inner;
                $body
            }
        }
    };
}
pub(crate) use on_any;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("the database is busy or unreachable: {0}")]
    Unavailable(String),
    #[error("the database's storage is full: {0}")]
    NoSpace(String),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for StorageError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            // SQLite's busy timeout ran out: the database is overloaded, not broken.
            Error::DatabaseError(_, info) if info.message().contains("database is locked") => {
                StorageError::Unavailable(info.message().to_owned())
            }
            // SQLite's "database or disk is full", PostgreSQL's "could not
            // extend file ... No space left on device": nothing was stored.
            Error::DatabaseError(_, info)
                if ["disk is full", "No space left on device", "could not extend file"]
                    .iter()
                    .any(|sign| info.message().contains(sign)) =>
            {
                StorageError::NoSpace(info.message().to_owned())
            }
            // PostgreSQL went away mid-request (a restart), or a request's
            // deadline or lock wait ran out: worth a retry.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StorageError::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, info)
                if [
                    "lock timeout",
                    "statement timeout",
                    "terminating connection",
                    "the database system is",
                    "server closed the connection",
                ]
                .iter()
                .any(|sign| info.message().contains(sign)) =>
            {
                StorageError::Unavailable(info.message().to_owned())
            }
            _ => StorageError::Query(error),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StorageError::Unavailable(error.to_string())
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// A borrowed connection (or transaction) on either backend.
pub enum AnyConn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

enum Pools {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Pg(Pool<ConnectionManager<PgConnection>>),
}

/// The database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    pools: std::sync::Arc<Pools>,
    terms: std::sync::Arc<term_cache::TermCache>,
    /// SQLite: the database file, whose filesystem readiness checks.
    sqlite_path: Option<std::sync::Arc<std::path::PathBuf>>,
    /// Counts the ingestion commits of this process, so a waiting feed
    /// request wakes when there may be something new (see [`Db::commits`]).
    commits: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    /// SQLite: the write-ahead log file, whose size every commit checks.
    wal_path: Option<std::sync::Arc<std::path::PathBuf>>,
    /// SQLite: every write transaction of this process holds it shared; the
    /// WAL bound takes it alone for the moment of a truncating checkpoint,
    /// which otherwise never finds the write lock free under sustained
    /// ingestion (see [`Db::bound_wal`]).
    wal_gate: std::sync::Arc<std::sync::RwLock<()>>,
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers run beside the writer; synchronous=NORMAL in WAL
        // mode keeps every committed transaction across a process kill. A
        // write lock held elsewhere is waited for at most 2 s, the overload
        // bound: then 503 with Retry-After, not a pool slot held for 10 s.
        // Pages are read through a memory map (SQLite's cap on Linux, 2 GiB):
        // ingestion spent 7% of its time copying pages with pread(2).
        // `batch_execute` runs every statement; a prepared query runs only the first.
        conn.batch_execute(
            "PRAGMA busy_timeout = 2000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA journal_size_limit = 33554432; \
             PRAGMA mmap_size = 2147418112;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(Debug)]
struct PgSession;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for PgSession {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // Plan each statement for its actual parameters: a generic plan turns
        // `value = ANY($1)` over a long list into a linear scan per row.
        // No bitmap scans: every read here wants a page in index order and
        // stops after it, and a bitmap scan collects and sorts every match
        // instead. PostgreSQL picks one whenever its statistics underestimate
        // the matches (a log grown since the last ANALYZE, or never analyzed:
        // a 30-day window 8.6 ms and one common action 120 ms at a million
        // grown events); without it, the ordered index walk is the only
        // cheap plan left, whatever the statistics say.
        // Every statement has a deadline, and so has every lock wait: a hung
        // or locked database answers 503 within seconds instead of holding
        // requests (and pool slots) for as long as it hangs. Maintenance
        // (migrations, bulk index builds, ANALYZE) lifts it on its own
        // connection.
        conn.batch_execute(
            "SET plan_cache_mode = force_custom_plan; SET enable_bitmapscan = off; \
             SET idle_in_transaction_session_timeout = '60s';",
        )
        .and_then(|()| conn.batch_execute(REQUEST_DEADLINES))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Where the data lives, from a `--database-url` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://...` or `postgresql://...` selects PostgreSQL; `sqlite://PATH`
    /// or a plain path selects SQLite.
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            DatabaseUrl::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).to_owned())
        }
    }
}

impl Db {
    /// Opens the pool and fails fast (within `timeout`) when the database
    /// cannot be reached.
    pub fn connect(url: &DatabaseUrl, max_connections: u32, timeout: Duration) -> StorageResult<Db> {
        let pools = match url {
            DatabaseUrl::Sqlite(path) => {
                let pool = Pool::builder()
                    .max_size(max_connections)
                    .min_idle(Some(1.min(max_connections)))
                    .connection_timeout(timeout)
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(ConnectionManager::<SqliteConnection>::new(path))
                    .map_err(|e| StorageError::BadUrl(format!("cannot open SQLite database `{path}`: {e}")))?;
                Pools::Sqlite(pool)
            }
            DatabaseUrl::Postgres(url) => {
                let url = &with_connection_deadlines(url);
                // r2d2 hides the cause behind a timeout; one direct attempt
                // reports it.
                PgConnection::establish(url).map_err(|e| StorageError::BadUrl(e.to_string()))?;
                let pool = Pool::builder()
                    .max_size(max_connections)
                    // r2d2 panics when min_idle exceeds max_size (`migrate` uses one).
                    .min_idle(Some(2.min(max_connections)))
                    .connection_timeout(timeout)
                    .connection_customizer(Box::new(PgSession))
                    .build(ConnectionManager::<PgConnection>::new(url))
                    .map_err(|e| StorageError::Unavailable(e.to_string()))?;
                Pools::Pg(pool)
            }
        };
        let sqlite_path = match url {
            DatabaseUrl::Sqlite(path) => Some(std::sync::Arc::new(std::path::PathBuf::from(path))),
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Db {
            pools: std::sync::Arc::new(pools),
            terms: std::sync::Arc::default(),
            wal_path: sqlite_path.as_ref().map(|path| {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                std::sync::Arc::new(std::path::PathBuf::from(wal))
            }),
            sqlite_path,
            commits: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            wal_gate: std::sync::Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match *self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Pg(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that are not applied yet.
    pub fn migrate(&self) -> StorageResult<usize> {
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| StorageError::Unavailable(format!("migration failed: {e}"));
        match &*self.pools {
            Pools::Sqlite(pool) => {
                pool.get()?.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()).map_err(failed)
            }
            Pools::Pg(pool) => without_deadlines(&mut *pool.get()?, |conn| {
                conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()).map_err(failed)
            }),
        }
    }

    /// Runs `work` on one pooled connection, outside a transaction.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&mut AnyConn<'_>) -> StorageResult<T>) -> StorageResult<T> {
        match &*self.pools {
            Pools::Sqlite(pool) => {
                let mut conn: PooledConnection<_> = pool.get()?;
                work(&mut AnyConn::Sqlite(&mut conn))
            }
            Pools::Pg(pool) => {
                let mut conn: PooledConnection<_> = pool.get()?;
                work(&mut AnyConn::Pg(&mut conn))
            }
        }
    }

    /// Runs `work` in one write transaction. On SQLite the transaction takes
    /// the write lock up front, so two writers queue instead of failing.
    pub(crate) fn write<T>(&self, work: impl FnOnce(&mut AnyConn<'_>) -> StorageResult<T>) -> StorageResult<T> {
        match &*self.pools {
            Pools::Sqlite(pool) => {
                let mut conn = pool.get()?;
                let done = {
                    let _shared = self.wal_gate.read().unwrap_or_else(|poisoned| poisoned.into_inner());
                    conn.immediate_transaction(|tx| work(&mut AnyConn::Sqlite(tx)))
                };
                if done.is_ok() {
                    self.truncate_wal_past_bound(&mut conn);
                }
                done
            }
            Pools::Pg(pool) => {
                let mut conn = pool.get()?;
                conn.transaction(|tx| work(&mut AnyConn::Pg(tx)))
            }
        }
    }

    /// Runs `work` in a read-only transaction that sees one consistent
    /// snapshot, without blocking writers.
    pub(crate) fn snapshot<T>(&self, work: impl FnOnce(&mut AnyConn<'_>) -> StorageResult<T>) -> StorageResult<T> {
        match &*self.pools {
            // A deferred transaction in WAL mode reads one snapshot.
            Pools::Sqlite(pool) => pool.get()?.transaction(|tx| work(&mut AnyConn::Sqlite(tx))),
            Pools::Pg(pool) => {
                pool.get()?.build_transaction().repeatable_read().read_only().run(|tx| work(&mut AnyConn::Pg(tx)))
            }
        }
    }

    /// After a bulk load: refreshes the planner's statistics and, on
    /// PostgreSQL, marks the loaded pages all-visible so keyword searches read
    /// the term indexes alone (autovacuum would, later).
    pub fn optimize(&self) -> StorageResult<()> {
        match &*self.pools {
            Pools::Sqlite(pool) => diesel::sql_query("ANALYZE").execute(&mut *pool.get()?)?,
            // VACUUM cannot run in a transaction: a bare pooled connection.
            Pools::Pg(pool) => {
                without_deadlines(&mut *pool.get()?, |conn| Ok(diesel::sql_query("VACUUM (ANALYZE)").execute(conn)?))?
            }
        };
        Ok(())
    }

    /// The database's size on disk, as PostgreSQL counts it (SQLite: `None`,
    /// measure the file).
    pub fn database_size_bytes(&self) -> Option<u64> {
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            bytes: i64,
        }
        match &*self.pools {
            Pools::Sqlite(_) => None,
            Pools::Pg(pool) => {
                let mut conn = pool.get().ok()?;
                let size: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes")
                    .get_result(&mut conn)
                    .ok()?;
                u64::try_from(size.bytes).ok()
            }
        }
    }

    /// SQLite: copies the write-ahead log into the database without waiting,
    /// then truncates it if it is past [`WAL_BOUND_BYTES`]. For the log that
    /// grows while nothing is written here (other processes' writers); this
    /// process's writers truncate it themselves as they pass the bound.
    /// PostgreSQL: nothing.
    pub fn bound_wal(&self) -> StorageResult<()> {
        let Pools::Sqlite(pool) = &*self.pools else { return Ok(()) };
        let mut conn = pool.get()?;
        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *conn)?;
        self.truncate_wal_past_bound(&mut conn);
        Ok(())
    }

    /// Once the write-ahead log file is past [`WAL_BOUND_BYTES`], waits for
    /// this process's writers to step aside and truncates it.
    ///
    /// Readers that always hold a snapshot stop SQLite's own checkpoints from
    /// ever restarting the log, and sustained ingestion almost never leaves
    /// the write lock free for a truncating checkpoint to take: a log once
    /// reached 1.3 GB while a million events were ingested at 20,000 a
    /// second, with a check each second that waited its turn. So the writer
    /// that passes the bound truncates at once, behind the gate: the
    /// transaction in progress finishes, new ones wait. Readers get 250 ms;
    /// when they keep their snapshots longer the checkpoint gives up and the
    /// next commit tries again, rather than hold writers back towards their
    /// own 2 s bound.
    fn truncate_wal_past_bound(&self, conn: &mut SqliteConnection) {
        let Some(wal) = &self.wal_path else { return };
        let past_bound = || std::fs::metadata(wal.as_path()).is_ok_and(|m| m.len() > WAL_BOUND_BYTES as u64);
        if !past_bound() {
            return;
        }
        let _alone = self.wal_gate.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Another writer may have truncated it while this one waited.
        if !past_bound() {
            return;
        }
        let truncated = conn
            .batch_execute("PRAGMA busy_timeout = 250")
            .and_then(|()| diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(conn));
        let restored = conn.batch_execute("PRAGMA busy_timeout = 2000");
        if let Err(error) = truncated.and(restored) {
            tracing::warn!(%error, "could not truncate the write-ahead log");
        }
    }

    /// Every organization's events together: the sum of their last ids.
    /// One row per organization, so cheap to ask often.
    pub fn events_stored(&self) -> StorageResult<i64> {
        #[derive(diesel::QueryableByName)]
        struct Total {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = "SELECT CAST(COALESCE(SUM(last_event_id), 0) AS BIGINT) AS n FROM organizations";
        self.read(|conn| Ok(on_any!(conn, |c| diesel::sql_query(sql).get_result::<Total>(c))?.n))
    }

    /// How many events the planner's statistics believe the events table
    /// holds: `None` when it was never analyzed. For reports and tests of
    /// the statistics refresh; plans never read it.
    pub fn planner_event_estimate(&self) -> StorageResult<Option<i64>> {
        #[derive(diesel::QueryableByName)]
        struct Estimate {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
            n: Option<i64>,
        }
        // SQLite: the first number of an index's `stat` is the rows it
        // counted (the table's own b-tree, for a WITHOUT ROWID table).
        // PostgreSQL 14+: `reltuples` is -1 until the first ANALYZE.
        self.read(|conn| {
            let sql = match conn {
                AnyConn::Sqlite(sqlite) => {
                    // The statistics table exists only after a first ANALYZE
                    // (and a statement naming it would not even prepare).
                    let analyzed: Vec<Estimate> =
                        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")
                            .load(&mut **sqlite)?;
                    if analyzed.first().and_then(|found| found.n) != Some(1) {
                        return Ok(None);
                    }
                    "SELECT MAX(CAST(substr(stat, 1, instr(stat || ' ', ' ') - 1) AS INTEGER)) AS n \
                     FROM sqlite_stat1 WHERE tbl = 'events'"
                }
                AnyConn::Pg(_) => {
                    "SELECT CASE WHEN reltuples < 0 THEN NULL ELSE CAST(reltuples AS BIGINT) END AS n \
                     FROM pg_class WHERE oid = 'events'::regclass"
                }
            };
            let found: Vec<Estimate> = on_any!(conn, |c| diesel::sql_query(sql).load(c))?;
            Ok(found.into_iter().next().and_then(|estimate| estimate.n))
        })
    }

    /// Refreshes the planner's statistics of the events table: a bounded
    /// sample on SQLite (`analysis_limit`), PostgreSQL's own sample. Neither
    /// blocks ingestion. Plans must not depend on it (see `events/planner.rs`); it
    /// keeps their estimates sensible between refreshes. On SQLite it ends
    /// with `PRAGMA optimize` over every table (0x10002), as SQLite
    /// recommends for long-lived connections: it re-analyzes the other
    /// tables once they changed tenfold. The events table is analyzed
    /// explicitly because the caller's trigger (10% growth) is much earlier.
    ///
    /// On PostgreSQL it is a `VACUUM (ANALYZE)`, of the counts too: what
    /// autovacuum does for an insert-only table, which is off or lagging on
    /// the machines this must survive. An append-only table has nothing to
    /// remove; the point is the visibility map. Without it an index-only
    /// walk (a keyword's matches, a count) visits the heap for every entry:
    /// a keyword's histogram on 10 M events grown through the API took
    /// 485 ms. It reads only the pages appended since the last vacuum, and
    /// takes no lock that ingestion or reads wait for.
    pub fn refresh_statistics(&self) -> StorageResult<()> {
        match &*self.pools {
            Pools::Sqlite(pool) => pool.get()?.batch_execute(
                "PRAGMA analysis_limit = 1000; ANALYZE events; PRAGMA analysis_limit = 0; PRAGMA optimize = 0x10002;",
            )?,
            // VACUUM cannot run in a transaction: a bare pooled connection.
            Pools::Pg(pool) => without_deadlines(&mut *pool.get()?, |conn| {
                Ok(conn.batch_execute("VACUUM (ANALYZE) events, event_counts_by_hour, event_counts_by_day")?)
            })?,
        }
        Ok(())
    }

    /// A PostgreSQL server setting (`pg_settings`), for reports; `None` on
    /// SQLite or when there is no such setting.
    pub fn server_setting(&self, name: &str) -> StorageResult<Option<String>> {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        let Pools::Pg(pool) = &*self.pools else { return Ok(None) };
        use diesel::OptionalExtension;
        let found: Option<Setting> = diesel::sql_query("SELECT setting FROM pg_settings WHERE name = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut *pool.get()?)
            .optional()?;
        Ok(found.map(|s| s.setting))
    }

    /// Can the database take a write now? One small committed write: a
    /// read-only database or a lock held past the bound fail it. On SQLite
    /// the filesystem must also have [`MIN_FREE_BYTES`] left: a nearly full
    /// disk may still take a small write into the write-ahead log's slack
    /// while every batch fails.
    pub fn can_write(&self) -> StorageResult<()> {
        if let Some(path) = &self.sqlite_path {
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            if let Ok(stats) = rustix::fs::statvfs(folder) {
                let free = stats.f_bavail.saturating_mul(stats.f_frsize);
                if free < MIN_FREE_BYTES {
                    return Err(StorageError::NoSpace(format!("{free} bytes free where the database lives")));
                }
            }
        }
        use diesel::{ExpressionMethods, RunQueryDsl};
        let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        self.write(|conn| {
            on_any!(conn, |c| diesel::insert_into(schema::settings::table)
                .values((schema::settings::name.eq("readiness probe"), schema::settings::value.eq(&now)))
                .on_conflict(schema::settings::name)
                .do_update()
                .set(schema::settings::value.eq(&now))
                .execute(c))?;
            Ok(())
        })
    }

    /// A trivial query: is the database answering?
    pub fn ping(&self) -> StorageResult<()> {
        self.read(|conn| {
            on_any!(conn, |c| diesel::sql_query("SELECT 1").execute(c))?;
            Ok(())
        })
    }
}

/// PostgreSQL: how long a request's statement, and a lock wait, may last.
pub(crate) const REQUEST_DEADLINES: &str = "SET statement_timeout = '10s'; SET lock_timeout = '2s'";

/// Runs maintenance (migrations, index builds, ANALYZE) on a pooled
/// PostgreSQL connection without the request deadlines, and puts them back
/// before the connection returns to the pool.
pub(crate) fn without_deadlines<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> StorageResult<T>,
) -> StorageResult<T> {
    conn.batch_execute("SET statement_timeout = 0; SET lock_timeout = 0")?;
    let result = work(conn);
    conn.batch_execute(REQUEST_DEADLINES)?;
    result
}

/// SQLite: less free space than this where the database lives is a full
/// disk to readiness (a batch of 1,000 events takes a few hundred KiB).
pub const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

/// libpq settings that bound how long a dead or paused PostgreSQL can hold a
/// connection: a connect timeout, TCP keepalives, and a TCP user timeout
/// (which also covers sent data never acknowledged, as with a server paused
/// by SIGSTOP). The operator's own values in the URL win.
fn with_connection_deadlines(url: &str) -> String {
    let defaults = [
        ("connect_timeout", "3"),
        ("keepalives", "1"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "15000"),
    ];
    let mut out = url.to_owned();
    for (name, value) in defaults {
        if !url.contains(&format!("{name}=")) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{name}={value}"));
        }
    }
    out
}

/// The write-ahead log size past which the server restarts it
/// (`Db::bound_wal`); `journal_size_limit` truncates it to this size after
/// any restart SQLite makes on its own.
pub const WAL_BOUND_BYTES: i64 = 32 * 1024 * 1024;

/// Microseconds since the Unix epoch: how every time is stored.
///
/// Rounds down (so a bound before 1970 with a fraction of a microsecond
/// stays on the right side of a stored time) and saturates instead of
/// wrapping. Every instant a query bound can hold (years 0000 to 9999, see
/// `TimeBound`) and every stored event (1970 to now) is well inside `i64`;
/// should a wider instant ever arrive, saturation keeps filters sound: a `to`
/// past the end becomes "no upper bound", a `from` past it matches nothing.
pub fn to_micros(at: time::OffsetDateTime) -> i64 {
    let micros = at.unix_timestamp_nanos().div_euclid(1_000);
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

pub fn from_micros(micros: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Maps a unique-constraint violation to a conflict the caller can explain.
pub(crate) fn conflict_as(error: diesel::result::Error, message: &str) -> StorageError {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            StorageError::Conflict(message.to_owned())
        }
        other => StorageError::Query(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }

    fn setting(db: &Db, pragma: &str) -> String {
        db.read(|conn| {
            let AnyConn::Sqlite(c) = conn else { unreachable!("a SQLite database") };
            let row: Setting =
                diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS value")).get_result(&mut **c)?;
            Ok(row.value)
        })
        .unwrap()
    }

    #[test]
    fn sqlite_connections_get_every_pragma() {
        let path = std::env::temp_dir().join(format!("adminlog-pragmas-{}.db", std::process::id()));
        let db = Db::connect(&DatabaseUrl::Sqlite(path.display().to_string()), 2, Duration::from_secs(5)).unwrap();
        // Durable across a process kill, readers beside the writer, a writer
        // that waits instead of failing, but no longer than the overload
        // bound, and a write-ahead log truncated after SQLite's restarts.
        assert_eq!(setting(&db, "(SELECT journal_mode FROM pragma_journal_mode)"), "wal");
        assert_eq!(setting(&db, "(SELECT synchronous FROM pragma_synchronous)"), "1");
        assert_eq!(setting(&db, "(SELECT timeout FROM pragma_busy_timeout)"), "2000");
        assert_eq!(setting(&db, "(SELECT journal_size_limit FROM pragma_journal_size_limit)"), "33554432");
        assert_eq!(setting(&db, "(SELECT foreign_keys FROM pragma_foreign_keys)"), "1");
        // Pages read through a memory map, not copied by read(2). (This
        // pragma has no table-valued form.)
        let mmap_size = db
            .read(|conn| {
                #[derive(diesel::QueryableByName)]
                struct Mmap {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    mmap_size: i64,
                }
                let AnyConn::Sqlite(c) = conn else { unreachable!("a SQLite database") };
                let row: Mmap = diesel::sql_query("PRAGMA mmap_size").get_result(&mut **c)?;
                Ok(row.mmap_size)
            })
            .unwrap();
        assert_eq!(mmap_size, 2_147_418_112);
        // SQLite 3.7.0 to 3.51.2 can corrupt a WAL database when one
        // connection's checkpoint races another's right after a third
        // connection reset the log (https://sqlite.org/wal.html#walresetbug):
        // the pattern of this server's writers and housekeeping. A 10 M
        // benchmark run on the 3.50.2 once ended with "database disk image is
        // malformed" ("2nd reference to page" in its integrity check).
        let version: Vec<u32> = setting(&db, "sqlite_version()").split('.').map(|part| part.parse().unwrap()).collect();
        assert!(version >= vec![3, 51, 3], "the embedded SQLite is {version:?}: it has the WAL-reset bug");
        drop(db);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
