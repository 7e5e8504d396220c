//! One dataset version's page: what it is, its versions, sharing and deletion for its owner,
//! the quality profile with histograms and warnings, and a server-paged preview of its rows.

use lepton_protocol::dataset::{DatasetDetail, DatasetUpdate, RowsPage, Visibility};
use lepton_protocol::profile::DatasetProfile;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::profile::ProfileView;
use super::recipe::RecipeCard;
use crate::format;
use crate::http::{self, ApiFailure};
use crate::pages::table::{failure_view, loaded};

/// Rows per preview page.
const PAGE_ROWS: u64 = 25;

/// The page of one dataset version.
#[component]
pub(crate) fn DatasetPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|params| params.get("id").unwrap_or_default());
    let (version, set_version) = signal(0_u32);
    let detail = LocalResource::new(move || {
        version.track();
        let id = id();
        async move { http::get::<DatasetDetail>(&format!("/api/v1/datasets/{id}")).await }
    });
    let profile = LocalResource::new(move || {
        version.track();
        let id = id();
        async move { http::get::<DatasetProfile>(&format!("/api/v1/datasets/{id}/profile")).await }
    });
    let changed = move || set_version.update(|version| *version += 1);

    view! {
        <Title text="Dataset" />
        <Suspense fallback=|| view! { <p>"Loading the dataset…"</p> }>
            {loaded(detail, move |detail: DatasetDetail| view! { <Header detail=detail changed=changed /> })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading the profile…"</p> }>
            {loaded(profile, |profile: DatasetProfile| view! { <ProfileView profile=profile /> })}
        </Suspense>
        <Suspense fallback=|| ()>
            {loaded(detail, |detail: DatasetDetail| view! {
                <RecipeCard
                    id=detail.dataset.id.clone()
                    target=detail.dataset.target.clone()
                    can_modify=detail.can_modify
                    has_recipe=detail.dataset.has_recipe
                />
            })}
        </Suspense>
        {move || view! { <Preview id=id() /> }}
    }
}

#[component]
fn Header(
    detail: DatasetDetail,
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let navigate = use_navigate();
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let dataset = detail.dataset.clone();
    let id = dataset.id.clone();
    let shared = dataset.visibility == Visibility::Shared;

    let toggle_sharing = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            let update = DatasetUpdate {
                visibility: Some(if shared {
                    Visibility::Private
                } else {
                    Visibility::Shared
                }),
                target: None,
            };
            spawn_local(async move {
                let path = format!("/api/v1/datasets/{id}");
                match http::send_json::<_, DatasetDetail>("PATCH", &path, &update).await {
                    Ok(_) => changed(),
                    Err(error) => set_failure.set(Some(error)),
                }
            });
        }
    };
    let delete = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            let navigate = navigate.clone();
            spawn_local(async move {
                let path = format!("/api/v1/datasets/{id}");
                match http::send_empty::<()>("DELETE", &path).await {
                    Ok(()) => navigate("/datasets", Default::default()),
                    Err(error) => set_failure.set(Some(error)),
                }
            });
        }
    };

    let owner = dataset
        .owner
        .clone()
        .unwrap_or_else(|| "Lepton (sample)".to_owned());
    let short_hash = dataset.sha256.get(..12).unwrap_or_default().to_owned();
    let format_text = match &dataset.delimiter {
        Some(delimiter) if delimiter == "\t" => "CSV, tab-separated".to_owned(),
        Some(delimiter) => format!("CSV, '{delimiter}'-separated"),
        None => "JSON Lines".to_owned(),
    };
    let versions = detail.versions.clone();
    let current = dataset.version;

    view! {
        <Title text=dataset.name.clone() />
        <p class="breadcrumb"><a href="/datasets">"Datasets"</a></p>
        <h1>{dataset.name.clone()} <span class="version-tag">{format!("v{}", dataset.version)}</span></h1>
        <dl class="facts">
            <div><dt>"Rows"</dt><dd>{format::count(dataset.rows)}</dd></div>
            <div><dt>"Columns"</dt><dd>{dataset.columns.len()}</dd></div>
            <div><dt>"Size"</dt><dd>{format::bytes(dataset.size_bytes as f64)}</dd></div>
            <div><dt>"Format"</dt><dd>{format_text}</dd></div>
            <div><dt>"Owner"</dt><dd>{owner}</dd></div>
            <div><dt>"Sharing"</dt><dd>{dataset.visibility.as_str()}</dd></div>
            <div><dt>"Uploaded"</dt><dd>{format::minute(&dataset.created_at)}</dd></div>
            <div><dt>"SHA-256"</dt><dd class="hash" title=dataset.sha256.clone()>{short_hash}</dd></div>
        </dl>
        <div class="actions">
            <a class="button" href=format!("/api/v1/datasets/{id}/download") download="">"Download CSV"</a>
            {detail.can_modify.then(|| view! {
                <button class="secondary" on:click=toggle_sharing.clone()>
                    {if shared { "Make private" } else { "Share with everyone" }}
                </button>
                <button class="danger" on:click=delete.clone()>"Delete this version"</button>
            })}
        </div>
        {move || failure_view(failure.get())}
        {(versions.len() > 1).then(|| view! {
            <nav class="versions" aria-label="Versions">
                "Versions: "
                {versions.iter().map(|version| {
                    let label = format!("v{}", version.version);
                    if version.version == current {
                        view! { <strong>{label}</strong> }.into_any()
                    } else {
                        view! { <a href=format!("/datasets/{}", version.id)>{label}</a> }.into_any()
                    }
                }).collect_view()}
            </nav>
        })}
    }
}

#[component]
fn Preview(id: String) -> impl IntoView {
    let (offset, set_offset) = signal(0_u64);
    let rows = LocalResource::new({
        let id = id.clone();
        move || {
            let path = format!(
                "/api/v1/datasets/{id}/rows?offset={}&limit={PAGE_ROWS}",
                offset.get()
            );
            async move { http::get::<RowsPage>(&path).await }
        }
    });

    view! {
        <section class="card" aria-labelledby="rows-heading">
            <h2 id="rows-heading">"Rows"</h2>
            <Suspense fallback=|| view! { <p>"Loading rows…"</p> }>
                {loaded(rows, move |page: RowsPage| rows_view(page, set_offset))}
            </Suspense>
        </section>
    }
}

fn rows_view(page: RowsPage, set_offset: WriteSignal<u64>) -> impl IntoView {
    let first = page.offset;
    let last = (page.offset + page.rows.len() as u64).min(page.total);
    let total = page.total;

    view! {
        <div class="table-scroll">
            <table class="rows">
                <thead>
                    <tr>
                        <th class="number">"#"</th>
                        {page.columns.iter().map(|column| view! { <th>{column.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().enumerate().map(|(index, row)| view! {
                        <tr>
                            <td class="number">{first + index as u64 + 1}</td>
                            {row.into_iter().map(|cell| match cell {
                                Some(value) => view! { <td>{value}</td> }.into_any(),
                                None => view! { <td class="missing">"—"</td> }.into_any(),
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="pager">
            <button
                class="secondary"
                disabled={first == 0}
                on:click=move |_| set_offset.set(first.saturating_sub(PAGE_ROWS))
            >
                "Previous"
            </button>
            <span>{format!("rows {}–{} of {}", (first + 1).min(total), last, format::count(total))}</span>
            <button
                class="secondary"
                disabled={last >= total}
                on:click=move |_| set_offset.set(first + PAGE_ROWS)
            >
                "Next"
            </button>
        </div>
    }
}
