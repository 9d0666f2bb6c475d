//! The Admin Logs tab: filters in the URL, the count and activity bars of
//! the filters (a bar zooms to its time), a page of events (each with its
//! details, see `event_row`), cursors, and the CSV export of exactly the
//! current view.

use adminlog_types::{ActionCounts, ErrorCode, Event, Histogram, LogFilter, LogQuery, Page, TimeBound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use super::action_picker::ActionPicker;
use super::event_row::{EventRow, Narrowing};
use super::saved_views::SavedViews;
use super::{describe, focus_soon};
use crate::activity::{bar_heights, bar_title, chart_label, total_phrase, zoom_span};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};
use crate::local_time::{format_local, from_local_input, offset_label, to_local_input};
use crate::url_state::{
    action_counts_api_url, export_api_url, histogram_api_url, page_api_url, view_from_search, view_url, FilterForm,
    PAGE_SIZES, QUICK_RANGES,
};

const PATH: &str = "/admin-logs";

/// The viewer's time zone by name (`Europe/Paris`), or its current offset.
pub(super) fn viewer_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|zone| zone.as_string())
        // `time`'s clock is not available in the browser; ask JavaScript's.
        .unwrap_or_else(|| offset_label(-(js_sys::Date::new_0().get_timezone_offset() as i32)))
}

/// The viewer's offset east of UTC, in minutes, at the instant `at` (it
/// changes with daylight saving time).
fn offset_at(at: time::OffsetDateTime) -> i32 {
    let millis = (at.unix_timestamp_nanos() / 1_000_000) as f64;
    -(js_sys::Date::new(&JsValue::from_f64(millis)).get_timezone_offset() as i32)
}

