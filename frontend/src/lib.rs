//! The adminlog browser app. `url_state`, `local_time`, `activity`, `event_details`,
//! `roles` and the keys of `storage` are pure and tested natively; the rest
//! runs in the browser only.

pub mod activity;
pub mod event_details;
pub mod local_time;
pub mod roles;
pub mod storage;
pub mod url_state;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod pages;

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
