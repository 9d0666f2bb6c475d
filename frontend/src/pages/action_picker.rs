//! The Actions multi-select: every action type with its explanation, a
//! filter box, select all, clear, and the count selected. Used by the log's
//! filters and by a new push stream's.

use adminlog_types::Action;
use leptos::prelude::*;

/// `selected` is read, `on_change` gets the new selection.
#[component]
pub fn ActionPicker(#[prop(into)] selected: Signal<Vec<Action>>, on_change: Callback<Vec<Action>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let filter = RwSignal::new(String::new());
    let matches = move |action: &Action| {
        let needle = filter.get().to_lowercase();
        needle.is_empty()
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
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="picker" on:keydown=close_on_escape>
            <span class="label" id="actions-label">"Actions"</span>
            <button type="button" class="picker-toggle" aria-haspopup="true" aria-controls="actions-panel"
                aria-labelledby="actions-label actions-summary"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                <span id="actions-summary">{summary}</span>
            </button>
            <div id="actions-panel" class="picker-panel" hidden=move || !open.get()>
                <div class="picker-tools">
                    <label for="actions-filter" class="visually-hidden">"Filter action types"</label>
                    <input id="actions-filter" type="search" placeholder="Type to filter actions"
                        prop:value=move || filter.get()
                        on:input:target=move |ev| filter.set(ev.target().value())/>
                    <button type="button" class="secondary" on:click=select_shown>"Select all"</button>
                    <button type="button" class="secondary" on:click=clear>"Clear"</button>
                    <span class="count" aria-live="polite">{move || format!("{} selected", count())}</span>
                </div>
                <ul role="group" aria-label="Action types">
                    {move || Action::ALL.iter().copied().filter(|a| matches(a)).map(|action| {
                        let id = format!("action-{}", action.as_str());
                        view! {
                            <li>
                                <input type="checkbox" id=id.clone()
                                    prop:checked=move || selected.with(|s| s.contains(&action))
                                    on:change:target=move |ev| toggle(action, ev.target().checked())/>
                                <label for=id>
                                    <code>{action.as_str()}</code>
                                    <span>{action.explanation()}</span>
                                </label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <button type="button" class="secondary" on:click=move |_| open.set(false)>"Done"</button>
            </div>
        </div>
    }
}
