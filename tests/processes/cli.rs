//! Every operator command of the real binary on both backends, as an
//! operator types them: each succeeds on a fresh database or fails with a
//! message, and none panics (`adminlog migrate` once panicked on PostgreSQL).

use std::process::Command;

use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::process::adminlog_binary;
use adminlog_tests::{for_both_backends, Backend, TestDatabase};

/// Runs the CLI: success, and what it printed. Never a panic.
fn run(args: &[&str], password: Option<&str>) -> (bool, String) {
    let mut command = Command::new(adminlog_binary());
    command.args(args).env("ADMINLOG_LOG", "warn").env_remove("ADMINLOG_PASSWORD");
    if let Some(password) = password {
        command.env("ADMINLOG_PASSWORD", password);
    }
    let output = command.output().expect("run adminlog");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!said.contains("panicked"), "adminlog {args:?} panicked: {said}");
    (output.status.success(), said)
}

async fn every_command_works_or_says_why(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let url = match &database.url {
        DatabaseUrl::Sqlite(path) => path.clone(),
        DatabaseUrl::Postgres(url) => url.clone(),
    };
    let key = database.signing_key_file.display().to_string();
    let db = ["--database-url", url.as_str()];

    for _ in 0..2 {
        let (ok, said) = run(&["migrate", db[0], db[1]], None);
        assert!(ok, "migrate, also when there is nothing to do: {said}");
    }
    let create = ["create-admin", db[0], db[1], "--org", "Acme", "--email", "root@acme.example"];
    let (ok, said) = run(&create, Some("a long enough password"));
    assert!(ok, "create-admin: {said}");
    let (ok, said) = run(&create, Some("a long enough password"));
    assert!(!ok && said.contains("already"), "the same administrator twice is refused with a reason: {said}");
    let (ok, said) = run(&create, Some("short"));
    assert!(!ok && said.contains("password"), "a short password is refused with a reason: {said}");
    let (ok, said) = run(&["demo", db[0], db[1], "--events", "200"], None);
    assert!(ok, "demo: {said}");
    let (ok, said) = run(&["verify", db[0], db[1], "--signing-key-file", &key], None);
    assert!(ok, "verify: {said}");
    let (ok, said) = run(&["verify", db[0], db[1], "--org", "Nobody", "--signing-key-file", &key], None);
    assert!(!ok && said.contains("Nobody"), "an unknown organization is named: {said}");
    let (ok, said) = run(&["public-key", "--signing-key-file", &key], None);
    assert!(ok && said.trim().len() == 64, "public-key prints 64 hex characters: {said}");

    let unreachable = match backend {
        Backend::Sqlite => "/nonexistent-folder/adminlog.db",
        Backend::Postgres => "postgres://nobody@127.0.0.1:1/adminlog",
    };
    for command in [&["migrate"][..], &["demo", "--events", "10"][..], &["verify"][..]] {
        let mut args = command.to_vec();
        args.extend(["--database-url", unreachable]);
        let (ok, said) = run(&args, None);
        assert!(!ok && !said.trim().is_empty(), "{args:?} fails with a message: {said}");
    }
}

for_both_backends!(every_command_works_or_says_why);

/// A SQLite file damaged under the chain (an index page overwritten, as a
/// storage fault or an engine bug leaves it) fails `adminlog verify`, which
/// names the damage: the events and their chain are intact, so only the
/// file check can see that filtered pages would now miss rows.
#[tokio::test]
async fn verify_finds_a_damaged_sqlite_file() {
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
    use std::io::{Seek, SeekFrom, Write};

    let Some(database) = TestDatabase::create(Backend::Sqlite) else { return };
    let DatabaseUrl::Sqlite(path) = &database.url else { unreachable!("a SQLite database") };
    let key = database.signing_key_file.display().to_string();
    let db = ["--database-url", path.as_str()];
    let (ok, said) = run(&["demo", db[0], db[1], "--events", "3000"], None);
    assert!(ok, "demo: {said}");
    let (ok, said) = run(&["verify", db[0], db[1], "--signing-key-file", &key], None);
    assert!(ok && said.contains("database file: ok"), "a sound file passes: {said}");

    #[derive(QueryableByName)]
    struct Page {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let (root, page_size) = {
        let mut conn = SqliteConnection::establish(path).expect("open the test database");
        let root: Page = diesel::sql_query("SELECT rootpage AS n FROM sqlite_schema WHERE name = 'events_by_time'")
            .get_result(&mut conn)
            .expect("the time index");
        let size: Page =
            diesel::sql_query("SELECT page_size AS n FROM pragma_page_size").get_result(&mut conn).unwrap();
        // Everything in the file itself, nothing left in the write-ahead log.
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).unwrap();
        (root.n, size.n)
    };
    let mut file = std::fs::OpenOptions::new().write(true).open(path).expect("open the file");
    file.seek(SeekFrom::Start(((root - 1) * page_size) as u64)).unwrap();
    file.write_all(&vec![0xA5; page_size as usize]).unwrap();
    drop(file);

    let (ok, said) = run(&["verify", db[0], db[1], "--signing-key-file", &key], None);
    assert!(!ok, "a damaged file fails verify: {said}");
    assert!(said.contains("database file: DAMAGED"), "the damage is named: {said}");
    assert!(said.contains("Demo Corp: ok"), "the chains are still checked, and intact: {said}");
}
