//! Integrity on the wire: the verification answer, signed checkpoints and
//! the offline evidence file.

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

/// The server's signed statement that an organization's chain had `head`
/// after event `last_event_id` at `signed_at`. How the signed message is
/// built: docs/integrity.md.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub org_id: i64,
    /// The last event the head covers (0: no events yet).
    pub last_event_id: i64,
    /// Hex SHA-256: the chain's hash after `last_event_id`.
    pub head: String,
    /// RFC 3339, UTC; signed exactly as written here.
    pub signed_at: String,
    /// Hex Ed25519 public key of the signer.
    pub public_key: String,
    /// Hex Ed25519 signature.
    pub signature: String,
}

/// The name of the evidence file format, first in its first line.
pub const EVIDENCE_FORMAT: &str = "adminlog-evidence-v1";

/// The first line of an evidence file (`GET /api/v1/admin-logs/evidence`):
/// the signed checkpoint the events after it must lead to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceHeader {
    pub format: String,
    pub organization: String,
    /// The file holds the events after this one (0: from the first).
    pub after_id: i64,
    /// Hex hash of event `after_id` (zeros when `after_id` is 0): where the
    /// recomputation starts.
    pub previous_hash: String,
    pub checkpoint: Checkpoint,
}

/// One line per event after the header, in id order: exactly the content the
/// chain hashes, plus the stored hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEvent {
    pub id: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub ts_micros: i64,
    pub action: String,
    pub source: String,
    pub admin_email: String,
    pub user_email: String,
    pub user_name: String,
    pub domain_name: String,
    /// The client's `event_id`; empty when none.
    pub event_id: String,
    /// Who stored it: `server`, `administrator:<id>` or `api_key:<id>`.
    /// Absent for events stored before adminlog recorded it; present, it and
    /// `received_at_micros` are hashed too (`adminlog-event-v2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder: Option<String>,
    /// When the server stored it, microseconds since the Unix epoch, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at_micros: Option<i64>,
    /// Hex SHA-256 the server stored for this event.
    pub hash: String,
}
