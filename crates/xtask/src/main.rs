//! `cargo xtask <task>`: the project's chores, in Rust so they need nothing
//! but the toolchain (and Python 3 for the contract tools, which it installs
//! into a virtual environment at pinned versions).
//!
//! - `run [ARGS]`: build and start the product on SQLite with demo data.
//! - `test`: every check CI runs: format, lints, the wasm32 build of the
//!   shared types, all Rust tests (with the process tests, which run the
//!   built binary), the OpenAPI validation, the schemathesis smoke test, 20 s
//!   of each fuzz target, the browser tests and a small benchmark run.
//! - `smoke`: only the OpenAPI validation and the schemathesis smoke test.
//! - `fuzz [SECONDS]`: each cargo-fuzz target (`fuzz/`) for SECONDS (60).
//! - `e2e`: only the browser end-to-end tests.
//! - `bundle`: (re)build the browser app into `frontend/dist`.
//! - `bench [ARGS]`: the benchmark, release build (`--events N`, `--backend
//!   sqlite|postgres|both`, `--quick`); writes `target/bench/bench.{md,json}`.

mod bundle;
mod e2e;
mod fuzz;
mod http;
mod server;
mod smoke;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("smoke") => smoke::contract_checks(),
        Some("e2e") => e2e::browser_tests(),
        Some("bundle") => bundle::build_bundle(),
        Some("fuzz") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz::run(60),
            Some(Ok(seconds)) => fuzz::run(seconds),
            Some(Err(_)) => Err("usage: cargo xtask fuzz [SECONDS PER TARGET]".into()),
        },
        Some("bench") => step(
            "benchmark",
            cargo().args(["run", "--release", "--quiet", "-p", "adminlog-bench", "--"]).args(&args[1..]),
        ),
        _ => {
            eprintln!("usage: cargo xtask run [ARGS] | test | smoke | e2e | bundle | fuzz [SECONDS] | bench [ARGS]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: the checkout `cargo xtask` was run in. Found from
/// the working directory, not from where this binary was compiled: two
/// checkouts sharing one target directory (CI keeps it outside the clone)
/// may run a binary built in the other one.
pub fn root() -> PathBuf {
    let is_root = |dir: &Path| dir.join("crates/xtask/Cargo.toml").is_file();
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().find(|dir| is_root(dir)).map(Path::to_owned))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .nth(2)
                .expect("crates/xtask sits two levels down")
                .to_owned()
        })
}

/// Where cargo puts build output (CI keeps it outside the clone).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// Runs a command to completion, failing with its name when it fails.
pub fn step(name: &str, command: &mut Command) -> Result<(), String> {
    step_within(name, command, None)
}

/// [`step`], killing the command and failing when it runs past `deadline`.
pub fn step_within(name: &str, command: &mut Command, deadline: Option<std::time::Duration>) -> Result<(), String> {
    println!("\n==> {name}");
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("{name}: cannot start: {e}"))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("{name}: {e}"))? {
            break status;
        }
        if deadline.is_some_and(|limit| started.elapsed() > limit) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{name} ran past its time bound of {} s", deadline.unwrap_or_default().as_secs()));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    println!(
        "<== {name}: {} in {:.0} s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// The path of a binary built into the debug profile.
pub fn debug_binary(name: &str) -> PathBuf {
    target_dir().join("debug").join(name)
}

fn run(args: &[String]) -> Result<(), String> {
    bundle::ensure_bundle()?;
    step("build adminlog", cargo().args(["build", "--quiet", "-p", "adminlog-server", "--bin", "adminlog"]))?;
    let mut command = Command::new(debug_binary("adminlog"));
    command.current_dir(root()).args(["serve", "--demo"]).args(args);
    let status = command.status().map_err(|e| format!("cannot start adminlog: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("adminlog exited with {status}"))
    }
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    step("format", cargo().args(["fmt", "--all", "--", "--check"]))?;
    step("clippy", cargo().args(["clippy", "--quiet", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    tools::ensure_wasm_target()?;
    let wasm_lint = ["clippy", "--quiet", "-p", "adminlog-types", "-p", "adminlog-frontend", "--target"];
    step(
        "shared types and browser app lint clean for wasm32",
        cargo().args(wasm_lint).args(["wasm32-unknown-unknown", "--", "-D", "warnings"]),
    )?;
    // The process tests (SIGKILL, two servers on one database) run this binary.
    server::build_binary()?;
    step(
        "rust tests (unit, black-box API and processes, SQLite and PostgreSQL)",
        cargo().args(["test", "--workspace"]),
    )?;
    smoke::contract_checks()?;
    // A bounded run in CI; `cargo xtask fuzz [SECONDS]` runs longer.
    fuzz::run(20)?;
    e2e::browser_tests()?;
    // The benchmark harness on a small data set, so it cannot rot; it asserts
    // nothing about speed.
    let backend = if std::env::var("ADMINLOG_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") { "both" } else { "sqlite" };
    step(
        "benchmark harness, small run (no timing asserted)",
        cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "adminlog-bench",
                "--",
                "--events",
                "20000",
                "--quick",
                "--backend",
                backend,
            ])
            .args(["--out", &crate::target_dir().join("bench-ci").display().to_string()]),
    )?;
    println!("\nAll checks passed in {:.0} s.", started.elapsed().as_secs_f64());
    Ok(())
}
