//! `POST /admin-logs` bodies, through the same steps as the handler: the
//! duplicate-key check, parse, then validate. Nothing panics (deep nesting
//! included); an accepted batch keeps every event, in order, with bounded
//! text free of control characters.
#![no_main]

use adminlog_server::domain::fields::{MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use adminlog_server::domain::ingest::{validate_batch, IngestBody};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if adminlog_server::domain::strict_json::check_unique_keys(data).is_err() {
        return;
    }
    let Ok(body) = serde_json::from_slice::<IngestBody>(data) else { return };
    let sent = body.events.len();
    let now = time::macros::datetime!(2026-11-26 12:00 UTC);
    if let Ok(drafts) = validate_batch(body.events, now, adminlog_server::domain::recorder::Recorder::ApiKey(1)) {
        assert_eq!(drafts.len(), sent);
        for draft in &drafts {
            let bounded = [
                (&draft.admin_email, MAX_EMAIL_CHARS),
                (&draft.user_email, MAX_EMAIL_CHARS),
                (&draft.user_name, MAX_NAME_CHARS),
                (&draft.domain_name, MAX_NAME_CHARS),
            ];
            for (text, limit) in bounded {
                assert!(text.chars().count() <= limit, "{text:?} is too long");
                assert!(!text.chars().any(char::is_control), "{text:?} has control characters");
            }
            assert!(draft.timestamp <= now + time::Duration::minutes(5), "a future timestamp was accepted");
        }
    }
});
