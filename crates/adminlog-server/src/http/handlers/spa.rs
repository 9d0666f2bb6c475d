//! The browser app: its built files, and `index.html` for every other
//! non-API path so that client-side routes survive a reload.

use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// Allows the app's own script and WebAssembly and nothing else: no inline
/// scripts, no third-party origins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>adminlog</title></head>\
    <body><h1>adminlog</h1><p>The browser app is not built. Run <code>cargo xtask run</code>, or use the \
    <a href=\"/api-docs\">REST API</a>.</p></body></html>";

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// The file a request path names inside `root`, refusing anything that could
/// step outside it.
pub fn file_for(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.strip_prefix('/').unwrap_or(request_path);
    if relative.is_empty()
        || relative.split('/').any(|segment| segment.is_empty() || segment.starts_with('.'))
        || relative.contains(['\\', '%', ':'])
    {
        return None;
    }
    let candidate = root.join(relative);
    candidate.is_file().then_some(candidate)
}

fn page(status: actix_web::http::StatusCode, content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// Everything the route table does not match: app files, the SPA fallback for
/// GET, and JSON errors for the API and other methods.
pub async fn browser_app(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if req.method() != actix_web::http::Method::GET || path.starts_with("/api/") || path == "/api" {
        return Err(ApiError::NotFound("no such endpoint: see /api-docs".into()));
    }
    let Some(root) = &state.static_dir else {
        return Ok(page(actix_web::http::StatusCode::OK, "text/html; charset=utf-8", NOT_BUILT.into()));
    };
    if let Some(file) = file_for(root, path) {
        let bytes = std::fs::read(&file).map_err(|e| ApiError::Internal(format!("reading {}: {e}", file.display())))?;
        return Ok(page(actix_web::http::StatusCode::OK, content_type(&file), bytes));
    }
    // A path with a file extension that does not exist is a missing file,
    // not an app route.
    if Path::new(path).extension().is_some() {
        return Err(ApiError::NotFound(format!("no such file: {path}")));
    }
    let index = std::fs::read(root.join("index.html"))
        .map_err(|e| ApiError::Internal(format!("the app's index.html is unreadable: {e}")))?;
    Ok(page(actix_web::http::StatusCode::OK, "text/html; charset=utf-8", index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_inside_the_root_are_served() {
        let root = std::env::temp_dir().join(format!("adminlog-spa-{}", std::process::id()));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("app.js"), "x").unwrap();
        std::fs::write(root.join("sub/a.css"), "x").unwrap();
        assert_eq!(file_for(&root, "/app.js"), Some(root.join("app.js")));
        assert_eq!(file_for(&root, "/sub/a.css"), Some(root.join("sub/a.css")));
        for bad in ["/", "/../etc/passwd", "/sub/../app.js", "/%2e%2e/x", "/.hidden", "//app.js", "/missing.js", "/sub"]
        {
            assert_eq!(file_for(&root, bad), None, "{bad}");
        }
        std::fs::remove_dir_all(root).unwrap();
    }
}
