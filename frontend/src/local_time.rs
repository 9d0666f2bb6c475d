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

/// What a `datetime-local` field shows for `at` in the viewer's zone:
/// `2024-03-04T10:30`, with seconds only when there are some.
pub fn to_local_input(at: OffsetDateTime, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let local = at.to_offset(offset);
    let format: &[time::format_description::FormatItem<'static>] = if local.second() == 0 {
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]")
    } else {
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]")
    };
    local.format(format).unwrap_or_default()
}

/// The instant a `datetime-local` field's value names in a zone `offset_minutes`
/// east of UTC; `None` when it is not such a value.
pub fn from_local_input(value: &str, offset_minutes: i32) -> Option<OffsetDateTime> {
    let with_seconds = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local = time::PrimitiveDateTime::parse(value, with_seconds)
        .or_else(|_| time::PrimitiveDateTime::parse(value, without))
        .ok()?;
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).ok()?;
    local.assume_offset(offset).checked_to_offset(UtcOffset::UTC)
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
    fn local_fields_round_trip_through_the_zone() {
        let at = datetime!(2024-03-04 09:30 UTC);
        assert_eq!(to_local_input(at, 120), "2024-03-04T11:30");
        assert_eq!(to_local_input(at + time::Duration::seconds(5), -300), "2024-03-04T04:30:05");
        assert_eq!(from_local_input("2024-03-04T11:30", 120), Some(at));
        assert_eq!(from_local_input("2024-03-04T04:30:05", -300), Some(at + time::Duration::seconds(5)));
        assert_eq!(from_local_input("2024-03-04", 0), None);
        assert_eq!(from_local_input("", 0), None);
    }

    #[test]
    fn offsets_read_like_people_write_them() {
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(120), "UTC+02:00");
        assert_eq!(offset_label(-330), "UTC-05:30");
    }
}
