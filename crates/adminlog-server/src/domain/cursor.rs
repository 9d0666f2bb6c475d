//! Keyset cursors: the position after the last row of a page, signed so a
//! client can neither forge one nor carry one into another organization.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const MAC_BYTES: usize = 16;
const TOKEN_BYTES: usize = 8 + 8 + MAC_BYTES;

/// Where the next page starts: strictly after (older than) this row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub ts_micros: i64,
    pub id: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this server issued for this organization: start again from the first page")]
pub struct BadCursor;

/// The key that signs cursors; shared by every server process through the
/// database, so any process serves any cursor.
#[derive(Clone)]
pub struct CursorKey(Vec<u8>);

impl CursorKey {
    pub fn new(secret: &[u8]) -> CursorKey {
        CursorKey(secret.to_vec())
    }

    fn mac(&self, org_id: i64, ts_micros: i64, id: i64) -> [u8; MAC_BYTES] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"adminlog-cursor-v1");
        mac.update(&org_id.to_be_bytes());
        mac.update(&ts_micros.to_be_bytes());
        mac.update(&id.to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_BYTES];
        out.copy_from_slice(&full[..MAC_BYTES]);
        out
    }

    pub fn encode(&self, org_id: i64, position: Position) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(&position.ts_micros.to_be_bytes());
        bytes.extend_from_slice(&position.id.to_be_bytes());
        bytes.extend_from_slice(&self.mac(org_id, position.ts_micros, position.id));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(&self, org_id: i64, token: &str) -> Result<Position, BadCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| BadCursor)?;
        if bytes.len() != TOKEN_BYTES {
            return Err(BadCursor);
        }
        let ts_micros = i64::from_be_bytes(bytes[0..8].try_into().map_err(|_| BadCursor)?);
        let id = i64::from_be_bytes(bytes[8..16].try_into().map_err(|_| BadCursor)?);
        let expected = self.mac(org_id, ts_micros, id);
        if constant_time_eq(&expected, &bytes[16..]) {
            Ok(Position { ts_micros, id })
        } else {
            Err(BadCursor)
        }
    }
}

/// Compares secrets without revealing, through timing, where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_within_its_organization_only() {
        let key = CursorKey::new(b"secret");
        let position = Position { ts_micros: 1_465_480_764_000_000, id: 42 };
        let token = key.encode(7, position);
        assert_eq!(key.decode(7, &token), Ok(position));
        assert_eq!(key.decode(8, &token), Err(BadCursor));
        assert_eq!(CursorKey::new(b"other").decode(7, &token), Err(BadCursor));
    }

    #[test]
    fn garbage_and_tampering_are_refused() {
        let key = CursorKey::new(b"secret");
        let token = key.encode(7, Position { ts_micros: 1, id: 2 });
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[15] ^= 1;
        for bad in ["", "!!!", "AAAA", &URL_SAFE_NO_PAD.encode(bytes), &format!("{token}A")] {
            assert_eq!(key.decode(7, bad), Err(BadCursor), "{bad}");
        }
    }
}
