//! One component per route, plus the pieces they share.

pub mod action_picker;
pub mod admin_logs;
pub mod administrators;
pub mod api_keys;
pub mod confirm;
pub mod event_page;
pub mod event_row;
pub mod login;
pub mod saved_views;
pub mod streams;

use std::future::Future;

use adminlog_types::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::ClientError;
use crate::app::{Location, Session};

/// Whether a link's click is plain: one with Ctrl, Cmd or Shift is left to
/// the browser (a new tab or window) instead of staying in the app.
pub fn is_plain_click(ev: &leptos::ev::MouseEvent) -> bool {
    !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key()
}

/// A link's click handler that goes to `href` within the app (History API)
/// on a plain click.
pub fn follow_in_app(href: String) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    let location = expect_context::<Location>();
    move |ev| {
        if is_plain_click(&ev) {
            ev.prevent_default();
            location.go(&href);
        }
    }
}

/// Puts `text` on the clipboard; false when the browser refused (no
/// permission, or not a secure context).
pub async fn copy_text(text: &str) -> bool {
    let clipboard = window().navigator().clipboard();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// A sentence for the person in front of the page.
pub fn describe(error: &ClientError) -> String {
    match error.code {
        Some(ErrorCode::TooManyRequests) => {
            format!("Too many attempts. Try again in {} seconds.", error.retry_after.unwrap_or(60))
        }
        // The field-by-field problems say what to change.
        Some(ErrorCode::ValidationFailed) if !error.details.is_empty() => {
            let problems: Vec<String> =
                error.details.iter().map(|p| format!("{}: {}", field_label(&p.field), p.message)).collect();
            problems.join(" ")
        }
        _ => error.message.clone(),
    }
}

/// A form field's name as its label says it.
fn field_label(field: &str) -> String {
    match field {
        "url" => "Receiver URL".to_owned(),
        "start_after" | "replay_after" => "Event id".to_owned(),
        other => {
            let mut text = other.replace('_', " ");
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            text
        }
    }
}

/// Moves focus to the element `id` once the page has drawn it (after a
/// list is redrawn, or a field appears).
pub fn focus_soon(id: impl Into<String>) {
    let id = id.into();
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
}

/// What a tab does with a failed call: back to sign-in when the session
/// ended, otherwise say why in `note`.
pub fn on_failure(session: Session, location: Location, note: RwSignal<Option<String>>) -> impl Fn(ClientError) + Copy {
    move |error| {
        if error.is_session_expired() {
            session.expired(location);
        } else {
            note.set(Some(describe(&error)));
        }
    }
}

/// A tab's list, loaded into `slot` by `fetch` (called again to reload).
pub fn list_loader<T, F, Fut>(
    session: Session,
    location: Location,
    slot: RwSignal<Option<Result<Vec<T>, ClientError>>>,
    fetch: F,
) -> impl Fn() + Copy
where
    T: Send + Sync + 'static,
    F: Fn(String) -> Fut + Copy + 'static,
    Fut: Future<Output = Result<Vec<T>, ClientError>> + 'static,
{
    move || {
        let token = session.token();
        spawn_local(async move {
            match fetch(token).await {
                Err(e) if e.is_session_expired() => session.expired(location),
                result => slot.set(Some(result)),
            }
        });
    }
}
