//! One component per route, plus the pieces they share.

pub mod action_picker;
pub mod admin_logs;
pub mod administrators;
pub mod api_keys;
pub mod login;

use adminlog_types::ErrorCode;

use crate::api::ClientError;

/// A sentence for the person in front of the page.
pub fn describe(error: &ClientError) -> String {
    match error.code {
        Some(ErrorCode::TooManyRequests) => {
            format!("Too many attempts. Try again in {} seconds.", error.retry_after.unwrap_or(60))
        }
        _ => error.message.clone(),
    }
}
