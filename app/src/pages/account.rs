//! My account: change the password, see and end browser sessions, create and revoke API
//! tokens. Lists load from the REST API in the browser; the page itself is rendered empty on
//! the server.

use lepton_protocol::account::{
    PasswordChangeRequest, Scope, SessionInfo, TokenCreateRequest, TokenCreated, TokenInfo,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::table::{DataTable, failure_view, loaded};
use crate::http::{self, ApiFailure};
use crate::viewer::use_viewer;

/// The account page.
#[component]
pub(crate) fn Account() -> impl IntoView {
    let viewer = use_viewer();
    let who = viewer.as_ref().map(|viewer| {
        format!(
            "Signed in as {} ({}).",
            viewer.username,
            viewer.role.as_str()
        )
    });
    let scopes = viewer
        .map(|viewer| viewer.role.scopes().to_vec())
        .unwrap_or_default();

    view! {
        <Title text="My account" />
        <h1>"My account"</h1>
        <p class="lead">{who}</p>
        <ChangePassword />
        <Sessions />
        <Tokens scopes=scopes />
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let (outcome, set_outcome) = signal(None::<Result<(), ApiFailure>>);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if new.get() != confirm.get() {
            set_outcome.set(Some(Err(ApiFailure {
                status: 0,
                message: "The new passwords differ.".to_owned(),
            })));
            return;
        }
        let body = PasswordChangeRequest {
            current_password: current.get(),
            new_password: new.get(),
        };
        spawn_local(async move {
            let result = http::send_json::<_, ()>("PUT", "/api/v1/me/password", &body).await;
            if result.is_ok() {
                current.set(String::new());
                new.set(String::new());
                confirm.set(String::new());
            }
            set_outcome.set(Some(result));
        });
    };

    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form class="form" on:submit=submit>
                <label>
                    "Current password"
                    <input type="password" autocomplete="current-password" required bind:value=current />
                </label>
                <label>
                    "New password (at least 12 characters)"
                    <input type="password" autocomplete="new-password" required minlength="12" bind:value=new />
                </label>
                <label>
                    "New password again"
                    <input type="password" autocomplete="new-password" required bind:value=confirm />
                </label>
                <button type="submit">"Change password"</button>
            </form>
            {move || match outcome.get() {
                Some(Ok(())) => {
                    view! {
                        <p class="notice" role="status">
                            "Password changed. Your other sessions have been signed out."
                        </p>
                    }
                        .into_any()
                }
                Some(Err(failure)) => failure_view(Some(failure)).into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let (version, set_version) = signal(0_u32);
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let sessions = LocalResource::new(move || {
        version.track();
        http::get::<Vec<SessionInfo>>("/api/v1/me/sessions")
    });

    let revoke = move |session: SessionInfo| {
        spawn_local(async move {
            let path = format!("/api/v1/me/sessions/{}", session.id);
            match http::send_empty::<()>("DELETE", &path).await {
                Ok(()) if session.current => http::load_page("/sign-in?signed_out=1"),
                Ok(()) => set_version.update(|version| *version += 1),
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };
    let sign_out_everywhere = move |_| {
        spawn_local(async move {
            match http::send_empty::<()>("DELETE", "/api/v1/me/sessions").await {
                Ok(()) => http::load_page("/sign-in?signed_out=1"),
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p>"Browsers signed in to your account. End any you do not recognise."</p>
            {move || failure_view(failure.get())}
            <Suspense fallback=|| view! { <p>"Loading sessions…"</p> }>
                {loaded(
                    sessions,
                    move |list: Vec<SessionInfo>| {
                        view! {
                            <DataTable
                                class="sessions"
                                headers=&["Signed in", "Last seen", "Address", "Browser", ""]
                            >
                                {list
                                    .into_iter()
                                    .map(|session| session_row(session, revoke))
                                    .collect_view()}
                            </DataTable>
                        }
                    },
                )}
            </Suspense>
            <button class="danger" on:click=sign_out_everywhere>"Sign out everywhere"</button>
        </section>
    }
}

#[component]
fn Tokens(
    /// The scopes the viewer's role may grant.
    scopes: Vec<Scope>,
) -> impl IntoView {
    let (version, set_version) = signal(0_u32);
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let (created, set_created) = signal(None::<TokenCreated>);
    let name = RwSignal::new(String::new());
    let expiry = RwSignal::new("90".to_owned());
    let chosen: Vec<(Scope, RwSignal<bool>)> = scopes
        .into_iter()
        .map(|scope| (scope, RwSignal::new(scope == Scope::Read)))
        .collect();
    let tokens = LocalResource::new(move || {
        version.track();
        http::get::<Vec<TokenInfo>>("/api/v1/tokens")
    });

    let chosen_for_submit = chosen.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = TokenCreateRequest {
            name: name.get(),
            scopes: chosen_for_submit
                .iter()
                .filter(|(_, checked)| checked.get())
                .map(|(scope, _)| *scope)
                .collect(),
            expires_in_days: expiry.get().parse().ok(),
        };
        spawn_local(async move {
            match http::send_json::<_, TokenCreated>("POST", "/api/v1/tokens", &body).await {
                Ok(token) => {
                    set_failure.set(None);
                    set_created.set(Some(token));
                    name.set(String::new());
                    set_version.update(|version| *version += 1);
                }
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            let path = format!("/api/v1/tokens/{id}");
            match http::send_empty::<()>("DELETE", &path).await {
                Ok(()) => set_version.update(|version| *version += 1),
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p>
                "Tokens let scripts call the REST API as you: send "
                <code>"Authorization: Bearer <token>"</code> "."
            </p>
            {move || {
                created
                    .get()
                    .map(|token| {
                        view! {
                            <div class="secret" role="status">
                                <p>
                                    "Token " <strong>{token.token.name}</strong>
                                    " created. Copy it now: it will not be shown again."
                                </p>
                                <code class="token-secret">{token.secret}</code>
                            </div>
                        }
                    })
            }}
            {move || failure_view(failure.get())}
            <form class="form inline" on:submit=submit>
                <label>
                    "Name" <input required maxlength="100" placeholder="nightly import" bind:value=name />
                </label>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {chosen
                        .iter()
                        .map(|(scope, checked)| {
                            let checked = *checked;
                            view! {
                                <label class="check">
                                    <input type="checkbox" bind:checked=checked />
                                    {scope.as_str()}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label>
                    "Expires"
                    <select bind:value=expiry>
                        <option value="30">"in 30 days"</option>
                        <option value="90">"in 90 days"</option>
                        <option value="365">"in a year"</option>
                        <option value="never">"never"</option>
                    </select>
                </label>
                <button type="submit">"Create token"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading tokens…"</p> }>
                {loaded(
                    tokens,
                    move |list: Vec<TokenInfo>| {
                        if list.is_empty() {
                            return view! { <p class="empty">"No tokens yet."</p> }.into_any();
                        }
                        view! {
                            <DataTable
                                class="tokens"
                                headers=&[
                                    "Name",
                                    "Starts with",
                                    "Scopes",
                                    "Created",
                                    "Expires",
                                    "Last used",
                                    "",
                                ]
                            >
                                {list.into_iter().map(|token| token_row(token, revoke)).collect_view()}
                            </DataTable>
                        }
                            .into_any()
                    },
                )}
            </Suspense>
        </section>
    }
}

fn session_row(
    session: SessionInfo,
    revoke: impl Fn(SessionInfo) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let current = session.current;
    let row = session.clone();
    view! {
        <tr>
            <td>{short_time(&session.created_at)}</td>
            <td>{short_time(&session.last_seen_at)}</td>
            <td>{session.ip}</td>
            <td class="user-agent">{session.user_agent}</td>
            <td>
                {current.then(|| view! { <span class="badge ready">"this browser"</span> })}
                <button class="secondary" on:click=move |_| revoke(row.clone())>
                    {if current { "Sign out" } else { "End" }}
                </button>
            </td>
        </tr>
    }
}

fn token_row(
    token: TokenInfo,
    revoke: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = token.id.clone();
    let scopes: Vec<&str> = token.scopes.iter().map(|scope| scope.as_str()).collect();
    let never = || "never".to_owned();
    view! {
        <tr>
            <td>{token.name}</td>
            <td>
                <code>{token.prefix} "…"</code>
            </td>
            <td>{scopes.join(", ")}</td>
            <td>{short_time(&token.created_at)}</td>
            <td>{token.expires_at.as_deref().map_or_else(never, short_time)}</td>
            <td>{token.last_used_at.as_deref().map_or_else(never, short_time)}</td>
            <td>
                <button class="secondary" on:click=move |_| revoke(id.clone())>
                    "Revoke"
                </button>
            </td>
        </tr>
    }
}

/// "2026-12-03 10:15" from an RFC 3339 time (UTC).
pub(crate) fn short_time(time: &str) -> String {
    format!("{} UTC", crate::format::minute(time))
}
