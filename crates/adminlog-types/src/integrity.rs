//! The answer of `GET /api/v1/admin-logs/verify`.

use serde::{Deserialize, Serialize};

/// The result of rechecking an organization's hash chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainVerification {
    /// True when every event matches its hash and the chain ends at the
    /// recorded head.
    pub ok: bool,
    /// Events that verified before the first break (all of them when `ok`).
    pub checked: u64,
    /// The first event where the chain breaks: edited, missing, reordered or
    /// inserted.
    pub first_broken_id: Option<i64>,
    /// What is wrong there, in words.
    pub problem: Option<String>,
    /// The hex SHA-256 the chain ends with when intact.
    pub head: Option<String>,
}
