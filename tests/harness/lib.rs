//! The black-box harness: the real server on a random port, against a fresh
//! SQLite file or a fresh PostgreSQL database that is dropped afterwards,
//! and one helper per endpoint.

use std::sync::atomic::{AtomicU64, Ordering};

use adminlog_server::app::{self, Settings};
use adminlog_server::domain::outbound::AllowList;
use adminlog_server::storage::{DatabaseUrl, Db};
use adminlog_types::{Plan, Role};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub mod own_postgres;
pub mod process;
pub mod receiver;

pub use reqwest;
pub use serde_json;

/// The one browser origin test servers allow.
pub const ALLOWED_ORIGIN: &str = "https://panel.example";

/// The password every fixture administrator gets.
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Emits one test per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $app = $crate::spawn_app($crate::Backend::Sqlite).await.expect("SQLite is always available");
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some($app) = $crate::spawn_app($crate::Backend::Postgres).await else { return };
                    $body
                }
            }
        )*
    };
}

/// For tests that set up their own server or processes: emits
/// `name::sqlite` and `name::postgres`, each calling `name(Backend)`.
#[macro_export]
macro_rules! for_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// The server of one test.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: Backend,
    handle: actix_web::dev::ServerHandle,
    /// Removed after the server is told to stop: `Drop` runs before fields drop.
    database: TestDatabase,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!(
        "adminlog_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Where tests reach PostgreSQL: a server URL whose database may be any.
pub fn postgres_admin_url() -> String {
    std::env::var("ADMINLOG_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// CI sets ADMINLOG_REQUIRE_POSTGRES=1: then an unreachable server fails
/// the tests instead of skipping them.
fn postgres_required() -> bool {
    std::env::var("ADMINLOG_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

fn with_database(admin_url: &str, name: &str) -> String {
    match admin_url.rfind('/') {
        Some(slash) => format!("{}/{name}", &admin_url[..slash]),
        None => format!("{admin_url}/{name}"),
    }
}

/// A stand-in for the built browser app, so the SPA routes can be tested
/// without building the WASM bundle. Written once per test process: tests
/// running in parallel must never see a half-written file.
fn static_dir() -> Option<std::path::PathBuf> {
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("adminlog-test-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(dir.join("index.html"), "<!doctype html><title>adminlog app</title>").ok()?;
        std::fs::write(dir.join("app.js"), "export default function init() {}").ok()?;
        Some(dir)
    })
    .clone()
}

#[derive(diesel::QueryableByName)]
struct StoredEvent {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    client_event_id: Option<String>,
}

/// Every event of `org_id` as stored, newest first: (id, client event id).
/// Read straight from the database, not through the API under test.
pub fn stored_events(url: &DatabaseUrl, org_id: i64) -> Vec<(i64, Option<String>)> {
    let sql = format!("SELECT id, client_event_id FROM events WHERE org_id = {org_id} ORDER BY ts DESC, id DESC");
    let rows: Vec<StoredEvent> = match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(path).expect("open the SQLite file");
            diesel::sql_query(sql).load(&mut conn).expect("read events")
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
            diesel::sql_query(sql).load(&mut conn).expect("read events")
        }
    };
    rows.into_iter().map(|row| (row.id, row.client_event_id)).collect()
}

/// A fresh database of one backend, removed (file) or dropped (PostgreSQL)
/// when this value is dropped.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    /// Where servers on this database keep their checkpoint signing key.
    pub signing_key_file: std::path::PathBuf,
    /// Where servers on this database keep their session secret.
    pub secret_key_file: std::path::PathBuf,
    cleanup: Cleanup,
}

impl TestDatabase {
    /// `None` only when PostgreSQL is unreachable and not required.
    pub fn create(backend: Backend) -> Option<TestDatabase> {
        let name = unique_name();
        let signing_key_file = std::env::temp_dir().join(format!("{name}.key"));
        let secret_key_file = std::env::temp_dir().join(format!("{name}.secret"));
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                (DatabaseUrl::Sqlite(path.display().to_string()), Cleanup::SqliteFile(path))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                match PgConnection::establish(&admin_url) {
                    Ok(mut conn) => {
                        diesel::sql_query(format!("CREATE DATABASE {name}"))
                            .execute(&mut conn)
                            .expect("create database");
                    }
                    Err(error) if !postgres_required() => {
                        eprintln!("skipping: PostgreSQL unreachable at {admin_url} ({error}); set ADMINLOG_REQUIRE_POSTGRES=1 to fail instead");
                        return None;
                    }
                    Err(error) => panic!("PostgreSQL is required but unreachable at {admin_url}: {error}"),
                }
                let url = with_database(&admin_url, &name);
                (DatabaseUrl::Postgres(url), Cleanup::PostgresDatabase { admin_url, name })
            }
        };
        Some(TestDatabase { url, signing_key_file, secret_key_file, cleanup })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.signing_key_file);
        let _ = std::fs::remove_file(&self.secret_key_file);
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
                }
            }
        }
    }
}

