//! The shell: session, client-side routing on the History API, tabs.

use adminlog_types::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::api;
use crate::pages::{
    admin_logs::AdminLogsPage, administrators::AdministratorsPage, api_keys::ApiKeysPage, event_page::EventPage,
    login::LoginPage, streams::StreamsPage,
};
use crate::storage::{self, TOKEN_KEY};

/// The browser's address, as a signal.
#[derive(Clone, Copy)]
pub struct Location {
    pub path: RwSignal<String>,
    pub search: RwSignal<String>,
}

fn current_location() -> (String, String) {
    let location = window().location();
    (location.pathname().unwrap_or_else(|_| "/".into()), location.search().unwrap_or_default())
}

impl Location {
    /// Goes to `url` (path and query), adding a history entry.
    pub fn go(&self, url: &str) {
        let _ = window().history().and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(url)));
        self.sync();
    }

    /// Goes to `url` replacing the current history entry.
    pub fn replace(&self, url: &str) {
        let _ = window().history().and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(url)));
        self.sync();
    }

    /// Reads the address bar. Only real changes notify, so a page is not
    /// rebuilt (losing its state and focus) when its own query changes.
    fn sync(&self) {
        let (path, search) = current_location();
        if self.path.get_untracked() != path {
            self.path.set(path);
        }
        if self.search.get_untracked() != search {
            self.search.set(search);
        }
    }

    /// The current path and query, to come back to after signing in.
    pub fn here(&self) -> String {
        format!("{}{}", self.path.get_untracked(), self.search.get_untracked())
    }
}

/// The signed-in administrator, shared by every page.
#[derive(Clone, Copy)]
pub struct Session {
    pub token: RwSignal<Option<String>>,
    pub me: RwSignal<Option<Me>>,
}

impl Session {
    pub fn token(&self) -> String {
        self.token.get_untracked().unwrap_or_default()
    }

    /// The signed-in administrator's id, once known (tracked).
    pub fn administrator_id(&self) -> Option<i64> {
        self.me.with(|me| me.as_ref().and_then(|me| me.administrator.as_ref()).map(|a| a.id))
    }

    pub fn sign_in(&self, token: String, me: Me) {
        storage::set(TOKEN_KEY, &token);
        self.token.set(Some(token));
        self.me.set(Some(me));
    }

    pub fn forget(&self) {
        storage::remove(TOKEN_KEY);
        self.token.set(None);
        self.me.set(None);
    }

    /// The session ended (expired, revoked): sign in again, then come back here.
    pub fn expired(&self, location: Location) {
        let here = location.here();
        // Several requests can fail at once; the first already chose where to
        // come back to.
        let already_signing_in = location.path.get_untracked() == "/login";
        self.forget();
        if already_signing_in {
            return;
        }
        location.go(&format!("/login?expired=1&next={}", encode(&here)));
    }
}

/// Percent-encodes a value for a query string.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

#[component]
pub fn App() -> impl IntoView {
    let (path, search) = current_location();
    let location = Location { path: RwSignal::new(path), search: RwSignal::new(search) };
    let session = Session { token: RwSignal::new(storage::get(TOKEN_KEY)), me: RwSignal::new(None) };
    provide_context(location);
    provide_context(session);
    let popstate = window_event_listener(leptos::ev::popstate, move |_| location.sync());
    on_cleanup(move || popstate.remove());

    // A stored token: find out who we are, or sign in again.
    if let Some(token) = session.token.get_untracked() {
        spawn_local(async move {
            match api::me(&token).await {
                Ok(me) => session.me.set(Some(me)),
                Err(_) => session.expired(location),
            }
        });
    }

    move || {
        let path = location.path.get();
        let signed_in = session.token.get().is_some();
        if path == "/login" {
            return view! { <LoginPage/> }.into_any();
        }
        if !signed_in {
            let next = location.here();
            location.replace(&format!("/login?next={}", encode(&next)));
            return view! { <LoginPage/> }.into_any();
        }
        let page = match path.as_str() {
            "/" | "/admin-logs" => view! { <AdminLogsPage/> }.into_any(),
            "/administrators" => view! { <AdministratorsPage/> }.into_any(),
            "/api-keys" => view! { <ApiKeysPage/> }.into_any(),
            "/streams" => view! { <StreamsPage/> }.into_any(),
            other => match crate::url_state::event_page_id(other) {
                Some(id) => view! { <EventPage id/> }.into_any(),
                None => view! { <p class="notice">"This page does not exist. " <a href="/admin-logs">"Go to Admin Logs"</a></p> }.into_any(),
            },
        };
        view! { <Shell>{page}</Shell> }.into_any()
    }
}

/// Header, tabs and sign-out around a page.
#[component]
fn Shell(children: Children) -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let tab = move |href: &'static str, label: &'static str| {
        let current = move || {
            let path = location.path.get();
            let under_logs = path == "/" || path.starts_with("/admin-logs/");
            (path == href || (href == "/admin-logs" && under_logs)).then_some("page")
        };
        view! {
            <a href=href aria-current=current on:click=crate::pages::follow_in_app(href.to_owned())>{label}</a>
        }
    };
    let sign_out = move |_| {
        let token = session.token();
        spawn_local(async move {
            let _ = api::logout(&token).await;
            session.forget();
            location.go("/login");
        });
    };
    let who = move || {
        session.me.with(|me| match me {
            Some(me) => format!(
                "{} · {} ({})",
                me.administrator.as_ref().map(|a| a.email.as_str()).unwrap_or(""),
                me.organization.name,
                me.organization.plan
            ),
            None => String::new(),
        })
    };
    // The skip link moves focus itself: a `#main` fragment would become
    // part of the view's URL.
    let skip_to_main = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(main) = document().get_element_by_id("main").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>"Skip to main content"</a>
        <header class="shell">
            <span class="brand">"Admin Panel"</span>
            <nav aria-label="Sections">
                {tab("/admin-logs", "Admin Logs")}
                {tab("/administrators", "Administrators")}
                {tab("/api-keys", "API keys")}
                {tab("/streams", "Push streams")}
            </nav>
            <span class="who">{who}</span>
            <button type="button" class="secondary" on:click=sign_out>"Sign out"</button>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
    }
}
