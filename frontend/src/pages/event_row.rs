//! One event of the Admin Logs table: its row, with who stored it, and a
//! Details disclosure that opens every field below the row, what the sender
//! said apart from what adminlog recorded. Its action, administrator, user
//! and domain are links to the view narrowed to them.

use adminlog_types::{Event, LogQuery};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::{follow_in_app, is_plain_click};
use crate::event_details::{claim_notes, recorded_by_badge, recorded_by_class, recorded_by_text, shown, source_text};
use crate::local_time::{format_local, format_utc};
use crate::url_state::{event_page_path, narrowed_to_action, narrowed_to_value, view_url};

/// Where the table lives, for the narrowing links.
const PATH: &str = "/admin-logs";

/// What a cell's link needs: the view the table shows, and how to show
/// another (a plain click stays in the app; a modified one opens the link).
#[derive(Clone)]
pub struct Narrowing {
    pub view: LogQuery,
    pub show: Callback<LogQuery>,
}

impl Narrowing {
    fn link(&self, narrowed: LogQuery, text: String, title: String) -> impl IntoView {
        let href = view_url(PATH, &narrowed);
        let show = self.show;
        view! {
            <a class="narrow" href=href title=title on:click=move |ev: leptos::ev::MouseEvent| {
                if is_plain_click(&ev) {
                    ev.prevent_default();
                    show.run(narrowed.clone());
                }
            }>{text}</a>
        }
    }

    /// `value` as a link to the events matching it, or as plain text.
    fn value(&self, value: String) -> AnyView {
        match narrowed_to_value(&self.view, &value) {
            Some(narrowed) => {
                let title = format!("Show only events matching “{}”", value.trim());
                self.link(narrowed, value, title).into_any()
            }
            None => value.into_any(),
        }
    }
}

/// Columns of the table, for the details row's `colspan`.
pub const COLUMNS: u32 = 9;

/// Minutes east of UTC in the viewer's zone at `at` (daylight saving included).
fn offset_at(at: time::OffsetDateTime) -> i32 {
    let millis = (at.unix_timestamp_nanos() / 1_000_000) as f64;
    -(js_sys::Date::new(&JsValue::from_f64(millis)).get_timezone_offset() as i32)
}

/// A `<time>` in the viewer's zone, UTC on hover.
fn local_time(at: time::OffsetDateTime) -> impl IntoView {
    view! {
        <time datetime=adminlog_types::csv_timestamp(at) title=format_utc(at)>{format_local(at, offset_at(at))}</time>
    }
}

/// The event's row and, below it, its details (hidden until asked for).
/// `zone` names the viewer's time zone.
#[component]
pub fn EventRow(event: Event, zone: String, narrowing: Narrowing) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = event.id;
    let region_id = format!("event-{id}-details");
    let notes = claim_notes(&event);
    let flag = (!notes.is_empty()).then(|| {
        view! {
            <span class="claim-flag" title="What this event says differs from adminlog's record: see Details">
                <span aria-hidden="true">"⚠"</span>
                <span class="visually-hidden">" What it says differs from adminlog's record: see Details."</span>
            </span>
        }
    });
    let details = StoredValue::new((event.clone(), notes, zone));
    view! {
        <tr class="event" class:open=move || open.get()>
            <td data-label="Date and time">{local_time(event.timestamp)}</td>
            <td data-label="Action">
                {narrowing.link(
                    narrowed_to_action(&narrowing.view, event.action),
                    event.action.as_str().to_owned(),
                    format!("{}: show only this action", event.action.explanation()),
                )}
            </td>
            <td data-label="Administrator">{narrowing.value(event.admin_email.clone())}</td>
            <td data-label="User email">{narrowing.value(event.user_email.clone())}</td>
            <td data-label="User name">{narrowing.value(event.user_name.clone())}</td>
            <td data-label="Domain">{narrowing.value(event.domain_name.clone())}</td>
            <td data-label="Source">{source_text(event.source)}</td>
            <td data-label="Recorded by">
                <span class=recorded_by_class(&event.recorded_by) title=recorded_by_text(&event.recorded_by)>
                    {recorded_by_badge(&event.recorded_by)}
                </span>
                {flag}
            </td>
            <td class="details-toggle">
                <button type="button" class="disclosure" id=format!("event-{id}-toggle")
                    aria-expanded=move || open.get().to_string()
                    aria-controls=region_id.clone()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    "Details"<span class="visually-hidden">{format!(" of event {id}")}</span>
                </button>
            </td>
        </tr>
        <tr class="event-details" hidden=move || !open.get()>
            <td colspan=COLUMNS.to_string()>
                <div id=region_id role="region" aria-label=format!("Details of event {id}")>
                    {move || open.get().then(|| details.with_value(|(event, notes, zone)| detail_list(event, notes, zone)))}
                </div>
            </td>
        </tr>
    }
}

/// Every field of `event`, with where its claim and adminlog's record
/// disagree: what its own page shows.
pub(super) fn event_details(event: &Event, zone: &str) -> impl IntoView {
    detail_list(event, &claim_notes(event), zone)
}

/// Every field of `event`: what the sender said, then what adminlog
/// recorded, with `notes` on where they disagree first.
fn detail_list(event: &Event, notes: &[String], zone: &str) -> impl IntoView {
    let notes = (!notes.is_empty()).then(|| {
        view! {
            <div class="claim-notes" role="note">
                <p><strong>"What this event says differs from adminlog's record:"</strong></p>
                <ul>{notes.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view()}</ul>
            </div>
        }
    });
    let action = event.action;
    view! {
        {notes}
        <div class="detail-groups">
            <section>
                <h2>"As sent"</h2>
                <dl>
                    <dt>{format!("Time ({zone})")}</dt><dd>{local_time(event.timestamp)}</dd>
                    <dt>"Time (UTC)"</dt><dd>{format_utc(event.timestamp)}</dd>
                    <dt>"Action"</dt>
                    <dd><code>{action.as_str()}</code>{format!(": {}", action.explanation())}</dd>
                    <dt>"Administrator email"</dt><dd>{shown(&event.admin_email)}</dd>
                    <dt>"User email"</dt><dd>{shown(&event.user_email)}</dd>
                    <dt>"User name"</dt><dd>{shown(&event.user_name)}</dd>
                    <dt>"Domain"</dt><dd>{shown(&event.domain_name)}</dd>
                    <dt>"Source"</dt>
                    <dd>{format!("{} ({})", source_text(event.source), event.source.as_str())}</dd>
                </dl>
            </section>
            <section>
                <h2>"Recorded by adminlog"</h2>
                <dl>
                    <dt>"Event id"</dt>
                    <dd>
                        {event.id.to_string()}" · "
                        <a href=event_page_path(event.id) on:click=follow_in_app(event_page_path(event.id))>
                            "Permanent link"<span class="visually-hidden">{format!(" to event {}", event.id)}</span>
                        </a>
                    </dd>
                    <dt>"Id given by the sender"</dt><dd>{shown(event.event_id.as_deref().unwrap_or(""))}</dd>
                    <dt>"Recorded by"</dt><dd>{recorded_by_text(&event.recorded_by)}</dd>
                    <dt>{format!("Received ({zone})")}</dt><dd>{local_time(event.received_at)}</dd>
                </dl>
            </section>
        </div>
    }
}
