//! The dictionary encoding of the events' text columns: each distinct string
//! of a column is a term, stored once; events point at term ids.
//!
//! A term belongs to one column (its kind), so a keyword's matching terms
//! say which columns to read: a domain name is only ever looked up in the
//! domain column. Terms stored before kinds existed have none and are looked
//! up in every column.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::schema::terms;
use super::term_cache::{Dictionary, TermCache};
use super::{on_any, AnyConn, StorageResult};
use crate::domain::ingest::EventDraft;

/// Values per `IN (...)` list (PostgreSQL binds the list as one array).
pub(super) const LOOKUP_CHUNK: usize = 2000;
/// Terms per INSERT: 4 binds each, far under both engines' limits.
const INSERT_CHUNK: usize = 1000;

/// The four event columns that hold terms; a term's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TermColumn {
    Admin,
    UserEmail,
    UserName,
    Domain,
}

pub(super) const TERM_COLUMNS: [TermColumn; 4] =
    [TermColumn::Admin, TermColumn::UserEmail, TermColumn::UserName, TermColumn::Domain];

impl TermColumn {
    /// The `terms.kind` code (see the term_kinds migration).
    pub(super) fn code(self) -> i16 {
        self as i16
    }

    pub(super) fn from_code(code: i16) -> Option<TermColumn> {
        TERM_COLUMNS.get(usize::try_from(code).ok()?).copied()
    }

    /// Its position in [`TERM_COLUMNS`].
    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The events column holding this kind's term ids.
    pub(super) fn events_column(self) -> &'static str {
        match self {
            TermColumn::Admin => "admin_term",
            TermColumn::UserEmail => "user_email_term",
            TermColumn::UserName => "user_name_term",
            TermColumn::Domain => "domain_term",
        }
    }

    /// The event's text in this column.
    fn of(self, draft: &EventDraft) -> &str {
        match self {
            TermColumn::Admin => &draft.admin_email,
            TermColumn::UserEmail => &draft.user_email,
            TermColumn::UserName => &draft.user_name,
            TermColumn::Domain => &draft.domain_name,
        }
    }
}

/// The terms a keyword matches, by the column each can occur in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Matches {
    by_column: [Vec<i64>; 4],
    /// (text length, column, term), the order [`Matches::pairs_by_column`]
    /// gives.
    pairs: Vec<(usize, TermColumn, i64)>,
    terms: usize,
}

impl Matches {
    /// Adds a matching term of `length` bytes; one without a kind may occur
    /// in any column.
    pub(super) fn add(&mut self, id: i64, column: Option<TermColumn>, length: usize) {
        let columns = match &column {
            Some(column) => std::slice::from_ref(column),
            None => &TERM_COLUMNS[..],
        };
        for &column in columns {
            self.by_column[column.index()].push(id);
            self.pairs.push((length, column, id));
        }
        self.terms += 1;
    }

    /// How many distinct terms matched.
    pub(super) fn term_count(&self) -> usize {
        self.terms
    }

    pub(super) fn in_column(&self, column: TermColumn) -> &[i64] {
        &self.by_column[column.index()]
    }

    /// Every (column, term) pair an event can match through, grouped by
    /// column, shortest text first: the term closest to the keyword itself,
    /// likely the one with the most events, which fills a page soonest.
    pub(super) fn pairs_by_column(&self) -> Vec<(TermColumn, Vec<i64>)> {
        let mut pairs = self.pairs.clone();
        pairs.sort_unstable_by_key(|(length, column, id)| (*length, *id, column.index()));
        let mut groups: Vec<(TermColumn, Vec<i64>)> = Vec::new();
        for (_, column, id) in pairs {
            match groups.iter_mut().find(|(grouped, _)| *grouped == column) {
                Some((_, ids)) => ids.push(id),
                None => groups.push((column, vec![id])),
            }
        }
        groups
    }

    pub(super) fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// The columns some matching term can occur in.
    pub(super) fn columns(&self) -> impl Iterator<Item = TermColumn> + '_ {
        TERM_COLUMNS.into_iter().filter(move |column| !self.in_column(*column).is_empty())
    }

    /// `set[id]` is true for every matching term: membership in O(1) while
    /// filtering rows in memory.
    pub(super) fn membership(&self) -> Vec<bool> {
        let ids = || self.by_column.iter().flatten().filter_map(|id| usize::try_from(*id).ok());
        let mut set = vec![false; ids().max().map_or(0, |highest| highest + 1)];
        for index in ids() {
            set[index] = true;
        }
        set
    }
}

#[derive(Insertable)]
#[diesel(table_name = terms)]
struct NewTermRow<'a> {
    org_id: i64,
    id: i64,
    value: &'a str,
    folded: String,
    kind: Option<i16>,
}

