//! One event on a page of its own, `/admin-logs/events/{id}`: the permanent
//! link a row's Details offer, to bookmark or send to a colleague (who sees
//! it only in their own organization).

use adminlog_types::Event;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::admin_logs::viewer_time_zone;
use super::event_row::event_details;
use super::{describe, follow_in_app};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};

#[component]
pub fn EventPage(id: i64) -> impl IntoView {
    let session = expect_context::<Session>();
    let location = expect_context::<Location>();
    let loaded = RwSignal::new(None::<Result<Event, ClientError>>);
    let token = session.token();
    spawn_local(async move {
        match api::admin_log(&token, id).await {
            Err(error) if error.is_session_expired() => session.expired(location),
            result => loaded.set(Some(result)),
        }
    });
    let zone = viewer_time_zone();
    view! {
        <section class="card event-page" aria-labelledby="event-title">
            <p><a href="/admin-logs" on:click=follow_in_app("/admin-logs".to_owned())>"Back to Admin Logs"</a></p>
            <h1 id="event-title">{format!("Event {id}")}</h1>
            {move || match loaded.get() {
                None => view! { <p role="status">"Loading the event…"</p> }.into_any(),
                Some(Ok(event)) => {
                    view! { <div class="event-details">{event_details(&event, &zone)}</div> }.into_any()
                }
                Some(Err(error)) if error.status == 404 => view! {
                    <p class="error" role="alert">
                        {format!(
                            "Your organization has no event {id}. The link may be mistyped, or the event \
                             another organization's."
                        )}
                    </p>
                }
                .into_any(),
                Some(Err(error)) => view! { <p class="error" role="alert">{describe(&error)}</p> }.into_any(),
            }}
        </section>
    }
}
