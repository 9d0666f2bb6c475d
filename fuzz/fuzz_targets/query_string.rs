//! `GET /admin-logs` and `/admin-logs/export` query strings, all the way to
//! the storage selection the handler builds: parsing and the date arithmetic
//! after it never panic (`to=9999-12-31` once passed the parser and then
//! overflowed), the bounds stay ordered, and what parses prints back to a
//! query that parses the same (the browser app keeps its view in the URL
//! through that printer).
#![no_main]

use adminlog_server::storage::events::EventSelection;
use adminlog_types::{LogQuery, QueryKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [QueryKind::Page, QueryKind::Export, QueryKind::Feed, QueryKind::Histogram, QueryKind::ActionCounts] {
        if let Ok(query) = LogQuery::parse(text, kind) {
            let selection = EventSelection::new(&query.filter, None, i64::from(query.page_size()) + 1);
            if let (Some(from), Some(to)) = (selection.from_micros, selection.to_micros) {
                assert!(from <= to, "{text:?}: from {from} after to {to}");
            }
            let printed = query.to_query_string(kind);
            let again = LogQuery::parse(&printed, kind);
            assert_eq!(again.as_ref(), Ok(&query), "{text:?} printed as {printed:?}");
        }
    }
});
