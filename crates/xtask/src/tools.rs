//! Installs the tools the checks need, at pinned versions, into the target
//! directory: nothing is installed system-wide.

use std::path::PathBuf;
use std::process::Command;

use crate::{step, target_dir};

/// The Python packages of the contract checks, pinned.
const PYTHON_PACKAGES: &[&str] = &["schemathesis==4.32.5", "openapi-spec-validator==0.9.0"];

pub fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    step("install the wasm32 target", Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// A virtual environment with the pinned packages; returns its `bin/`.
pub fn python_tools() -> Result<PathBuf, String> {
    let venv = target_dir().join("tools").join("venv");
    let bin = venv.join("bin");
    let marker = venv.join("installed.txt");
    let wanted = PYTHON_PACKAGES.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|text| text == wanted) {
        return Ok(bin);
    }
    if !bin.join("python").exists() {
        step("create the Python tools environment", Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    step(
        "install pinned Python tools",
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_PACKAGES),
    )?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    Ok(bin)
}
