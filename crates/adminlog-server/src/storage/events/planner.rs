//! How a page is read: a pure function of what is known before reading any
//! event (the selection's shape, the keyword's dictionary matches, and, when
//! asked for, how many events the matched terms have). No database calls,
//! so each threshold has its own unit test.
//!
//! Every route ends in a walk whose order matches one index (time, action,
//! or a term column), so the engine has no other sensible plan: a page is
//! fast with fresh statistics, stale ones or none (see `sql.rs` for how
//! each statement pins its index).

use super::super::terms::TermColumn;

/// How one page is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Walk the time index (no keyword, no action).
    TimeOrder,
    /// Walk the time index with the keyword's term lists in SQL: the keyword
    /// has so many events that a page is found within a short walk.
    TimeOrderWithTerms,
    /// Walk the time index, keeping in memory the rows that point at a
    /// matched term: a keyword too broad for an SQL list of its terms.
    Scan,
    /// Read the few matching events of these columns from their indexes,
    /// sort, merge.
    PerColumn(Vec<TermColumn>),
    /// A few (column, term) pairs: walk each pair's index, already in time
    /// order, for one page's worth, and merge; no counting needed.
    PerTerm,
    /// No keyword, one or more actions: walk the action index once per
    /// action and merge (on PostgreSQL in one statement). An `IN` list of
    /// actions let SQLite walk the whole time index when statistics were
    /// missing, and PostgreSQL sort every match when they were stale.
    PerAction,
    /// The keyword matches nothing: no event is read.
    NoMatch,
}

impl Route {
    /// Every route's label, for the metrics and the tests that must see each
    /// one run.
    pub const LABELS: [&'static str; 7] =
        ["time_order", "time_order_with_terms", "scan", "per_column", "per_term", "per_action", "no_match"];

    /// Its name in logs and metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Route::TimeOrder => "time_order",
            Route::TimeOrderWithTerms => "time_order_with_terms",
            Route::Scan => "scan",
            Route::PerColumn(_) => "per_column",
            Route::PerTerm => "per_term",
            Route::PerAction => "per_action",
            Route::NoMatch => "no_match",
        }
    }
}

/// What the dictionary says of a keyword.
#[derive(Clone, Copy, Debug)]
pub struct KeywordMatches {
    /// Distinct matching terms.
    pub terms: usize,
    /// (column, term) pairs: a term without a kind serves every column.
    pub pairs: usize,
}

/// The first decision: a route, or "count the matched terms' events per
/// column first" (then [`route_by_counts`] decides).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Take(Route),
    CountColumns,
}

/// Above this many matching terms a keyword is broad: its events are found by
/// walking the time index and filtering in memory, which finds a page of a
/// broad keyword quickly.
pub const MAX_LISTED_TERMS: usize = 1000;

/// Up to this many events pointing at the matched terms (about the square
/// root of page size × events at ten million), reading them through the
/// per-column indexes and sorting beats walking the time index.
pub const FEW_MATCHES: i64 = 20_000;

/// Up to this many (column, term) pairs, a keyword is read by one index walk
/// per pair (each stops after a page of matches), whatever its events'
/// count, in one statement on either backend (a lateral join over the
/// terms on PostgreSQL, a compound select on SQLite). Measured on shape 9 of
/// `cargo xtask bench` (19 domain terms with many events, at ten million):
/// the walks take 1.3 ms on SQLite where counting the terms' events before
/// walking the time index took 3.4 ms and the walk 2.2 more; PostgreSQL
/// served the walks in 3.4 ms at one million and the time-order walk in
/// 65 ms at ten million.
pub const MAX_WALKS: usize = 96;

