//! The histogram's arithmetic, with no IO: the bucket width a range gets,
//! where its buckets start, and how the range splits into the pieces the
//! maintained counts answer exactly (whole days, whole hours) and the ragged
//! ends that only the events themselves can (less than an hour each).
//!
//! Times are microseconds since 1970, as stored; ranges are half-open.

/// One hour in microseconds.
pub const HOUR: i64 = 3_600_000_000;
/// One day in microseconds.
pub const DAY: i64 = 24 * HOUR;
/// At most this many bars: about 8 px each on a laptop, and a two-year log
/// still gets weekly ones.
pub const MAX_BUCKETS: i64 = 120;
/// Widths in hours, smallest first; the first that fits is taken.
const WIDTHS_IN_HOURS: [i64; 10] = [1, 2, 3, 6, 12, 24, 48, 168, 336, 672];
/// Monday 1970-01-05, 00:00 UTC: every bucket boundary is this plus a whole
/// number of widths, so weeks start on Mondays and shorter buckets at
/// whole hours (and at midnight, for those that divide a day).
const ANCHOR: i64 = 4 * DAY;

/// The narrowest width giving at most [`MAX_BUCKETS`] buckets over
/// `[from, to)`; past 28-day buckets, a multiple of 28 days.
pub fn bucket_width(from: i64, to: i64) -> i64 {
    let fits = |width: i64| bucket_count(from, to, width) <= MAX_BUCKETS;
    if let Some(width) = WIDTHS_IN_HOURS.iter().map(|hours| hours * HOUR).find(|&width| fits(width)) {
        return width;
    }
    let four_weeks = 28 * DAY;
    let mut width = four_weeks * ((to - from).max(1) / four_weeks / (MAX_BUCKETS - 1)).max(1);
    while !fits(width) {
        width += four_weeks;
    }
    width
}

/// The start of the bucket holding `at`.
pub fn bucket_start(at: i64, width: i64) -> i64 {
    ANCHOR + (at - ANCHOR).div_euclid(width) * width
}

/// How many buckets of `width` cover `[from, to)`, partial ones included.
pub fn bucket_count(from: i64, to: i64, width: i64) -> i64 {
    if to <= from {
        return 0;
    }
    (bucket_start(to - 1, width) - bucket_start(from, width)) / width + 1
}

/// A part of a range and what counts it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Less than an hour, inside one hour: counted from the events.
    Events { from: i64, to: i64 },
    /// Whole hours `[from, to)`, numbered since 1970.
    Hours { from: i64, to: i64 },
    /// Whole days `[from, to)`, numbered since 1970.
    Days { from: i64, to: i64 },
}

/// Splits `[from, to)` into pieces, each inside one bucket or made of cells
/// (hours, days) that are: day counts only when `days` (the buckets are
/// whole days, so they never cut one).
pub fn pieces(from: i64, to: i64, days: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    if to <= from {
        return pieces;
    }
    let first_hour = from.div_euclid(HOUR) + i64::from(from.rem_euclid(HOUR) != 0);
    let end_hour = to.div_euclid(HOUR);
    if first_hour > end_hour {
        pieces.push(Piece::Events { from, to });
        return pieces;
    }
    if from < first_hour * HOUR {
        pieces.push(Piece::Events { from, to: first_hour * HOUR });
    }
    let first_day = first_hour.div_euclid(24) + i64::from(first_hour.rem_euclid(24) != 0);
    let end_day = end_hour.div_euclid(24);
    if days && first_day < end_day {
        push_hours(&mut pieces, first_hour, first_day * 24);
        pieces.push(Piece::Days { from: first_day, to: end_day });
        push_hours(&mut pieces, end_day * 24, end_hour);
    } else {
        push_hours(&mut pieces, first_hour, end_hour);
    }
    if end_hour * HOUR < to {
        pieces.push(Piece::Events { from: end_hour * HOUR, to });
    }
    pieces
}

fn push_hours(pieces: &mut Vec<Piece>, from: i64, to: i64) {
    if from < to {
        pieces.push(Piece::Hours { from, to });
    }
}

