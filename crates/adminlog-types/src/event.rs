//! Events as the API shows them and as clients send them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Action, ActionGroup};

/// Where an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    AdminPanel,
    Api,
}

impl Source {
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::AdminPanel => "admin_panel",
            Source::Api => "api",
        }
    }

    /// What a client that does not say gets: an event with no administrator
    /// came from an API call.
    pub fn default_for(admin_email: &str) -> Source {
        if admin_email.is_empty() {
            Source::Api
        } else {
            Source::AdminPanel
        }
    }
}

/// Who stored an event: adminlog itself (its own management actions:
/// sign-in and out, administrators, keys, exports), an administrator's
/// session, or an API key. What an event's fields claim (`admin_email`,
/// `source`, `timestamp`) is the sender's word; this is the server's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordedBy {
    Server,
    /// `email` is the administrator's address today; `None` once removed.
    Administrator {
        id: i64,
        email: Option<String>,
    },
    /// `name` is the key's name; `None` if it cannot be found.
    ApiKey {
        id: i64,
        name: Option<String>,
    },
    /// Stored before adminlog recorded who stored events.
    Unknown,
}

impl RecordedBy {
    /// One line for a CSV cell or a table: `api_key 3 (SIEM)`.
    pub fn label(&self) -> String {
        match self {
            RecordedBy::Server => "server".to_owned(),
            RecordedBy::Administrator { id, email } => match email {
                Some(email) => format!("administrator {id} ({email})"),
                None => format!("administrator {id}"),
            },
            RecordedBy::ApiKey { id, name } => match name {
                Some(name) => format!("api_key {id} ({name})"),
                None => format!("api_key {id}"),
            },
            RecordedBy::Unknown => "unknown".to_owned(),
        }
    }
}

/// One stored event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Server-assigned, increasing within the organization.
    pub id: i64,
    #[serde(with = "crate::wire_time")]
    pub timestamp: OffsetDateTime,
    pub action: Action,
    /// Empty when the action came from an API call.
    pub admin_email: String,
    pub user_email: String,
    pub user_name: String,
    /// Like the other texts, empty when not given (never null), as in the
    /// CSV export and the evidence file.
    pub domain_name: String,
    pub source: Source,
    /// Who stored it (the server's record, not the sender's claim).
    pub recorded_by: RecordedBy,
    /// When the server stored it.
    #[serde(with = "crate::wire_time")]
    pub received_at: OffsetDateTime,
    /// The sender's own id for it (`event_id` in `POST /admin-logs`), null
    /// when it sent none.
    pub event_id: Option<String>,
}

/// One event as a client sends it to `POST /api/v1/admin-logs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// The client's own id: re-sending it stores nothing new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// When the action happened; defaults to the time of receipt.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub timestamp: Option<OffsetDateTime>,
    pub action: Action,
    #[serde(default)]
    pub admin_email: String,
    #[serde(default)]
    pub user_email: String,
    #[serde(default)]
    pub user_name: String,
    #[serde(default)]
    pub domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    pub events: Vec<NewEvent>,
}

/// The stored ids, in the order the events were sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestResponse {
    pub ids: Vec<i64>,
}

/// A page of results and the cursor of the next one (`null` on the last page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// One response of the feed (`GET /admin-logs/feed`): matching events in
/// ascending id order.
///
/// `complete_through` is a promise: every matching event whose id is at most
/// this one is in this response or an earlier one of a consumer that resumed
/// from each `next_after`. Ids are given in commit order (see
/// `docs/streams.md`), which is what makes the promise possible; timestamps
/// are not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage<T> {
    pub items: Vec<T>,
    /// Where the next request resumes: its `after`.
    pub next_after: i64,
    pub complete_through: i64,
}

/// A complete, unpaginated list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemList<T> {
    pub items: Vec<T>,
}

/// One entry of `GET /api/v1/actions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInfo {
    pub name: Action,
    /// What a person calls it ("Token issued").
    pub label: String,
    pub explanation: String,
    /// What it acts on, for grouping.
    pub group: ActionGroup,
    /// True for actions adminlog added to the seed's list.
    pub extension: bool,
}

impl From<Action> for ActionInfo {
    fn from(action: Action) -> Self {
        ActionInfo {
            name: action,
            label: action.label().to_owned(),
            explanation: action.explanation().to_owned(),
            group: action.group(),
            extension: action.is_extension(),
        }
    }
}