/// The route for a selection with `actions` actions and, when it has a
/// keyword, what the dictionary matched.
pub fn decide(actions: usize, keyword: Option<KeywordMatches>) -> Decision {
    let Some(keyword) = keyword else {
        return Decision::Take(if actions == 0 { Route::TimeOrder } else { Route::PerAction });
    };
    if keyword.terms == 0 {
        Decision::Take(Route::NoMatch)
    } else if keyword.terms > MAX_LISTED_TERMS {
        Decision::Take(Route::Scan)
    } else if keyword.pairs <= MAX_WALKS {
        Decision::Take(Route::PerTerm)
    } else {
        Decision::CountColumns
    }
}

/// The route once each column's events are counted (up to [`FEW_MATCHES`]
/// + 1 each).
pub fn route_by_counts(counts: &[(TermColumn, i64)]) -> Route {
    let columns: Vec<TermColumn> = counts.iter().filter(|(_, count)| *count > 0).map(|(column, _)| *column).collect();
    let total: i64 = counts.iter().map(|(_, count)| count).sum();
    if columns.is_empty() {
        Route::NoMatch
    } else if total <= FEW_MATCHES {
        Route::PerColumn(columns)
    } else {
        Route::TimeOrderWithTerms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyword(terms: usize, pairs: usize) -> Option<KeywordMatches> {
        Some(KeywordMatches { terms, pairs })
    }

    #[test]
    fn without_a_keyword_actions_choose_between_the_time_and_action_walks() {
        assert_eq!(decide(0, None), Decision::Take(Route::TimeOrder));
        assert_eq!(decide(1, None), Decision::Take(Route::PerAction));
        assert_eq!(decide(41, None), Decision::Take(Route::PerAction));
    }

    #[test]
    fn a_keyword_matching_no_term_reads_nothing() {
        assert_eq!(decide(2, keyword(0, 0)), Decision::Take(Route::NoMatch));
    }

    #[test]
    fn past_the_listed_terms_limit_a_keyword_is_scanned() {
        let at = MAX_LISTED_TERMS;
        assert_eq!(decide(0, keyword(at + 1, at + 1)), Decision::Take(Route::Scan));
        assert_eq!(decide(0, keyword(at, at)), Decision::CountColumns);
    }

    #[test]
    fn up_to_the_walk_limit_a_keyword_is_walked_per_term() {
        assert_eq!(decide(0, keyword(MAX_WALKS, MAX_WALKS)), Decision::Take(Route::PerTerm));
        assert_eq!(decide(3, keyword(MAX_WALKS, MAX_WALKS)), Decision::Take(Route::PerTerm));
        assert_eq!(decide(0, keyword(MAX_WALKS, MAX_WALKS + 1)), Decision::CountColumns);
        // A term without a kind counts once per column it may stand in.
        assert_eq!(decide(0, keyword(MAX_WALKS / 4, MAX_WALKS)), Decision::Take(Route::PerTerm));
        assert_eq!(decide(0, keyword(MAX_WALKS / 4 + 1, MAX_WALKS + 4)), Decision::CountColumns);
    }

    #[test]
    fn few_counted_events_are_read_per_column_and_many_in_time_order() {
        use TermColumn::{Admin, Domain, UserName};
        assert_eq!(route_by_counts(&[(Admin, 0), (Domain, 0)]), Route::NoMatch);
        assert_eq!(
            route_by_counts(&[(Admin, FEW_MATCHES - 1), (UserName, 0), (Domain, 1)]),
            Route::PerColumn(vec![Admin, Domain])
        );
        assert_eq!(route_by_counts(&[(Admin, FEW_MATCHES), (Domain, 1)]), Route::TimeOrderWithTerms);
        assert_eq!(route_by_counts(&[(Domain, FEW_MATCHES + 1)]), Route::TimeOrderWithTerms);
    }

    #[test]
    fn every_route_has_a_listed_label() {
        let routes = [
            Route::TimeOrder,
            Route::TimeOrderWithTerms,
            Route::Scan,
            Route::PerColumn(Vec::new()),
            Route::PerTerm,
            Route::PerAction,
            Route::NoMatch,
        ];
        let labels: Vec<&str> = routes.iter().map(Route::label).collect();
        assert_eq!(labels, Route::LABELS);
    }
}
