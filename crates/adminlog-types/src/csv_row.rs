//! The export's CSV row, byte-compatible with the seed's sample:
//! `2016-06-09T13:59:24Z,ISSUE_TOKEN,,,john.doe,Office VPN`.

use time::OffsetDateTime;

use crate::Event;

/// The optional header line's column names.
pub const CSV_HEADER: [&str; 6] = ["timestamp", "action", "admin_email", "user_email", "user_name", "domain_name"];

const CSV_TIMESTAMP: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The timestamp as the sample writes it: UTC, whole seconds, `Z`.
pub fn csv_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(CSV_TIMESTAMP).unwrap_or_default()
}

/// A cell a spreadsheet would run as a formula gets a leading apostrophe,
/// which spreadsheets show as text and never evaluate.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The six cells of one event, in column order, before CSV quoting.
pub fn csv_cells(event: &Event) -> [String; 6] {
    [
        csv_timestamp(event.timestamp),
        event.action.as_str().to_owned(),
        neutralise_formula(&event.admin_email).into_owned(),
        neutralise_formula(&event.user_email).into_owned(),
        neutralise_formula(&event.user_name).into_owned(),
        neutralise_formula(event.domain_name.as_deref().unwrap_or("")).into_owned(),
    ]
}

/// A CSV writer with the sample's dialect: LF line ends, RFC 4180 quoting
/// only where needed.
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Source};
    use time::macros::datetime;

    fn event(action: Action, user_name: &str, domain: &str) -> Event {
        Event {
            id: 1,
            timestamp: datetime!(2016-06-09 13:59:24.250 UTC),
            action,
            admin_email: String::new(),
            user_email: String::new(),
            user_name: user_name.into(),
            domain_name: (!domain.is_empty()).then(|| domain.into()),
            source: Source::Api,
        }
    }

    fn write(events: &[Event]) -> String {
        let mut writer = csv_writer(Vec::new());
        for e in events {
            writer.write_record(csv_cells(e)).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn matches_the_seed_sample_bytes() {
        let rows =
            [event(Action::ISSUE_TOKEN, "john.doe", "Office VPN"), event(Action::CREATE_DOMAIN, "", "Office VPN")];
        assert_eq!(write(&rows), "2016-06-09T13:59:24Z,ISSUE_TOKEN,,,john.doe,Office VPN\n2016-06-09T13:59:24Z,CREATE_DOMAIN,,,,Office VPN\n");
    }

    #[test]
    fn quotes_only_where_rfc4180_needs_it() {
        assert_eq!(
            write(&[event(Action::EDIT_USER, "Doe, \"JD\" John", "")]),
            "2016-06-09T13:59:24Z,EDIT_USER,,,\"Doe, \"\"JD\"\" John\",\n"
        );
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise_formula(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise_formula("john"), "john");
    }
}
