//! The Admin Logs tab: filters in the URL, a page of events (each with its
//! details, see `event_row`), cursors, and the CSV export of exactly the
//! current view.

use adminlog_types::{ErrorCode, Event, LogQuery, Page};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use super::action_picker::ActionPicker;
use super::describe;
use super::event_row::EventRow;
use crate::api::{self, ClientError};
use crate::app::{Location, Session};
use crate::local_time::offset_label;
use crate::url_state::{export_api_url, page_api_url, view_from_search, view_url, FilterForm, PAGE_SIZES};

const PATH: &str = "/admin-logs";

#[derive(Clone)]
enum Load {
    Loading,
    Ready(Page<Event>),
    Failed(ClientError),
}

/// The viewer's time zone by name (`Europe/Paris`), or its current offset.
fn viewer_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|zone| zone.as_string())
        // `time`'s clock is not available in the browser; ask JavaScript's.
        .unwrap_or_else(|| offset_label(-(js_sys::Date::new_0().get_timezone_offset() as i32)))
}

fn save_file(bytes: &[u8], filename: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document().create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    web_sys::Url::revoke_object_url(&url)
}

#[component]
pub fn AdminLogsPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let form = RwSignal::new(FilterForm::default());
    let form_problem = RwSignal::new(None::<String>);
    let url_problem = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::Loading);
    let export_note = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    // Cursors of the pages before this one, for Previous.
    let earlier = RwSignal::new(Vec::<Option<String>>::new());
    let current = Memo::new(move |_| view_from_search(&location.search.get()));

    Effect::new(move |_| {
        let (query, problem) = current.get();
        form.set(FilterForm::from_query(&query));
        url_problem.set(problem);
        state.set(Load::Loading);
        let url = page_api_url(&query);
        let token = session.token();
        spawn_local(async move {
            let result = api::admin_logs(&token, &url).await;
            // A newer view may have replaced this one while it loaded.
            if current.get_untracked().0 != query {
                return;
            }
            match result {
                Err(e) if e.is_session_expired() => session.expired(location),
                Ok(page) => state.set(Load::Ready(page)),
                Err(e) => state.set(Load::Failed(e)),
            }
        });
    });

    let show = move |query: LogQuery| location.go(&view_url(PATH, &query));
    let run_view = move || match form.get_untracked().to_query() {
        Ok(query) => {
            form_problem.set(None);
            earlier.set(Vec::new());
            show(query);
        }
        Err(problem) => form_problem.set(Some(problem)),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run_view();
    };
    let next_page = move |_| {
        if let Load::Ready(page) = state.get_untracked() {
            let mut query = current.get_untracked().0;
            earlier.update(|stack| stack.push(query.cursor.clone()));
            query.cursor = page.next_cursor;
            show(query);
        }
    };
    let previous_page = move |_| {
        let mut query = current.get_untracked().0;
        query.cursor = earlier.try_update(|stack| stack.pop()).flatten().flatten();
        show(query);
    };
    let export = move |_| {
        let url = export_api_url(&current.get_untracked().0.filter);
        let token = session.token();
        exporting.set(true);
        export_note.set(None);
        spawn_local(async move {
            match api::export(&token, &url).await {
                Ok(file) => {
                    let name = file.filename.unwrap_or_else(|| "admin-logs.csv".to_owned());
                    let saved = save_file(&file.bytes, &name);
                    export_note.set(Some(match (saved, file.truncated) {
                        (Err(_), _) => "The browser refused to save the file.".to_owned(),
                        (Ok(()), true) => {
                            format!("Saved {name}: the newest 10,000 rows. Narrow the filters to export the rest.")
                        }
                        (Ok(()), false) => format!("Saved {name}."),
                    }));
                }
                Err(e) if e.is_session_expired() => session.expired(location),
                Err(e) => export_note.set(Some(describe(&e))),
            }
            exporting.set(false);
        });
    };

    let blocked = move || match state.get() {
        Load::Failed(e) if e.code == Some(ErrorCode::Forbidden) => Some(
            view! {
                <div class="blocked" role="alert"><h2>"Admin Logs"</h2><p>{e.message}</p></div>
            }
            .into_any(),
        ),
        Load::Failed(e) if e.code == Some(ErrorCode::SubscriptionRequired) => Some(
            view! {
                <div class="blocked" role="alert">
                    <h2>"Professional, Business or Enterprise subscription required"</h2>
                    <p>{e.message}</p>
                </div>
            }
            .into_any(),
        ),
        _ => None,
    };

    let results = move || match state.get() {
        Load::Loading => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
        Load::Failed(e) => view! { <p class="error" role="alert">{describe(&e)}</p> }.into_any(),
        Load::Ready(page) if page.items.is_empty() => {
            view! { <p class="status" role="status">"No events match these filters."</p> }.into_any()
        }
        Load::Ready(page) => {
            let zone = viewer_time_zone();
            view! {
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Admin log events, newest first"</caption>
                    <thead><tr>
                        <th scope="col">{format!("Date and time ({zone})")}</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Administrator"</th>
                        <th scope="col">"User email"</th>
                        <th scope="col">"User name"</th>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Recorded by"</th>
                        <th scope="col"><span class="visually-hidden">"Details"</span></th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|event| view! { <EventRow event=event zone=zone.clone()/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any()
        }
    };
    let has_next = move || matches!(state.get(), Load::Ready(ref page) if page.next_cursor.is_some());
    let has_earlier = move || !earlier.with(Vec::is_empty) || current.with(|(q, _)| q.cursor.is_some());

    view! {
        <section class="admin-logs" aria-labelledby="admin-logs-title">
            <h1 id="admin-logs-title">"Admin Logs"</h1>
            {move || match blocked() {
                Some(message) => message,
                None => view! {
                    <form class="filters" on:submit=on_submit>
                        <div class="field">
                            <label for="filter-from">"From (UTC day)"</label>
                            <input id="filter-from" type="date"
                                prop:value=move || form.with(|f| f.from.clone())
                                on:input:target=move |ev| form.update(|f| f.from = ev.target().value())/>
                        </div>
                        <div class="field">
                            <label for="filter-to">"To (UTC day)"</label>
                            <input id="filter-to" type="date"
                                prop:value=move || form.with(|f| f.to.clone())
                                on:input:target=move |ev| form.update(|f| f.to = ev.target().value())/>
                        </div>
                        <div class="field keyword">
                            <label for="filter-keyword">"Keyword"</label>
                            <input id="filter-keyword" type="search" maxlength="256"
                                placeholder="administrator email, user email, user name or domain name"
                                prop:value=move || form.with(|f| f.keyword.clone())
                                on:input:target=move |ev| form.update(|f| f.keyword = ev.target().value())/>
                        </div>
                        <ActionPicker
                            selected=Signal::derive(move || form.with(|f| f.actions.clone()))
                            on_change=Callback::new(move |actions| form.update(|f| f.actions = actions))/>
                        <div class="buttons">
                            <button type="submit">"View"</button>
                            <button type="button" class="secondary" on:click=export disabled=move || exporting.get()>
                                {move || if exporting.get() { "Exporting…" } else { "Export" }}
                            </button>
                        </div>
                    </form>
                    {move || form_problem.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {move || url_problem.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
                    {move || export_note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
                    {results}
                    <nav class="pager" aria-label="Pages">
                        <button type="button" class="secondary" on:click=previous_page disabled=move || !has_earlier()>"Previous"</button>
                        <button type="button" class="secondary" on:click=next_page disabled=move || !has_next()>"Next"</button>
                        <label for="page-size">"Rows per page"</label>
                        <select id="page-size"
                            on:change:target=move |ev| {
                                let size = ev.target().value().parse().unwrap_or(adminlog_types::DEFAULT_PAGE_SIZE);
                                form.update(|f| f.page_size = size);
                                run_view();
                            }>
                            {PAGE_SIZES.iter().map(|size| view! {
                                <option value=size.to_string() selected=move || form.with(|f| f.page_size == *size)>{size.to_string()}</option>
                            }).collect_view()}
                        </select>
                    </nav>
                }.into_any(),
            }}
        </section>
    }
}