/// The case-insensitive form of a term or keyword.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The term id of every non-empty (column, string) of `drafts`, adding the
/// new ones. Runs under the organization's write lock.
pub(super) fn resolve_terms<'d>(
    conn: &mut AnyConn<'_>,
    cache: Option<&TermCache>,
    org_id: i64,
    drafts: &[&'d EventDraft],
    last_term_id: &mut i64,
) -> StorageResult<HashMap<(TermColumn, &'d str), i64>> {
    let mut wanted: HashSet<(TermColumn, &'d str)> = HashSet::new();
    for draft in drafts {
        for column in TERM_COLUMNS {
            let text = column.of(draft);
            if !text.is_empty() {
                wanted.insert((column, text));
            }
        }
    }
    let mut ids: HashMap<(TermColumn, &'d str), i64> = HashMap::with_capacity(wanted.len());
    // Refreshed under the organization's lock, the copy holds every stored
    // term: what it does not know is new. Without it, SQL finds them.
    let dictionary = match cache {
        Some(cache) => cache.current(conn, org_id)?,
        None => None,
    };
    match &dictionary {
        Some(dictionary) => {
            let dictionary = dictionary.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            ids.extend(
                wanted.iter().filter_map(|&(column, text)| Some(((column, text), dictionary.id_of(column, text)?))),
            );
        }
        None => {
            let texts: Vec<&str> = wanted.iter().map(|(_, text)| *text).collect::<HashSet<_>>().into_iter().collect();
            for chunk in texts.chunks(LOOKUP_CHUNK) {
                let found: Vec<(String, Option<i16>, i64)> = on_any!(conn, |c| terms::table
                    .filter(terms::org_id.eq(org_id))
                    .filter(terms::value.eq_any(chunk))
                    .filter(terms::kind.is_not_null())
                    .select((terms::value, terms::kind, terms::id))
                    .load(c))?;
                let ours: HashMap<&str, &'d str> = chunk.iter().map(|text| (*text, *text)).collect();
                for (value, kind, id) in found {
                    let (Some(column), Some(text)) = (kind.and_then(TermColumn::from_code), ours.get(value.as_str()))
                    else {
                        continue;
                    };
                    if wanted.contains(&(column, *text)) {
                        ids.insert((column, *text), id);
                    }
                }
            }
        }
    }
    let mut new_rows = Vec::new();
    for (column, text) in wanted {
        if let std::collections::hash_map::Entry::Vacant(slot) = ids.entry((column, text)) {
            *last_term_id += 1;
            slot.insert(*last_term_id);
            new_rows.push(NewTermRow {
                org_id,
                id: *last_term_id,
                value: text,
                folded: fold(text),
                kind: Some(column.code()),
            });
        }
    }
    for chunk in new_rows.chunks(INSERT_CHUNK) {
        on_any!(conn, |c| diesel::insert_into(terms::table).values(chunk).execute(c))?;
    }
    Ok(ids)
}

/// The organization's terms that contain the folded keyword: from the
/// in-memory dictionary, or a scan of the (small) terms table, never of the
/// events.
pub(super) fn matching_terms(
    conn: &mut AnyConn<'_>,
    dictionary: Option<&RwLock<Dictionary>>,
    org_id: i64,
    keyword: &str,
) -> StorageResult<Matches> {
    if let Some(dictionary) = dictionary {
        return Ok(dictionary.read().unwrap_or_else(|poisoned| poisoned.into_inner()).matching(keyword));
    }
    let contains = match conn {
        AnyConn::Sqlite(_) => "instr",
        AnyConn::Pg(_) => "strpos",
    };
    let found: Vec<(i64, Option<i16>, String)> = on_any!(conn, |c| terms::table
        .filter(terms::org_id.eq(org_id))
        .filter(diesel::dsl::sql::<Bool>(&format!("{contains}(terms.folded, ")).bind::<Text, _>(keyword).sql(") > 0"))
        .select((terms::id, terms::kind, terms::folded))
        .load(c))?;
    let mut matches = Matches::default();
    for (id, kind, folded) in found {
        matches.add(id, kind.and_then(TermColumn::from_code), folded.len());
    }
    Ok(matches)
}

/// The text of every term the rows point at, in one lookup per chunk.
pub(super) fn term_texts(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    rows: impl Iterator<Item = [Option<i64>; 4]>,
) -> StorageResult<HashMap<i64, String>> {
    let mut wanted: Vec<i64> = rows.flatten().flatten().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut texts: HashMap<i64, String> = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(LOOKUP_CHUNK) {
        let found: Vec<(i64, String)> = on_any!(conn, |c| terms::table
            .filter(terms::org_id.eq(org_id))
            .filter(terms::id.eq_any(chunk))
            .select((terms::id, terms::value))
            .load(c))?;
        texts.extend(found);
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for column in TERM_COLUMNS {
            assert_eq!(TermColumn::from_code(column.code()), Some(column));
        }
        assert_eq!(TermColumn::from_code(4), None);
        assert_eq!(TermColumn::from_code(-1), None);
    }

    #[test]
    fn a_term_without_kind_is_looked_up_in_every_column() {
        let mut matches = Matches::default();
        matches.add(7, Some(TermColumn::Domain), 5);
        matches.add(3, None, 9);
        assert_eq!((matches.term_count(), matches.pair_count()), (2, 5));
        assert_eq!(matches.in_column(TermColumn::Domain), &[7, 3]);
        assert_eq!(matches.in_column(TermColumn::Admin), &[3]);
        assert_eq!(matches.columns().count(), 4);
        let set = matches.membership();
        assert_eq!((set.len(), set[3], set[7], set[5]), (8, true, true, false));
    }

    #[test]
    fn kinded_terms_name_only_their_columns() {
        let mut matches = Matches::default();
        matches.add(2, Some(TermColumn::UserName), 12);
        matches.add(9, Some(TermColumn::UserName), 4);
        matches.add(5, Some(TermColumn::Domain), 12);
        assert_eq!(matches.columns().collect::<Vec<_>>(), vec![TermColumn::UserName, TermColumn::Domain]);
        assert_eq!(matches.pair_count(), 3);
        matches.add(1, Some(TermColumn::Admin), 30);
        assert_eq!(
            matches.pairs_by_column(),
            vec![(TermColumn::UserName, vec![9, 2]), (TermColumn::Domain, vec![5]), (TermColumn::Admin, vec![1])],
            "shortest text first"
        );
        assert_eq!(Matches::default().term_count(), 0);
    }
}
