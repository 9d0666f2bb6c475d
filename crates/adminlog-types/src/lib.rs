//! The wire contract of adminlog, shared by the server and the browser app.
//! No database, no HTTP: it compiles for wasm32 too.

/// A closed set of names on the wire (`snake_case` text), with `ALL`,
/// `as_str`, `Display` and a `FromStr` whose error lists the choices.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    format!("`{text}` is not one of {}", names.join(", "))
                })
            }
        }
    };
}

mod account;
mod action;
mod csv_row;
mod error;
mod event;
mod histogram;
mod integrity;
mod query;
mod saved_view;
mod stream;
pub mod wire_time;

pub use account::{
    Administrator, ApiKey, CreateAdministratorRequest, CreateApiKeyRequest, CreatedApiKey, LoginRequest, LoginResponse,
    Me, Organization, Plan, Role, Scope, UpdateAdministratorRequest,
};
pub use action::{Action, ActionGroup, UnknownAction};
pub use csv_row::{
    csv_cells, csv_cells_extended, csv_timestamp, csv_writer, neutralise_formula, CSV_HEADER, CSV_HEADER_EXTENDED,
};
pub use error::{ErrorBody, ErrorCode, ErrorDetail, Problem};
pub use event::{
    ActionInfo, Event, FeedPage, IngestRequest, IngestResponse, ItemList, NewEvent, Page, RecordedBy, Source,
};
pub use histogram::{ActionCount, ActionCounts, Histogram, HistogramBucket, KEYWORD_COUNT_CAP};
pub use integrity::{ChainVerification, Checkpoint, EvidenceEvent, EvidenceHeader, EVIDENCE_FORMAT};
pub use query::{
    check_keyword, Ago, AgoUnit, LogFilter, LogQuery, QueryKind, TimeBound, DEFAULT_FEED_SIZE, DEFAULT_PAGE_SIZE,
    MAX_EXPORT_ROWS, MAX_FEED_WAIT_SECONDS, MAX_KEYWORD_CHARS, MAX_PAGE_SIZE,
};
pub use saved_view::{CreateSavedViewRequest, SavedView, MAX_SAVED_VIEWS, MAX_VIEW_NAME_CHARS, MAX_VIEW_QUERY_CHARS};
pub use stream::{
    CreateStreamRequest, CreatedStream, Signing, Stream, StreamDelivery, UpdateStreamRequest, MAX_STREAM_BATCH,
    MAX_STREAM_URL_CHARS,
};
