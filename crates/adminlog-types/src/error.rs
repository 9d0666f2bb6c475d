//! The error body every endpoint returns: `{"error": {"code", "message"}}`.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Clients switch on these, never on
/// the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed: bad JSON, a bad query string, a bad cursor.
    InvalidRequest,
    /// The request is well-formed but its values break a rule; `details` lists each one.
    ValidationFailed,
    /// No credentials, or credentials that are expired, revoked or unknown.
    Unauthorized,
    /// The email and password do not match an administrator.
    InvalidCredentials,
    /// The caller is known but its role or scopes do not allow this.
    Forbidden,
    /// The organization's plan does not include this feature.
    SubscriptionRequired,
    NotFound,
    MethodNotAllowed,
    /// The request conflicts with existing data (an email already in use...).
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// The request body did not arrive in time; send it again, faster.
    RequestTimeout,
    /// Too many attempts; the `Retry-After` header says when to try again.
    TooManyRequests,
    /// The server is overloaded or its database is unreachable; retry later.
    Unavailable,
    /// The server's storage is full: nothing was stored (507).
    InsufficientStorage,
    /// A bug on our side. The message never carries internals.
    Internal,
}

/// One problem with one field, for validation errors. `index` is set when the
/// field belongs to one element of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { index: None, field: field.into(), message: message.into() }
    }

    pub fn at(index: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { index: Some(index), field: field.into(), message: message.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Problem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}
