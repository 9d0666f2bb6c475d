//! The push streams tab: where each stream delivers and how far it got;
//! create one (its HMAC secret shown once), pause, resume, replay, delete.

use adminlog_types::{Action, CreateStreamRequest, Signing, Stream, UpdateStreamRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::action_picker::ActionPicker;
use super::confirm::{ConfirmDialog, Confirmation};
use super::{focus_soon, list_loader, on_failure};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};

const TITLE_ID: &str = "streams-title";

/// What the Status column says.
fn status_of(stream: &Stream) -> String {
    if stream.disabled {
        "Stopped: the receiver answered 410 Gone. Resume to deliver again.".to_owned()
    } else if stream.paused {
        "Paused".to_owned()
    } else if let Some(error) = &stream.last_error {
        match stream.next_attempt_at {
            Some(at) => format!("Retrying at {}: {error}", crate::local_time::format_utc(at)),
            None => format!("Retrying: {error}"),
        }
    } else {
        "Delivering".to_owned()
    }
}

/// What the Delivers column says.
fn selection_of(stream: &Stream) -> String {
    let actions = if stream.actions.is_empty() {
        "Every action".to_owned()
    } else {
        stream.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
    };
    match &stream.keyword {
        Some(keyword) => format!("{actions}, matching \u{201c}{keyword}\u{201d}"),
        None => actions,
    }
}

