//! The Administrators tab: list, add, change role, remove. Picking a role
//! only marks the row pending; saving it and removing someone ask in an
//! in-page confirmation first. The signed-in administrator's own row offers
//! neither (the server refuses both too).

use adminlog_types::{Administrator, CreateAdministratorRequest, Role, UpdateAdministratorRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::confirm::{ConfirmDialog, Confirmation};
use super::{describe, focus_soon, list_loader, on_failure};
use crate::api::{self, ClientError};
use crate::app::{Location, Session};
use crate::roles::{a_role, role_change_question, role_label, PendingRoles};

const TITLE_ID: &str = "admins-title";

fn role_select_id(id: i64) -> String {
    format!("role-{id}")
}

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
    let pending = RwSignal::new(PendingRoles::default());
    let ask = RwSignal::new(None::<Confirmation>);
    // The list is drawn anew on each load: where focus goes once it is.
    let focus_after_load = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if admins.with(|list| matches!(list, Some(Ok(_)))) {
            if let Some(id) = focus_after_load.get_untracked() {
                focus_after_load.set(None);
                focus_soon(id);
            }
        }
    });

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
    let save_role = move |id: i64, new_role: Role| {
        let token = session.token();
        spawn_local(async move {
            let saved =
                api::update_administrator(&token, id, UpdateAdministratorRequest { name: None, role: Some(new_role) })
                    .await;
            focus_after_load.set(Some(role_select_id(id)));
            match saved {
                Ok(admin) => {
                    note.set(Some(format!("{} is now {}.", admin.email, a_role(admin.role))));
                    // The row shows the saved role at once, without a reload.
                    admins.update(|list| {
                        if let Some(Ok(items)) = list {
                            items.iter_mut().filter(|a| a.id == admin.id).for_each(|a| *a = admin.clone());
                        }
                    });
                    pending.update(|p| p.clear(id));
                }
                Err(e) => {
                    fail(e);
                    pending.update(|p| p.clear(id));
                    reload();
                }
            }
        });
    };
    let confirm_role = move |id: i64, email: String| {
        let Some(new_role) = pending.with_untracked(|p| p.get(id)) else { return };
        ask.set(Some(Confirmation::new(
            "Change role?",
            role_change_question(&email, new_role),
            "Change role",
            move || save_role(id, new_role),
        )));
    };
    let cancel_role = move |id: i64| {
        pending.update(|p| p.clear(id));
        focus_soon(role_select_id(id));
    };
    let delete = move |admin: Administrator| {
        let token = session.token();
        spawn_local(async move {
            match api::delete_administrator(&token, admin.id).await {
                Ok(()) => note.set(Some(format!("Removed {}.", admin.email))),
                Err(e) => fail(e),
            }
            pending.update(|p| p.clear(admin.id));
            focus_after_load.set(Some(TITLE_ID.to_owned()));
            reload();
        });
    };
    let remove = move |admin: Administrator| {
        let question = format!("{} will no longer be able to sign in to this organization.", admin.email);
        ask.set(Some(
            Confirmation::new("Remove administrator?", question, "Remove", move || delete(admin.clone())).destructive(),
        ));
    };

    let row = move |admin: Administrator, me: i64| {
        let id = admin.id;
        let current = admin.role;
        let email_id = format!("admin-{id}-email");
        let is_me = id == me;
        let role_cell = if is_me {
            view! { <td data-label="Role">{role_label(current)}</td> }.into_any()
        } else {
            let select_id = role_select_id(id);
            let shown = move || pending.with(|p| p.shown(id, current));
            let is_pending = move || pending.with(|p| p.get(id).is_some());
            let email = admin.email.clone();
            let described_by = email_id.clone();
            view! {
                <td data-label="Role">
                    <div class="role-edit">
                        <label for=select_id.clone() class="visually-hidden">{format!("Role of {}", admin.email)}</label>
                        <select id=select_id on:change:target=move |ev| {
                            if let Ok(picked) = ev.target().value().parse::<Role>() {
                                pending.update(|p| p.pick(id, current, picked));
                            }
                        }>
                            {Role::ALL.iter().map(|&option| view! {
                                <option value=option.as_str() prop:selected=move || shown() == option>{role_label(option)}</option>
                            }).collect_view()}
                        </select>
                        <span class="pending-note" aria-live="polite">{move || if is_pending() { "Not saved" } else { "" }}</span>
                        {move || is_pending().then(|| {
                            let email = email.clone();
                            view! {
                                <span class="role-buttons">
                                    <button type="button" aria-describedby=described_by.clone()
                                        on:click=move |_| confirm_role(id, email.clone())>"Save role"</button>
                                    <button type="button" class="secondary" aria-describedby=described_by.clone()
                                        on:click=move |_| cancel_role(id)>"Cancel"</button>
                                </span>
                            }
                        })}
                    </div>
                </td>
            }
            .into_any()
        };
        let action_cell = if is_me {
            view! { <span class="you">"You"</span> }.into_any()
        } else {
            let for_remove = admin.clone();
            view! {
                <button type="button" class="danger" aria-describedby=email_id.clone()
                    on:click=move |_| remove(for_remove.clone())>"Remove"</button>
            }
            .into_any()
        };
        view! {
            <tr>
                <td data-label="Email" id=email_id.clone()>{admin.email.clone()}</td>
                <td data-label="Name">{admin.name.clone()}</td>
                {role_cell}
                <td data-label="Actions">{action_cell}</td>
            </tr>
        }
    };

    let list = move || {
        let me = session.administrator_id();
        match (admins.get(), me) {
            (Some(Err(e)), _) => view! { <p class="error" role="alert">{describe(&e)}</p> }.into_any(),
            (None, _) | (_, None) => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
            (Some(Ok(items)), Some(me)) => view! {
                <div class="table-wrap">
                    <table>
                        <thead><tr><th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>{items.into_iter().map(|admin| row(admin, me)).collect_view()}</tbody>
                    </table>
                </div>
            }
            .into_any(),
        }
    };

    view! {
        <section aria-labelledby=TITLE_ID>
            <h1 id=TITLE_ID tabindex="-1">"Administrators"</h1>
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
            <ConfirmDialog ask=ask/>
        </section>
    }
}
