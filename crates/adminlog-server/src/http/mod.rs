//! The HTTP surface: the route table, error shapes, authentication and
//! telemetry. The only module that knows actix-web.

mod admission;
pub mod caller;
mod cors;
pub mod error;
pub mod handlers;
pub mod metrics;
pub mod state;
mod telemetry;

use actix_web::http::Method;
use actix_web::web;

use error::ApiError;
use handlers::{admin_logs, administrators, api_keys, feed, integrity, ops, saved_views, session, streams};

pub use admission::{admit, give_back_slot, Admission, ConnectionCounts};
pub use cors::cross_origin;
pub use telemetry::{json_fallback, record_request};

/// What every response carries unless its handler set its own (the browser
/// app's pages set a policy that lets its script run): no content sniffing,
/// no framing, no referrer, and nothing cached — API answers hold audit data
/// and session tokens. `/api-docs` styles itself inline and runs no script.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    use actix_web::http::header;
    actix_web::middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// Requests larger than this are refused before they are read: a full batch
/// of 1,000 maximal events fits.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

macro_rules! route_table {
    ($( $prefix:literal { $( $path:literal { $($method:ident => $handler:path),+ } )* } )*) => {
        /// Every (method, path) the server answers: the OpenAPI test checks
        /// the spec against this list.
        pub const ROUTES: &[(&str, &str)] = &[$($($((stringify!($method), concat!($prefix, $path)),)+)*)*];

        /// Registers every route; a known path with an unknown method is a 405
        /// that names the allowed methods.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $($(
                cfg.service(
                    web::resource(concat!($prefix, $path))
                        $(.route(web::method(Method::$method).to($handler)))+
                        .default_service(web::to(|| async {
                            let allowed = [$(stringify!($method)),+].join(", ");
                            let error = ApiError::MethodNotAllowed(format!("this endpoint accepts {allowed}"));
                            let mut response = actix_web::ResponseError::error_response(&error);
                            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed) {
                                response.headers_mut().insert(actix_web::http::header::ALLOW, value);
                            }
                            response
                        })),
                );
            )*)*
        }
    };
}

route_table! {
    "/api/v1" {
        "/auth/login" { POST => session::login }
        "/auth/logout" { POST => session::logout }
        "/me" { GET => session::me }
        "/admin-logs" { GET => admin_logs::list_admin_logs, POST => admin_logs::ingest_admin_logs }
        "/admin-logs/export" { GET => admin_logs::export_admin_logs_csv }
        "/admin-logs/feed" { GET => feed::read_feed }
        "/admin-logs/histogram" { GET => admin_logs::histogram }
        "/admin-logs/action-counts" { GET => admin_logs::action_counts }
        "/admin-logs/verify" { GET => integrity::verify_admin_logs }
        "/admin-logs/checkpoints" { POST => integrity::sign_checkpoint }
        "/admin-logs/checkpoints/latest" { GET => integrity::latest_checkpoint }
        "/admin-logs/evidence" { GET => integrity::export_evidence }
        // After every fixed path under /admin-logs, which it would match too.
        "/admin-logs/{id}" { GET => admin_logs::get_admin_log }
        "/actions" { GET => admin_logs::list_actions }
        "/administrators" { GET => administrators::list_administrators, POST => administrators::create_administrator }
        "/administrators/{id}" {
            PATCH => administrators::update_administrator,
            DELETE => administrators::delete_administrator
        }
        "/api-keys" { GET => api_keys::list_api_keys, POST => api_keys::create_api_key }
        "/api-keys/{id}" { DELETE => api_keys::revoke_api_key }
        "/saved-views" { GET => saved_views::list_saved_views, POST => saved_views::create_saved_view }
        "/saved-views/{id}" { DELETE => saved_views::delete_saved_view }
        "/streams" { GET => streams::list_streams, POST => streams::create_stream }
        "/streams/{id}" {
            GET => streams::get_stream,
            PATCH => streams::update_stream,
            DELETE => streams::delete_stream
        }
    }
    "" {
        "/healthz" { GET => ops::healthz }
        "/readyz" { GET => ops::readyz }
        "/metrics" { GET => ops::metrics }
        "/openapi.yaml" { GET => ops::openapi_yaml }
        "/api-docs" { GET => ops::api_docs }
    }
}

pub use handlers::spa::browser_app as fallback;
