//! An in-memory copy of each organization's term dictionary: matching a
//! keyword against every term, turning a page's term ids into text, and
//! finding the ids of an ingested batch's existing terms, without a database
//! round trip.
//!
//! Terms are append-only and their ids are assigned per organization, in
//! order, under the organization's write lock, so a copy is brought up to
//! date by reading the terms after the highest id it holds — usually none,
//! one index probe. Several server processes each keep their own copy.
//! Verification never uses it: it must see the stored text, tampered or not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use diesel::prelude::*;

use super::schema::terms;
use super::terms::{Matches, TermColumn};
use super::{on_any, AnyConn, StorageResult};

/// Past this many terms an organization is not cached (its queries use SQL):
/// a bound on memory, far above the few thousand distinct values a real
/// organization has.
const MAX_CACHED_TERMS: i64 = 2_000_000;

/// Every organization's dictionary copy; shared by all connections of a `Db`.
#[derive(Default)]
pub struct TermCache {
    orgs: Mutex<HashMap<i64, Arc<RwLock<Dictionary>>>>,
}

/// One stored term.
#[derive(Clone)]
struct Entry {
    text: Box<str>,
    /// Its folded text's length (the text itself is in `Dictionary::folded`).
    folded_len: usize,
    /// `None` for a term stored before terms had kinds: any column.
    column: Option<TermColumn>,
}

/// One organization's terms, indexed by id.
#[derive(Default)]
pub struct Dictionary {
    /// `entries[id - 1]`.
    entries: Vec<Option<Entry>>,
    /// Every term's folded text, each followed by a NUL, in the order they
    /// were added: a keyword is searched in this one string (a vectorised
    /// substring search over contiguous memory). Testing each term's own
    /// allocation instead made a keyword that matches nothing cost 1.05 ms
    /// a page at ten million events (`cargo xtask bench`, shape 8, floor);
    /// this search, 0.09 ms.
    folded: String,
    /// (offset in `folded`, term id) of each term, by offset.
    spans: Vec<(usize, i64)>,
    /// Text → its term id per column, for ingestion to find existing terms.
    ids: HashMap<Box<str>, [Option<i64>; 4]>,
    highest_id: i64,
    /// Set once the organization outgrew the cache: SQL serves it.
    too_large: bool,
}

impl Dictionary {
    pub fn text(&self, id: i64) -> Option<&str> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.entries.get(index)?.as_ref().map(|entry| &*entry.text)
    }

    /// The id of `text` as a term of `column` (terms without a kind are
    /// never reused: ingestion stores new terms with one).
    pub(super) fn id_of(&self, column: TermColumn, text: &str) -> Option<i64> {
        self.ids.get(text)?[column.index()]
    }

    /// The terms whose folded text contains `folded_keyword` (the
    /// `instr`/`strpos` the SQL path uses, on the same folded form).
    pub(super) fn matching(&self, folded_keyword: &str) -> Matches {
        let haystack = self.folded.as_bytes();
        let mut ids = Vec::new();
        // Matches come in increasing position, so the term holding each is
        // found by moving one cursor forward through the spans (a search
        // restarted after each match, with a binary search per match, took
        // 1.7 ms for a keyword in 20,000 terms; this, 0.4 ms).
        let mut span = 0;
        for found in memchr::memmem::find_iter(haystack, folded_keyword.as_bytes()) {
            while self.spans.get(span + 1).is_some_and(|(next, _)| *next <= found) {
                span += 1;
            }
            let Some(&(_, id)) = self.spans.get(span) else { break };
            let end = self.spans.get(span + 1).map_or(haystack.len(), |(next, _)| *next) - 1;
            // Within the term (a keyword holding a NUL could straddle two),
            // and each term once however often it holds the keyword.
            if found + folded_keyword.len() <= end && ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let mut matches = Matches::default();
        for id in ids {
            if let Some(entry) = self.entry(id) {
                matches.add(id, entry.column, entry.folded_len);
            }
        }
        matches
    }

    fn entry(&self, id: i64) -> Option<&Entry> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.entries.get(index)?.as_ref()
    }

    fn insert(&mut self, id: i64, text: String, folded: String, column: Option<TermColumn>) {
        let Some(index) = usize::try_from(id).ok().and_then(|i| i.checked_sub(1)) else { return };
        if self.entries.len() <= index {
            self.entries.resize(index + 1, None);
        }
        if let Some(column) = column {
            self.ids.entry(text.as_str().into()).or_default()[column.index()] = Some(id);
        }
        self.spans.push((self.folded.len(), id));
        self.folded.push_str(&folded);
        self.folded.push('\0');
        self.entries[index] = Some(Entry { text: text.into(), folded_len: folded.len(), column });
        self.highest_id = self.highest_id.max(id);
    }
}

