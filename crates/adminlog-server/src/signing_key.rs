//! Key files: the checkpoint signing key and the server secret (sessions,
//! cursors, device tokens), each 32 random bytes as hex, read at start and
//! created (mode 0600) when missing. Kept outside the database on purpose:
//! whoever can read or rewrite the database (or a backup of it) must not also
//! be able to sign checkpoints or forge sessions.

use std::io::Write;
use std::path::Path;

use crate::domain::chain::{hex, unhex};
use crate::domain::checkpoint::CheckpointSigner;

/// Reads the key file (64 hex characters), creating it with a fresh key
/// (mode 0600) when it does not exist. Several processes starting at
/// once end up with the same key: the file appears atomically.
pub fn load_or_create(path: &Path) -> Result<CheckpointSigner, String> {
    load_or_create_secret(path).map(CheckpointSigner::from_seed)
}

/// The 32 bytes in the key file at `path`, created when missing. Several
/// processes starting at once end up with the same bytes.
pub fn load_or_create_secret(path: &Path) -> Result<[u8; 32], String> {
    match std::fs::read_to_string(path) {
        Ok(text) => unhex::<32>(text.trim())
            .ok_or_else(|| format!("{} is not a key file: expected 64 hex characters", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).map_err(|e| format!("no random source for a key: {e}"))?;
            write_new_key(path, &seed)?;
            tracing::info!(path = %path.display(), "created a key file; keep it outside the database and back it up");
            // Another process may have won the race: use whatever is there.
            load_or_create_secret(path)
        }
        Err(error) => Err(format!("cannot read the key file {}: {error}", path.display())),
    }
}

/// A key for one purpose, derived from the server secret: HMAC-SHA256 of
/// `purpose` under it, so no two uses share a key.
pub fn derive_key(secret: &[u8; 32], purpose: &str) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The key in `path`, or `None` when there is no such file.
pub fn load_existing(path: &Path) -> Result<Option<CheckpointSigner>, String> {
    if path.exists() {
        load_or_create(path).map(Some)
    } else {
        Ok(None)
    }
}

/// Creates `path` holding `seed` as hex, only if it does not exist yet.
fn write_new_key(path: &Path, seed: &[u8; 32]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot create the key file {}: {e}", path.display());
    let staging = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&staging).map_err(fail)?;
        file.write_all(format!("{}\n", hex(seed)).as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    // A hard link never replaces an existing file: the first process wins.
    let linked = std::fs::hard_link(&staging, path);
    let _ = std::fs::remove_file(&staging);
    match linked {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("adminlog-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("signing.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.public_key_hex(), again.public_key_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(
            crate::domain::checkpoint::parse_public_key(&first.public_key_hex())
                .map(|k| crate::domain::chain::hex(k.as_bytes())),
            Ok(first.public_key_hex())
        );
        std::fs::write(&path, "not a key").unwrap();
        assert!(load_or_create(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
