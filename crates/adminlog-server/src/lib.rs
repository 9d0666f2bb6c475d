//! The adminlog server: REST API, storage and command-line interface.
//!
//! Dependency direction: `http` -> `domain`, `storage`, `auth`;
//! `storage` -> `domain`; `domain` depends on nothing but the wire types;
//! `delivery` (push streams) -> `domain`, `storage`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod housekeeping;
pub mod http;
pub mod signing_key;
pub mod storage;
