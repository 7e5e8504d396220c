//! Admin → Users: create users, change roles, disable and enable, reset passwords. Generated
//! passwords are shown once, for the admin to pass on.

use lepton_protocol::account::{
    PasswordReset, PasswordResetRequest, Role, UserCreateRequest, UserCreated, UserInfo,
    UserUpdateRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::account::short_time;
use super::table::{DataTable, failure_view, loaded};
use crate::http::{self, ApiFailure};

/// A password to show once: whose, and what.
type Revealed = Option<(String, String)>;

/// The users page.
#[component]
pub(crate) fn AdminUsers() -> impl IntoView {
    let (version, set_version) = signal(0_u32);
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let (revealed, set_revealed) = signal(Revealed::None);
    let users = LocalResource::new(move || {
        version.track();
        http::get::<Vec<UserInfo>>("/api/v1/users")
    });
    let reload = move || set_version.update(|version| *version += 1);

    let update = move |id: String, change: UserUpdateRequest| {
        spawn_local(async move {
            let path = format!("/api/v1/users/{id}");
            match http::send_json::<_, UserInfo>("PATCH", &path, &change).await {
                Ok(_) => {
                    set_failure.set(None);
                    reload();
                }
                Err(error) => {
                    set_failure.set(Some(error));
                    reload();
                }
            }
        });
    };
    let reset = move |user: UserInfo| {
        spawn_local(async move {
            let path = format!("/api/v1/users/{}/password", user.id);
            let body = PasswordResetRequest::default();
            match http::send_json::<_, PasswordReset>("POST", &path, &body).await {
                Ok(reset) => {
                    set_failure.set(None);
                    set_revealed.set(reset.password.map(|password| (user.username, password)));
                }
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };

    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        <p class="lead">"Who may sign in, and what each person may do."</p>
        <CreateUser on_created=move |created: UserCreated| {
            set_revealed.set(created.password.map(|password| (created.user.username, password)));
            reload();
        } />
        {move || {
            revealed
                .get()
                .map(|(username, password)| {
                    view! {
                        <div class="secret" role="status">
                            <p>
                                "Password for " <strong>{username}</strong>
                                ". Pass it on now: it will not be shown again."
                            </p>
                            <code class="generated-password">{password}</code>
                        </div>
                    }
                })
        }}
        {move || failure_view(failure.get())}
        <section class="card">
            <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                {loaded(
                    users,
                    move |list: Vec<UserInfo>| {
                        view! {
                            <DataTable class="users" headers=&["Username", "Role", "Status", "Created", ""]>
                                {list.into_iter().map(|user| user_row(user, update, reset)).collect_view()}
                            </DataTable>
                        }
                    },
                )}
            </Suspense>
        </section>
    }
}

fn user_row(
    user: UserInfo,
    update: impl Fn(String, UserUpdateRequest) + Copy + 'static,
    reset: impl Fn(UserInfo) + Copy + 'static,
) -> impl IntoView {
    let id = user.id.clone();
    let toggle_id = user.id.clone();
    let disabled = user.disabled;
    let for_reset = user.clone();
    let on_role = move |event: leptos::ev::Event| {
        if let Some(role) = Role::parse(&event_target_value(&event)) {
            let change = UserUpdateRequest {
                role: Some(role),
                disabled: None,
            };
            update(id.clone(), change);
        }
    };

    view! {
        <tr data-username=user.username.clone()>
            <td>{user.username.clone()}</td>
            <td>
                <select aria-label=format!("Role of {}", user.username) on:change=on_role>
                    {Role::ALL
                        .into_iter()
                        .map(|role| {
                            view! {
                                <option value=role.as_str() selected=role == user.role>
                                    {role.as_str()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </td>
            <td>{if disabled { "disabled" } else { "active" }}</td>
            <td>{short_time(&user.created_at)}</td>
            <td class="actions">
                <button
                    class="secondary"
                    on:click=move |_| {
                        let change = UserUpdateRequest {
                            role: None,
                            disabled: Some(!disabled),
                        };
                        update(toggle_id.clone(), change);
                    }
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button class="secondary" on:click=move |_| reset(for_reset.clone())>
                    "Reset password"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn CreateUser(on_created: impl Fn(UserCreated) + Copy + Send + Sync + 'static) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_owned());
    let (failure, set_failure) = signal(None::<ApiFailure>);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = UserCreateRequest {
            username: username.get(),
            role: Role::parse(&role.get()).unwrap_or(Role::Viewer),
            password: None,
        };
        spawn_local(async move {
            match http::send_json::<_, UserCreated>("POST", "/api/v1/users", &body).await {
                Ok(created) => {
                    set_failure.set(None);
                    username.set(String::new());
                    on_created(created);
                }
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby="create-user-heading">
            <h2 id="create-user-heading">"New user"</h2>
            <form class="form inline" on:submit=submit>
                <label>
                    "Username"
                    <input required minlength="3" maxlength="64" autocomplete="off" bind:value=username />
                </label>
                <label>
                    "Role"
                    <select aria-label="Role" bind:value=role>
                        <option value="viewer">"viewer: reads dashboards"</option>
                        <option value="editor">"editor: uploads, trains, promotes"</option>
                        <option value="admin">"admin: everything"</option>
                    </select>
                </label>
                <button type="submit">"Create user"</button>
            </form>
            <p class="hint">"A password is generated and shown once."</p>
            {move || failure_view(failure.get())}
        </section>
    }
}
