//! The wire contract of adminlog, shared by the server and the browser app.
//! No database, no HTTP: it compiles for wasm32 too.

mod account;
mod action;
mod csv_row;
mod error;
mod event;
mod integrity;
mod query;
pub mod wire_time;

pub use account::{
    Administrator, ApiKey, CreateAdministratorRequest, CreateApiKeyRequest, CreatedApiKey, LoginRequest, LoginResponse,
    Me, Organization, Plan, Role, Scope, UpdateAdministratorRequest,
};
pub use action::{Action, UnknownAction};
pub use csv_row::{
    csv_cells, csv_cells_extended, csv_timestamp, csv_writer, neutralise_formula, CSV_HEADER, CSV_HEADER_EXTENDED,
};
pub use error::{ErrorBody, ErrorCode, ErrorDetail, Problem};
pub use event::{
    ActionInfo, Event, FeedPage, IngestRequest, IngestResponse, ItemList, NewEvent, Page, RecordedBy, Source,
};
pub use integrity::{ChainVerification, Checkpoint, EvidenceEvent, EvidenceHeader, EVIDENCE_FORMAT};
pub use query::{
    check_keyword, LogFilter, LogQuery, QueryKind, TimeBound, DEFAULT_FEED_SIZE, DEFAULT_PAGE_SIZE, MAX_EXPORT_ROWS,
    MAX_FEED_WAIT_SECONDS, MAX_KEYWORD_CHARS, MAX_PAGE_SIZE,
};
