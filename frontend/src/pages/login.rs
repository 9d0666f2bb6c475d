//! Signing in.

use adminlog_types::{ErrorCode, Me};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::describe;
use crate::api;
use crate::app::{Location, Session};

/// Where to go after signing in: the `next` parameter when it is a path of
/// this app, else the Admin Logs.
fn next_path(search: &str) -> String {
    let next = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .and_then(|v| js_sys::decode_uri_component(v).ok())
        .map(String::from);
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/login") => path,
        _ => "/admin-logs".to_owned(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let expired = location.search.get_untracked().contains("expired=1");

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::login(email.get_untracked(), password.get_untracked()).await {
                Ok(reply) => {
                    let me = Me {
                        organization: reply.organization,
                        administrator: Some(reply.administrator),
                        api_key: None,
                    };
                    session.sign_in(reply.token, me);
                    location.go(&next_path(&location.search.get_untracked()));
                }
                Err(e) => error.set(Some(match e.code {
                    Some(ErrorCode::InvalidCredentials) => "Wrong email or password.".to_owned(),
                    _ => describe(&e),
                })),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="login">
            <form on:submit=submit aria-labelledby="login-title">
                <h1 id="login-title">"Sign in to the Admin Panel"</h1>
                {expired.then(|| view! { <p class="notice" role="status">"Your session ended. Sign in again to continue."</p> })}
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required
                    prop:value=move || email.get()
                    on:input:target=move |ev| email.set(ev.target().value())/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input:target=move |ev| password.set(ev.target().value())/>
                {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
