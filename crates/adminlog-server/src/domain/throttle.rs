//! Login throttling: which counters an attempt to log in spends, and how
//! many attempts each allows per window.
//!
//! The design follows OWASP's "device cookie" advice, so throttling slows an
//! attacker without locking the owner out:
//! - a browser or client that once logged in to an address holds a *device
//!   token* for it; its attempts spend only that device's own counter, so
//!   guesses from elsewhere never lock it out;
//! - attempts without one spend the address's *untrusted* counter (shared by
//!   every unknown device, so spraying one account from many places stops
//!   soon) and the client address's counter (one place guessing at many
//!   accounts).
//!
//! An attempt is counted *before* its password is checked, atomically in the
//! database (see `storage::security`), so parallel guesses cannot all pass
//! the limit before any of them is counted; a successful login gives its
//! attempt back.

use hmac::{Hmac, Mac};

use super::chain::{hex, unhex};
use sha2::Sha256;

/// A number of attempts allowed within a fixed window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub attempts: i64,
    pub window_micros: i64,
}

const MINUTE: i64 = 60_000_000;

/// One known device: five wrong passwords in 15 minutes.
pub const PER_DEVICE: Limit = Limit { attempts: 5, window_micros: 15 * MINUTE };
/// Every unknown device of one address together.
pub const PER_ADDRESS_UNTRUSTED: Limit = Limit { attempts: 10, window_micros: 15 * MINUTE };
/// One client address: enough for an office behind one NAT, too few to spray.
pub const PER_CLIENT_ADDRESS: Limit = Limit { attempts: 50, window_micros: 15 * MINUTE };

/// The longest window: counters older than this can be forgotten.
pub const LONGEST_WINDOW_MICROS: i64 = 15 * MINUTE;

/// A counter one attempt spends: its name and its limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub scope: String,
    pub limit: Limit,
}

/// The counters an attempt to log in as `email_key` spends: the device's own
/// when `device` is a valid device token for this address, otherwise the
/// untrusted ones.
pub fn buckets(email_key: &str, device: Option<&str>, client_address: &str) -> Vec<Bucket> {
    match device {
        Some(device_id) => vec![Bucket { scope: format!("device:{device_id}:{email_key}"), limit: PER_DEVICE }],
        None => vec![
            Bucket { scope: format!("untrusted:{email_key}"), limit: PER_ADDRESS_UNTRUSTED },
            Bucket { scope: format!("client:{client_address}"), limit: PER_CLIENT_ADDRESS },
        ],
    }
}

/// A counter's state after an attempt was added to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub window_start: i64,
    pub attempts: i64,
}

impl Limit {
    /// `None` when the attempt that made `count` may go ahead; otherwise the
    /// whole seconds until the window ends.
    pub fn retry_after(&self, count: Count, now_micros: i64) -> Option<u64> {
        if count.attempts <= self.attempts {
            return None;
        }
        let wait = count.window_start.saturating_add(self.window_micros).saturating_sub(now_micros);
        Some(u64::try_from(wait.max(0)).unwrap_or(0).div_ceil(1_000_000).max(1))
    }
}

/// What is left of a counter after an attempt, as `RateLimit` headers say
/// it: its limit and window, the attempts left, seconds until it resets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: i64,
    pub window_secs: u64,
    pub remaining: i64,
    pub reset_secs: u64,
}

impl Limit {
    pub fn quota(&self, count: Count, now_micros: i64) -> Quota {
        let reset = count.window_start.saturating_add(self.window_micros).saturating_sub(now_micros).max(0);
        Quota {
            limit: self.attempts,
            window_secs: u64::try_from(self.window_micros / 1_000_000).unwrap_or(0),
            remaining: (self.attempts - count.attempts).max(0),
            reset_secs: u64::try_from(reset).unwrap_or(0).div_ceil(1_000_000),
        }
    }
}

impl Quota {
    /// The one of two counters that runs out first.
    pub fn tighter(self, other: Quota) -> Quota {
        if (other.remaining, std::cmp::Reverse(other.reset_secs)) < (self.remaining, std::cmp::Reverse(self.reset_secs))
        {
            other
        } else {
            self
        }
    }

