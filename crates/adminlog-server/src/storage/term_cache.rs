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

/// One organization's terms, indexed by id.
#[derive(Default)]
pub struct Dictionary {
    /// `entries[id - 1]`: (text, case-folded text).
    entries: Vec<Option<(Box<str>, Box<str>)>>,
    /// Text → id, for ingestion to find existing terms.
    ids: HashMap<Box<str>, i64>,
    highest_id: i64,
    /// Set once the organization outgrew the cache: SQL serves it.
    too_large: bool,
}

impl Dictionary {
    pub fn text(&self, id: i64) -> Option<&str> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.entries.get(index)?.as_ref().map(|(text, _)| &**text)
    }

    pub fn id_of(&self, text: &str) -> Option<i64> {
        self.ids.get(text).copied()
    }

    /// The ids of the terms whose folded text contains `folded_keyword`
    /// (the `instr`/`strpos` the SQL path uses, on the same folded form).
    pub fn matching(&self, folded_keyword: &str) -> Vec<i64> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.as_ref().is_some_and(|(_, folded)| folded.contains(folded_keyword)))
            .map(|(index, _)| index as i64 + 1)
            .collect()
    }

    fn insert(&mut self, id: i64, text: String, folded: String) {
        let Some(index) = usize::try_from(id).ok().and_then(|i| i.checked_sub(1)) else { return };
        if self.entries.len() <= index {
            self.entries.resize(index + 1, None);
        }
        self.ids.insert(text.as_str().into(), id);
        self.entries[index] = Some((text.into(), folded.into()));
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
        let fresh: Vec<(i64, String, String)> = on_any!(conn, |c| terms::table
            .filter(terms::org_id.eq(org_id))
            .filter(terms::id.gt(known))
            .filter(terms::id.le(MAX_CACHED_TERMS))
            .order(terms::id)
            .select((terms::id, terms::value, terms::folded))
            .load(c))?;
        if let Some((last, _, _)) = fresh.last() {
            let mut writable = dictionary.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            if *last >= MAX_CACHED_TERMS {
                *writable = Dictionary { too_large: true, ..Dictionary::default() };
                return Ok(None);
            }
            for (id, text, folded) in fresh {
                if id > writable.highest_id || writable.text(id).is_none() {
                    writable.insert(id, text, folded);
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
        dictionary.insert(1, "John.Doe".into(), "john.doe".into());
        dictionary.insert(3, "Office VPN".into(), "office vpn".into());
        assert_eq!(dictionary.text(1), Some("John.Doe"));
        assert_eq!(dictionary.text(2), None);
        assert_eq!(dictionary.text(0), None);
        assert_eq!((dictionary.id_of("Office VPN"), dictionary.id_of("office vpn")), (Some(3), None));
        assert_eq!(dictionary.matching("o"), vec![1, 3]);
        assert_eq!(dictionary.matching("doe"), vec![1]);
        assert!(dictionary.matching("zz").is_empty());
    }
}
