//! Starting the training worker and talking to it (browser only).

use lepton_protocol::lab::{LabEvent, LabRequest};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Why the training worker could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WorkerError {
    /// The page names no worker script: the site was built without it (`cargo leptos watch`).
    #[error("the training worker is not part of this build")]
    NotBuilt,
    /// The browser refused to start the worker (module workers unsupported, blocked script).
    #[error("the training worker could not start: {0}")]
    Start(String),
    /// A message could not be handed to the worker.
    #[error("the request could not be sent to the training worker: {0}")]
    Send(String),
}

/// The Lab's worker, alive until [`LabWorker::terminate`] (or the page goes).
pub(crate) struct LabWorker {
    worker: Worker,
    // Kept alive as long as the worker: the browser calls them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl LabWorker {
    /// Starts the worker; `on_event` is called for everything it reports.
    ///
    /// # Errors
    ///
    /// A [`WorkerError`] when the worker script is missing or cannot start.
    pub(crate) fn spawn(on_event: impl Fn(LabEvent) + 'static) -> Result<Self, WorkerError> {
        let url = worker_url().ok_or(WorkerError::NotBuilt)?;

        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&url, &options)
            .map_err(|error| WorkerError::Start(format!("{error:?}")))?;

        let on_event = std::rc::Rc::new(on_event);
        let on_message = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                let event = serde_wasm_bindgen::from_value::<LabEvent>(message.data())
                    .unwrap_or_else(|error| LabEvent::Failed {
                        message: format!("unreadable worker message: {error}"),
                    });
                on_event(event);
            })
        };
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
            on_event(LabEvent::Failed {
                message: "the training worker stopped with an error (see the browser console); \
                          press Reset to start a new one"
                    .into(),
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        Ok(Self {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Posts one request.
    ///
    /// # Errors
    ///
    /// [`WorkerError::Send`] when the request cannot be serialised or posted.
    pub(crate) fn send(&self, request: &LabRequest) -> Result<(), WorkerError> {
        let message = serde_wasm_bindgen::to_value(request)
            .map_err(|error| WorkerError::Send(error.to_string()))?;
        self.worker
            .post_message(&message)
            .map_err(|error| WorkerError::Send(format!("{error:?}")))
    }

    /// Hands `canvas` to the worker, which draws the heatmap on it from then on. A canvas can
    /// be handed over once; the page renders a new element after a reset.
    ///
    /// # Errors
    ///
    /// [`WorkerError::Send`] when the browser cannot transfer the canvas.
    pub(crate) fn attach_canvas(&self, canvas: &HtmlCanvasElement) -> Result<(), WorkerError> {
        let failed = |error: JsValue| WorkerError::Send(format!("{error:?}"));
        let offscreen = canvas.transfer_control_to_offscreen().map_err(failed)?;

        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"type".into(), &"canvas".into()).map_err(failed)?;
        js_sys::Reflect::set(&message, &"canvas".into(), &offscreen).map_err(failed)?;
        let transfer = js_sys::Array::of1(&offscreen);
        self.worker
            .post_message_with_transfer(&message, &transfer)
            .map_err(failed)
    }

    /// Stops the worker at once, wherever it is.
    pub(crate) fn terminate(&self) {
        self.worker.terminate();
    }
}

/// The worker script's URL from the shell's `lepton-worker` meta tag; `None` when it is empty.
fn worker_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let meta = document.query_selector("meta[name=lepton-worker]").ok()??;
    meta.get_attribute("content").filter(|url| !url.is_empty())
}
