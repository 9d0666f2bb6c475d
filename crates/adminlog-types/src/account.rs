//! Organizations, administrators, API keys and sessions.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

wire_enum! {
    /// An administrator's role. Only super administrators see the log.
    Role { SuperAdmin = "super_admin", Admin = "admin" }
}

wire_enum! {
    /// The organization's subscription, in increasing order.
    Plan { Starter = "starter", Professional = "professional", Business = "business", Enterprise = "enterprise" }
}

wire_enum! {
    /// What an API key may do.
    Scope { LogsRead = "logs:read", LogsWrite = "logs:write" }
}

impl Plan {
    /// Viewing and exporting the log need Professional or above.
    pub fn can_view_logs(self) -> bool {
        self >= Plan::Professional
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub plan: Plan,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(with = "crate::wire_time")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Which organization to sign in to, by name: needed only when the same
    /// email and password belong to administrators of several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The `device_token` an earlier login from this client returned. With
    /// it, failed attempts from elsewhere never lock this client out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub token_type: String,
    #[serde(with = "crate::wire_time")]
    pub expires_at: OffsetDateTime,
    pub administrator: Administrator,
    pub organization: Organization,
    /// Keep it and send it with later logins for this email: this client's
    /// attempts then have their own limit (see `LoginRequest::device_token`).
    pub device_token: String,
}

/// Who the caller is: an administrator (with a token) or an API key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub organization: Organization,
    pub administrator: Option<Administrator>,
    pub api_key: Option<ApiKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAdministratorRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAdministratorRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    #[serde(with = "crate::wire_time")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::wire_time::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// The answer to creating a key: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// Send as `Authorization: Bearer <key>`. Shown once; only its hash is stored.
    pub key: String,
}
