//! API key secrets: `alk_<org>_<id>_<secret>`. Only the SHA-256 of the secret
//! is stored; the organization and id locate the row without a global index.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::cursor::constant_time_eq;

const PREFIX: &str = "alk_";

/// The parts of a presented key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedKey {
    pub org_id: i64,
    pub id: i64,
    secret: String,
}

pub fn looks_like_api_key(bearer: &str) -> bool {
    bearer.starts_with(PREFIX)
}

/// A new random secret, and the full key to hand out once.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS has a random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn full_key(org_id: i64, id: i64, secret: &str) -> String {
    format!("{PREFIX}{org_id}_{id}_{secret}")
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub fn parse(bearer: &str) -> Option<PresentedKey> {
    let mut parts = bearer.strip_prefix(PREFIX)?.splitn(3, '_');
    let org_id = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    let secret = parts.next()?.to_owned();
    Some(PresentedKey { org_id, id, secret })
}

impl PresentedKey {
    pub fn matches(&self, stored_hash: &[u8]) -> bool {
        constant_time_eq(&hash_secret(&self.secret), stored_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_match_only_their_hash() {
        let secret = new_secret();
        let key = full_key(3, 9, &secret);
        assert!(looks_like_api_key(&key));
        let presented = parse(&key).unwrap();
        assert_eq!((presented.org_id, presented.id), (3, 9));
        assert!(presented.matches(&hash_secret(&secret)));
        assert!(!presented.matches(&hash_secret(&new_secret())));
        assert_eq!(parse("alk_x_1_abc"), None);
        assert_eq!(parse("alk_1_2"), None);
    }
}
