//! Keyset cursors: the position after the last row of a page, signed so a
//! client can neither forge one nor carry one into another organization or
//! to other filters (where its position means nothing: the next page would
//! silently skip or repeat events).

use adminlog_types::{LogFilter, TimeBound};
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
#[error(
    "the cursor is not one this server issued for this organization and these filters: start again from the first \
     page (a cursor continues the query that returned it, with the same from, to, keyword and actions)"
)]
pub struct BadCursor;

/// The key that signs cursors; shared by every server process through the
/// database, so any process serves any cursor.
#[derive(Clone)]
pub struct CursorKey(Vec<u8>);

impl CursorKey {
    pub fn new(secret: &[u8]) -> CursorKey {
        CursorKey(secret.to_vec())
    }

    fn mac(&self, org_id: i64, filter: &LogFilter, ts_micros: i64, id: i64) -> [u8; MAC_BYTES] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"adminlog-cursor-v2");
        mac.update(&org_id.to_be_bytes());
        mac.update(filter_fingerprint(filter).as_bytes());
        mac.update(&ts_micros.to_be_bytes());
        mac.update(&id.to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_BYTES];
        out.copy_from_slice(&full[..MAC_BYTES]);
        out
    }

    pub fn encode(&self, org_id: i64, filter: &LogFilter, position: Position) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(&position.ts_micros.to_be_bytes());
        bytes.extend_from_slice(&position.id.to_be_bytes());
        bytes.extend_from_slice(&self.mac(org_id, filter, position.ts_micros, position.id));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(&self, org_id: i64, filter: &LogFilter, token: &str) -> Result<Position, BadCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| BadCursor)?;
        if bytes.len() != TOKEN_BYTES {
            return Err(BadCursor);
        }
        let ts_micros = i64::from_be_bytes(bytes[0..8].try_into().map_err(|_| BadCursor)?);
        let id = i64::from_be_bytes(bytes[8..16].try_into().map_err(|_| BadCursor)?);
        let expected = self.mac(org_id, filter, ts_micros, id);
        if constant_time_eq(&expected, &bytes[16..]) {
            Ok(Position { ts_micros, id })
        } else {
            Err(BadCursor)
        }
    }
}

/// The filter as the query it selects: bounds as instants, the keyword as
/// it is matched (case-insensitively), actions as a set. Two spellings of
/// one query share their cursors.
fn filter_fingerprint(filter: &LogFilter) -> String {
    // A relative bound is the same query at every request: `now-7d` keeps
    // its cursors as the window moves. Absolute bounds ignore `now`.
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let instant = |at: time::OffsetDateTime| at.unix_timestamp_nanos().to_string();
    let bound = |b: TimeBound, edge: fn(TimeBound, time::OffsetDateTime) -> time::OffsetDateTime| match b {
        TimeBound::Ago(ago) => ago.to_string(),
        absolute => instant(edge(absolute, now)),
    };
    let mut actions: Vec<i16> = filter.actions.iter().map(|a| a.code()).collect();
    actions.sort_unstable();
    actions.dedup();
    format!(
        "from={}\nto={}\nkeyword={}\nactions={:?}",
        filter.from.map(|b| bound(b, TimeBound::start)).unwrap_or_default(),
        filter.to.map(|b| bound(b, TimeBound::end)).unwrap_or_default(),
        filter.keyword.as_deref().map(str::to_lowercase).unwrap_or_default(),
        actions
    )
}

/// Compares secrets without revealing, through timing, where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    use adminlog_types::{LogQuery, QueryKind};

    fn filter(query: &str) -> LogFilter {
        LogQuery::parse(query, QueryKind::Page).unwrap().filter
    }

    #[test]
    fn round_trips_within_its_organization_only() {
        let key = CursorKey::new(b"secret");
        let all = LogFilter::default();
        let position = Position { ts_micros: 1_465_480_764_000_000, id: 42 };
        let token = key.encode(7, &all, position);
        assert_eq!(key.decode(7, &all, &token), Ok(position));
        assert_eq!(key.decode(8, &all, &token), Err(BadCursor));
        assert_eq!(CursorKey::new(b"other").decode(7, &all, &token), Err(BadCursor));
    }

    #[test]
    fn a_cursor_continues_its_own_filters_only() {
        let key = CursorKey::new(b"secret");
        let position = Position { ts_micros: 1, id: 2 };
        let token = key.encode(7, &filter("keyword=John&actions=LOG_IN,LOG_OUT&from=2016-06-09"), position);
        let same = filter("actions=LOG_OUT&actions=LOG_IN&keyword=john&from=2016-06-09T00:00:00Z");
        assert_eq!(key.decode(7, &same, &token), Ok(position), "another spelling of the same query");
        for other in [
            "",
            "keyword=jane&actions=LOG_IN,LOG_OUT&from=2016-06-09",
            "keyword=john&actions=LOG_IN&from=2016-06-09",
            "keyword=john&actions=LOG_IN,LOG_OUT&from=2016-06-10",
            "keyword=john&actions=LOG_IN,LOG_OUT&from=2016-06-09&to=2020-01-01",
        ] {
            assert_eq!(key.decode(7, &filter(other), &token), Err(BadCursor), "{other}");
        }
    }

    #[test]
    fn garbage_and_tampering_are_refused() {
        let key = CursorKey::new(b"secret");
        let all = LogFilter::default();
        let token = key.encode(7, &all, Position { ts_micros: 1, id: 2 });
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[15] ^= 1;
        for bad in ["", "!!!", "AAAA", &URL_SAFE_NO_PAD.encode(bytes), &format!("{token}A")] {
            assert_eq!(key.decode(7, &all, bad), Err(BadCursor), "{bad}");
        }
    }
}
