//! The in-page confirmation that weighty actions ask through instead of the
//! browser's `confirm()`: a modal `<dialog>` (the rest of the page inert) with
//! role `alertdialog`, labelled by its title and described by its question;
//! focus starts on its confirm button, Cancel or Escape back out, and focus
//! returns to whatever opened it.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A question to ask, and what to do when the answer is yes.
#[derive(Clone)]
pub struct Confirmation {
    title: String,
    question: String,
    confirm_label: String,
    destructive: bool,
    on_confirm: Arc<dyn Fn() + Send + Sync>,
}

impl Confirmation {
    pub fn new(
        title: impl Into<String>,
        question: impl Into<String>,
        confirm_label: impl Into<String>,
        on_confirm: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        Confirmation {
            title: title.into(),
            question: question.into(),
            confirm_label: confirm_label.into(),
            destructive: false,
            on_confirm: Arc::new(on_confirm),
        }
    }

    /// Shows the confirm button as a destructive action.
    pub fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }
}

/// Where a page asks: setting `Some` opens the dialog, answering closes it.
pub type Ask = RwSignal<Option<Confirmation>>;

/// Place once in a page; it shows whatever `ask` holds.
#[component]
pub fn ConfirmDialog(ask: Ask) -> impl IntoView {
    move || ask.get().map(|confirmation| view! { <AlertDialog confirmation=confirmation ask=ask/> })
}

#[component]
fn AlertDialog(confirmation: Confirmation, ask: Ask) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    // Focus goes back there when the dialog closes, if it is still on the page.
    let opener = StoredValue::new_local(document().active_element());
    Effect::new(move |_| {
        if let (Some(dialog), Some(button)) = (dialog.get(), confirm_button.get()) {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
            let _ = button.focus();
        }
    });
    let close = move || {
        if let Some(dialog) = dialog.get_untracked() {
            if dialog.open() {
                dialog.close();
            }
        }
        ask.set(None);
        let back = opener.get_value().and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = back.filter(|element| element.is_connected()) {
            let _ = element.focus();
        }
    };
    let on_confirm = confirmation.on_confirm.clone();
    let confirm = move |_| {
        close();
        on_confirm();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    // Closed by the browser itself (its own close request): a cancel.
    let on_close = move |_| {
        if ask.with_untracked(Option::is_some) {
            close();
        }
    };
    let confirm_class = if confirmation.destructive { "danger solid" } else { "" };
    view! {
        <dialog node_ref=dialog class="confirm" role="alertdialog" aria-modal="true"
            aria-labelledby="confirm-title" aria-describedby="confirm-question"
            on:keydown=on_keydown on:close=on_close>
            <h2 id="confirm-title">{confirmation.title}</h2>
            <p id="confirm-question">{confirmation.question}</p>
            <div class="dialog-buttons">
                <button type="button" class="secondary" on:click=move |_| close()>"Cancel"</button>
                <button type="button" class=confirm_class autofocus=true node_ref=confirm_button on:click=confirm>
                    {confirmation.confirm_label}
                </button>
            </div>
        </dialog>
    }
}
