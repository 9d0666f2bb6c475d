//! Signing in.

use adminlog_types::{ErrorCode, Me};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{describe, focus_soon};
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

/// The error paragraph the fields point to with `aria-describedby`.
const ERROR_ID: &str = "login-error";
const ORGANIZATION_ID: &str = "login-organization";
const ORGANIZATION_HINT_ID: &str = "login-organization-hint";

#[component]
pub fn LoginPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // Asked only when the email and password sign in to several organizations.
    let asks_organization = RwSignal::new(false);
    let organization = RwSignal::new(String::new());
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
        let asked = asks_organization.get_untracked();
        let chosen = asked.then(|| organization.get_untracked().trim().to_owned()).filter(|name| !name.is_empty());
        spawn_local(async move {
            match api::login(email.get_untracked(), password.get_untracked(), chosen).await {
                Ok(reply) => {
                    let me = Me {
                        organization: reply.organization,
                        administrator: Some(reply.administrator),
                        api_key: None,
                    };
                    session.sign_in(reply.token, me);
                    location.go(&next_path(&location.search.get_untracked()));
                }
                Err(e) if e.asks_for_organization() && !asked => {
                    asks_organization.set(true);
                    focus_soon(ORGANIZATION_ID);
                }
                // Organization names are unique: once one is named, this is
                // about the name itself (too long, control characters).
                Err(e) if e.asks_for_organization() => {
                    error.set(Some(match e.details.first() {
                        Some(problem) => format!("Organization: {}.", problem.message),
                        None => describe(&e),
                    }));
                    focus_soon(ORGANIZATION_ID);
                }
                Err(e) => error.set(Some(match e.code {
                    Some(ErrorCode::InvalidCredentials) if asked => "Wrong email, password or organization.".to_owned(),
                    Some(ErrorCode::InvalidCredentials) => "Wrong email or password.".to_owned(),
                    _ => describe(&e),
                })),
            }
            busy.set(false);
        });
    };
    // Another email: whether it needs an organization is not known yet.
    let on_email = move |value: String| {
        email.set(value);
        if asks_organization.get_untracked() {
            asks_organization.set(false);
            organization.set(String::new());
        }
    };
    let described = move || error.with(Option::is_some).then_some(ERROR_ID);

    view! {
        <main class="login">
            <form on:submit=submit aria-labelledby="login-title">
                <h1 id="login-title">"Sign in to the Admin Panel"</h1>
                {expired.then(|| view! { <p class="notice" role="status">"Your session ended. Sign in again to continue."</p> })}
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required
                    aria-describedby=described
                    prop:value=move || email.get()
                    on:input:target=move |ev| on_email(ev.target().value())/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required
                    aria-describedby=described
                    prop:value=move || password.get()
                    on:input:target=move |ev| password.set(ev.target().value())/>
                {move || asks_organization.get().then(|| view! {
                    <label for=ORGANIZATION_ID>"Organization"</label>
                    <p id=ORGANIZATION_HINT_ID class="hint">"This email signs in to several organizations: which one?"</p>
                    <input id=ORGANIZATION_ID type="text" autocomplete="organization" required maxlength="256"
                        aria-describedby=move || match described() {
                            Some(error_id) => format!("{ORGANIZATION_HINT_ID} {error_id}"),
                            None => ORGANIZATION_HINT_ID.to_owned(),
                        }
                        prop:value=move || organization.get()
                        on:input:target=move |ev| organization.set(ev.target().value())/>
                })}
                {move || error.get().map(|message| view! { <p id=ERROR_ID class="error" role="alert">{message}</p> })}
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