/// Adds counted cells (each starting at its time) into the buckets of
/// `width` that start at `first`: `counts[i]` is the bucket `first + i·width`.
pub fn add_cells(counts: &mut [u64], first: i64, width: i64, cells: impl IntoIterator<Item = (i64, u64)>) {
    for (start, events) in cells {
        let index = (bucket_start(start, width) - first) / width;
        if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
            *count += events;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = HOUR / 60;
    /// 2026-11-30T00:00Z, a Monday.
    const MONDAY: i64 = 20_787 * DAY;

    #[test]
    fn a_day_gets_hours_a_month_half_days_two_years_weeks() {
        assert_eq!(bucket_width(MONDAY, MONDAY + DAY), HOUR);
        assert_eq!(bucket_width(MONDAY, MONDAY + 7 * DAY), 2 * HOUR);
        assert_eq!(bucket_width(MONDAY, MONDAY + 30 * DAY), 6 * HOUR);
        assert_eq!(bucket_width(MONDAY, MONDAY + 730 * DAY), 7 * DAY);
        // An empty range, or one inside an hour: the finest.
        assert_eq!(bucket_width(MONDAY, MONDAY), HOUR);
        assert_eq!(bucket_width(MONDAY + MINUTE, MONDAY + 2 * MINUTE), HOUR);
    }

    #[test]
    fn no_range_gets_more_than_the_most_buckets() {
        for days in [1, 2, 5, 6, 40, 90, 365, 1000, 3000, 10_000, 40_000] {
            for offset in [0, 13 * MINUTE, 5 * HOUR + 7] {
                let (from, to) = (MONDAY + offset, MONDAY + offset + days * DAY);
                let width = bucket_width(from, to);
                assert!(bucket_count(from, to, width) <= MAX_BUCKETS, "{days} days got {width}");
                assert_eq!(width % HOUR, 0);
            }
        }
    }

    #[test]
    fn weeks_start_on_mondays_and_days_at_midnight() {
        let thursday_noon = MONDAY + 3 * DAY + 12 * HOUR;
        assert_eq!(bucket_start(thursday_noon, 7 * DAY), MONDAY);
        assert_eq!(bucket_start(thursday_noon, DAY), MONDAY + 3 * DAY);
        assert_eq!(bucket_start(thursday_noon + 59 * MINUTE, HOUR), thursday_noon);
        assert_eq!(bucket_count(thursday_noon, thursday_noon + 1, DAY), 1);
        assert_eq!(bucket_count(MONDAY, MONDAY + 2 * DAY, DAY), 2);
        assert_eq!(bucket_count(MONDAY, MONDAY, DAY), 0);
    }

    #[test]
    fn a_range_inside_one_hour_is_read_from_the_events() {
        let from = MONDAY + 10 * MINUTE;
        assert_eq!(pieces(from, from + 30 * MINUTE, true), vec![Piece::Events { from, to: from + 30 * MINUTE }]);
        // Across one hour mark, no whole hour: two ragged ends.
        assert_eq!(
            pieces(from, MONDAY + HOUR + 5 * MINUTE, false),
            vec![
                Piece::Events { from, to: MONDAY + HOUR },
                Piece::Events { from: MONDAY + HOUR, to: MONDAY + HOUR + 5 * MINUTE }
            ]
        );
        assert!(pieces(from, from, true).is_empty());
    }

    #[test]
    fn whole_hours_come_from_hour_counts_and_whole_days_from_day_counts() {
        let hour = |at: i64| at / HOUR;
        let from = MONDAY - 2 * HOUR - 30 * MINUTE;
        let to = MONDAY + 3 * DAY + 5 * HOUR + MINUTE;
        assert_eq!(
            pieces(from, to, true),
            vec![
                Piece::Events { from, to: MONDAY - 2 * HOUR },
                Piece::Hours { from: hour(MONDAY) - 2, to: hour(MONDAY) },
                Piece::Days { from: MONDAY / DAY, to: MONDAY / DAY + 3 },
                Piece::Hours { from: hour(MONDAY + 3 * DAY), to: hour(MONDAY + 3 * DAY) + 5 },
                Piece::Events { from: MONDAY + 3 * DAY + 5 * HOUR, to },
            ]
        );
        // Buckets shorter than a day: hours only.
        assert_eq!(pieces(from, to, false)[1], Piece::Hours { from: hour(MONDAY) - 2, to: hour(MONDAY + 3 * DAY) + 5 });
        // Aligned ends leave nothing ragged.
        assert_eq!(
            pieces(MONDAY, MONDAY + 2 * DAY, true),
            vec![Piece::Days { from: MONDAY / DAY, to: MONDAY / DAY + 2 }]
        );
    }

    #[test]
    fn pieces_cover_the_range_exactly_once() {
        let length = |piece: &Piece| match *piece {
            Piece::Events { from, to } => to - from,
            Piece::Hours { from, to } => (to - from) * HOUR,
            Piece::Days { from, to } => (to - from) * DAY,
        };
        for (from, to) in
            [(MONDAY + 7, MONDAY + 9 * DAY + 3), (MONDAY - 5 * HOUR, MONDAY + 20 * HOUR), (MONDAY, MONDAY + HOUR)]
        {
            for days in [false, true] {
                let total: i64 = pieces(from, to, days).iter().map(length).sum();
                assert_eq!(total, to - from, "{from}..{to} days={days}");
            }
        }
    }

    #[test]
    fn cells_land_in_the_bucket_that_holds_their_start() {
        let mut counts = vec![0; 3];
        add_cells(&mut counts, MONDAY, DAY, [(MONDAY + 5 * HOUR, 2), (MONDAY + DAY, 3), (MONDAY + 2 * DAY + 1, 1)]);
        // Outside the buckets: ignored, not a panic.
        add_cells(&mut counts, MONDAY, DAY, [(MONDAY - 1, 9), (MONDAY + 3 * DAY, 9)]);
        assert_eq!(counts, vec![2, 3, 1]);
    }
}
