//! Credentials: password hashes, session tokens (JWT) and API key secrets.

pub mod api_keys;
pub mod passwords;
pub mod tokens;