/// One radio button and its label, on a line of its own.
fn choice(
    id: &'static str,
    group: &'static str,
    label: &'static str,
    checked: Signal<bool>,
    pick: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="choice">
            <input id=id type="radio" name=group prop:checked=move || checked.get() on:change=move |_| pick()/>
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
pub fn StreamsPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let streams = RwSignal::new(None::<Result<Vec<Stream>, ClientError>>);
    let note = RwSignal::new(None::<String>);
    let secret = RwSignal::new(None::<(String, String)>);
    let url = RwSignal::new(String::new());
    let actions = RwSignal::new(Vec::<Action>::new());
    let keyword = RwSignal::new(String::new());
    let whole_log = RwSignal::new(false);
    let ed25519 = RwSignal::new(false);
    let ask = RwSignal::new(None::<Confirmation>);

    let fail = on_failure(session, location, note);
    let reload = list_loader(session, location, streams, |token: String| async move { api::streams(&token).await });
    reload();

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let keyword = keyword.get_untracked();
        let body = CreateStreamRequest {
            url: url.get_untracked().trim().to_owned(),
            actions: actions.get_untracked().iter().map(|a| a.as_str().to_owned()).collect(),
            keyword: (!keyword.trim().is_empty()).then_some(keyword),
            start_after: whole_log.get_untracked().then_some(0),
            signing: if ed25519.get_untracked() { Signing::Ed25519 } else { Signing::Hmac },
        };
        let token = session.token();
        spawn_local(async move {
            match api::create_stream(&token, body).await {
                Ok(created) => {
                    note.set(Some(format!("Created push stream {} to {}.", created.stream.id, created.stream.url)));
                    secret.set(created.secret.map(|secret| (created.stream.url.clone(), secret)));
                    url.set(String::new());
                    reload();
                }
                Err(e) => fail(e),
            }
        });
    };
    let change = move |id: i64, body: UpdateStreamRequest, done: String| {
        let token = session.token();
        spawn_local(async move {
            match api::update_stream(&token, id, body).await {
                Ok(_) => note.set(Some(done)),
                Err(e) => fail(e),
            }
            reload();
        });
    };
    let delete_now = move |stream: Stream| {
        let token = session.token();
        spawn_local(async move {
            match api::delete_stream(&token, stream.id).await {
                Ok(()) => note.set(Some(format!("Deleted push stream {} to {}.", stream.id, stream.url))),
                Err(e) => fail(e),
            }
            reload();
            // Its buttons are gone: keep focus on the page.
            focus_soon(TITLE_ID);
        });
    };
    let delete = move |stream: Stream| {
        let question = format!("Delete the push stream to {}? Nothing more is delivered to it.", stream.url);
        ask.set(Some(
            Confirmation::new("Delete push stream?", question, "Delete", move || delete_now(stream.clone()))
                .destructive(),
        ));
    };

    let row = move |stream: Stream| {
        let id = stream.id;
        let receiver_id = format!("stream-{id}-receiver");
        let replay_id = format!("stream-{id}-replay");
        let replay_after = RwSignal::new(String::new());
        let replay = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match replay_after.get_untracked().trim().parse::<i64>() {
                Ok(after) if after >= 0 => change(
                    id,
                    UpdateStreamRequest { replay_after: Some(after), ..Default::default() },
                    format!("Push stream {id} delivers again every matching event after event {after}."),
                ),
                _ => note.set(Some("Event id: give a whole number, 0 or more (0: the whole log).".to_owned())),
            }
        };
        let (resume, label) = if stream.paused || stream.disabled { (true, "Resume") } else { (false, "Pause") };
        let toggle = move |_| {
            let done = if resume { format!("Resumed push stream {id}.") } else { format!("Paused push stream {id}.") };
            change(id, UpdateStreamRequest { paused: Some(!resume), ..Default::default() }, done);
        };
        let for_delete = stream.clone();
        let signing = match (&stream.signing, &stream.public_key) {
            (Signing::Ed25519, Some(key)) => {
                view! { "Ed25519, public key " <code class="key">{key.clone()}</code> }.into_any()
            }
            _ => view! { "HMAC-SHA256" }.into_any(),
        };
        view! {
            <tr>
                <td data-label="Receiver" id=receiver_id.clone()><code>{stream.url.clone()}</code></td>
                <td data-label="Delivers">{selection_of(&stream)}</td>
                <td data-label="Signing">{signing}</td>
                <td data-label="Status">{status_of(&stream)}</td>
                <td data-label="Delivered through">{format!("event {}", stream.delivered_through)}</td>
                <td data-label="Actions" class="row-actions">
                    <button type="button" class="secondary" aria-describedby=receiver_id.clone() on:click=toggle>{label}</button>
                    <form class="inline" on:submit=replay>
                        <label for=replay_id.clone()>"Replay after event"</label>
                        <input id=replay_id type="number" min="0" step="1" inputmode="numeric" required
                            prop:value=move || replay_after.get()
                            on:input:target=move |ev| replay_after.set(ev.target().value())/>
                        <button type="submit" class="secondary" aria-describedby=receiver_id.clone()>"Replay"</button>
                    </form>
                    <button type="button" class="danger" aria-describedby=receiver_id on:click=move |_| delete(for_delete.clone())>"Delete"</button>
                </td>
            </tr>
        }
    };

    let list = move || {
        match streams.get() {
        None => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{super::describe(&e)}</p> }.into_any(),
        Some(Ok(items)) if items.is_empty() => view! { <p class="status">"No push streams yet."</p> }.into_any(),
        Some(Ok(items)) => view! {
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        <th scope="col">"Receiver"</th><th scope="col">"Delivers"</th><th scope="col">"Signing"</th>
                        <th scope="col">"Status"</th><th scope="col">"Delivered through"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>{items.into_iter().map(row).collect_view()}</tbody>
                </table>
            </div>
        }
        .into_any(),
    }
    };

    view! {
        <section aria-labelledby=TITLE_ID>
            <h1 id=TITLE_ID tabindex="-1">"Push streams"</h1>
            <p class="hint">
                "A push stream sends the log's matching events, oldest first, to a receiver of yours as signed HTTP POSTs "
                "(Standard Webhooks), and retries each batch until the receiver accepts it. "
                "Receivers verify each delivery with the stream's secret or public key."
            </p>
            {move || note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {move || secret.get().map(|(to, secret)| view! {
                <div class="secret" role="status">
                    <p>{format!("The stream to {to} signs with this secret — copy it to your receiver now; it will not be shown again:")}</p>
                    <code class="key">{secret}</code>
                </div>
            })}
            {list}
            <form class="card" on:submit=create aria-labelledby="new-stream-title">
                <h2 id="new-stream-title">"Create a stream"</h2>
                <label for="new-stream-url">"Receiver URL"</label>
                <input id="new-stream-url" type="url" required placeholder="https://siem.example/hooks/adminlog"
                    prop:value=move || url.get() on:input:target=move |ev| url.set(ev.target().value())/>
                <ActionPicker selected=actions on_change=Callback::new(move |chosen| actions.set(chosen))/>
                <label for="new-stream-keyword">"Keyword (optional)"</label>
                <input id="new-stream-keyword" type="text"
                    prop:value=move || keyword.get() on:input:target=move |ev| keyword.set(ev.target().value())/>
                <fieldset>
                    <legend>"Start with"</legend>
                    {choice("start-new", "start", "Events from now on", Signal::derive(move || !whole_log.get()), move || whole_log.set(false))}
                    {choice("start-all", "start", "The whole log", Signal::derive(move || whole_log.get()), move || whole_log.set(true))}
                </fieldset>
                <fieldset>
                    <legend>"Signing"</legend>
                    {choice("signing-hmac", "signing", "HMAC-SHA256 — a shared secret, shown once", Signal::derive(move || !ed25519.get()), move || ed25519.set(false))}
                    {choice("signing-ed25519", "signing", "Ed25519 — receivers hold only a public key", Signal::derive(move || ed25519.get()), move || ed25519.set(true))}
                </fieldset>
                <button type="submit">"Create stream"</button>
            </form>
            <ConfirmDialog ask=ask/>
        </section>
    }
}
