//! SQLite on a full filesystem: writes answer 507 `insufficient_storage`
//! (not 500), an export the log cannot record is refused instead of handed
//! out unaudited, and everything works again once space is freed, without a
//! restart. Needs to mount a small tmpfs (root); skipped with a reason
//! elsewhere.

use std::io::Write;
use std::process::Command;

use adminlog_server::storage::DatabaseUrl;
use adminlog_tests::serde_json::json;
use adminlog_tests::{spawn_configured, Backend};
use adminlog_types::Plan;

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Result<SmallDisk, String> {
        let dir = std::env::temp_dir().join(format!("adminlog-full-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if mounted.status.success() {
            Ok(SmallDisk { dir })
        } else {
            let _ = std::fs::remove_dir(&dir);
            Err(String::from_utf8_lossy(&mounted.stderr).trim().to_owned())
        }
    }

    /// Writes a file until the filesystem refuses more.
    fn fill(&self) -> std::path::PathBuf {
        let filler = self.dir.join("filler");
        let mut file = std::fs::File::create(&filler).expect("a filler file");
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).and_then(|()| file.flush()).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_and_unrecordable_exports_then_recovers() {
    let disk = match SmallDisk::mount(24) {
        Ok(disk) => disk,
        Err(reason) => {
            eprintln!("skipping: cannot mount a small tmpfs to fill ({reason}); run as root to test a full disk");
            return;
        }
    };
    let path = disk.dir.join("full.db");
    let database = DatabaseUrl::Sqlite(path.display().to_string());
    let app = spawn_configured(Backend::Sqlite, |settings| settings.database = database).await.expect("SQLite");
    let org = app.org("Acme", Plan::Professional).await;
    let key = app.api_key(&org, &["logs:write", "logs:read"]).await;
    let batch = |n: usize| {
        let events: Vec<_> = (0..200)
            .map(|i| json!({"action": "ISSUE_TOKEN", "user_name": format!("user {n}-{i}"), "event_id": format!("e-{n}-{i}")}))
            .collect();
        json!({ "events": events })
    };
    app.post("/api/v1/admin-logs", &key, batch(0)).await.assert_status(201);
    let exports_before = app.all_pages(&org.token, "actions=EXPORT_ADMIN_LOGS", 100).await.len();

    let filler = disk.fill();
    // Writes fill what little is left (the write-ahead log's slack), then
    // every write is refused as the client can act on.
    let mut refused = None;
    let mut acknowledged = 1;
    for n in 1..200 {
        let reply = app.post("/api/v1/admin-logs", &key, batch(n)).await;
        match reply.status.as_u16() {
            201 => acknowledged += 1,
            _ => {
                refused = Some(reply);
                break;
            }
        }
    }
    let refused = refused.expect("a full disk refuses writes");
    refused.assert_error(507, "insufficient_storage");
    // The export cannot be recorded: it is not handed out.
    for path in ["/api/v1/admin-logs/export", "/api/v1/admin-logs/evidence"] {
        let export = app.get(path, &org.token).await;
        export.assert_error(507, "insufficient_storage");
        assert!(!export.text.contains("ISSUE_TOKEN"), "no row left: {}", export.text);
    }
    // Reading still works; readiness tells the truth.
    app.get("/api/v1/admin-logs?limit=5", &org.token).await.assert_status(200);
    let ready = app.request(adminlog_tests::reqwest::Method::GET, "/readyz", None, None).await;
    ready.assert_error(507, "insufficient_storage");
    let metrics = app.request(adminlog_tests::reqwest::Method::GET, "/metrics", None, None).await.text;
    assert!(metrics.contains("adminlog_errors_total{code=\"insufficient_storage\"}"), "counted by kind: {metrics}");

    // Space comes back: no restart needed.
    std::fs::remove_file(&filler).expect("free the space");
    let export = app.get("/api/v1/admin-logs/export", &org.token).await;
    export.assert_status(200);
    assert!(export.text.contains("ISSUE_TOKEN"));
    assert!(!export.text.contains("EXPORT_ADMIN_LOGS"), "the export's own record is not part of it");
    let exports_after = app.all_pages(&org.token, "actions=EXPORT_ADMIN_LOGS", 100).await.len();
    assert_eq!(exports_after, exports_before + 1, "exactly the export handed out was recorded");
    app.post("/api/v1/admin-logs", &key, batch(500)).await.assert_status(201);
    acknowledged += 1;
    // Every acknowledged batch is there, and nothing of the refused ones.
    let stored = app.all_pages(&org.token, "actions=ISSUE_TOKEN", 1000).await.len();
    assert_eq!(stored, acknowledged * 200);
    app.request(adminlog_tests::reqwest::Method::GET, "/readyz", None, None).await.assert_status(200);
    drop(app);
}
