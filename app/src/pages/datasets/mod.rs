//! The Datasets page: every dataset the viewer can read, and (for editors) the upload card
//! with drag and drop, a progress bar with rate and time left, and cancel.
//!
//! One dataset's profile, rows and sharing live on its own page ([`detail`]).

mod detail;
mod profile;
mod recipe;

pub(crate) use detail::DatasetPage;

use lepton_protocol::account::Role;
use lepton_protocol::dataset::DatasetVersion;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::table::{DataTable, failure_view, loaded};
use crate::format;
use crate::http::{self, ApiFailure, encode_component};
use crate::upload::{self, Outcome, PickedFile, Progress, Upload};
use crate::viewer::use_viewer;

/// The datasets page.
#[component]
pub(crate) fn Datasets() -> impl IntoView {
    let can_upload = use_viewer().is_some_and(|viewer| viewer.role >= Role::Editor);
    let datasets = LocalResource::new(|| http::get::<Vec<DatasetVersion>>("/api/v1/datasets"));

    view! {
        <Title text="Datasets" />
        <h1>"Datasets"</h1>
        <p class="lead">
            "Your data, its versions and what is wrong with it. Uploads are profiled as they \
             stream in: types, missing values, outliers, duplicates and class balance."
        </p>
        {can_upload.then(|| view! { <UploadCard /> })}
        <section class="card" aria-labelledby="datasets-heading">
            <h2 id="datasets-heading">"Stored datasets"</h2>
            <Suspense fallback=|| view! { <p>"Loading datasets…"</p> }>
                {loaded(datasets, |list: Vec<DatasetVersion>| dataset_table(list))}
            </Suspense>
        </section>
    }
}

fn dataset_table(list: Vec<DatasetVersion>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"No datasets yet. Upload a CSV or JSON Lines file above."</p> }
            .into_any();
    }
    view! {
        <DataTable
            class="datasets"
            headers=&["Name", "Version", "Rows", "Columns", "Size", "Owner", "Sharing", "Warnings", "Uploaded"]
        >
            {list.into_iter().map(dataset_row).collect_view()}
        </DataTable>
    }
    .into_any()
}

fn dataset_row(dataset: DatasetVersion) -> impl IntoView {
    let owner = dataset.owner.clone().unwrap_or_else(|| "sample".to_owned());
    let sharing = dataset.visibility.as_str();
    let warnings_class = if dataset.warnings > 0 {
        "warn-count"
    } else {
        ""
    };

    view! {
        <tr>
            <td><a href=format!("/datasets/{}", dataset.id)>{dataset.name}</a></td>
            <td class="number">{format!("v{}", dataset.version)}</td>
            <td class="number">{format::count(dataset.rows)}</td>
            <td class="number">{dataset.columns.len()}</td>
            <td class="number">{format::bytes(dataset.size_bytes as f64)}</td>
            <td>{owner}</td>
            <td>{sharing}</td>
            <td class=format!("number {warnings_class}")>{dataset.warnings}</td>
            <td>{format::minute(&dataset.created_at)}</td>
        </tr>
    }
}

