//! Login throttling: how many failures a scope (an email, a client address)
//! may have in a window before it must wait.

/// A limit on failures within a sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub failures: usize,
    pub window_micros: i64,
}

const MINUTE: i64 = 60_000_000;

/// Per account: five wrong passwords in 15 minutes.
pub const PER_ACCOUNT: Limit = Limit { failures: 5, window_micros: 15 * MINUTE };
/// Per client address: enough for an office behind one NAT, too few to spray.
pub const PER_ADDRESS: Limit = Limit { failures: 50, window_micros: 15 * MINUTE };

impl Limit {
    /// `None` when another attempt may go ahead; otherwise the whole seconds
    /// to wait. `failures` are the scope's failure times within the window,
    /// oldest first.
    pub fn retry_after(&self, failures: &[i64], now_micros: i64) -> Option<u64> {
        if failures.len() < self.failures {
            return None;
        }
        // The attempt is allowed again once enough old failures leave the window.
        let freeing = failures[failures.len() - self.failures];
        let wait = freeing + self.window_micros - now_micros;
        (wait > 0).then(|| ((wait + 999_999) / 1_000_000) as u64)
    }

    pub fn window_start(&self, now_micros: i64) -> i64 {
        now_micros - self.window_micros
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_until_the_limit_then_says_when() {
        let limit = Limit { failures: 3, window_micros: 60 * 1_000_000 };
        let now = 100 * 1_000_000;
        assert_eq!(limit.retry_after(&[now - 10_000_000, now - 5_000_000], now), None);
        let three = [now - 50_000_000, now - 10_000_000, now - 5_000_000];
        assert_eq!(limit.retry_after(&three, now), Some(10));
        assert_eq!(limit.retry_after(&three, now + 10_000_000), None);
    }
}
