//! Installs the tools the checks need, at pinned versions, into the target
//! directory: nothing is installed system-wide.

use std::path::PathBuf;
use std::process::Command;

use crate::{step, target_dir};

/// Must equal the `wasm-bindgen` version pinned in frontend/Cargo.toml.
const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// wasm-opt from npm: Debian's binaryen produces bundles that fail to load.
const BINARYEN: &str = "binaryen@132.0.0";

const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// The Python packages of the contract checks, pinned.
const PYTHON_PACKAGES: &[&str] = &["schemathesis==4.32.5", "openapi-spec-validator==0.9.0"];

/// A client generator as integrators use it, and what its clients need to
/// run; an environment of its own, so its pins never fight the checks'.
const CLIENT_GENERATOR_PACKAGES: &[&str] = &["openapi-python-client==0.29.1", "python-dateutil==2.9.0.post0"];

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

/// A virtual environment with the contract checks' pinned packages; returns
/// its `bin/`.
pub fn python_tools() -> Result<PathBuf, String> {
    python_environment("venv", PYTHON_PACKAGES)
}

/// The client generator's environment; returns its `bin/`.
pub fn client_generator() -> Result<PathBuf, String> {
    python_environment("venv-client-generator", CLIENT_GENERATOR_PACKAGES)
}

fn python_environment(name: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let venv = target_dir().join("tools").join(name);
    let bin = venv.join("bin");
    let marker = venv.join("installed.txt");
    let wanted = packages.join("\n");
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
            .args(packages),
    )?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    Ok(bin)
}

fn has_version(program: &std::path::Path, version: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
}

/// The wasm-bindgen CLI, installed into the target directory on first use.
pub fn wasm_bindgen() -> Result<PathBuf, String> {
    let tools = target_dir().join("tools");
    let program = tools.join("bin").join("wasm-bindgen");
    if !has_version(&program, WASM_BINDGEN_VERSION) {
        step(
            "install wasm-bindgen-cli (once; a few minutes)",
            crate::cargo()
                .args(["install", "--quiet", "wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION, "--root"])
                .arg(&tools),
        )?;
    }
    Ok(program)
}

/// cargo-fuzz, installed into the target directory on first use.
pub fn cargo_fuzz() -> Result<PathBuf, String> {
    let tools = target_dir().join("tools");
    let program = tools.join("bin").join("cargo-fuzz");
    let installed = Command::new(&program)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ_VERSION));
    if !installed {
        step(
            "install cargo-fuzz (once)",
            crate::cargo()
                .args(["install", "--quiet", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--root"])
                .arg(&tools),
        )?;
    }
    Ok(program)
}

/// wasm-opt, from npm's binaryen package.
pub fn wasm_opt() -> Result<PathBuf, String> {
    let node = target_dir().join("tools").join("node");
    let program = node.join("node_modules").join(".bin").join("wasm-opt");
    if !has_version(&program, "132") {
        std::fs::create_dir_all(&node).map_err(|e| e.to_string())?;
        step(
            "install wasm-opt (npm binaryen)",
            Command::new("npm").current_dir(&node).args([
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--no-save",
                BINARYEN,
            ]),
        )?;
    }
    Ok(program)
}

/// Debian's Chromium, for the browser tests.
pub fn chromium() -> Result<PathBuf, String> {
    let program = PathBuf::from("/usr/bin/chromium");
    if !program.exists() {
        step("apt-get update", Command::new("apt-get").args(["update", "-qq"]))?;
        step("install Chromium", Command::new("apt-get").args(["install", "-y", "-qq", "chromium"]))?;
    }
    Ok(program)
}

/// The e2e suite's npm packages, exactly as locked (a second or two).
pub fn e2e_packages(e2e: &std::path::Path) -> Result<(), String> {
    step(
        "install the e2e packages (npm ci)",
        Command::new("npm").current_dir(e2e).args(["ci", "--silent", "--no-audit", "--no-fund"]),
    )
}
