//! Signed checkpoints: the server's Ed25519 signature over an organization's
//! chain head. The private key lives in a file outside the database
//! (`crate::signing_key`), so an
//! attacker who can rewrite the database (hashes and head included) cannot
//! forge a checkpoint, and an auditor holding only the public key can check
//! an evidence file offline. The signed message is specified in
//! docs/integrity.md.

use std::collections::BTreeMap;

use adminlog_types::Checkpoint;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::chain::{hex, unhex};

const MESSAGE_TAG: &str = "adminlog-checkpoint-v1";

/// The bytes a checkpoint's signature covers: five lines of ASCII.
pub fn signed_message(org_id: i64, last_event_id: i64, head_hex: &str, signed_at: &str) -> Vec<u8> {
    format!("{MESSAGE_TAG}\n{org_id}\n{last_event_id}\n{head_hex}\n{signed_at}\n").into_bytes()
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("the checkpoint was signed by another key ({found}), not the trusted one")]
    UntrustedKey { found: String },
    #[error("the checkpoint's signature is not valid: it was altered or forged")]
    BadSignature,
    #[error("the checkpoint is malformed: {0}")]
    Malformed(&'static str),
}

/// The server's signing key.
pub struct CheckpointSigner {
    key: SigningKey,
}

impl CheckpointSigner {
    pub fn from_seed(seed: [u8; 32]) -> CheckpointSigner {
        CheckpointSigner { key: SigningKey::from_bytes(&seed) }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn public_key_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// Signs `head`, the chain's hash after `last_event_id`, as of `at`.
    pub fn sign(&self, org_id: i64, last_event_id: i64, head: &[u8; 32], at: OffsetDateTime) -> Checkpoint {
        let at = at.to_offset(time::UtcOffset::UTC);
        let at = at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at);
        let signed_at = at.format(&Rfc3339).unwrap_or_default();
        let head = hex(head);
        let signature = self.key.sign(&signed_message(org_id, last_event_id, &head, &signed_at));
        Checkpoint {
            org_id,
            last_event_id,
            head,
            signed_at,
            public_key: self.public_key_hex(),
            signature: hex(&signature.to_bytes()),
        }
    }
}

/// A public key from its 64 hex characters.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = unhex::<32>(text.trim()).ok_or("the public key must be 64 hex characters")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".to_owned())
}

/// Checks a checkpoint against the trusted key and returns the head it vouches for.
pub fn verify_checkpoint(checkpoint: &Checkpoint, trusted: &VerifyingKey) -> Result<[u8; 32], CheckpointError> {
    if checkpoint.public_key != hex(trusted.as_bytes()) {
        return Err(CheckpointError::UntrustedKey { found: checkpoint.public_key.clone() });
    }
    let head = unhex::<32>(&checkpoint.head).ok_or(CheckpointError::Malformed("head is not 64 hex characters"))?;
    let signature =
        unhex::<64>(&checkpoint.signature).ok_or(CheckpointError::Malformed("signature is not 128 hex characters"))?;
    let message = signed_message(checkpoint.org_id, checkpoint.last_event_id, &checkpoint.head, &checkpoint.signed_at);
    trusted.verify(&message, &Signature::from_bytes(&signature)).map_err(|_| CheckpointError::BadSignature)?;
    Ok(head)
}

/// The heads a set of stored checkpoints vouch for, by event id; the first
/// checkpoint that does not verify is an error.
pub fn anchors(
    checkpoints: &[Checkpoint],
    trusted: &VerifyingKey,
) -> Result<BTreeMap<i64, [u8; 32]>, (i64, CheckpointError)> {
    let mut anchors = BTreeMap::new();
    for checkpoint in checkpoints.iter().filter(|c| c.last_event_id > 0) {
        let head = verify_checkpoint(checkpoint, trusted).map_err(|e| (checkpoint.last_event_id, e))?;
        anchors.insert(checkpoint.last_event_id, head);
    }
    Ok(anchors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn signer(seed: u8) -> CheckpointSigner {
        CheckpointSigner::from_seed([seed; 32])
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let checkpoint = signer(1).sign(7, 42, &[9; 32], datetime!(2026-11-26 10:00:00.123456789 UTC));
        assert_eq!(checkpoint.signed_at, "2026-11-26T10:00:00.123456Z");
        let key = signer(1).key.verifying_key();
        assert_eq!(verify_checkpoint(&checkpoint, &key), Ok([9; 32]));
        let stranger = signer(2).key.verifying_key();
        assert!(matches!(verify_checkpoint(&checkpoint, &stranger), Err(CheckpointError::UntrustedKey { .. })));
    }

    #[test]
    fn every_signed_field_is_covered() {
        let original = signer(1).sign(7, 42, &[9; 32], datetime!(2026-11-26 10:00 UTC));
        let key = signer(1).key.verifying_key();
        let altered = [
            Checkpoint { org_id: 8, ..original.clone() },
            Checkpoint { last_event_id: 41, ..original.clone() },
            Checkpoint { head: hex(&[8; 32]), ..original.clone() },
            Checkpoint { signed_at: "2026-11-26T10:00:01Z".into(), ..original.clone() },
        ];
        for checkpoint in altered {
            assert_eq!(verify_checkpoint(&checkpoint, &key), Err(CheckpointError::BadSignature), "{checkpoint:?}");
        }
    }
}
