//! What the Admin Logs page says about one event beyond its row: who stored
//! it, in words, and where the sender's claim (`admin_email`, `source`,
//! `timestamp`) and adminlog's own record (`recorded_by`, `received_at`)
//! disagree in a way worth a second look.

use adminlog_types::{Event, RecordedBy, Source};
use time::Duration;

/// An event whose time is more than this before its arrival was sent late
/// (a backfill, a queue that sat, or a made-up time).
pub const LATE_AFTER: Duration = Duration::hours(24);

/// Longest key name a row's badge shows in full.
const BADGE_NAME_CHARS: usize = 16;

/// Who stored the event, in a sentence's words.
pub fn recorded_by_text(recorded_by: &RecordedBy) -> String {
    match recorded_by {
        RecordedBy::Server => "adminlog itself".to_owned(),
        RecordedBy::Administrator { id, email: Some(email) } => format!("Administrator {email} (#{id})"),
        RecordedBy::Administrator { id, email: None } => format!("Administrator #{id} (since removed)"),
        RecordedBy::ApiKey { id, name: Some(name) } => format!("API key “{name}” (#{id})"),
        RecordedBy::ApiKey { id, name: None } => format!("API key #{id} (name not found)"),
        RecordedBy::Unknown => "Unknown (stored before adminlog recorded this)".to_owned(),
    }
}

/// Who stored the event, short enough for a table cell: `API key SIEM`,
/// `adminlog`, `admin`, `unknown`.
pub fn recorded_by_badge(recorded_by: &RecordedBy) -> String {
    match recorded_by {
        RecordedBy::Server => "adminlog".to_owned(),
        RecordedBy::Administrator { .. } => "admin".to_owned(),
        RecordedBy::ApiKey { name: Some(name), .. } => format!("API key {}", shortened(name, BADGE_NAME_CHARS)),
        RecordedBy::ApiKey { id, name: None } => format!("API key #{id}"),
        RecordedBy::Unknown => "unknown".to_owned(),
    }
}

/// A CSS class naming the kind of recorder, for the badge's colour.
pub fn recorded_by_class(recorded_by: &RecordedBy) -> &'static str {
    match recorded_by {
        RecordedBy::Server => "recorder recorder-server",
        RecordedBy::Administrator { .. } => "recorder recorder-admin",
        RecordedBy::ApiKey { .. } => "recorder recorder-key",
        RecordedBy::Unknown => "recorder recorder-unknown",
    }
}

/// The source as the table shows it.
pub fn source_text(source: Source) -> &'static str {
    match source {
        Source::Api => "API",
        Source::AdminPanel => "Admin Panel",
    }
}

/// A field's value, or a visible `(none)` for an empty one.
pub fn shown(value: &str) -> String {
    if value.is_empty() {
        "(none)".to_owned()
    } else {
        value.to_owned()
    }
}

/// `25 hours`, `3 days`, `54 years`: whole units, rounded down.
pub fn duration_words(duration: Duration) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    let duration = duration.abs();
    let days = duration.whole_days();
    if duration < Duration::hours(1) {
        plural(duration.whole_minutes(), "minute")
    } else if duration < Duration::hours(48) {
        plural(duration.whole_hours(), "hour")
    } else if days < 730 {
        plural(days, "day")
    } else {
        // A year of the Gregorian calendar on average: 365.2425 days.
        plural(days * 10_000 / 3_652_425, "year")
    }
}

/// Where what the sender said and what adminlog recorded disagree in an
/// obviously suspicious way, one factual sentence each; empty when nothing
/// stands out.
pub fn claim_notes(event: &Event) -> Vec<String> {
    let mut notes = Vec::new();
    if let (RecordedBy::ApiKey { .. }, Source::AdminPanel) = (&event.recorded_by, event.source) {
        notes.push(format!(
            "It says it came from the Admin Panel (source: admin_panel), but {} sent it.",
            recorded_by_text(&event.recorded_by)
        ));
    }
    let delay = event.received_at - event.timestamp;
    if delay > LATE_AFTER {
        notes.push(format!(
            "Sent {} after it says it happened: it says {}, adminlog received it {}.",
            duration_words(delay),
            crate::local_time::format_utc(event.timestamp),
            crate::local_time::format_utc(event.received_at),
        ));
    }
    notes
}

