//! The REST API, black-box, on SQLite and PostgreSQL.

mod access;
mod accounts;
mod attacks;
mod checkpoints;
mod export;
mod feed;
mod fixtures;
mod histogram;
mod hostile_input;
mod ingest;
mod integrity;
mod migrations;
mod ops;
mod overload;
mod plans;
mod query;
mod saved_views;
mod session;
mod streams;
mod wal;
