//! The Administrators tab: list, add, change role, remove.

use adminlog_types::{Administrator, CreateAdministratorRequest, Role, UpdateAdministratorRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{describe, list_loader, on_failure};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};

#[component]
pub fn AdministratorsPage() -> impl IntoView {
    let location = expect_context::<Location>();
    let session = expect_context::<Session>();
    let admins = RwSignal::new(None::<Result<Vec<Administrator>, ClientError>>);
    let note = RwSignal::new(None::<String>);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Admin);
    let password = RwSignal::new(String::new());

    let fail = on_failure(session, location, note);
    let reload =
        list_loader(session, location, admins, |token: String| async move { api::administrators(&token).await });
    reload();

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateAdministratorRequest {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            password: password.get_untracked(),
        };
        let token = session.token();
        spawn_local(async move {
            match api::create_administrator(&token, body).await {
                Ok(admin) => {
                    note.set(Some(format!("Added {}.", admin.email)));
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    reload();
                }
                Err(e) => fail(e),
            }
        });
    };
    let set_role = move |id: i64, new_role: Role| {
        let token = session.token();
        spawn_local(async move {
            match api::update_administrator(&token, id, UpdateAdministratorRequest { name: None, role: Some(new_role) })
                .await
            {
                Ok(admin) => note.set(Some(format!("{} is now {}.", admin.email, admin.role))),
                Err(e) => fail(e),
            }
            reload();
        });
    };
    let remove = move |admin: Administrator| {
        if !window().confirm_with_message(&format!("Remove {}?", admin.email)).unwrap_or(false) {
            return;
        }
        let token = session.token();
        spawn_local(async move {
            match api::delete_administrator(&token, admin.id).await {
                Ok(()) => note.set(Some(format!("Removed {}.", admin.email))),
                Err(e) => fail(e),
            }
            reload();
        });
    };

    let list = move || {
        match admins.get() {
        None => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{describe(&e)}</p> }.into_any(),
        Some(Ok(items)) => view! {
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {items.into_iter().map(|admin| {
                            let select_id = format!("role-{}", admin.id);
                            let current = admin.role;
                            let id = admin.id;
                            let label = format!("Role of {}", admin.email);
                            let for_remove = admin.clone();
                            view! {
                                <tr>
                                    <td data-label="Email">{admin.email.clone()}</td>
                                    <td data-label="Name">{admin.name.clone()}</td>
                                    <td data-label="Role">
                                        <label for=select_id.clone() class="visually-hidden">{label}</label>
                                        <select id=select_id on:change:target=move |ev| {
                                            let picked = if ev.target().value() == "super_admin" { Role::SuperAdmin } else { Role::Admin };
                                            if picked != current { set_role(id, picked); }
                                        }>
                                            <option value="super_admin" selected=current == Role::SuperAdmin>"Super Administrator"</option>
                                            <option value="admin" selected=current == Role::Admin>"Administrator"</option>
                                        </select>
                                    </td>
                                    <td data-label="Actions">
                                        <button type="button" class="danger" on:click=move |_| remove(for_remove.clone())>"Remove"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any(),
    }
    };

    view! {
        <section aria-labelledby="admins-title">
            <h1 id="admins-title">"Administrators"</h1>
            {move || note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {list}
            <form class="card" on:submit=add aria-labelledby="add-admin-title">
                <h2 id="add-admin-title">"Add an administrator"</h2>
                <label for="new-admin-email">"Email"</label>
                <input id="new-admin-email" type="email" required prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value())/>
                <label for="new-admin-name">"Name"</label>
                <input id="new-admin-name" type="text" required prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                <label for="new-admin-role">"Role"</label>
                <select id="new-admin-role" on:change:target=move |ev| role.set(if ev.target().value() == "super_admin" { Role::SuperAdmin } else { Role::Admin })>
                    <option value="admin" selected=true>"Administrator"</option>
                    <option value="super_admin">"Super Administrator"</option>
                </select>
                <label for="new-admin-password">"Initial password (12 characters or more)"</label>
                <input id="new-admin-password" type="password" autocomplete="new-password" required minlength="12"
                    prop:value=move || password.get() on:input:target=move |ev| password.set(ev.target().value())/>
                <button type="submit">"Add administrator"</button>
            </form>
        </section>
    }
}
