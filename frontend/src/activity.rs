//! The result header's count and activity bars, as words and numbers: what
//! the count says, how tall each bar is, what the chart says to a screen
//! reader, and the range a bar zooms to.

use adminlog_types::{Histogram, TimeBound};
use time::{Duration, OffsetDateTime, Time};

use crate::local_time::format_local;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1,234 events", "1 event", "No events", "More than 10,000 events".
pub fn count_phrase(histogram: &Histogram) -> String {
    match (histogram.total, histogram.exact) {
        (total, false) => format!("More than {} events", thousands(total)),
        (0, true) => "No events".to_owned(),
        (1, true) => "1 event".to_owned(),
        (total, true) => format!("{} events", thousands(total)),
    }
}

/// The count as the result header says it: "1,234", "more than 10,000".
pub fn total_phrase(histogram: &Histogram) -> String {
    if histogram.exact {
        thousands(histogram.total)
    } else {
        format!("more than {}", thousands(histogram.total))
    }
}

/// Each bar's height in percent of the tallest (at least 4 for a bucket
/// that holds anything, so one event stays visible); `None` where the
/// count is not known.
pub fn bar_heights(histogram: &Histogram) -> Vec<Option<f64>> {
    let tallest = histogram.buckets.iter().filter_map(|b| b.count).max().unwrap_or(0);
    histogram
        .buckets
        .iter()
        .map(|bucket| {
            bucket.count.map(|count| match count {
                0 => 0.0,
                n => (n as f64 * 100.0 / tallest as f64).max(4.0),
            })
        })
        .collect()
}

/// What the chart says to a screen reader: "Events per day, from … to …
/// (your time): 1,234 events, at most 57 in one day."
pub fn chart_label(histogram: &Histogram, offset_minutes: i32) -> String {
    let bucket = histogram.bucket_name();
    let busiest = histogram.buckets.iter().filter_map(|b| b.count).max().unwrap_or(0);
    let unknown =
        if histogram.buckets.iter().any(|b| b.count.is_none()) { " The oldest buckets were not counted." } else { "" };
    // "in one day", "in 6 hours".
    let one = if bucket.starts_with(|c: char| c.is_ascii_digit()) { bucket.clone() } else { format!("one {bucket}") };
    format!(
        "Events per {bucket}, from {} to {} (your time): {}, at most {} in {one}.{unknown}",
        format_local(histogram.from, offset_minutes),
        format_local(histogram.to, offset_minutes),
        count_phrase(histogram).to_lowercase(),
        thousands(busiest),
    )
}

/// A bar's tooltip: when it starts and what it holds.
pub fn bar_title(histogram: &Histogram, index: usize, offset_minutes: i32) -> String {
    let Some(bucket) = histogram.buckets.get(index) else { return String::new() };
    let count = match bucket.count {
        Some(1) => "1 event".to_owned(),
        Some(n) => format!("{} events", thousands(n)),
        None => "not counted".to_owned(),
    };
    format!("{}: {count}", format_local(bucket.start, offset_minutes))
}

