//! Starting the training worker and listening to it (browser only).

use lepton_protocol::{LabEvent, LabRequest};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// Why the training worker could not be started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpawnError {
    /// The page names no worker script: the site was built without it (`cargo leptos watch`).
    #[error("the training worker is not part of this build")]
    NotBuilt,
    /// The browser refused to start the worker (module workers unsupported, blocked script).
    #[error("the training worker could not start: {0}")]
    Start(String),
    /// The request could not be handed to the worker.
    #[error("the request could not be sent to the training worker: {0}")]
    Send(String),
}

/// A running worker; dropping it does not stop it, [`TrainingWorker::terminate`] does.
pub(crate) struct TrainingWorker {
    worker: Worker,
    // Kept alive as long as the worker: the browser calls them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl TrainingWorker {
    /// Stops the worker at once, wherever it is.
    pub(crate) fn terminate(&self) {
        self.worker.terminate();
    }
}

/// Starts the worker, sends it `request`, and calls `on_event` for everything it reports.
///
/// # Errors
///
/// A [`SpawnError`] when the worker script is missing, cannot start or cannot be reached.
pub(crate) fn spawn(
    request: &LabRequest,
    on_event: impl Fn(LabEvent) + 'static,
) -> Result<TrainingWorker, SpawnError> {
    let url = worker_url().ok_or(SpawnError::NotBuilt)?;

    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(&url, &options)
        .map_err(|error| SpawnError::Start(format!("{error:?}")))?;

    let on_event = std::rc::Rc::new(on_event);
    let on_message = {
        let on_event = on_event.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let event = serde_wasm_bindgen::from_value::<LabEvent>(message.data()).unwrap_or_else(
                |error| LabEvent::Failed {
                    message: format!("unreadable worker message: {error}"),
                },
            );
            on_event(event);
        })
    };
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
        on_event(LabEvent::Failed {
            message: "the training worker stopped with an error (see the browser console)".into(),
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

    let message = serde_wasm_bindgen::to_value(request)
        .map_err(|error| SpawnError::Send(error.to_string()))?;
    worker
        .post_message(&message)
        .map_err(|error| SpawnError::Send(format!("{error:?}")))?;

    Ok(TrainingWorker {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// The worker script's URL from the shell's `lepton-worker` meta tag; `None` when it is empty.
fn worker_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let meta = document.query_selector("meta[name=lepton-worker]").ok()??;
    meta.get_attribute("content").filter(|url| !url.is_empty())
}