/// Starts the server on port 0 against a fresh database of `backend`.
/// `None` only when PostgreSQL is unreachable and not required.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_configured(backend, |_| {}).await
}

/// [`spawn_app`] with settings changed by `adjust` first.
pub async fn spawn_configured(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let database = TestDatabase::create(backend)?;
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url.clone(),
        jwt_secret: Some("test secret, long enough to be a real key".into()),
        workers: 1,
        static_dir: static_dir(),
        cors_origins: vec![ALLOWED_ORIGIN.to_owned()],
        max_in_flight: None,
        max_connections_per_address: 128,
        signing_key_file: database.signing_key_file.clone(),
        secret_key_file: database.secret_key_file.clone(),
        checkpoint_reuse: std::time::Duration::from_secs(60),
        checkpoint_interval: None,
        // Test receivers listen on loopback; nothing else is allowed.
        stream_allow: AllowList::parse("127.0.0.1/32").expect("a valid list"),
        stream_ca_file: None,
    };
    adjust(&mut settings);
    let running = app::start(&settings).expect("server starts");
    let handle = running.server.handle();
    tokio::spawn(running.server);
    Some(TestApp {
        base: format!("http://{}", running.addr),
        client: reqwest::Client::new(),
        db: running.db,
        backend,
        database,
        handle,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stopping is requested at once; the future only waits for it.
        drop(self.handle.stop(false));
    }
}

/// See [`TestApp::hold_write_lock`].
pub struct WriteLock {
    release: Option<std::sync::mpsc::Sender<()>>,
    holder: Option<std::thread::JoinHandle<()>>,
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(holder) = self.holder.take() {
            let _ = holder.join();
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    /// The whole response.
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body is readable");
        Reply { status, headers, text }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("unexpected shape ({e}): {}", self.text))
    }

    /// The error code of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error body: {}", self.text)).to_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(self.status.as_u16(), expected, "body: {}", self.text);
        self
    }

    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.code(), code, "body: {}", self.text);
        self
    }
}

/// An organization with a signed-in super administrator.
pub struct Org {
    pub id: i64,
    pub name: String,
    pub super_email: String,
    pub token: String,
}

impl TestApp {
    /// Where this server's database lives.
    pub fn db_url(&self) -> DatabaseUrl {
        self.database.url.clone()
    }

    /// The server's checkpoint signing key file.
    pub fn signing_key_file(&self) -> &std::path::Path {
        &self.database.signing_key_file
    }

