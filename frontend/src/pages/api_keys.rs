//! The API keys tab: list, create (the secret shown once), revoke.

use adminlog_types::{ApiKey, CreateApiKeyRequest, Scope};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::confirm::{ConfirmDialog, Confirmation};
use super::{copy_text, describe, focus_soon, list_loader, on_failure};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};

const TITLE_ID: &str = "keys-title";

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let keys = RwSignal::new(None::<Result<Vec<ApiKey>, ClientError>>);
    let note = RwSignal::new(None::<String>);
    // The new key's id, name and secret, shown until it is revoked or
    // another is created.
    let secret = RwSignal::new(None::<(i64, String, String)>);
    let copied = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let read = RwSignal::new(true);
    let write = RwSignal::new(false);
    let ask = RwSignal::new(None::<Confirmation>);

    let fail = on_failure(session, location, note);
    let reload = list_loader(session, location, keys, |token: String| async move { api::api_keys(&token).await });
    reload();

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut scopes = Vec::new();
        if read.get_untracked() {
            scopes.push(Scope::LogsRead);
        }
        if write.get_untracked() {
            scopes.push(Scope::LogsWrite);
        }
        let body = CreateApiKeyRequest { name: name.get_untracked(), scopes };
        let token = session.token();
        spawn_local(async move {
            match api::create_api_key(&token, body).await {
                Ok(created) => {
                    note.set(None);
                    copied.set(false);
                    secret.set(Some((created.api_key.id, created.api_key.name, created.key)));
                    name.set(String::new());
                    reload();
                }
                Err(e) => fail(e),
            }
        });
    };
    let revoke_now = move |key: ApiKey| {
        let token = session.token();
        spawn_local(async move {
            match api::revoke_api_key(&token, key.id).await {
                Ok(()) => {
                    // A revoked key's secret is worth nothing: stop showing it.
                    if secret.with_untracked(|shown| shown.as_ref().is_some_and(|(id, ..)| *id == key.id)) {
                        secret.set(None);
                    }
                    note.set(Some(format!("Revoked \"{}\".", key.name)))
                }
                Err(e) => fail(e),
            }
            reload();
            // Its Revoke button is gone: keep focus on the page.
            focus_soon(TITLE_ID);
        });
    };
    let revoke = move |key: ApiKey| {
        let question = format!("Revoke the key \"{}\"? Systems using it stop working.", key.name);
        ask.set(Some(
            Confirmation::new("Revoke API key?", question, "Revoke", move || revoke_now(key.clone())).destructive(),
        ));
    };

    let list = move || {
        match keys.get() {
        None => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{describe(&e)}</p> }.into_any(),
        Some(Ok(items)) if items.is_empty() => view! { <p class="status">"No API keys yet."</p> }.into_any(),
        Some(Ok(items)) => view! {
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {items.into_iter().map(|key| {
                            let scopes = key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                            let revoked = key.revoked_at.is_some();
                            let for_revoke = key.clone();
                            let name_id = format!("key-{}-name", key.id);
                            view! {
                                <tr>
                                    <td data-label="Name" id=name_id.clone()>{key.name.clone()}</td>
                                    <td data-label="Scopes">{scopes}</td>
                                    <td data-label="Created">{crate::local_time::format_utc(key.created_at)}</td>
                                    <td data-label="Status">{if revoked { "Revoked" } else { "Active" }}</td>
                                    <td data-label="Actions">
                                        {(!revoked).then(|| view! { <button type="button" class="danger" aria-describedby=name_id.clone() on:click=move |_| revoke(for_revoke.clone())>"Revoke"</button> })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any(),
    }
    };

    view! {
        <section aria-labelledby=TITLE_ID>
            <h1 id=TITLE_ID tabindex="-1">"API keys"</h1>
            {move || note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {move || secret.get().map(|(_, key_name, key)| {
                let to_copy = key.clone();
                let copy = move |_| {
                    let to_copy = to_copy.clone();
                    spawn_local(async move { copied.set(copy_text(&to_copy).await) });
                };
                view! {
                    <div class="secret" role="status">
                        <p>{format!("The key \"{key_name}\" — copy it now; it will not be shown again:")}</p>
                        <code class="key">{key}</code>
                        <button type="button" class="secondary" on:click=copy>"Copy key"</button>
                        <span class="copied">{move || copied.get().then_some("Copied.")}</span>
                    </div>
                }
            })}
            {list}
            <form class="card" on:submit=create aria-labelledby="new-key-title">
                <h2 id="new-key-title">"Create a key"</h2>
                <label for="new-key-name">"Name"</label>
                <input id="new-key-name" type="text" required prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                <fieldset>
                    <legend>"Scopes"</legend>
                    <input id="scope-read" type="checkbox" prop:checked=move || read.get() on:change:target=move |ev| read.set(ev.target().checked())/>
                    <label for="scope-read">"logs:read — view and export the log"</label>
                    <input id="scope-write" type="checkbox" prop:checked=move || write.get() on:change:target=move |ev| write.set(ev.target().checked())/>
                    <label for="scope-write">"logs:write — send events"</label>
                </fieldset>
                <button type="submit">"Create key"</button>
            </form>
            <ConfirmDialog ask=ask/>
        </section>
    }
}
