//! Cursor tokens come back from clients: decoding never panics, a token only
//! decodes for the organization and filters it was issued for, and a decoded
//! position encodes to a token that decodes to it again.
#![no_main]

use adminlog_server::domain::cursor::CursorKey;
use adminlog_types::{Action, LogFilter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = CursorKey::new(b"fuzzing key, as long as a real one");
    let all = LogFilter::default();
    let other = LogFilter { actions: vec![Action::LOG_IN], ..LogFilter::default() };
    let token = String::from_utf8_lossy(data);
    if let Ok(position) = key.decode(1, &all, &token) {
        assert!(key.decode(2, &all, &token).is_err(), "a cursor must not work for another organization");
        assert!(key.decode(1, &other, &token).is_err(), "a cursor must not work for other filters");
        assert_eq!(key.decode(1, &all, &key.encode(1, &all, position)), Ok(position));
    }
    // Valid tokens with a flipped byte must not decode.
    if data.len() >= 16 {
        let ts = i64::from_le_bytes(data[..8].try_into().unwrap());
        let id = i64::from_le_bytes(data[8..16].try_into().unwrap());
        let position = adminlog_server::domain::cursor::Position { ts_micros: ts, id };
        let mut forged = key.encode(1, &all, position).into_bytes();
        assert_eq!(key.decode(1, &all, std::str::from_utf8(&forged).unwrap()), Ok(position));
        let at = usize::from(data.get(16).copied().unwrap_or(0)) % forged.len();
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        if let Ok(text) = std::str::from_utf8(&forged) {
            if let Ok(decoded) = key.decode(1, &all, text) {
                assert_eq!(decoded, position, "a changed token decoded to another position");
            }
        }
    }
});