/// Where an upload stands.
#[derive(Debug, Clone)]
enum Stage {
    /// Nothing picked or sent yet.
    Idle,
    /// Sending; the latest progress.
    Sending(Option<Progress>),
    /// The server has every byte and is finishing the profile.
    Finishing,
    /// It ended without a stored version.
    Ended(Result<&'static str, ApiFailure>),
}

#[component]
fn UploadCard() -> impl IntoView {
    let navigate = use_navigate();
    let picked = RwSignal::new_local(None::<PickedFile>);
    let running = StoredValue::new_local(None::<Upload>);
    let cancelled = RwSignal::new(false);
    let stage = RwSignal::new(Stage::Idle);
    let dragging = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let shared = RwSignal::new(false);

    let pick = move |file: Option<PickedFile>| {
        let Some(file) = file else {
            return;
        };
        if name.get_untracked().is_empty() {
            let stem = file
                .name
                .rsplit_once('.')
                .map_or(file.name.as_str(), |(stem, _)| stem);
            name.set(stem.to_owned());
        }
        picked.set(Some(file));
        stage.set(Stage::Idle);
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(file) = picked.get_untracked() else {
            stage.set(Stage::Ended(Err(ApiFailure {
                status: 0,
                message: "Choose or drop a file first.".to_owned(),
            })));
            return;
        };
        let mut url = format!(
            "/api/v1/datasets?name={}&file_name={}&visibility={}",
            encode_component(name.get_untracked().trim()),
            encode_component(&file.name),
            if shared.get_untracked() {
                "shared"
            } else {
                "private"
            },
        );
        let target = target.get_untracked();
        if !target.trim().is_empty() {
            url.push_str(&format!("&target={}", encode_component(target.trim())));
        }

        cancelled.set(false);
        stage.set(Stage::Sending(None));
        let navigate = navigate.clone();
        let on_progress = move |progress: Progress| {
            if progress.sent >= progress.total {
                stage.set(Stage::Finishing);
            } else {
                stage.set(Stage::Sending(Some(progress)));
            }
        };
        let on_done = move |outcome: Outcome| {
            running.set_value(None);
            match outcome {
                Outcome::Stored(detail) => {
                    navigate(
                        &format!("/datasets/{}", detail.dataset.id),
                        Default::default(),
                    );
                }
                Outcome::Failed(failure) => stage.set(Stage::Ended(Err(failure))),
                Outcome::Interrupted if cancelled.get_untracked() => {
                    stage.set(Stage::Ended(Ok("Upload cancelled; nothing was stored.")));
                }
                Outcome::Interrupted => stage.set(Stage::Ended(Err(ApiFailure {
                    status: 0,
                    message: "The connection to the server broke; nothing was stored.".to_owned(),
                }))),
            }
        };
        match upload::start(&file, &url, on_progress, on_done) {
            Ok(upload) => running.set_value(Some(upload)),
            Err(failure) => stage.set(Stage::Ended(Err(failure))),
        }
    };

    let cancel = move |_| {
        cancelled.set(true);
        running.with_value(|upload| {
            if let Some(upload) = upload {
                upload.cancel();
            }
        });
    };
    let busy = move || matches!(stage.get(), Stage::Sending(_) | Stage::Finishing);

    view! {
        <section class="card" aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Upload a dataset"</h2>
            <form class="form upload" on:submit=submit>
                <label
                    class="drop-zone"
                    class:dragging=move || dragging.get()
                    on:dragover=move |event: leptos::ev::DragEvent| {
                        event.prevent_default();
                        dragging.set(true);
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=move |event: leptos::ev::DragEvent| {
                        event.prevent_default();
                        dragging.set(false);
                        pick(upload::dropped_file(&event));
                    }
                >
                    <span class="drop-title">
                        {move || match picked.get() {
                            Some(file) => format!("{} · {}", file.name, format::bytes(file.size)),
                            None => "Drop a CSV or JSON Lines file here, or choose one".to_owned(),
                        }}
                    </span>
                    <input
                        type="file"
                        name="file"
                        accept=".csv,.tsv,.txt,.jsonl,.ndjson,text/csv,application/x-ndjson"
                        on:change=move |event| pick(upload::chosen_file(&event))
                    />
                </label>
                <label>
                    "Name (a new name makes a dataset, an existing one its next version)"
                    <input type="text" name="name" maxlength="100" required bind:value=name />
                </label>
                <label>
                    "Target column (optional: class balance and leakage checks)"
                    <input type="text" name="target" bind:value=target />
                </label>
                <label class="checkbox">
                    <input type="checkbox" name="shared" bind:checked=shared />
                    "Share read-only with everyone signed in"
                </label>
                <div class="actions">
                    <button type="submit" disabled=busy>"Upload"</button>
                    <button type="button" class="secondary" on:click=cancel disabled=move || !busy()>
                        "Cancel"
                    </button>
                </div>
            </form>
            {move || progress_view(stage.get())}
        </section>
    }
}

fn progress_view(stage: Stage) -> impl IntoView {
    match stage {
        Stage::Idle => ().into_any(),
        Stage::Sending(progress) => {
            let fraction = progress.map_or(0.0, Progress::fraction);
            let text = match progress {
                None => "Starting…".to_owned(),
                Some(progress) => {
                    let left = progress
                        .remaining_s()
                        .map_or_else(|| "…".to_owned(), format::duration);
                    format!(
                        "{} of {} · {}/s · {left} left",
                        format::bytes(progress.sent),
                        format::bytes(progress.total),
                        format::bytes(progress.rate()),
                    )
                }
            };
            view! {
                <div class="upload-progress" role="status">
                    <progress max="1" value=fraction.to_string()></progress>
                    <p class="progress-text">{text}</p>
                </div>
            }
            .into_any()
        }
        Stage::Finishing => view! {
            <div class="upload-progress" role="status">
                <progress max="1" value="1"></progress>
                <p class="progress-text">"Every byte sent; the server is finishing the profile…"</p>
            </div>
        }
        .into_any(),
        Stage::Ended(Ok(message)) => {
            view! { <p class="notice" role="status">{message}</p> }.into_any()
        }
        Stage::Ended(Err(failure)) => failure_view(Some(failure)).into_any(),
    }
}
