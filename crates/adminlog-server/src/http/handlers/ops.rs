//! Operations endpoints outside /api/v1: health, readiness, metrics, and the
//! API contract.

use actix_web::{web, HttpResponse};

use crate::http::error::{blocking, ApiError};
use crate::http::state::AppState;

/// The contract, exactly as committed in `api-spec/openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../../../../../api-spec/openapi.yaml");

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// How long readiness may take to answer: a hung database makes it fail,
/// not hang.
const READINESS_BOUND: std::time::Duration = std::time::Duration::from_secs(3);

/// The process can serve: its database answers and can take a write (a full
/// disk, a read-only database or a lock held past the bound fail it), within
/// [`READINESS_BOUND`].
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let probe = blocking(move || {
        state.db.ping()?;
        Ok(state.db.can_write()?)
    });
    match tokio::time::timeout(READINESS_BOUND, probe).await {
        Ok(result) => result?,
        Err(_) => return Err(ApiError::Unavailable("the database did not answer within 3 seconds".into())),
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}

pub async fn openapi_yaml(req: actix_web::HttpRequest) -> HttpResponse {
    let media = super::negotiated(&req, &["application/yaml", "text/yaml"]);
    HttpResponse::Ok().content_type(format!("{media}; charset=utf-8")).body(OPENAPI_YAML)
}

/// A readable, dependency-free view of the contract: an index of operations
/// linking into the full document.
pub async fn api_docs() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(render_docs(OPENAPI_YAML))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Lists each path's operations with their summaries, then the whole
/// document with an anchor at each path.
pub fn render_docs(yaml: &str) -> String {
    let mut index = String::new();
    let mut body = String::new();
    let mut in_paths = false;
    let mut path = String::new();
    let mut method = String::new();
    for (n, line) in yaml.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 && !trimmed.is_empty() {
            in_paths = trimmed == "paths:";
        }
        let mut anchor = String::new();
        if in_paths && indent == 2 && trimmed.ends_with(':') {
            path = trimmed.trim_end_matches(':').trim_matches('\'').to_owned();
            anchor = format!(" id=\"line{n}\"");
        } else if in_paths && indent == 4 && ["get:", "post:", "patch:", "delete:", "put:"].contains(&trimmed) {
            method = trimmed.trim_end_matches(':').to_uppercase();
            anchor = format!(" id=\"line{n}\"");
        } else if in_paths && indent == 6 && trimmed.starts_with("summary:") && !method.is_empty() {
            let summary = trimmed.trim_start_matches("summary:").trim();
            index.push_str(&format!(
                "<li><a href=\"#line{n}\"><code>{method} {}</code></a> {}</li>\n",
                escape(&path),
                escape(summary)
            ));
            method.clear();
        }
        body.push_str(&format!("<span{anchor}>{}</span>\n", escape(line)));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>adminlog API</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}\
         pre{{background:#f6f8fa;padding:1rem;overflow:auto}}</style></head><body>\
         <h1>adminlog REST API</h1><p>The machine-readable contract: <a href=\"/openapi.yaml\">/openapi.yaml</a>.</p>\
         <h2>Operations</h2><ul>\n{index}</ul><h2>Contract</h2><pre>{body}</pre></body></html>"
    )
}
