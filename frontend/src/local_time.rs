//! Times as the viewer reads them: local time in the table, UTC on hover.

use time::{OffsetDateTime, UtcOffset};

const SHOWN: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// `at` in the viewer's zone; `offset_minutes` is the zone's offset east of UTC
/// at that instant (JavaScript's `-getTimezoneOffset()`).
pub fn format_local(at: OffsetDateTime, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    at.to_offset(offset).format(SHOWN).unwrap_or_default()
}

pub fn format_utc(at: OffsetDateTime) -> String {
    format!("{} UTC", at.to_offset(UtcOffset::UTC).format(SHOWN).unwrap_or_default())
}

/// `UTC+02:00`, `UTC-05:30`, `UTC`.
pub fn offset_label(offset_minutes: i32) -> String {
    if offset_minutes == 0 {
        return "UTC".to_owned();
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let minutes = offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn local_time_shifts_by_the_zone() {
        let at = datetime!(2016-06-09 23:59:24 UTC);
        assert_eq!(format_local(at, 120), "2016-06-10 01:59:24");
        assert_eq!(format_local(at, -300), "2016-06-09 18:59:24");
        assert_eq!(format_utc(at), "2016-06-09 23:59:24 UTC");
    }

    #[test]
    fn offsets_read_like_people_write_them() {
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(120), "UTC+02:00");
        assert_eq!(offset_label(-330), "UTC-05:30");
    }
}
