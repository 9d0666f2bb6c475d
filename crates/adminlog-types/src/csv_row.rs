//! The export's CSV row, byte-compatible with the seed's sample:
//! `2016-06-09T13:59:24Z,ISSUE_TOKEN,,,john.doe,Office VPN`.

use time::OffsetDateTime;

use crate::Event;

/// The optional header line's column names.
pub const CSV_HEADER: [&str; 6] = ["timestamp", "action", "admin_email", "user_email", "user_name", "domain_name"];

/// The extended format's columns (`format=extended`): the seed's six, then
/// what the server knows about each event beyond them.
pub const CSV_HEADER_EXTENDED: [&str; 10] = [
    "timestamp",
    "action",
    "admin_email",
    "user_email",
    "user_name",
    "domain_name",
    "id",
    "source",
    "recorded_by",
    "received_at",
];

const CSV_TIMESTAMP: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The timestamp as the sample writes it: UTC, whole seconds, `Z`.
pub fn csv_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(CSV_TIMESTAMP).unwrap_or_default()
}

/// A cell a spreadsheet might run as a formula gets a leading apostrophe,
/// which spreadsheets show as text and never evaluate; the original text
/// follows it unchanged.
///
/// Following OWASP's CSV Injection guidance, a cell is dangerous when
/// - it starts with a tab or a carriage return, or
/// - its first character after any leading blanks (Unicode whitespace such
///   as U+00A0 and U+3000, zero-width and bidirectional marks) starts a formula:
///   `=`, `+`, `-`, `@`, `|` (DDE), `%`, or their full-width and small forms
///   (`＝`, `＋`, `－`, `＠`, ...), which some spreadsheets fold to ASCII, or
/// - it holds a separator a spreadsheet may split a cell on (`,`, `;`, `|`,
///   tab, line ends, and their full-width forms) followed, after any blanks,
///   by a formula start: `Doe,=1+1` becomes a formula cell of its own once
///   re-imported with the wrong delimiter.
///
/// Everything else, emails and names with inner hyphens included, is kept
/// as it is.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_dangerous(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn is_dangerous(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r']) {
        return true;
    }
    // The common case, an ASCII cell without a separator, decided by its
    // first visible character alone (the loop below, per character, was a
    // tenth of an export's time).
    if cell.bytes().all(|b| b.is_ascii() && !matches!(b, b',' | b';' | b'|' | b'\t' | b'\r' | b'\n')) {
        return cell.trim_start_matches(char::is_whitespace).starts_with(['=', '+', '-', '@', '%']);
    }
    armed_formula(cell)
}

/// Whether a formula start follows the cell's start or a separator, with
/// only blanks between: any cell, character by character.
fn armed_formula(cell: &str) -> bool {
    // Armed at the start of the cell and after each separator, until the
    // first character that is not blank.
    let mut armed = true;
    for c in cell.chars() {
        if armed && FORMULA_STARTS.contains(&c) {
            return true;
        }
        if SEPARATORS.contains(&c) {
            armed = true;
        } else if !is_blank(c) {
            armed = false;
        }
    }
    false
}

/// Characters that start a formula, or a DDE command, in some spreadsheet.
const FORMULA_STARTS: &[char] = &[
    '=', '+', '-', '@', '|', '%', //
    '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}', '\u{FF5C}', '\u{FF05}', // full-width ＝＋－＠｜％
    '\u{FE66}', '\u{FE62}', '\u{FE63}', '\u{FE6B}', '\u{FE6A}', // small ﹦﹢﹣﹫﹪
    '\u{2212}', // minus sign
];

/// Characters a spreadsheet may split a cell on when it guesses the delimiter.
const SEPARATORS: &[char] = &[
    ',', ';', '|', '\t', '\r', '\n', //
    '\u{FF0C}', '\u{FF1B}', '\u{FF5C}', // full-width ，；｜
    '\u{FE50}', '\u{FE54}', // small ﹐﹔
];

/// What a spreadsheet may trim, or never show, before a cell's first visible
/// character: Unicode whitespace (ASCII blanks, U+00A0, U+3000, ...) and
/// zero-width, joiner, bidirectional and other invisible format characters.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' // soft hyphen
                | '\u{034F}' // combining grapheme joiner
                | '\u{061C}' // Arabic letter mark
                | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
                | '\u{180E}' // Mongolian vowel separator
                | '\u{200B}'..='\u{200F}' // zero-width space, joiners, direction marks
                | '\u{202A}'..='\u{202E}' // bidirectional embeddings
                | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
                | '\u{2066}'..='\u{206F}' // bidirectional isolates, deprecated format
                | '\u{FEFF}' // zero-width no-break space (BOM)
        )
}