    /// After a successful login gave its attempt back.
    pub fn refunded(self) -> Quota {
        Quota { remaining: (self.remaining + 1).min(self.limit), ..self }
    }
}

/// Device tokens: `<device id>.<MAC>`, the MAC binding the id to one email
/// address under the server's secret. Not a credential: it only chooses
/// which counter an attempt spends.
pub struct DeviceTokens {
    key: Vec<u8>,
}

impl DeviceTokens {
    pub fn new(key: &[u8]) -> DeviceTokens {
        DeviceTokens { key: key.to_vec() }
    }

    fn mac(&self, device_id: &str, email_key: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(b"adminlog-device-v1\0");
        mac.update(device_id.as_bytes());
        mac.update(b"\0");
        mac.update(email_key.as_bytes());
        mac
    }

    /// A new device token for `email_key`.
    pub fn issue(&self, email_key: &str) -> String {
        let mut id = [0u8; 16];
        getrandom::getrandom(&mut id).expect("the OS has a random source");
        let device_id = hex(&id);
        let tag = hex(&self.mac(&device_id, email_key).finalize().into_bytes());
        format!("{device_id}.{tag}")
    }

    /// The device id of `token` when it was issued for `email_key`.
    pub fn verify<'t>(&self, token: &'t str, email_key: &str) -> Option<&'t str> {
        let (device_id, tag) = token.split_once('.')?;
        if device_id.len() != 32 || !device_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tag = unhex::<32>(tag)?;
        self.mac(device_id, email_key).verify_slice(&tag).ok().map(|()| device_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_the_tightest_counter_and_a_success_gives_its_attempt_back() {
        let now = 100 * MINUTE;
        let device = PER_DEVICE.quota(Count { window_start: now - 5 * MINUTE, attempts: 3 }, now);
        assert_eq!(device, Quota { limit: 5, window_secs: 900, remaining: 2, reset_secs: 600 });
        let address = PER_CLIENT_ADDRESS.quota(Count { window_start: now, attempts: 60 }, now);
        assert_eq!(address.remaining, 0, "never below zero");
        assert_eq!(device.tighter(address), address);
        assert_eq!(address.tighter(device), address);
        assert_eq!(device.refunded().remaining, 3);
        let full = PER_DEVICE.quota(Count { window_start: now, attempts: 0 }, now);
        assert_eq!(full.refunded().remaining, 5, "never above the limit");
    }

    #[test]
    fn allows_up_to_the_limit_then_says_when_the_window_ends() {
        let limit = Limit { attempts: 3, window_micros: 60 * 1_000_000 };
        let now = 100 * 1_000_000;
        let start = now - 50 * 1_000_000;
        assert_eq!(limit.retry_after(Count { window_start: start, attempts: 3 }, now), None);
        assert_eq!(limit.retry_after(Count { window_start: start, attempts: 4 }, now), Some(10));
        // Never "retry after 0 seconds".
        assert_eq!(limit.retry_after(Count { window_start: start, attempts: 4 }, now + 10_000_000), Some(1));
    }

    #[test]
    fn a_device_spends_its_own_counter_and_unknown_devices_share_one() {
        let known = buckets("kate@x.io", Some("d1"), "10.0.0.1");
        assert_eq!(known, vec![Bucket { scope: "device:d1:kate@x.io".into(), limit: PER_DEVICE }]);
        let unknown: Vec<String> = buckets("kate@x.io", None, "10.0.0.1").into_iter().map(|b| b.scope).collect();
        assert_eq!(unknown, ["untrusted:kate@x.io", "client:10.0.0.1"]);
    }

    #[test]
    fn device_tokens_are_bound_to_their_address_and_key() {
        let tokens = DeviceTokens::new(b"server secret");
        let token = tokens.issue("kate@x.io");
        let device = tokens.verify(&token, "kate@x.io").expect("valid for its address");
        assert!(token.starts_with(device));
        assert_eq!(tokens.verify(&token, "mallory@x.io"), None);
        assert_eq!(DeviceTokens::new(b"another secret").verify(&token, "kate@x.io"), None);
        let forged = format!("{}.{}", "0".repeat(32), "0".repeat(64));
        assert_eq!(tokens.verify(&forged, "kate@x.io"), None);
        assert_eq!(tokens.verify("garbage", "kate@x.io"), None);
    }
}
