//! Pure rules: validation, permissions, cursors. No IO, no HTTP, no SQL.

pub mod access;
pub mod chain;
pub mod checkpoint;
pub mod cursor;
pub mod evidence;
pub mod fields;
pub mod histogram;
pub mod ingest;
pub mod outbound;
pub mod recorder;
pub mod strict_json;
pub mod throttle;
pub mod webhook;
