//! The browser's `localStorage`: the one place the app reads and writes it.
//! The keys are pure (and tested natively); the access is browser-only.

/// The session token of the signed-in administrator.
pub const TOKEN_KEY: &str = "adminlog.token";

/// Where this browser keeps the device token the server gave it for `email`:
/// one per address, compared as the server compares them (case-insensitively;
/// the browser already trims an email field).
pub fn device_key(email: &str) -> String {
    format!("adminlog.device.{}", email.trim().to_lowercase())
}

#[cfg(target_arch = "wasm32")]
fn local_storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The stored value, if storage is available and holds one.
#[cfg(target_arch = "wasm32")]
pub fn get(key: &str) -> Option<String> {
    local_storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Stores `value`; without storage (private mode, disabled) it is not kept.
#[cfg(target_arch = "wasm32")]
pub fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

#[cfg(target_arch = "wasm32")]
pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_keys_are_per_address_whatever_its_case() {
        assert_eq!(device_key("Alice@Example.COM"), "adminlog.device.alice@example.com");
        assert_eq!(device_key(" alice@example.com "), device_key("ALICE@example.com"));
        assert_ne!(device_key("alice@example.com"), device_key("bob@example.com"));
        assert_ne!(device_key("alice@example.com"), TOKEN_KEY);
    }
}
