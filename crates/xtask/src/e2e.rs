//! The browser end-to-end suite: the built app on the real server, a fresh
//! database with known accounts, Playwright driving Debian's Chromium.

use std::process::Command;

use crate::{bundle, root, server, step, target_dir, tools};

const PASSWORD: &str = "e2e password, long enough";
const SUPER: &str = "super@e2e.example";
const ADMIN: &str = "plain@e2e.example";
const STARTER: &str = "owner@starter.example";

pub fn browser_tests() -> Result<(), String> {
    bundle::ensure_bundle()?;
    let chromium = tools::chromium()?;
    let suite = root().join("tests").join("e2e");
    tools::e2e_packages(&suite)?;
    let adminlog = server::build_binary()?;
    let work = server::fresh_workdir("e2e")?;
    let database = work.join("e2e.db");
    for (org, plan, email, role) in [
        ("E2E Corp", "professional", SUPER, "super_admin"),
        ("E2E Corp", "professional", ADMIN, "admin"),
        ("Starter Inc", "starter", STARTER, "super_admin"),
    ] {
        step(
            &format!("account {email}"),
            Command::new(&adminlog)
                .args([
                    "create-admin",
                    "--org",
                    org,
                    "--plan",
                    plan,
                    "--email",
                    email,
                    "--role",
                    role,
                    "--database-url",
                ])
                .arg(&database)
                .env("ADMINLOG_PASSWORD", PASSWORD),
        )?;
    }
    let dist = bundle::dist();
    // The push-stream test's receiver listens on loopback.
    let static_dir = dist.to_str().unwrap_or("frontend/dist");
    let server =
        server::start(&adminlog, &work, &database, &["--static-dir", static_dir, "--stream-allow", "127.0.0.1"])?;
    let artifacts = target_dir().join("e2e-artifacts");
    let _ = std::fs::remove_dir_all(&artifacts);
    println!("e2e screenshots (on failure, and of the Admin Logs page) go to {}", artifacts.display());
    let result = step(
        "browser end-to-end tests (Playwright, Chromium)",
        Command::new("node")
            .current_dir(&suite)
            .args(["--test", "--test-concurrency=1", "admin-logs.test.mjs"])
            .env("ADMINLOG_E2E_URL", format!("http://{}", server.addr))
            .env("ADMINLOG_E2E_PASSWORD", PASSWORD)
            .env("ADMINLOG_E2E_SUPER", SUPER)
            .env("ADMINLOG_E2E_ADMIN", ADMIN)
            .env("ADMINLOG_E2E_STARTER", STARTER)
            .env("ADMINLOG_E2E_CHROMIUM", &chromium)
            .env("ADMINLOG_E2E_ARTIFACTS", &artifacts),
    );
    if result.is_err() {
        println!("e2e failed: screenshots in {}, server log in {}", artifacts.display(), server.log.display());
    }
    result
}
