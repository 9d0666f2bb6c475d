//! Saved views beside the filters: the administrator's named views (choose
//! one to show it), Save view under a name, Delete the one shown, and Copy
//! link to the view as it is. The server keeps them, so they follow the
//! administrator from browser to browser.

use adminlog_types::{CreateSavedViewRequest, SavedView, MAX_VIEW_NAME_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{copy_text, focus_soon, list_loader, on_failure};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};

/// `shown` is the query string of the view on screen (first page, as
/// `LogQuery::to_query_string` prints it); `go` shows another.
#[component]
pub fn SavedViews(#[prop(into)] shown: Signal<String>, go: Callback<String>) -> impl IntoView {
    let session = expect_context::<Session>();
    let location = expect_context::<Location>();
    let views = RwSignal::new(None::<Result<Vec<SavedView>, ClientError>>);
    let note = RwSignal::new(None::<String>);
    let naming = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    list_loader(session, location, views, |token: String| async move { api::saved_views(&token).await })();
    let fail = on_failure(session, location, note);

    let listed = move || views.with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).cloned().unwrap_or_default());
    // The saved view on screen, if the view shown is one: worked out once
    // per change, not once per option of the menu.
    let current = Memo::new(move |_| {
        shown.with(|query| {
            views.with(|v| {
                v.as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .and_then(|list| list.iter().find(|view| &view.query == query).cloned())
            })
        })
    });

    let choose = move |ev: leptos::ev::Event| {
        let chosen: Option<i64> = event_target_value(&ev).parse().ok();
        if let Some(view) = chosen.and_then(|id| listed().into_iter().find(|view| view.id == id)) {
            note.set(None);
            go.run(view.query);
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateSavedViewRequest { name: name.get_untracked(), query: shown.get_untracked() };
        let token = session.token();
        spawn_local(async move {
            match api::create_saved_view(&token, body).await {
                Ok(view) => {
                    // In the menu at once (selected: it is the view on screen).
                    note.set(Some(format!("Saved “{}”.", view.name)));
                    views.update(|list| {
                        if let Some(Ok(list)) = list {
                            list.push(view);
                        }
                    });
                    naming.set(false);
                    name.set(String::new());
                    focus_soon("saved-view");
                }
                Err(error) => fail(error),
            }
        });
    };
    let delete = move |_| {
        let Some(view) = current.get_untracked() else { return };
        let token = session.token();
        spawn_local(async move {
            match api::delete_saved_view(&token, view.id).await {
                Ok(()) => {
                    note.set(Some(format!("Deleted “{}”.", view.name)));
                    views.update(|list| {
                        if let Some(Ok(list)) = list {
                            list.retain(|kept| kept.id != view.id);
                        }
                    });
                    focus_soon("saved-view");
                }
                Err(error) => fail(error),
            }
        });
    };
    let copy_link = move |_| {
        let href = window().location().href().unwrap_or_default();
        spawn_local(async move {
            note.set(Some(if copy_text(&href).await {
                "Link copied: it shows this view to anyone in your organization who may read the log.".to_owned()
            } else {
                format!("Copying was not allowed; the link is {href}")
            }));
        });
    };

    view! {
        <div class="saved-views">
            <label for="saved-view">"Saved views"</label>
            <select id="saved-view" on:change=choose>
                <option value="" selected=move || current.with(Option::is_none)>
                    {move || if listed().is_empty() { "None yet" } else { "Choose a view" }}
                </option>
                {move || listed().into_iter().map(|view| {
                    let id = view.id;
                    view! {
                        <option value=id.to_string() selected=move || current.with(|c| c.as_ref().is_some_and(|c| c.id == id))>
                            {view.name}
                        </option>
                    }
                }).collect_view()}
            </select>
            <button type="button" class="secondary" aria-expanded=move || naming.get().to_string()
                aria-controls="save-view-form"
                on:click=move |_| {
                    naming.update(|open| *open = !*open);
                    if naming.get_untracked() {
                        focus_soon("view-name");
                    }
                }>"Save view…"</button>
            <Show when=move || current.with(Option::is_some)>
                <button type="button" class="secondary" on:click=delete>
                    {move || format!("Delete “{}”", current.with(|c| c.as_ref().map(|view| view.name.clone()).unwrap_or_default()))}
                </button>
            </Show>
            <button type="button" class="secondary" on:click=copy_link>"Copy link"</button>
            <form id="save-view-form" class="save-view" hidden=move || !naming.get() on:submit=save>
                <label for="view-name">"Name of this view"</label>
                <input id="view-name" required maxlength=MAX_VIEW_NAME_CHARS.to_string()
                    prop:value=move || name.get()
                    on:input:target=move |ev| name.set(ev.target().value())/>
                <button type="submit">"Save"</button>
                <button type="button" class="secondary" on:click=move |_| naming.set(false)>"Cancel"</button>
            </form>
            <p class="saved-views-note" role="status">{move || note.get()}</p>
        </div>
    }
}
