//! `GET /admin-logs` and `/admin-logs/export` query strings: parsing never
//! panics, and what parses prints back to a query that parses the same (the
//! browser app keeps its view in the URL through that printer).
#![no_main]

use adminlog_types::{LogQuery, QueryKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [QueryKind::Page, QueryKind::Export] {
        if let Ok(query) = LogQuery::parse(text, kind) {
            let printed = query.to_query_string(kind);
            let again = LogQuery::parse(&printed, kind);
            assert_eq!(again.as_ref(), Ok(&query), "{text:?} printed as {printed:?}");
        }
    }
});