/// `name` cut to `max` characters, with an ellipsis when cut.
fn shortened(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_owned()
    } else {
        let mut cut: String = name.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adminlog_types::Action;
    use time::macros::datetime;

    fn event(recorded_by: RecordedBy, source: Source, delay: Duration) -> Event {
        let received_at = datetime!(2024-03-10 12:00:00 UTC);
        Event {
            id: 7,
            timestamp: received_at - delay,
            action: Action::EDIT_USER,
            admin_email: "alice@example.com".to_owned(),
            user_email: String::new(),
            user_name: "Jane".to_owned(),
            domain_name: String::new(),
            source,
            recorded_by,
            received_at,
            event_id: None,
        }
    }

    fn siem() -> RecordedBy {
        RecordedBy::ApiKey { id: 3, name: Some("SIEM".to_owned()) }
    }

    #[test]
    fn recorders_read_as_words() {
        assert_eq!(recorded_by_text(&RecordedBy::Server), "adminlog itself");
        let alice = RecordedBy::Administrator { id: 2, email: Some("alice@example.com".to_owned()) };
        assert_eq!(recorded_by_text(&alice), "Administrator alice@example.com (#2)");
        assert_eq!(
            recorded_by_text(&RecordedBy::Administrator { id: 2, email: None }),
            "Administrator #2 (since removed)"
        );
        assert_eq!(recorded_by_text(&siem()), "API key “SIEM” (#3)");
        assert_eq!(recorded_by_text(&RecordedBy::ApiKey { id: 3, name: None }), "API key #3 (name not found)");
        assert_eq!(recorded_by_text(&RecordedBy::Unknown), "Unknown (stored before adminlog recorded this)");
    }

    #[test]
    fn badges_are_short() {
        assert_eq!(recorded_by_badge(&RecordedBy::Server), "adminlog");
        assert_eq!(recorded_by_badge(&RecordedBy::Administrator { id: 2, email: Some("a@b.c".to_owned()) }), "admin");
        assert_eq!(recorded_by_badge(&siem()), "API key SIEM");
        assert_eq!(recorded_by_badge(&RecordedBy::ApiKey { id: 4, name: None }), "API key #4");
        assert_eq!(recorded_by_badge(&RecordedBy::Unknown), "unknown");
        let long = RecordedBy::ApiKey { id: 5, name: Some("é".repeat(40)) };
        assert_eq!(recorded_by_badge(&long), format!("API key {}…", "é".repeat(15)));
        assert_eq!(recorded_by_class(&siem()), "recorder recorder-key");
    }

    #[test]
    fn empty_fields_say_so() {
        assert_eq!(shown(""), "(none)");
        assert_eq!(shown("Office VPN"), "Office VPN");
        assert_eq!(source_text(Source::AdminPanel), "Admin Panel");
        assert_eq!(source_text(Source::Api), "API");
    }

    #[test]
    fn durations_in_whole_units() {
        assert_eq!(duration_words(Duration::minutes(5)), "5 minutes");
        assert_eq!(duration_words(Duration::hours(1)), "1 hour");
        assert_eq!(duration_words(Duration::hours(25) + Duration::minutes(59)), "25 hours");
        assert_eq!(duration_words(Duration::hours(48)), "2 days");
        assert_eq!(duration_words(Duration::days(3) + Duration::seconds(40)), "3 days");
        assert_eq!(duration_words(Duration::days(729)), "729 days");
        assert_eq!(duration_words(Duration::days(730)), "1 year");
        let since_1970 = datetime!(2024-03-10 12:00:00 UTC) - datetime!(1970-01-01 00:00:00 UTC);
        assert_eq!(duration_words(since_1970), "54 years");
        assert_eq!(duration_words(-Duration::days(3)), "3 days");
    }

    #[test]
    fn a_key_claiming_the_admin_panel_is_pointed_out() {
        let notes = claim_notes(&event(siem(), Source::AdminPanel, Duration::seconds(1)));
        assert_eq!(
            notes,
            ["It says it came from the Admin Panel (source: admin_panel), but API key “SIEM” (#3) sent it."]
        );
        assert!(claim_notes(&event(siem(), Source::Api, Duration::ZERO)).is_empty());
        // Sign-ins recorded by adminlog or an administrator's session are what they say.
        assert!(claim_notes(&event(RecordedBy::Server, Source::AdminPanel, Duration::ZERO)).is_empty());
        let alice = RecordedBy::Administrator { id: 2, email: Some("alice@example.com".to_owned()) };
        assert!(claim_notes(&event(alice, Source::AdminPanel, Duration::ZERO)).is_empty());
        assert!(claim_notes(&event(RecordedBy::Unknown, Source::AdminPanel, Duration::ZERO)).is_empty());
    }

    #[test]
    fn a_time_long_before_arrival_is_pointed_out() {
        assert!(claim_notes(&event(RecordedBy::Unknown, Source::Api, LATE_AFTER)).is_empty(), "24 h exactly is fine");
        let late = claim_notes(&event(RecordedBy::Unknown, Source::Api, Duration::days(3) + Duration::minutes(1)));
        assert_eq!(
            late,
            ["Sent 3 days after it says it happened: it says 2024-03-07 11:59:00 UTC, \
              adminlog received it 2024-03-10 12:00:00 UTC."]
        );
        // A time after arrival (within the server's clock tolerance) is not late.
        assert!(claim_notes(&event(siem(), Source::Api, -Duration::minutes(4))).is_empty());
    }

    #[test]
    fn both_at_once() {
        let forged =
            event(siem(), Source::AdminPanel, datetime!(2024-03-10 12:00:00 UTC) - datetime!(1970-01-01 0:00 UTC));
        let notes = claim_notes(&forged);
        assert_eq!(notes.len(), 2);
        assert!(notes[0].contains("API key “SIEM” (#3) sent it"));
        assert!(notes[1].starts_with("Sent 54 years after it says it happened: it says 1970-01-01 00:00:00 UTC"));
    }
}
