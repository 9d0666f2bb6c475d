//! The schema migrations on a database that holds data: the term_kinds
//! migration reverted (a string stored as two kinded terms becomes one term
//! again, events still pointing at it) and applied again (old terms keep no
//! kind), and the maintained counts filled from the events already there.

use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::{for_both_backends, Backend, TestDatabase};
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Data as the server stores it since term kinds: one string used as an
/// admin email and as a user email is two terms.
const KINDED_DATA: &str = "
    INSERT INTO organizations (id, name, plan, created_at, last_event_id, last_term_id) VALUES (7, 'Acme', 'professional', 0, 2, 3);
    INSERT INTO terms (org_id, id, value, folded, kind) VALUES
        (7, 1, 'Shared@acme.example', 'shared@acme.example', 0),
        (7, 2, 'Shared@acme.example', 'shared@acme.example', 1),
        (7, 3, 'Lab', 'lab', 3);
    INSERT INTO events (org_id, id, ts, action, source, admin_term, user_email_term, domain_term, received_at, hash) VALUES
        (7, 1, 10, 1, 0, 1, NULL, 3, 10, 'x'),
        (7, 2, 20, 1, 0, NULL, 2, NULL, 20, 'y');
";

/// Runs the same steps on either backend's connection type.
macro_rules! migrate_and_check {
    ($conn:expr, $backend:literal) => {{
        let conn = $conn;
        let number = |conn: &mut _, sql: &str| -> i64 {
            diesel::sql_query(sql).get_result::<Number>(conn).unwrap_or_else(|e| panic!("{sql}: {e}")).n
        };
        let migrations = FileBasedMigrations::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/adminlog-server/migrations/",
            $backend
        ))
        .expect("the migrations folder");
        conn.run_pending_migrations(migrations.clone()).expect("apply every migration");
        conn.batch_execute(KINDED_DATA).expect("kinded data");

        // Back to before term_kinds: one term per string.
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert saved views");
        assert_eq!(reverted.to_string(), "20261201000002");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert the maintained counts");
        assert_eq!(reverted.to_string(), "20261201000001");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert push streams");
        assert_eq!(reverted.to_string(), "20261130000004");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert the partial term indexes");
        assert_eq!(reverted.to_string(), "20261130000003");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert recorders");
        assert_eq!(reverted.to_string(), "20261130000002");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert per-organization identities");
        assert_eq!(reverted.to_string(), "20261130000001");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert the covering indexes");
        assert!(reverted.to_string().ends_with("000004"), "{reverted}");
        let reverted = conn.revert_last_migration(migrations.clone()).expect("revert term kinds");
        assert!(reverted.to_string().ends_with("000003"), "{reverted}");
        assert_eq!(number(conn, "SELECT count(*) AS n FROM terms WHERE value = 'Shared@acme.example'"), 1);
        assert_eq!(number(conn, "SELECT admin_term AS n FROM events WHERE id = 1"), 1);
        assert_eq!(number(conn, "SELECT user_email_term AS n FROM events WHERE id = 2"), 1);
        assert_eq!(number(conn, "SELECT domain_term AS n FROM events WHERE id = 1"), 3);
        assert!(
            conn.batch_execute("INSERT INTO terms (org_id, id, value, folded) VALUES (7, 9, 'Lab', 'lab')").is_err(),
            "one term per string again"
        );

        // Forward again: the terms of that time keep no kind.
        conn.run_pending_migrations(migrations).expect("apply them again");
        assert_eq!(number(conn, "SELECT count(*) AS n FROM terms WHERE kind IS NULL"), 2);
        assert_eq!(number(conn, "SELECT count(*) AS n FROM terms"), 2);
        // The maintained counts start from the events already stored: both
        // events of the first hour of 1970, action 1.
        assert_eq!(
            number(conn, "SELECT events AS n FROM event_counts_by_hour WHERE org_id = 7 AND hour = 0 AND action = 1"),
            2
        );
        assert_eq!(
            number(conn, "SELECT events AS n FROM event_counts_by_day WHERE org_id = 7 AND day = 0 AND action = 1"),
            2
        );
        assert_eq!(number(conn, "SELECT count(*) AS n FROM event_counts_by_hour"), 1);
    }};
}

async fn reverting_term_kinds_merges_each_string_into_one_term(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    match &database.url {
        DatabaseUrl::Sqlite(path) => {
            migrate_and_check!(&mut SqliteConnection::establish(path).expect("open"), "sqlite")
        }
        DatabaseUrl::Postgres(url) => {
            migrate_and_check!(&mut PgConnection::establish(url).expect("connect"), "postgres")
        }
    }
}

for_both_backends!(reverting_term_kinds_merges_each_string_into_one_term);