/// A `datetime-local` value in the viewer's zone as an instant: read first
/// as if it were UTC, to learn the zone's offset around that time.
fn instant_from_local(value: &str) -> Option<time::OffsetDateTime> {
    let guess = from_local_input(value, 0)?;
    from_local_input(value, offset_at(guess))
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

/// Where the shown page sits in the filtered log: its first row's number,
/// when it is known (a link with a cursor does not say how deep it is).
fn first_row_number(query: &LogQuery, pages_before: usize) -> Option<usize> {
    match (&query.cursor, pages_before) {
        (None, _) => Some(1),
        (Some(_), 0) => None,
        (Some(_), n) => Some(n * query.page_size() as usize + 1),
    }
}

/// The result header's sentence, announced to screen readers as it changes;
/// `total` is the count of every matching event, once it is known.
fn summary(page: &Page<Event>, first_row: Option<usize>, total: Option<String>) -> String {
    let n = page.items.len();
    let of = total.map(|total| format!(" of {total}")).unwrap_or_default();
    match (n, first_row) {
        (0, _) => "No events match these filters.".to_owned(),
        (1, Some(1)) if page.next_cursor.is_none() => "1 event.".to_owned(),
        (_, Some(first)) => {
            let more = if page.next_cursor.is_some() { "; more on the next pages" } else { "" };
            format!("Events {first}–{}{of}, newest first{more}.", first + n - 1)
        }
        (_, None) => format!("{n} events{of} from the link's position, newest first."),
    }
}

/// Keeps `target` holding what `fetch` answers for the latest filter of
/// `key` (and again on Retry). An answer that failed to load, or that a newer
/// filter overtook, is left out: the table does not depend on it.
fn keep_loaded<T, Answer>(
    key: Memo<Option<LogFilter>>,
    attempt: RwSignal<u32>,
    target: RwSignal<Option<T>>,
    url_of: fn(&LogFilter) -> String,
    fetch: impl Fn(String, String) -> Answer + Copy + 'static,
) where
    T: Send + Sync + 'static,
    Answer: std::future::Future<Output = Result<T, ClientError>> + 'static,
{
    let session = expect_context::<Session>();
    Effect::new(move |_| {
        attempt.track();
        let Some(asked) = key.get() else {
            target.set(None);
            return;
        };
        let url = url_of(&asked);
        let token = session.token();
        spawn_local(async move {
            let result = fetch(token, url).await;
            if key.get_untracked().as_ref() == Some(&asked) {
                target.set(result.ok());
            }
        });
    });
}

#[component]
pub fn AdminLogsPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let form = RwSignal::new(FilterForm::default());
    let form_problem = RwSignal::new(None::<String>);
    // The last page shown: kept on screen (dimmed) while the next one loads.
    let shown = RwSignal::new(None::<Page<Event>>);
    let loading = RwSignal::new(true);
    let failure = RwSignal::new(None::<ClientError>);
    // Bumped by Retry: loads the same view again.
    let attempt = RwSignal::new(0u32);
    // After Retry or Clear filters, focus goes to the result header, not
    // to the page's top where the pressed button vanished.
    let focus_results = RwSignal::new(false);
    let export_note = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    // Cursors of the pages before this one, for Previous.
    let earlier = RwSignal::new(Vec::<Option<String>>::new());
    let current = Memo::new(move |_| view_from_search(&location.search.get()));
    // The count and bars follow the filters, not the page: paging keeps them.
    let filter = Memo::new(move |_| current.get().ok().map(|query| query.filter));
    let activity = RwSignal::new(None::<Histogram>);
    keep_loaded(filter, attempt, activity, histogram_api_url, |token, url| async move {
        api::histogram(&token, &url).await
    });
    // The picker's counts follow the range and keyword: choosing actions
    // does not change them.
    let counted = Memo::new(move |_| filter.get().map(|filter| LogFilter { actions: Vec::new(), ..filter }));
    let action_counts = RwSignal::new(None::<ActionCounts>);
    keep_loaded(counted, attempt, action_counts, action_counts_api_url, |token, url| async move {
        api::action_counts(&token, &url).await
    });

    Effect::new(move |_| {
        attempt.track();
        let query = match current.get() {
            Ok(query) => query,
            Err(_) => {
                // A link that cannot be read shows nothing, not everything.
                form.set(FilterForm { page_size: adminlog_types::DEFAULT_PAGE_SIZE, ..FilterForm::default() });
                shown.set(None);
                failure.set(None);
                loading.set(false);
                return;
            }
        };
        form.set(FilterForm::from_query(&query));
        loading.set(true);
        let url = page_api_url(&query);
        let token = session.token();
        spawn_local(async move {
            let result = api::admin_logs(&token, &url).await;
            // A newer view may have replaced this one while it loaded.
            if current.get_untracked().as_ref() != Ok(&query) {
                return;
            }
            match result {
                Err(e) if e.is_session_expired() => return session.expired(location),
                Ok(page) => {
                    shown.set(Some(page));
                    failure.set(None);
                }
                Err(e) => {
                    shown.set(None);
                    failure.set(Some(e));
                }
            }
            loading.set(false);
            if focus_results.get_untracked() {
                focus_results.set(false);
                focus_soon("result-summary");
            }
        });
    });

    // The view already shown is loaded again: View pressed twice looks for
    // new events, Clear filters on the bare view retries it.
    let show = move |query: LogQuery| {
        let url = view_url(PATH, &query);
        if location.here() == url {
            attempt.update(|n| *n += 1);
        } else {
            location.go(&url);
        }
    };
    // The view on screen as a saved view keeps it (first page), and a saved
    // view chosen from the menu.
    let shown_view = Signal::derive(move || {
        current.with(|query| {
            query.as_ref().map_or(String::new(), |query| {
                LogQuery { cursor: None, ..query.clone() }.to_query_string(adminlog_types::QueryKind::Page)
            })
        })
    });
    let go_to_view = Callback::new(move |search: String| {
        if let Ok(query) = view_from_search(&search) {
            earlier.set(Vec::new());
            focus_results.set(true);
            show(query);
        }
    });
    // A cell's link: the view narrowed to its value, from the first page.
    let narrow = Callback::new(move |query: LogQuery| {
        earlier.set(Vec::new());
        focus_results.set(true);
        show(query);
    });
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
    let clear_filters = Callback::new(move |_: ()| {
        earlier.set(Vec::new());
        form_problem.set(None);
        focus_results.set(true);
        show(LogQuery::default());
    });
    let retry = Callback::new(move |_: ()| {
        focus_results.set(true);
        attempt.update(|n| *n += 1);
    });
    let next_page = move |_| {
        // Next stays enabled (and focused) while a page loads; it waits for it.
        if loading.get_untracked() {
            return;
        }
        if let (Some(page), Ok(mut query)) = (shown.get_untracked(), current.get_untracked()) {
            earlier.update(|stack| stack.push(query.cursor.clone()));
            query.cursor = page.next_cursor;
            show(query);
        }
    };
    let previous_page = move |_| {
        if loading.get_untracked() {
            return;
        }
        if let Ok(mut query) = current.get_untracked() {
            query.cursor = earlier.try_update(|stack| stack.pop()).flatten().flatten();
            show(query);
        }
    };
    // A bar narrows the view to its time, keeping the other filters.
    let zoom = Callback::new(move |(one, other): (usize, usize)| {
        let bounds = activity.with_untracked(|shown| shown.as_ref().and_then(|h| zoom_span(h, one, other)));
        if let (Some((from, to)), Ok(mut query)) = (bounds, current.get_untracked()) {
            query.filter.from = Some(from);
            query.filter.to = Some(to);
            query.cursor = None;
            earlier.set(Vec::new());
            focus_results.set(true);
            show(query);
        }
    });
    let export = move |_| {
        let Ok(query) = current.get_untracked() else { return };
        let url = export_api_url(&query.filter);
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

    let blocked = move || match failure.get() {
        Some(e) if e.code == Some(ErrorCode::Forbidden) => Some(
            view! {
                <div class="blocked" role="alert"><h2>"Admin Logs"</h2><p>{e.message}</p></div>
            }
            .into_any(),
        ),
        Some(e) if e.code == Some(ErrorCode::SubscriptionRequired) => Some(
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
    let has_filters = Signal::derive(move || {
        current.with(|view| view.as_ref().map_or(true, |q| q.filter != LogFilter::default() || q.cursor.is_some()))
    });
    let header = move || {
        if loading.get() {
            return "Loading events…".to_owned();
        }
        let Ok(query) = current.get() else { return String::new() };
        let total = activity.with(|shown| shown.as_ref().map(total_phrase));
        shown
            .with(|page| {
                page.as_ref().map(|page| summary(page, first_row_number(&query, earlier.with(Vec::len)), total))
            })
            .unwrap_or_default()
    };
    let has_next = move || shown.with(|p| p.as_ref().is_some_and(|p| p.next_cursor.is_some()));
    let has_earlier =
        move || !earlier.with(Vec::is_empty) || current.with(|view| view.as_ref().is_ok_and(|q| q.cursor.is_some()));

    view! {
        <section class="admin-logs" aria-labelledby="admin-logs-title">
            <h1 id="admin-logs-title">"Admin Logs"</h1>
            {move || match blocked() {
                Some(message) => message,
                None => view! {
                    <FilterBar form on_submit export exporting action_counts run_view=Callback::new(move |_: ()| run_view())/>
                    <SavedViews shown=shown_view go=go_to_view/>
                    {move || form_problem.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {move || current.get().err().map(|problem| view! {
                        <div class="error" role="alert">
                            <p>{problem}</p>
                            <p>"Nothing is shown rather than events the link did not ask for."</p>
                            <button type="button" class="secondary" on:click=move |_| clear_filters.run(())>"Clear filters"</button>
                        </div>
                    })}
                    {move || export_note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
                    <div class="results" aria-busy=move || loading.get().to_string()>
                        <p id="result-summary" class="result-summary" role="status" tabindex="-1">{header}</p>
                        <ActivityChart activity zoom/>
                        {move || loading.get().then(|| view! { <div class="progress" aria-hidden="true"></div> })}
                        {move || failure.get().map(|e| view! {
                            <div class="error" role="alert">
                                <p>{describe(&e)}</p>
                                <div class="state-actions">
                                    <button type="button" on:click=move |_| retry.run(())>"Retry"</button>
                                    <Show when=move || has_filters.get()>
                                        <button type="button" class="secondary" on:click=move |_| clear_filters.run(())>"Clear filters"</button>
                                    </Show>
                                </div>
                            </div>
                        })}
                        <EventsTable shown loading has_filters clear_filters narrow current/>
                    </div>
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

/// The filters: dates, keyword, actions, View and Export.
#[component]
fn FilterBar(
    form: RwSignal<FilterForm>,
    on_submit: impl Fn(leptos::ev::SubmitEvent) + 'static,
    export: impl Fn(leptos::ev::MouseEvent) + 'static,
    exporting: RwSignal<bool>,
    action_counts: RwSignal<Option<ActionCounts>>,
    run_view: Callback<()>,
) -> impl IntoView {
    // The range menu shows a quick range, the custom days, or any time.
    let range_choice = move || {
        form.with(|f| match f.range {
            Some(ago) => ago.to_string(),
            None if f.from.is_empty() && f.to.is_empty() => "any".to_owned(),
            None if f.has_times() => "times".to_owned(),
            None => "custom".to_owned(),
        })
    };
    // A quick range (or any time) applies at once, as the page size does;
    // custom days or times keep the range shown, in the other form, and wait
    // for View.
    let choose_range = move |value: String| {
        let quick = QUICK_RANGES.iter().map(|(ago, _)| *ago).find(|ago| ago.to_string() == value);
        match (value.as_str(), quick) {
            (_, Some(ago)) => form.update(|f| (f.range, f.from, f.to) = (Some(ago), String::new(), String::new())),
            ("any", _) => form.update(|f| (f.range, f.from, f.to) = (None, String::new(), String::new())),
            ("times", _) => {
                let now = time::OffsetDateTime::from_unix_timestamp_nanos(js_sys::Date::now() as i128 * 1_000_000)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                form.update(|f| *f = f.with_times(now));
                focus_soon("filter-from");
                return;
            }
            _ => {
                form.update(|f| *f = f.with_days());
                focus_soon("filter-from");
                return;
            }
        }
        run_view.run(());
    };
    // A custom bound, `from` or `to`; typing one leaves any quick range.
    // Whole UTC days show as dates; a range with an instant (custom times, a
    // bar's zoom, a link) as dates and times in the viewer's zone, so View
    // keeps it exact.
    let zone = viewer_time_zone();
    let bound_field = move |id: &'static str, to: bool| {
        let bound = move |f: &FilterForm| if to { f.to.clone() } else { f.from.clone() };
        let set_bound = move |value: String| {
            form.update(|f| {
                f.range = None;
                *(if to { &mut f.to } else { &mut f.from }) = value;
            })
        };
        let is_instant = move || form.with(FilterForm::has_times);
        let name = if to { "To" } else { "From" };
        let zone = zone.clone();
        move || {
            if is_instant() {
                let shown = move || {
                    form.with(|f| {
                        TimeBound::parse(&bound(f)).ok().map_or_else(String::new, |b| {
                            let at = b.start(time::OffsetDateTime::UNIX_EPOCH);
                            to_local_input(at, offset_at(at))
                        })
                    })
                };
                view! {
                    <div class="field">
                        <label for=id>{format!("{name} ({zone})")}</label>
                        <input id=id type="datetime-local" step="1" prop:value=shown
                            on:change:target=move |ev| {
                                let value = ev.target().value();
                                match instant_from_local(&value) {
                                    Some(at) => set_bound(TimeBound::Instant(at).to_string()),
                                    None if value.is_empty() => set_bound(String::new()),
                                    None => {}
                                }
                            }/>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <div class="field">
                        <label for=id>{format!("{name} (UTC day)")}</label>
                        <input id=id type="date" prop:value=move || form.with(bound)
                            on:input:target=move |ev| set_bound(ev.target().value())/>
                    </div>
                }
                .into_any()
            }
        }
    };
    view! {
        <form class="filters" on:submit=on_submit>
            <div class="field">
                <label for="filter-range">"Time range"</label>
                <select id="filter-range" prop:value=range_choice
                    on:change:target=move |ev| choose_range(ev.target().value())>
                    <option value="any" selected=move || range_choice() == "any">"Any time"</option>
                    {QUICK_RANGES.iter().map(|(ago, label)| {
                        let value = ago.to_string();
                        let shown = value.clone();
                        view! { <option value=value selected=move || range_choice() == shown>{*label}</option> }
                    }).collect_view()}
                    <option value="custom" selected=move || range_choice() == "custom">"Custom days (UTC)"</option>
                    <option value="times" selected=move || range_choice() == "times">"Custom times (your zone)"</option>
                </select>
            </div>
            {bound_field("filter-from", false)}
            {bound_field("filter-to", true)}
            <div class="field keyword">
                <label for="filter-keyword">"Keyword"</label>
                <input id="filter-keyword" type="search" maxlength="256"
                    placeholder="administrator email, user email, user name or domain name"
                    prop:value=move || form.with(|f| f.keyword.clone())
                    on:input:target=move |ev| form.update(|f| f.keyword = ev.target().value())/>
            </div>
            <ActionPicker
                selected=Signal::derive(move || form.with(|f| f.actions.clone()))
                on_change=Callback::new(move |actions| form.update(|f| f.actions = actions))
                counts=action_counts/>
            <div class="buttons">
                <button type="submit">"View"</button>
                <button type="button" class="secondary" on:click=export disabled=move || exporting.get()>
                    {move || if exporting.get() { "Exporting…" } else { "Export" }}
                </button>
            </div>
        </form>
    }
}

/// The activity bars of the filters' range: an image to assistive
/// technology (its label says the range, the total and the busiest bucket),
/// and to a pointer a row of bars, each zooming the view to its time (the
/// From and To fields do the same from the keyboard). Hidden until the
/// count is known; a failed count leaves the table alone.
#[component]
fn ActivityChart(activity: RwSignal<Option<Histogram>>, zoom: Callback<(usize, usize)>) -> impl IntoView {
    // A press on a bar, and the bar the pointer is over now: released, the
    // view zooms to the bars between (a click is a drag over one bar).
    let dragging = RwSignal::new(None::<(usize, usize)>);
    move || {
        let histogram = activity.get()?;
        if histogram.buckets.is_empty() {
            return None;
        }
        let label = chart_label(&histogram, offset_at(histogram.from));
        let first = format_local(histogram.from, offset_at(histogram.from));
        let last = format_local(histogram.to, offset_at(histogram.to));
        let bars = bar_heights(&histogram)
            .into_iter()
            .enumerate()
            .map(|(index, height)| {
                let title = histogram
                    .buckets
                    .get(index)
                    .map_or_else(String::new, |bucket| bar_title(&histogram, index, offset_at(bucket.start)));
                let (class, height) = match height {
                    Some(percent) => ("fill", format!("{percent:.1}%")),
                    None => ("fill unknown", "100%".to_owned()),
                };
                // `style:` sets the property through the CSSOM, which the
                // page's CSP allows (a style attribute it would block).
                let selected = move || dragging.get().is_some_and(|(a, b)| (a.min(b)..=a.max(b)).contains(&index));
                view! {
                    <div class="slot" class:selected=selected title=title
                        on:pointerdown=move |ev| {
                            ev.prevent_default();
                            dragging.set(Some((index, index)));
                        }
                        on:pointerenter=move |_| dragging.update(|d| if let Some((_, over)) = d { *over = index })
                        on:pointerup=move |_| {
                            if let Some((from, _)) = dragging.get_untracked() {
                                dragging.set(None);
                                zoom.run((from, index));
                            }
                        }>
                        <div class=class style:height=height></div>
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <figure class="activity">
                <div class="bars" role="img" aria-label=label on:pointerleave=move |_| dragging.set(None)>{bars}</div>
                <figcaption class="activity-range" aria-hidden="true">
                    <span>{first}</span><span>{last}</span>
                </figcaption>
            </figure>
        })
    }
}

/// The page of events; an empty page offers to clear the filters.
#[component]
fn EventsTable(
    shown: RwSignal<Option<Page<Event>>>,
    loading: RwSignal<bool>,
    has_filters: Signal<bool>,
    clear_filters: Callback<()>,
    /// The view shown and how to show a narrower one (the cells' links).
    narrow: Callback<LogQuery>,
    current: Memo<Result<LogQuery, String>>,
) -> impl IntoView {
    move || {
        let page = shown.get()?;
        if page.items.is_empty() {
            return Some(
                view! {
                    <div class="empty">
                        <p>"Try a wider date range, another keyword or fewer actions."</p>
                        <Show when=move || has_filters.get()>
                            <button type="button" class="secondary" on:click=move |_| clear_filters.run(())>"Clear filters"</button>
                        </Show>
                    </div>
                }
                .into_any(),
            );
        }
        let zone = viewer_time_zone();
        let narrowing = Narrowing { view: current.get_untracked().unwrap_or_default(), show: narrow };
        Some(
            view! {
                <div class="table-wrap" class:stale=move || loading.get()>
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
                            {page.items.into_iter().map(|event| view! {
                                <EventRow event=event zone=zone.clone() narrowing=narrowing.clone()/>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        )
    }
}
