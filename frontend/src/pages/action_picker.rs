//! The Actions multi-select: every action type by its name, grouped by what
//! it acts on, its code beside it and, when the log view gives them, how
//! many events it has under the other filters; a filter box (name, code or
//! explanation), select all, clear, and the count selected. Used by the
//! log's filters and by a new push stream's.
//!
//! The panel closes on Escape and on a click outside it, and gives focus
//! back to its button; it is moved left when it would leave the screen.

use adminlog_types::{Action, ActionCounts, ActionGroup};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::activity::thousands;

/// Space kept between the open panel and the screen's edge, in CSS pixels.
const EDGE_MARGIN: f64 = 8.0;

/// `selected` is read, `on_change` gets the new selection; `counts`, when
/// given and loaded, puts each action's number of events beside it.
#[component]
pub fn ActionPicker(
    #[prop(into)] selected: Signal<Vec<Action>>,
    on_change: Callback<Vec<Action>>,
    #[prop(optional, into)] counts: Option<Signal<Option<ActionCounts>>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let filter = RwSignal::new(String::new());
    let root = NodeRef::<html::Div>::new();
    let toggle_button = NodeRef::<html::Button>::new();
    let panel = NodeRef::<html::Div>::new();

    let matches = move |action: &Action| {
        let needle = filter.get().to_lowercase();
        needle.is_empty()
            || action.label().to_lowercase().contains(&needle)
            || action.as_str().to_lowercase().contains(&needle)
            || action.explanation().to_lowercase().contains(&needle)
    };
    let edit = move |change: &dyn Fn(&mut Vec<Action>)| {
        let mut actions = selected.get_untracked();
        change(&mut actions);
        on_change.run(actions);
    };
    let count = move || selected.with(Vec::len);
    let summary = move || match count() {
        0 => "All actions".to_owned(),
        1 => "1 action selected".to_owned(),
        n => format!("{n} actions selected"),
    };
    let select_shown = move |_| {
        let shown: Vec<Action> = Action::ALL.iter().copied().filter(|a| matches(a)).collect();
        edit(&|actions| {
            for action in &shown {
                if !actions.contains(action) {
                    actions.push(*action);
                }
            }
        });
    };
    let clear = move |_| edit(&|actions| actions.clear());
    let toggle = move |action: Action, on: bool| {
        edit(&|actions| {
            actions.retain(|a| *a != action);
            if on {
                actions.push(action);
            }
        })
    };
    let close = move |refocus: bool| {
        open.set(false);
        if refocus {
            if let Some(button) = toggle_button.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            // Escape inside a dialog would also close the dialog.
            ev.stop_propagation();
            close(true);
        }
    };
    // A press anywhere outside the picker closes it; focus goes where the
    // press put it, so it is not moved back.
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = match (root.get_untracked(), ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok())) {
            (Some(root), Some(node)) => root.contains(Some(&node)),
            _ => false,
        };
        if !inside {
            close(false);
        }
    });
    on_cleanup(move || outside.remove());
    // Opened near the right edge, the panel would reach past the screen
    // (and make the page scroll sideways): shift it left until it fits.
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        // After the panel is shown and laid out.
        request_animation_frame(move || {
            if let Some(panel) = panel.get_untracked() {
                fit_on_screen(&panel);
            }
        });
    });

    view! {
        <div class="picker" node_ref=root on:keydown=close_on_escape>
            <span class="label" id="actions-label">"Actions"</span>
            <button type="button" class="picker-toggle" aria-haspopup="true" aria-controls="actions-panel"
                aria-labelledby="actions-label actions-summary" node_ref=toggle_button
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                <span id="actions-summary">{summary}</span>
            </button>
            <div id="actions-panel" class="picker-panel" node_ref=panel hidden=move || !open.get()>
                <div class="picker-tools">
                    <label for="actions-filter" class="visually-hidden">"Filter action types"</label>
                    <input id="actions-filter" type="search" placeholder="Type to filter actions"
                        prop:value=move || filter.get()
                        on:input:target=move |ev| filter.set(ev.target().value())/>
                    <button type="button" class="secondary" on:click=select_shown>"Select all"</button>
                    <button type="button" class="secondary" on:click=clear>"Clear"</button>
                    <span class="count" aria-live="polite">{move || format!("{} selected", count())}</span>
                </div>
                {move || {
                    let shown: Vec<Action> = Action::ALL.iter().copied().filter(|a| matches(a)).collect();
                    if shown.is_empty() {
                        return view! {
                            <p class="picker-empty" role="status">
                                {format!("No action type matches “{}”.", filter.get())}
                            </p>
                        }
                        .into_any();
                    }
                    ActionGroup::ALL.iter().copied().filter_map(|group| {
                        let members: Vec<Action> = group.actions().filter(|a| shown.contains(a)).collect();
                        (!members.is_empty()).then(|| view! {
                            <fieldset class="picker-group">
                                <legend>{group.label()}</legend>
                                {members.into_iter()
                                    .map(|action| action_option(action, selected, toggle, counts))
                                    .collect_view()}
                            </fieldset>
                        })
                    }).collect_view().into_any()
                }}
                <button type="button" class="secondary" on:click=move |_| close(true)>"Done"</button>
            </div>
        </div>
    }
}

/// One action's checkbox: its name, its code, and its count when known.
fn action_option(
    action: Action,
    selected: Signal<Vec<Action>>,
    toggle: impl Fn(Action, bool) + Copy + 'static,
    counts: Option<Signal<Option<ActionCounts>>>,
) -> impl IntoView {
    let id = format!("action-{}", action.as_str());
    let count = move || {
        let known = counts?.get()?;
        let n = known.of(action);
        Some(view! {
            <span class="picker-count">
                {thousands(n)}{(!known.exact && n > 0).then_some("+")}
                <span class="visually-hidden">{if n == 1 { " event" } else { " events" }}</span>
            </span>
        })
    };
    view! {
        <div class="picker-option">
            <input type="checkbox" id=id.clone()
                prop:checked=move || selected.with(|s| s.contains(&action))
                on:change:target=move |ev| toggle(action, ev.target().checked())/>
            <label for=id title=action.explanation()>
                // Spaces between the parts: read aloud as "Token issued ISSUE_TOKEN 12 events".
                <span class="picker-name">{action.label()}</span>" "
                <code>{action.as_str()}</code>" "
                {count}
            </label>
        </div>
    }
}

/// Moves an open, absolutely positioned `panel` left by as much as it
/// overflows the viewport's right edge (never past its left edge).
fn fit_on_screen(panel: &web_sys::HtmlDivElement) {
    let style = web_sys::HtmlElement::style(panel);
    let _ = style.remove_property("left");
    let viewport = document().document_element().map_or(0.0, |root| f64::from(root.client_width()));
    let rect = panel.get_bounding_client_rect();
    let overflow = rect.right() - (viewport - EDGE_MARGIN);
    if overflow > 0.0 {
        let shift = overflow.min((rect.left() - EDGE_MARGIN).max(0.0));
        let _ = style.set_property("left", &format!("-{shift}px"));
    }
}