/// The six cells of one event, in column order, before CSV quoting.
pub fn csv_cells(event: &Event) -> [String; 6] {
    [
        csv_timestamp(event.timestamp),
        event.action.as_str().to_owned(),
        neutralise_formula(&event.admin_email).into_owned(),
        neutralise_formula(&event.user_email).into_owned(),
        neutralise_formula(&event.user_name).into_owned(),
        neutralise_formula(&event.domain_name).into_owned(),
    ]
}

/// The extended format's ten cells: the seed's six, then id, source, who
/// recorded the event and when it arrived (RFC 3339 with microseconds).
pub fn csv_cells_extended(event: &Event) -> [String; 10] {
    let [timestamp, action, admin_email, user_email, user_name, domain_name] = csv_cells(event);
    let received_at = event
        .received_at
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    [
        timestamp,
        action,
        admin_email,
        user_email,
        user_name,
        domain_name,
        event.id.to_string(),
        event.source.as_str().to_owned(),
        neutralise_formula(&event.recorded_by.label()).into_owned(),
        received_at,
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
            domain_name: domain.into(),
            source: Source::Api,
            recorded_by: crate::RecordedBy::ApiKey { id: 3, name: Some("SIEM".into()) },
            received_at: datetime!(2016-06-09 13:59:25.5 UTC),
            event_id: None,
        }
    }

    #[test]
    fn the_extended_format_adds_who_recorded_it_and_when() {
        let cells = csv_cells_extended(&event(Action::ISSUE_TOKEN, "john.doe", "Office VPN"));
        assert_eq!(cells[..6], csv_cells(&event(Action::ISSUE_TOKEN, "john.doe", "Office VPN"))[..]);
        assert_eq!(cells[6..], ["1", "api", "api_key 3 (SIEM)", "2016-06-09T13:59:25.5Z"]);
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
    fn the_ascii_shortcut_decides_as_the_full_check_does() {
        let alphabet = [' ', '=', 'a', ',', '-', '\t', '@', '|', '\u{b}', '%', ';', '\n', '+', '\u{a0}'];
        let mut cells = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                cells.iter().flat_map(|cell| alphabet.iter().map(move |c| format!("{cell}{c}"))).collect();
            cells.extend(longer);
            cells.dedup();
        }
        for cell in &cells {
            let full = cell.starts_with(['\t', '\r']) || armed_formula(cell);
            assert_eq!(is_dangerous(cell), full, "{cell:?}");
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise_formula(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise_formula("john"), "john");
    }

    /// Every form OWASP's CSV Injection guidance lists, and the ones
    /// spreadsheets reach after trimming or splitting a cell.
    const DANGEROUS: &[&str] = &[
        "=1+1",
        "+1",
        "-1",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "\n=1",
        " =HYPERLINK(\"x\")",
        "  \t +1",
        "\u{a0}=1",
        "\u{3000}=1",
        "\u{2003}-1",
        "\u{200b}=1",
        "\u{feff}@SUM(1)",
        "\u{200b}\u{a0}\u{3000}=1",
        "\u{ff1d}1+1",
        "\u{ff0b}1",
        "\u{ff0d}1",
        "\u{ff20}SUM(1)",
        " \u{ff1d}1",
        ";=1+1",
        "|calc",
        " |calc",
        "%0A=1",
        "a;=1",
        "a,=1+1",
        "a|=1",
        "a; =1",
        "a,\u{a0}+1",
        "a;\u{ff1d}1",
        "john,-1",
        "x@y.io;@SUM(1)",
    ];

    #[test]
    fn every_formula_form_is_neutralised_and_kept_whole() {
        for bad in DANGEROUS {
            assert_eq!(neutralise_formula(bad), format!("'{bad}"), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_values_are_untouched() {
        for fine in [
            "",
            "john",
            "john.doe",
            "a-b@x.io",
            "Office VPN",
            "Sales, EMEA",
            "Doe, John",
            "a;b",
            "x|y",
            " john",
            "\u{a0}john",
            "vpn-1.example",
            "100%",
            "O'Brien",
            "Zo\u{eb} (ops)",
            "50% off; 2 left",
        ] {
            assert_eq!(neutralise_formula(fine), fine, "{fine:?}");
            assert!(matches!(neutralise_formula(fine), std::borrow::Cow::Borrowed(_)), "{fine:?}");
        }
    }

    #[test]
    fn neutralised_cells_survive_csv_quoting() {
        let row = write(&[event(Action::EDIT_USER, "a,=1+1", "\u{ff1d}1")]);
        assert_eq!(row, "2016-06-09T13:59:24Z,EDIT_USER,,,\"'a,=1+1\",'\u{ff1d}1\n");
    }
}
