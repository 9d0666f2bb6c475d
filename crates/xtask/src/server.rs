//! Starting the built `adminlog` against a throwaway database, for the
//! checks that need a live server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::{cargo, debug_binary, http, step, target_dir};

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn build_binary() -> Result<PathBuf, String> {
    step("build adminlog", cargo().args(["build", "--quiet", "-p", "adminlog-server", "--bin", "adminlog"]))?;
    Ok(debug_binary("adminlog"))
}

/// An empty work folder under `target/tools/<name>`.
pub fn fresh_workdir(name: &str) -> Result<PathBuf, String> {
    let work = target_dir().join("tools").join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    Ok(work)
}

fn free_address() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.to_string())
}

/// Serves `database` until the returned value is dropped; waits until ready.
pub fn start(adminlog: &Path, work: &Path, database: &Path, extra: &[&str]) -> Result<Server, String> {
    let addr = free_address()?;
    let log_path = work.join("server.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let child = Command::new(adminlog)
        .args(["serve", "--workers", "2", "--bind", &addr, "--database-url"])
        .arg(database)
        .arg("--signing-key-file")
        .arg(work.join("signing.key"))
        .arg("--secret-key-file")
        .arg(work.join("secret.key"))
        .args(extra)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start adminlog: {e}"))?;
    let server = Server { child, addr, log: log_path };
    let started = Instant::now();
    while http::request(&server.addr, "GET", "/readyz", None, "").map(|(s, _)| s) != Ok(200) {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("the server did not become ready; see {}", server.log.display()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server)
}