impl TermCache {
    /// The organization's dictionary, brought up to date on `conn`; `None`
    /// when the organization has too many terms to cache.
    pub(super) fn current(
        &self,
        conn: &mut AnyConn<'_>,
        org_id: i64,
    ) -> StorageResult<Option<Arc<RwLock<Dictionary>>>> {
        let dictionary = {
            let mut orgs = self.orgs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            orgs.entry(org_id).or_default().clone()
        };
        let known = {
            let readable = dictionary.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            if readable.too_large {
                return Ok(None);
            }
            readable.highest_id
        };
        let fresh: Vec<(i64, String, String, Option<i16>)> = on_any!(conn, |c| terms::table
            .filter(terms::org_id.eq(org_id))
            .filter(terms::id.gt(known))
            .filter(terms::id.le(MAX_CACHED_TERMS))
            .order(terms::id)
            .select((terms::id, terms::value, terms::folded, terms::kind))
            .load(c))?;
        if let Some((last, ..)) = fresh.last() {
            let mut writable = dictionary.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            if *last >= MAX_CACHED_TERMS {
                *writable = Dictionary { too_large: true, ..Dictionary::default() };
                return Ok(None);
            }
            for (id, text, folded, kind) in fresh {
                if id > writable.highest_id || writable.text(id).is_none() {
                    writable.insert(id, text, folded, kind.and_then(TermColumn::from_code));
                }
            }
        }
        Ok(Some(dictionary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_texts_by_id() {
        let mut dictionary = Dictionary::default();
        dictionary.insert(1, "John.Doe".into(), "john.doe".into(), Some(TermColumn::UserName));
        dictionary.insert(3, "Office VPN".into(), "office vpn".into(), Some(TermColumn::Domain));
        dictionary.insert(4, "john.doe".into(), "john.doe".into(), None);
        dictionary.insert(5, "John.Doe".into(), "john.doe".into(), Some(TermColumn::Admin));
        assert_eq!(dictionary.text(1), Some("John.Doe"));
        assert_eq!(dictionary.text(2), None);
        assert_eq!(dictionary.text(0), None);
        assert_eq!(dictionary.id_of(TermColumn::Domain, "Office VPN"), Some(3));
        assert_eq!(dictionary.id_of(TermColumn::Domain, "office vpn"), None);
        assert_eq!(dictionary.id_of(TermColumn::UserName, "Office VPN"), None);
        assert_eq!(dictionary.id_of(TermColumn::UserName, "John.Doe"), Some(1));
        assert_eq!(dictionary.id_of(TermColumn::Admin, "John.Doe"), Some(5));
        // A term without a kind is never handed to ingestion.
        assert_eq!(dictionary.id_of(TermColumn::UserName, "john.doe"), None);
        let doe = dictionary.matching("doe");
        assert_eq!(doe.term_count(), 3);
        assert_eq!(doe.in_column(TermColumn::UserName), &[1, 4]);
        assert_eq!(doe.in_column(TermColumn::Admin), &[4, 5]);
        assert_eq!(doe.in_column(TermColumn::Domain), &[4]);
        assert_eq!(dictionary.matching("vpn").pairs_by_column(), vec![(TermColumn::Domain, vec![3])]);
        assert_eq!(dictionary.matching("zz").term_count(), 0);
        // Each term once, however often it holds the keyword; none across
        // two terms' boundary.
        assert_eq!(dictionary.matching("o").term_count(), 4);
        assert_eq!(dictionary.matching("e\0j").term_count(), 0);
        assert_eq!(dictionary.matching("n").in_column(TermColumn::Domain), &[3, 4]);
    }

    #[test]
    fn a_term_added_out_of_order_is_matched_like_the_others() {
        let mut dictionary = Dictionary::default();
        dictionary.insert(2, "Beta".into(), "beta".into(), Some(TermColumn::UserName));
        dictionary.insert(1, "Alpha Beta".into(), "alpha beta".into(), Some(TermColumn::UserName));
        assert_eq!(dictionary.matching("beta").in_column(TermColumn::UserName), &[1, 2]);
        assert_eq!(dictionary.matching("alpha").in_column(TermColumn::UserName), &[1]);
    }
}
