//! Saved views: each administrator's named views of the log. The caller has
//! checked the name and query (`CreateSavedViewRequest::checked`); this keeps
//! them, one administrator's at a time.

use adminlog_types::{SavedView, MAX_SAVED_VIEWS};
use diesel::prelude::*;

use super::schema::{administrators, saved_views};
use super::{from_micros, on_any, to_micros, AnyConn, Db, StorageError, StorageResult};

type ViewColumns = (i64, String, String, i64);

fn to_view((id, name, query, created_at): ViewColumns) -> SavedView {
    SavedView { id, name, query, created_at: from_micros(created_at) }
}

fn views_in(conn: &mut AnyConn<'_>, org_id: i64, admin_id: i64) -> StorageResult<Vec<SavedView>> {
    let rows: Vec<ViewColumns> = on_any!(conn, |c| saved_views::table
        .filter(saved_views::org_id.eq(org_id))
        .filter(saved_views::admin_id.eq(admin_id))
        .order(saved_views::id.asc())
        .select((saved_views::id, saved_views::name, saved_views::query, saved_views::created_at))
        .load(c))?;
    Ok(rows.into_iter().map(to_view).collect())
}

impl Db {
    /// The administrator's saved views, oldest first.
    pub fn saved_views(&self, org_id: i64, admin_id: i64) -> StorageResult<Vec<SavedView>> {
        self.read(|conn| views_in(conn, org_id, admin_id))
    }

    /// Keeps a view for the administrator: a conflict when they already
    /// have one of that name (whatever its case) or [`MAX_SAVED_VIEWS`];
    /// not found when the administrator is gone.
    pub fn save_view(&self, org_id: i64, admin_id: i64, name: &str, query: &str) -> StorageResult<SavedView> {
        self.write(|conn| {
            // The no-op update locks the administrator's row on PostgreSQL
            // (SQLite holds its write lock already): two saves of one
            // administrator take their ids in turn, and a removed
            // administrator keeps nothing.
            let locked = on_any!(conn, |c| diesel::update(administrators::table.find((org_id, admin_id)))
                .set(administrators::name.eq(administrators::name))
                .execute(c))?;
            if locked == 0 {
                return Err(StorageError::NotFound);
            }
            let existing = views_in(conn, org_id, admin_id)?;
            if existing.iter().any(|view| view.name.to_lowercase() == name.to_lowercase()) {
                return Err(StorageError::Conflict(format!(
                    "you already have a view named “{name}”: choose another name, or delete that one first"
                )));
            }
            if existing.len() >= MAX_SAVED_VIEWS {
                return Err(StorageError::Conflict(format!(
                    "you already keep {MAX_SAVED_VIEWS} views, the most there can be: delete one first"
                )));
            }
            let view = SavedView {
                id: existing.iter().map(|view| view.id).max().unwrap_or(0) + 1,
                name: name.to_owned(),
                query: query.to_owned(),
                created_at: time::OffsetDateTime::now_utc(),
            };
            on_any!(conn, |c| diesel::insert_into(saved_views::table)
                .values((
                    saved_views::org_id.eq(org_id),
                    saved_views::admin_id.eq(admin_id),
                    saved_views::id.eq(view.id),
                    saved_views::name.eq(&view.name),
                    saved_views::query.eq(&view.query),
                    saved_views::created_at.eq(to_micros(view.created_at)),
                ))
                .execute(c))?;
            // Stored to the microsecond: answer what a read gives back.
            Ok(SavedView { created_at: from_micros(to_micros(view.created_at)), ..view })
        })
    }

    /// Deletes one of the administrator's views: not found when it is not
    /// theirs.
    pub fn delete_view(&self, org_id: i64, admin_id: i64, id: i64) -> StorageResult<()> {
        let deleted = self.write(|conn| {
            Ok(on_any!(conn, |c| diesel::delete(saved_views::table.find((org_id, admin_id, id))).execute(c))?)
        })?;
        if deleted == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }
}

/// Deletes every view of an administrator being removed, in the removal's
/// transaction.
pub(super) fn forget_views_of(conn: &mut AnyConn<'_>, org_id: i64, admin_id: i64) -> StorageResult<()> {
    on_any!(conn, |c| diesel::delete(
        saved_views::table.filter(saved_views::org_id.eq(org_id)).filter(saved_views::admin_id.eq(admin_id))
    )
    .execute(c))?;
    Ok(())
}
