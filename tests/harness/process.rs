//! The real `adminlog` binary as a child process, for the tests that kill
//! it or run two of it on one database.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use adminlog_server::storage::DatabaseUrl;

use crate::TestDatabase;

/// The JWT secret every test process shares, so a token from one process is
/// valid on another and after a restart.
const SHARED_JWT_SECRET: &str = "process test secret, long enough to be a real key";

/// `ADMINLOG_BIN`, or the `adminlog` that `cargo build` put beside the test
/// binary's `deps/` folder (`cargo xtask test` builds it first).
pub fn adminlog_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ADMINLOG_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("adminlog");
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build -p adminlog-server --bin adminlog` first (cargo xtask test does)",
        binary.display()
    );
    binary
}

/// One `adminlog serve` process; SIGKILLed when dropped. Its log (warnings
/// and errors) goes to `log`, kept when the test fails.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts serving `database` (already migrated) on a free port and
    /// returns once it listens.
    pub fn start(database: &TestDatabase, name: &str) -> ServerProcess {
        let url = match &database.url {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(url) => url.clone(),
        };
        static STARTS: AtomicU32 = AtomicU32::new(0);
        let log = std::env::temp_dir().join(format!("{name}-{}.log", STARTS.fetch_add(1, Ordering::Relaxed)));
        let log_file = std::fs::File::create(&log).expect("server log file");
        let mut child = Command::new(adminlog_binary())
            .args(["serve", "--workers", "2", "--bind", "127.0.0.1:0", "--static-dir", "/nonexistent"])
            .args(["--database-url", &url])
            .arg("--signing-key-file")
            .arg(&database.signing_key_file)
            .arg("--secret-key-file")
            .arg(&database.secret_key_file)
            .env("ADMINLOG_JWT_SECRET", SHARED_JWT_SECRET)
            .env("ADMINLOG_LOG", "warn")
            .env("ADMINLOG_STREAM_ALLOW", "127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("start adminlog");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => panic!("adminlog exited before listening; see {}", log.display()),
            };
            if let Some(rest) = line.strip_prefix("adminlog is listening on ") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ServerProcess { child, base, log }
    }

    /// The process id (push-stream leases name their holder by it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test keeps the log it may point to.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}
