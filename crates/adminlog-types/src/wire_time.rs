//! Times in API answers: RFC 3339 in UTC with exactly six fractional digits
//! (`2016-06-09T13:59:24.000000Z`), the microseconds the log stores.
//!
//! One fixed width, so that text order is time order: consumers compare
//! these strings, and with trailing zeros trimmed (`…24.5Z` against
//! `…24.123Z`) a poller skipped events. Reading accepts any RFC 3339.

use serde::{Deserializer, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const WIRE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// `at` as the API writes it.
pub fn format(at: OffsetDateTime) -> String {
    // Times the log holds are between 1970 and 9999, where neither step fails.
    at.checked_to_offset(UtcOffset::UTC).and_then(|utc| utc.format(WIRE).ok()).unwrap_or_default()
}

pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*at))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    time::serde::rfc3339::deserialize(deserializer)
}

/// The same for optional times (`null` when absent).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_some(&super::format(*at)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error> {
        time::serde::rfc3339::option::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_time_has_six_fractional_digits_in_utc() {
        assert_eq!(format(datetime!(2016-06-09 13:59:24 UTC)), "2016-06-09T13:59:24.000000Z");
        assert_eq!(format(datetime!(2016-06-09 13:59:24.5 UTC)), "2016-06-09T13:59:24.500000Z");
        assert_eq!(format(datetime!(2016-06-09 15:59:24.123456789 +2)), "2016-06-09T13:59:24.123456Z");
        let (earlier, later) =
            (format(datetime!(2016-06-09 13:59:24.5 UTC)), format(datetime!(2016-06-09 13:59:24.123 UTC)));
        assert!(later < earlier, "text order is time order");
    }
}
