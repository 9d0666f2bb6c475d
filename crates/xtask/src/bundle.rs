//! The browser bundle, built offline: cargo for wasm32, wasm-bindgen (the
//! CLI pinned to the crate's version), wasm-opt from npm's binaryen.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::{cargo, root, step, target_dir, tools};

/// Where the built app goes; `adminlog serve` serves it by default.
pub fn dist() -> PathBuf {
    root().join("frontend").join("dist")
}

fn newest_change(path: &Path) -> SystemTime {
    let own = std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().map(|e| newest_change(&e.path())).fold(own, SystemTime::max),
        Err(_) => own,
    }
}

fn is_stale() -> bool {
    let built = std::fs::metadata(dist().join("app_bg.wasm")).and_then(|m| m.modified());
    let Ok(built) = built else { return true };
    let sources = [
        root().join("frontend").join("src"),
        root().join("frontend").join("static"),
        root().join("frontend").join("Cargo.toml"),
        root().join("crates").join("adminlog-types"),
        root().join("Cargo.lock"),
    ];
    sources.iter().map(|p| newest_change(p)).any(|changed| changed > built)
}

/// Builds the bundle when it is missing or older than its sources.
pub fn ensure_bundle() -> Result<(), String> {
    if !is_stale() {
        return Ok(());
    }
    build_bundle()
}

pub fn build_bundle() -> Result<(), String> {
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::wasm_bindgen()?;
    let wasm_opt = tools::wasm_opt()?;
    step(
        "build the browser app (wasm32, size-optimised)",
        cargo().args([
            "build",
            "--quiet",
            "-p",
            "adminlog-frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]),
    )?;
    let out = dist();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join("wasm-release").join("adminlog_frontend.wasm");
    step(
        "wasm-bindgen",
        Command::new(wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-name", "app", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;
    let bundle = out.join("app_bg.wasm");
    step("wasm-opt -Oz", Command::new(wasm_opt).arg("-Oz").arg(&bundle).arg("-o").arg(&bundle))?;
    for entry in std::fs::read_dir(root().join("frontend").join("static")).map_err(|e| e.to_string())?.flatten() {
        std::fs::copy(entry.path(), out.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    report_size(&out)
}

/// Prints the bundle's size, raw and gzipped.
fn report_size(out: &Path) -> Result<(), String> {
    for name in ["app_bg.wasm", "app.js"] {
        let path = out.join(name);
        let raw = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
        let gzipped = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()
            .map(|o| o.stdout.len().to_string())
            .unwrap_or_else(|_| "?".into());
        println!("bundle: {name}: {raw} bytes, {gzipped} bytes gzipped");
    }
    Ok(())
}