/// The range of the bars from `one` to `other` (either way round, as a drag
/// goes; the same bar for a click), inside the histogram's range, as the
/// bounds of a filter: whole UTC days when it begins and ends at midnight,
/// exact instants otherwise (`to` includes its last microsecond).
pub fn zoom_span(histogram: &Histogram, one: usize, other: usize) -> Option<(TimeBound, TimeBound)> {
    let first = histogram.buckets.get(one.min(other))?;
    let last = histogram.buckets.get(one.max(other))?;
    let width = Duration::seconds(i64::try_from(histogram.bucket_seconds).ok()?);
    let start = first.start.max(histogram.from);
    let end = (last.start + width).min(histogram.to);
    if end <= start {
        return None;
    }
    let midnight = |at: OffsetDateTime| at.time() == Time::MIDNIGHT;
    Some(if midnight(start) && midnight(end) {
        (TimeBound::Day(start.date()), TimeBound::Day((end - Duration::days(1)).date()))
    } else {
        (TimeBound::Instant(start), TimeBound::Instant(end - Duration::microseconds(1)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use adminlog_types::HistogramBucket;
    use time::macros::{date, datetime};

    fn histogram(from: OffsetDateTime, to: OffsetDateTime, hours: u64, counts: &[Option<u64>]) -> Histogram {
        let width = Duration::hours(hours as i64);
        let first =
            from - Duration::minutes(i64::from(from.minute())) - Duration::hours(i64::from(from.hour()) % hours as i64);
        Histogram {
            total: counts.iter().flatten().sum(),
            exact: counts.iter().all(Option::is_some),
            from,
            to,
            bucket_seconds: hours * 3600,
            buckets: counts
                .iter()
                .enumerate()
                .map(|(i, &count)| HistogramBucket { start: first + width * i as u32, count })
                .collect(),
        }
    }

    #[test]
    fn counts_read_as_people_say_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let at = datetime!(2024-03-04 0:00 UTC);
        assert_eq!(count_phrase(&histogram(at, at, 1, &[])), "No events");
        assert_eq!(count_phrase(&histogram(at, at, 1, &[Some(1)])), "1 event");
        assert_eq!(count_phrase(&histogram(at, at, 1, &[Some(1200), Some(34)])), "1,234 events");
        let mut capped = histogram(at, at, 1, &[None, Some(3)]);
        capped.total = 10_000;
        assert_eq!(count_phrase(&capped), "More than 10,000 events");
        assert_eq!(total_phrase(&capped), "more than 10,000");
    }

    #[test]
    fn bars_scale_to_the_busiest_and_small_ones_stay_visible() {
        let at = datetime!(2024-03-04 0:00 UTC);
        let h = histogram(at, at + Duration::hours(4), 1, &[Some(0), Some(1), Some(200), None]);
        assert_eq!(bar_heights(&h), vec![Some(0.0), Some(4.0), Some(100.0), None]);
    }

    #[test]
    fn the_chart_says_what_it_shows() {
        let h = histogram(datetime!(2024-03-04 0:00 UTC), datetime!(2024-03-06 0:00 UTC), 24, &[Some(1200), Some(34)]);
        assert_eq!(
            chart_label(&h, 60),
            "Events per day, from 2024-03-04 01:00:00 to 2024-03-06 01:00:00 (your time): 1,234 events, at most 1,200 in one day."
        );
        assert_eq!(bar_title(&h, 1, 0), "2024-03-05 00:00:00: 34 events");
        let h = histogram(datetime!(2024-03-04 0:00 UTC), datetime!(2024-03-04 12:00 UTC), 6, &[Some(2), None]);
        assert_eq!(
            chart_label(&h, 0),
            "Events per 6 hours, from 2024-03-04 00:00:00 to 2024-03-04 12:00:00 (your time): more than 2 events, at most 2 in \
             6 hours. The oldest buckets were not counted."
        );
    }

    #[test]
    fn a_whole_day_bar_zooms_to_days_and_a_shorter_one_to_instants() {
        let days = histogram(datetime!(2024-03-04 0:00 UTC), datetime!(2024-03-18 0:00 UTC), 48, &[Some(1); 7]);
        assert_eq!(
            zoom_span(&days, 1, 1),
            Some((TimeBound::Day(date!(2024 - 03 - 06)), TimeBound::Day(date!(2024 - 03 - 07))))
        );
        // The first bar sticks out of a range that starts mid-morning: the
        // zoom keeps to the range.
        let hours = histogram(datetime!(2024-03-04 9:30 UTC), datetime!(2024-03-04 18:00 UTC), 6, &[Some(1), Some(2)]);
        assert_eq!(
            zoom_span(&hours, 0, 0),
            Some((
                TimeBound::Instant(datetime!(2024-03-04 9:30 UTC)),
                TimeBound::Instant(datetime!(2024-03-04 11:59:59.999999 UTC))
            ))
        );
        assert_eq!(zoom_span(&hours, 5, 5), None);
    }

    #[test]
    fn a_drag_zooms_to_the_bars_it_crossed_whichever_way_it_went() {
        let days = histogram(datetime!(2024-03-04 0:00 UTC), datetime!(2024-03-18 0:00 UTC), 48, &[Some(1); 7]);
        let span = Some((TimeBound::Day(date!(2024 - 03 - 06)), TimeBound::Day(date!(2024 - 03 - 11))));
        assert_eq!(zoom_span(&days, 1, 3), span);
        assert_eq!(zoom_span(&days, 3, 1), span);
        // The last bar of a range that ends mid-afternoon stops at its end.
        let hours = histogram(datetime!(2024-03-04 9:30 UTC), datetime!(2024-03-04 15:00 UTC), 6, &[Some(1), Some(2)]);
        assert_eq!(
            zoom_span(&hours, 0, 1),
            Some((
                TimeBound::Instant(datetime!(2024-03-04 9:30 UTC)),
                TimeBound::Instant(datetime!(2024-03-04 14:59:59.999999 UTC))
            ))
        );
        assert_eq!(zoom_span(&hours, 0, 9), None);
    }
}
