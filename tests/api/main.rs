//! The REST API, black-box, on SQLite and PostgreSQL.

mod access;
mod accounts;
mod checkpoints;
mod export;
mod fixtures;
mod ingest;
mod integrity;
mod migrations;
mod ops;
mod overload;
mod query;
mod session;
