//! The Training page: queue a training job on a stored dataset (editors), and the list of
//! jobs with where each stands. One job's live progress lives on its own page ([`job`]).

mod form;
mod job;
mod trials;

pub(crate) use job::JobPage;

use lepton_protocol::account::Role;
use lepton_protocol::job::{Job, JobStatus};
use leptos::prelude::*;
use leptos_meta::Title;

use super::table::{DataTable, loaded};
use crate::format;
use crate::http;
use crate::viewer::use_viewer;

/// The training page.
#[component]
pub(crate) fn Training() -> impl IntoView {
    let can_train = use_viewer().is_some_and(|viewer| viewer.role >= Role::Editor);
    let jobs = LocalResource::new(|| http::get::<Vec<Job>>("/api/v1/jobs"));

    view! {
        <Title text="Training" />
        <h1>"Training"</h1>
        <p class="lead">
            "Heavy training on the server: jobs are queued durably, checkpoint every epoch and \
             resume after a restart, then are evaluated once on the held-out test rows and \
             registered as a model version."
        </p>
        {can_train.then(|| view! { <form::JobForm /> })}
        <section class="card" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">"Jobs"</h2>
            <Suspense fallback=|| view! { <p>"Loading jobs…"</p> }>
                {loaded(jobs, |list: Vec<Job>| job_table(list))}
            </Suspense>
        </section>
    }
}

fn job_table(list: Vec<Job>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"No jobs yet."</p> }.into_any();
    }
    view! {
        <DataTable
            class="jobs"
            headers=&["Dataset", "Model", "Status", "Epochs", "Test score", "Owner", "Queued"]
        >
            {list.into_iter().map(job_row).collect_view()}
        </DataTable>
    }
    .into_any()
}

fn job_row(job: Job) -> impl IntoView {
    let model = job
        .result
        .as_ref()
        .map(|result| format!("{} v{}", result.model, result.version))
        .or_else(|| job.request.model.clone())
        .unwrap_or_else(|| "—".to_owned());
    let score = job
        .result
        .as_ref()
        .map(|result| {
            let score = lepton_protocol::registry::headline_score(&result.test);
            format::number(score, 3)
        })
        .unwrap_or_default();

    view! {
        <tr>
            <td><a href=format!("/training/{}", job.id)>{job.dataset_label.clone()}</a></td>
            <td>{model}</td>
            <td><StatusBadge status=job.status /></td>
            <td class="number">{format!("{} / {}", job.epochs_done, job.request.training.epochs)}</td>
            <td class="number">{score}</td>
            <td>{job.owner.clone()}</td>
            <td>{format::minute(&job.created_at)}</td>
        </tr>
    }
}

/// A job's status as a coloured word.
#[component]
pub(crate) fn StatusBadge(status: JobStatus) -> impl IntoView {
    view! {
        <span class=format!("badge status-{}", status.as_str()) data-testid="job-status">
            {status.as_str()}
        </span>
    }
}
