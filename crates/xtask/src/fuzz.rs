//! `cargo xtask fuzz [SECONDS]`: each cargo-fuzz target for a bounded time.
//! The corpus grows in the target directory between runs; the seeds in
//! `fuzz/seeds/` start it. Stable Rust: no sanitizer (`-s none`), which safe
//! Rust does not need to find panics, overflows and broken invariants.

use std::process::Command;

use crate::{root, step, target_dir, tools};

pub const TARGETS: &[&str] = &["query_string", "cursor", "ingest_body"];

pub fn run(seconds: u64) -> Result<(), String> {
    let cargo_fuzz = tools::cargo_fuzz()?;
    for target in TARGETS {
        let corpus = target_dir().join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
        step(
            &format!("fuzz {target} for {seconds} s"),
            Command::new(&cargo_fuzz)
                .current_dir(root().join("fuzz"))
                .args(["run", "-s", "none", target])
                .arg(&corpus)
                .arg(root().join("fuzz").join("seeds").join(target))
                .args(["--", &format!("-max_total_time={seconds}"), "-print_final_stats=1"]),
        )?;
    }
    Ok(())
}
