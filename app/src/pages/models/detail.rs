//! One model's page: every version with its stage, source, data, device and test figures;
//! buttons that move a version between stages (its owner and admins), the artifact download,
//! and the evaluation of the version picked.

use lepton_protocol::registry::{ModelDetail, ModelVersion, Stage, StageChange, VersionSource};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::format;
use crate::http::{self, ApiFailure, encode_component};
use crate::pages::lab::charts::EvaluationView;
use crate::pages::table::{DataTable, failure_view, loaded};

/// The page of one model.
#[component]
pub(crate) fn ModelPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.with(|params| params.get("name").unwrap_or_default());
    let (reload, set_reload) = signal(0_u32);
    let detail = LocalResource::new(move || {
        reload.track();
        let name = encode_component(&name());
        async move { http::get::<ModelDetail>(&format!("/api/v1/models/{name}")).await }
    });
    let changed = move || set_reload.update(|count| *count += 1);

    view! {
        <Title text="Model" />
        <Suspense fallback=|| view! { <p>"Loading the model…"</p> }>
            {loaded(detail, move |detail: ModelDetail| view! { <ModelView detail=detail changed=changed /> })}
        </Suspense>
    }
}

#[component]
fn ModelView(
    detail: ModelDetail,
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let picked = RwSignal::new(detail.versions.first().map(|version| version.version));
    let compared = RwSignal::new(Vec::<u32>::new());
    let versions = detail.versions.clone();
    let summary = detail.summary;

    let encoded = StoredValue::new(encode_component(&summary.name));
    let move_to = move |version: u32, stage: Stage| {
        let name = encoded.get_value();
        spawn_local(async move {
            let path = format!("/api/v1/models/{name}/versions/{version}/stage");
            match http::send_json::<_, ModelVersion>("POST", &path, &StageChange { stage }).await {
                Ok(_) => changed(),
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };
    let rows = versions
        .iter()
        .cloned()
        .map(|version| version_row(version, picked, compared, move_to))
        .collect_view();
    let evaluation = move || {
        let number = picked.get()?;
        let version = versions
            .iter()
            .find(|version| version.version == number)?
            .clone();
        Some(view! {
            <section class="card" aria-labelledby="evaluation-heading" data-testid="version-evaluation">
                <h2 id="evaluation-heading">
                    {format!("Version {} on its {} rows", version.version, version.evaluated_on)}
                </h2>
                {downloads(&version)}
                {version.evaluation.map(|evaluation| view! { <EvaluationView evaluation=evaluation /> })}
            </section>
        })
    };

    view! {
        <h1>{summary.name.clone()}</h1>
        <p class="lead">
            {format!(
                "{} versions, owned by {}. Production: {}.",
                summary.versions,
                summary.owner,
                summary.production.map_or_else(|| "none".to_owned(), |version| format!("v{version}")),
            )}
        </p>
        <section class="card" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Versions"</h2>
            {move || failure_view(failure.get())}
            <DataTable
                class="versions"
                headers=&["Version", "Stage", "Source", "Data", "Score", "Device", "Trained by", "Created", ""]
            >
                {rows}
            </DataTable>
            {move || {
                let list = compared.get();
                let name = summary.name.clone();
                (list.len() >= 2).then(|| {
                    let versions: Vec<String> = list
                        .iter()
                        .map(|version| format!("{}:{version}", encode_component(&name)))
                        .collect();
                    view! {
                        <p>
                            <a class="button" href=format!("/compare?versions={}", versions.join(","))>
                                {format!("Compare {} versions", list.len())}
                            </a>
                        </p>
                    }
                })
            }}
        </section>
        {evaluation}
    }
}

/// Links to the three objects of a version's artifact.
fn downloads(version: &ModelVersion) -> impl IntoView + use<> {
    let base = format!(
        "/api/v1/models/{}/versions/{}/artifact",
        encode_component(&version.model),
        version.version
    );
    let burn = version.burn.clone().map(|burn| {
        view! {
            " · "
            <a href=format!("{base}?part=record") download>
                {format!("burn record ({})", format::bytes(burn.record_bytes as f64))}
            </a>
            " · "
            <a href=format!("{base}?part=manifest") download>"manifest"</a>
        }
    });
    view! {
        <p class="downloads" data-testid="downloads">
            "Download: "
            <a href=base.clone() download>{format!("model file ({})", format::bytes(version.size_bytes as f64))}</a>
            {burn}
        </p>
    }
}

fn version_row(
    version: ModelVersion,
    picked: RwSignal<Option<u32>>,
    compared: RwSignal<Vec<u32>>,
    move_to: impl Fn(u32, Stage) + Copy + 'static,
) -> impl IntoView {
    let number = version.version;
    let source = match &version.source {
        VersionSource::Job { id } => {
            view! { <a href=format!("/training/{id}")>"training job"</a> }.into_any()
        }
        VersionSource::Lab { .. } => "Lab upload".into_any(),
    };
    let score = version
        .evaluation
        .as_ref()
        .map(|evaluation| format::number(lepton_protocol::registry::headline_score(evaluation), 3))
        .unwrap_or_default();
    let artifact = format!(
        "/api/v1/models/{}/versions/{number}/artifact",
        encode_component(&version.model)
    );
    let stage = version.stage;
    let button = move |target: Stage, label: &'static str| {
        (stage != target).then(|| {
            view! {
                <button type="button" class="secondary small" on:click=move |_| move_to(number, target)>
                    {label}
                </button>
            }
        })
    };

    view! {
        <tr data-version=number class:picked=move || picked.get() == Some(number)>
            <td class="number">
                <button type="button" class="link" on:click=move |_| picked.set(Some(number))>
                    {format!("v{number}")}
                </button>
            </td>
            <td><span class=format!("badge stage-{}", stage.as_str()) data-testid="stage">{stage.label()}</span></td>
            <td>
                {source}
                {(version.members > 1).then(|| format!(" · bagging of {}", version.members))}
            </td>
            <td>{version.dataset_label.clone().unwrap_or_else(|| "toy data".to_owned())}</td>
            <td class="number">{score}</td>
            <td>{version.device.clone()}</td>
            <td>{version.trained_by.clone()}</td>
            <td>{format::minute(&version.created_at)}</td>
            <td>
                <div class="row-actions">
                <label class="checkbox inline">
                    <input
                        type="checkbox"
                        name="compare"
                        on:change=move |event| {
                            let on = event_target_checked(&event);
                            compared.update(|list| {
                                list.retain(|&other| other != number);
                                if on {
                                    list.push(number);
                                }
                            });
                        }
                    />
                    "compare"
                </label>
                {button(Stage::Staging, "Stage")}
                {button(Stage::Production, "Promote")}
                {button(Stage::Archived, "Archive")}
                <a class="button secondary small" href=artifact download>"Download"</a>
                {(version.members == 1).then(|| view! {
                    <a
                        class="button secondary small"
                        href=format!("/lab?model={}:{number}", encode_component(&version.model))
                    >
                        "Open in Lab"
                    </a>
                })}
                </div>
            </td>
        </tr>
    }
}
