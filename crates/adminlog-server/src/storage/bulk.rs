//! Loading a large backlog: the events table's secondary indexes are dropped
//! for the load and built once at the end, which sorts each index once
//! instead of updating every B-tree for every row. For a database no server is
//! reading yet (the demo, the benchmark, an import): queries without those
//! indexes are slow meanwhile, though never wrong. The unique indexes stay, so
//! `event_id` idempotency holds throughout.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{AnyConn, Db, StorageResult};

#[derive(QueryableByName)]
struct IndexDefinition {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// The non-unique indexes of `events`, as the statements that create them,
/// read from the database's own catalog (so they never drift from the
/// migrations).
fn secondary_indexes(conn: &mut AnyConn<'_>) -> StorageResult<Vec<IndexDefinition>> {
    Ok(match conn {
        AnyConn::Sqlite(c) => diesel::sql_query(
            "SELECT name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
        )
        .load(&mut **c)?,
        AnyConn::Pg(c) => diesel::sql_query(
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'events' AND indexdef NOT LIKE 'CREATE UNIQUE%'",
        )
        .load(&mut **c)?,
    })
}

fn execute(conn: &mut AnyConn<'_>, sql: &str) -> StorageResult<()> {
    match conn {
        AnyConn::Sqlite(c) => c.batch_execute(sql)?,
        AnyConn::Pg(c) => c.batch_execute(sql)?,
    }
    Ok(())
}

impl Db {
    /// Runs `load` with the events table's secondary indexes dropped, then
    /// builds them again (also when `load` failed) and refreshes statistics.
    pub fn load_deferring_indexes<T>(&self, load: impl FnOnce() -> T) -> StorageResult<T> {
        let indexes = self.read(|conn| {
            let indexes = secondary_indexes(conn)?;
            for index in &indexes {
                execute(conn, &format!("DROP INDEX {}", index.name))?;
            }
            Ok(indexes)
        })?;
        let loaded = load();
        self.read(|conn| match conn {
            // Building an index over millions of events outlasts the
            // per-statement deadline that requests get.
            AnyConn::Pg(pg) => super::without_deadlines(pg, |pg| {
                for index in &indexes {
                    execute(&mut AnyConn::Pg(pg), &index.definition)?;
                }
                Ok(())
            }),
            AnyConn::Sqlite(_) => {
                for index in &indexes {
                    execute(conn, &index.definition)?;
                }
                Ok(())
            }
        })?;
        self.optimize()?;
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::DatabaseUrl;

    fn index_definitions(db: &Db) -> Vec<String> {
        let mut found: Vec<String> =
            db.read(secondary_indexes).unwrap().into_iter().map(|index| index.definition).collect();
        found.sort();
        found
    }

    #[test]
    fn the_indexes_are_dropped_during_the_load_and_rebuilt_identically() {
        let path = std::env::temp_dir().join(format!("adminlog-bulk-{}.db", std::process::id()));
        let db = Db::connect(&DatabaseUrl::Sqlite(path.display().to_string()), 2, std::time::Duration::from_secs(5))
            .unwrap();
        db.migrate().unwrap();
        let before = index_definitions(&db);
        assert!(before.len() >= 5, "the migrations' secondary indexes: {before:?}");
        let during = db.load_deferring_indexes(|| index_definitions(&db)).unwrap();
        assert!(during.is_empty(), "still there during the load: {during:?}");
        assert_eq!(index_definitions(&db), before);
        drop(db);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
