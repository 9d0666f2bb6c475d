//! A PostgreSQL server of a test's own (initdb and pg_ctl on a temporary
//! data directory, run as the `postgres` user), to restart, stop and pause
//! (SIGSTOP) without touching the shared server.

use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct OwnPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(55_432)
}

impl OwnPostgres {
    /// Starts a fresh server with a database `adminlog`; the reason when this
    /// machine cannot (no PostgreSQL binaries, not root).
    pub fn start() -> Result<OwnPostgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no PostgreSQL binaries in /usr/lib/postgresql: {e}"))?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .find(|bin| bin.join("pg_ctl").is_file())
            .ok_or("no pg_ctl under /usr/lib/postgresql")?;
        let dir = std::env::temp_dir().join(format!("adminlog-own-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let chown = Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().map_err(|e| e.to_string())?;
        if !chown.success() {
            return Err("cannot hand a data directory to the postgres user (not root?)".into());
        }
        let server = OwnPostgres { dir, bin, port: free_port() };
        server.as_postgres(&["initdb", "-D", &server.data(), "-A", "trust", "-U", "postgres"])?;
        server.pg_ctl("start")?;
        server.as_postgres(&[
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE adminlog",
        ])?;
        Ok(server)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn as_postgres(&self, args: &[&str]) -> Result<(), String> {
        let program = if args[0] == "psql" { PathBuf::from("psql") } else { self.bin.join(args[0]) };
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(&args[1..])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", args[0]))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("{} failed: {}", args[0], String::from_utf8_lossy(&output.stderr).trim()))
        }
    }

    fn pg_ctl(&self, action: &str) -> Result<(), String> {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.display());
        let log = self.dir.join("server.log").display().to_string();
        self.as_postgres(&["pg_ctl", "-D", &self.data(), "-o", &options, "-l", &log, "-m", "fast", "-w", action])
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/adminlog", self.port)
    }

    /// Stops the server (fast: open connections are cut).
    pub fn stop(&self) {
        self.pg_ctl("stop").expect("pg_ctl stop");
    }

    pub fn start_again(&self) {
        self.pg_ctl("start").expect("pg_ctl start");
    }

    /// Restarts the server: every open connection is cut.
    pub fn restart(&self) {
        self.pg_ctl("restart").expect("pg_ctl restart");
    }

    /// Pauses (SIGSTOP) the server and all its processes: its kernel still
    /// acknowledges packets, but nothing answers.
    pub fn pause(&self) {
        self.signal_all("STOP").expect("pause the server");
    }

    pub fn resume(&self) {
        self.signal_all("CONT").expect("resume the server");
    }

    /// The postmaster and every process it started (each backend is a
    /// session of its own, so a process group does not reach them).
    fn signal_all(&self, signal: &str) -> Result<(), String> {
        let pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).map_err(|e| e.to_string())?;
        let pid = pid.lines().next().ok_or("an empty postmaster.pid")?.trim().to_owned();
        let children = Command::new("pgrep").args(["-P", &pid]).output().map_err(|e| e.to_string())?;
        let mut pids: Vec<String> =
            String::from_utf8_lossy(&children.stdout).split_whitespace().map(str::to_owned).collect();
        pids.push(pid);
        let status = Command::new("kill").args(["-s", signal, "--"]).args(&pids).status().map_err(|e| e.to_string())?;
        status.success().then_some(()).ok_or_else(|| format!("kill -{signal} the server's processes failed"))
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.signal_all("CONT");
        let _ = self.pg_ctl("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
