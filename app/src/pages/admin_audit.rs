//! Admin → Audit log: who did what, when, from where, newest first, a page at a time.

use lepton_protocol::account::{AuditEvent, AuditPage};
use leptos::prelude::*;
use leptos_meta::Title;

use super::account::short_time;
use super::table::{DataTable, loaded};
use crate::http;

/// The audit log page.
#[component]
pub(crate) fn AdminAudit() -> impl IntoView {
    let (before, set_before) = signal(None::<i64>);
    let page = LocalResource::new(move || {
        let path = match before.get() {
            Some(id) => format!("/api/v1/audit?before={id}"),
            None => "/api/v1/audit".to_owned(),
        };
        async move { http::get::<AuditPage>(&path).await }
    });

    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <p class="lead">
            "Sign-ins, failed sign-ins, role changes, password resets and API tokens: who, what, "
            "when and from where."
        </p>
        <section class="card">
            <Suspense fallback=|| view! { <p>"Loading events…"</p> }>
                {loaded(
                    page,
                    move |page: AuditPage| {
                        let next = page.next_before;
                        view! {
                            <DataTable
                                class="audit"
                                headers=&["When", "Who", "What", "Target", "From", "Outcome", "Detail"]
                            >
                                {page.events.into_iter().map(event_row).collect_view()}
                            </DataTable>
                            <div class="pager">
                                {before
                                    .get()
                                    .is_some()
                                    .then(|| {
                                        view! {
                                            <button class="secondary" on:click=move |_| set_before.set(None)>
                                                "Newest"
                                            </button>
                                        }
                                    })}
                                {next
                                    .map(|id| {
                                        view! {
                                            <button class="secondary" on:click=move |_| set_before.set(Some(id))>
                                                "Older"
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                    },
                )}
            </Suspense>
        </section>
    }
}

fn event_row(event: AuditEvent) -> impl IntoView {
    let outcome_class = if event.outcome == "success" {
        "ok"
    } else {
        "failed"
    };
    view! {
        <tr>
            <td>{short_time(&event.at)}</td>
            <td>{event.actor}</td>
            <td>{event.action.replace('_', " ")}</td>
            <td>{event.target}</td>
            <td>{event.ip}</td>
            <td class=outcome_class>{event.outcome}</td>
            <td>{event.detail}</td>
        </tr>
    }
}
