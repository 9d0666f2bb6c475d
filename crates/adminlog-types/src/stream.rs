//! Push streams: what a super administrator configures, and what a
//! receiver is sent (`docs/streams.md`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Action, Event};

wire_enum! {
    /// How deliveries are signed, as the Standard Webhooks specification
    /// says: HMAC-SHA256 with a shared secret, or Ed25519.
    Signing { Hmac = "hmac", Ed25519 = "ed25519" }
}

/// At most this many events go in one delivery.
pub const MAX_STREAM_BATCH: usize = 100;

/// The longest receiver URL accepted.
pub const MAX_STREAM_URL_CHARS: usize = 2_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateStreamRequest {
    pub url: String,
    /// Action names; empty or absent: every action.
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub keyword: Option<String>,
    /// Deliver the events after this id; absent: only events stored from now on.
    #[serde(default)]
    pub start_after: Option<i64>,
    #[serde(default = "default_signing")]
    pub signing: Signing,
}

fn default_signing() -> Signing {
    Signing::Hmac
}

/// A change to a stream: pause or resume it, or deliver again from an id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateStreamRequest {
    #[serde(default)]
    pub paused: Option<bool>,
    #[serde(default)]
    pub replay_after: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    pub id: i64,
    pub url: String,
    /// Empty: every action.
    pub actions: Vec<Action>,
    pub keyword: Option<String>,
    pub signing: Signing,
    /// For Ed25519 streams, the key receivers verify with (`whpk_<base64>`).
    pub public_key: Option<String>,
    #[serde(with = "crate::wire_time")]
    pub created_at: OffsetDateTime,
    pub paused: bool,
    /// Set when the receiver answered 410 Gone; resuming clears it.
    pub disabled: bool,
    /// Every matching event with an id up to this one has been delivered.
    pub delivered_through: i64,
    pub last_error: Option<String>,
    #[serde(with = "crate::wire_time::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When a failed delivery is tried again.
    #[serde(with = "crate::wire_time::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// The answer to creating a stream: the only time an HMAC secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedStream {
    #[serde(flatten)]
    pub stream: Stream,
    /// For HMAC streams, the shared secret (`whsec_<base64>`). Shown once.
    pub secret: Option<String>,
}

/// The body of one delivery (`POST <url>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamDelivery {
    pub stream_id: i64,
    /// Matching events in ascending id order, at most [`MAX_STREAM_BATCH`].
    pub events: Vec<Event>,
    /// Every matching event with an id up to this one is in this delivery
    /// or an earlier one.
    pub complete_through: i64,
}