    /// The key that verifies this server's checkpoints, as an auditor would
    /// hold it.
    pub fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        adminlog_server::signing_key::load_existing(self.signing_key_file())
            .expect("readable key")
            .expect("the server created its key")
            .verifying_key()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Reply::read(request.send().await.expect("request reaches the server")).await
    }

    /// Runs SQL straight on the database, behind the server's back: what an
    /// attacker with the database file or credentials can do.
    pub fn raw_sql(&self, statements: &[String]) {
        match &self.database.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).expect("open the SQLite file");
                diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut conn).expect("busy timeout");
                for sql in statements {
                    diesel::sql_query(sql).execute(&mut conn).unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
                for sql in statements {
                    diesel::sql_query(sql).execute(&mut conn).unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
            }
        }
    }

    /// A number read straight from the database (`SELECT ... AS n`), behind
    /// the server's back.
    pub fn raw_number(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Number {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let row: Number = match &self.database.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).expect("open the SQLite file");
                diesel::sql_query(sql).get_result(&mut conn)
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
                diesel::sql_query(sql).get_result(&mut conn)
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.n
    }

    /// Holds `org_id`'s write lock from outside the server until the guard
    /// is dropped, as a long transaction of another process would: the
    /// server's writers for that organization wait.
    pub fn hold_write_lock(&self, org_id: i64) -> WriteLock {
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let database = self.database.url.clone();
        let holder = std::thread::spawn(move || match database {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path).expect("open the SQLite file");
                diesel::sql_query("BEGIN IMMEDIATE").execute(&mut conn).expect("take the write lock");
                locked_tx.send(()).expect("test waits");
                let _ = release_rx.recv();
                diesel::sql_query("ROLLBACK").execute(&mut conn).expect("release");
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&url).expect("connect to PostgreSQL");
                diesel::sql_query("BEGIN").execute(&mut conn).expect("begin");
                diesel::sql_query(format!("SELECT id FROM organizations WHERE id = {org_id} FOR UPDATE"))
                    .execute(&mut conn)
                    .expect("lock the organization row");
                locked_tx.send(()).expect("test waits");
                let _ = release_rx.recv();
                diesel::sql_query("ROLLBACK").execute(&mut conn).expect("release");
            }
        });
        locked_rx.recv().expect("the lock is taken");
        WriteLock { release: Some(release_tx), holder: Some(holder) }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(token), Some(&body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(token), Some(&body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login_reply(&self, email: &str, password: &str) -> Reply {
        self.request(Method::POST, "/api/v1/auth/login", None, Some(&json!({"email": email, "password": password})))
            .await
    }

    pub async fn login(&self, email: &str) -> String {
        let reply = self.login_reply(email, PASSWORD).await;
        reply.assert_status(200);
        reply.json()["token"].as_str().expect("token").to_owned()
    }

    /// Creates an organization and its first super administrator, signed in.
    pub async fn org(&self, name: &str, plan: Plan) -> Org {
        let slug: String = name.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
        let email = format!("root@{slug}.example");
        let db = self.db.clone();
        let (org, mail) = (name.to_owned(), email.clone());
        let admin = tokio::task::spawn_blocking(move || {
            adminlog_server::demo::create_admin(&db, &org, plan, &mail, "Root", Role::SuperAdmin, PASSWORD)
        })
        .await
        .expect("join")
        .expect("fixture administrator");
        let token = self.login(&email).await;
        Org { id: admin.org_id, name: name.to_owned(), super_email: email, token }
    }

    /// Adds an administrator to `org` through the API and signs them in.
    pub async fn add_admin(&self, org: &Org, email: &str, role: &str) -> (i64, String) {
        let reply = self
            .post(
                "/api/v1/administrators",
                &org.token,
                json!({"email": email, "name": email.split('@').next().unwrap(), "role": role, "password": PASSWORD}),
            )
            .await;
        reply.assert_status(201);
        (reply.json()["id"].as_i64().expect("id"), self.login(email).await)
    }

    /// Creates an API key with `scopes` and returns its secret.
    pub async fn api_key(&self, org: &Org, scopes: &[&str]) -> String {
        let reply = self.post("/api/v1/api-keys", &org.token, json!({"name": "test key", "scopes": scopes})).await;
        reply.assert_status(201);
        reply.json()["key"].as_str().expect("key").to_owned()
    }

    /// Sends events and returns their ids.
    pub async fn ingest(&self, key: &str, events: Vec<Value>) -> Vec<i64> {
        let reply = self.post("/api/v1/admin-logs", key, json!({ "events": events })).await;
        reply.assert_status(201);
        reply.json()["ids"].as_array().expect("ids").iter().map(|v| v.as_i64().expect("id")).collect()
    }

    /// Every event a query finds, following cursors to the end.
    pub async fn all_pages(&self, token: &str, query: &str, limit: u32) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/admin-logs?limit={limit}");
            if !query.is_empty() {
                path.push('&');
                path.push_str(query);
            }
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let reply = self.get(&path, token).await;
            reply.assert_status(200);
            let page = reply.json();
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
            assert!(items.len() < 100_000, "pagination does not end");
        }
    }
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
