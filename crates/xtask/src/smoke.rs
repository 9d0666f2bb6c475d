//! The contract checks: the spec is valid OpenAPI, and schemathesis, driven
//! by the spec, finds no 5xx and no response that breaks the contract on a
//! running server, in an organization of its own beside the demo data.

use std::process::Command;

use crate::{http, root, server, step, step_within, tools};

const CONTRACT_EMAIL: &str = "contract@contract.example";
const CONTRACT_PASSWORD: &str = "contract-run-password";
const CLIENT_EMAIL: &str = "client@generated.example";

/// Fixed so a failure reproduces.
const SEED: &str = "20261126";
const EXAMPLES_PER_OPERATION: &str = "200";
/// The run takes about a minute here; past this it has hung.
const TIME_BOUND: std::time::Duration = std::time::Duration::from_secs(600);

pub fn contract_checks() -> Result<(), String> {
    let bin = tools::python_tools()?;
    let spec = root().join("api-spec").join("openapi.yaml");
    step("OpenAPI document is valid", Command::new(bin.join("openapi-spec-validator")).arg(&spec))?;
    let adminlog = server::build_binary()?;
    let work = server::fresh_workdir("smoke")?;
    let database = work.join("smoke.db");
    step(
        "demo data for the smoke test",
        Command::new(&adminlog).args(["demo", "--events", "3000", "--database-url"]).arg(&database),
    )?;
    // Each run gets an organization of its own, so nothing it does (removing
    // administrators, revoking keys, failing logins) touches the demo's or
    // the other's.
    for (organization, email) in [("Contract run", CONTRACT_EMAIL), ("Generated client", CLIENT_EMAIL)] {
        step(
            &format!("the organization \"{organization}\""),
            Command::new(&adminlog)
                .args(["create-admin", "--org", organization, "--email", email, "--database-url"])
                .arg(&database)
                .env("ADMINLOG_PASSWORD", CONTRACT_PASSWORD),
        )?;
    }
    let server = server::start(&adminlog, &work, &database, &[])?;
    generated_client_round_trip(&spec, &work, &server.addr)?;
    let credentials = format!(r#"{{"email":"{CONTRACT_EMAIL}","password":"{CONTRACT_PASSWORD}"}}"#);
    let (status, body) = http::request(&server.addr, "POST", "/api/v1/auth/login", None, &credentials)?;
    let token = http::json_string(&body, "token").ok_or(format!("login failed ({status}): {body}"))?;
    // Events of every shape, so pages and exports have rows to check.
    let events = (0..200)
        .map(|i| {
            format!(
                r#"{{"action":"{}","admin_email":"admin{}@contract.example","user_email":"user{i}@contract.example","user_name":"User {i}","domain_name":"Domain {}"}}"#,
                ["ISSUE_TOKEN", "CREATE_USER", "LOG_IN", "EDIT_DOMAIN"][i % 4],
                i % 7,
                i % 5
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let (status, body) = http::request(
        &server.addr,
        "POST",
        "/api/v1/admin-logs",
        Some(&token),
        &format!(r#"{{"events":[{events}]}}"#),
    )?;
    if status != 201 {
        return Err(format!("seeding the contract organization failed ({status}): {body}"));
    }
    step_within(
        "schemathesis against the running server (SQLite)",
        Command::new(bin.join("schemathesis"))
            .current_dir(&work)
            .arg("--config-file")
            .arg(root().join("crates/xtask/src/schemathesis.toml"))
            .arg("run")
            .arg(&spec)
            .args(["--url", &format!("http://{}", server.addr)])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all"])
            // Some rules JSON Schema cannot state: `from` not after `to`, no
            // timestamps from the future, unique emails, a last super
            // administrator. Requests that break them are valid by the schema
            // and rightly refused, so this one check cannot apply.
            .args(["--exclude-checks", "positive_data_acceptance"])
            .args(["--max-examples", EXAMPLES_PER_OPERATION, "--seed", SEED])
            // Logging out would end the session the rest of the run relies on.
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .args(["--workers", "1", "--request-timeout", "10"])
            .args(["--report", "junit", "--report-dir"])
            .arg(work.join("report")),
        Some(TIME_BOUND),
    )
}

/// Generates a Python client from the spec with openapi-python-client, as
/// an integrator would, and runs a round trip with it
/// (`generated_client.py`). Every operation and schema must make it into
/// the client: a generator warning fails the check.
fn generated_client_round_trip(spec: &std::path::Path, work: &std::path::Path, addr: &str) -> Result<(), String> {
    let bin = tools::client_generator()?;
    let out = work.join("generated");
    let _ = std::fs::remove_dir_all(&out);
    // The generator formats its output with the ruff of its environment.
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    println!("\n==> a Python client generated from the spec (openapi-python-client)");
    let generated = Command::new(bin.join("openapi-python-client"))
        .args(["generate", "--meta", "none", "--path"])
        .arg(spec)
        .arg("--output-path")
        .arg(out.join("adminlog_client"))
        .env("PATH", &path)
        .output()
        .map_err(|e| format!("cannot run openapi-python-client: {e}"))?;
    let said = format!("{}{}", String::from_utf8_lossy(&generated.stdout), String::from_utf8_lossy(&generated.stderr));
    if !generated.status.success() || said.to_lowercase().contains("warning") || said.contains("Unable to") {
        return Err(format!("the client generator did not take the whole spec:\n{said}"));
    }
    step(
        "a round trip with the generated client",
        Command::new(bin.join("python"))
            .arg(root().join("crates/xtask/src/generated_client.py"))
            .env("PYTHONPATH", &out)
            .env("ADMINLOG_URL", format!("http://{addr}"))
            .env("ADMINLOG_EMAIL", CLIENT_EMAIL)
            .env("ADMINLOG_PASSWORD", CONTRACT_PASSWORD),
    )
}
