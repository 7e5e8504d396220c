//! What the Lab's buttons do: start the worker, send it requests, reset it, save and load
//! model files, and keep the URL in step with the experiment.
//!
//! Only the browser has a worker; on the server these are never called (event handlers and
//! effects do not run there), so the server build compiles them to nothing.

use lepton_protocol::lab::{DataSource, LabRequest, PreparedData, StoredLabModel};
use leptos::html::Canvas;
use leptos::prelude::*;

use super::state::{LabState, RunState};
use crate::http;

/// The page's handle on its worker; `Copy`, so every handler can hold one.
#[derive(Clone, Copy)]
pub(crate) struct Actions {
    state: LabState,
    canvas: NodeRef<Canvas>,
    #[cfg(feature = "hydrate")]
    worker: StoredValue<Option<crate::lab::LabWorker>, LocalStorage>,
}

impl Actions {
    /// Actions for the page's `state` and its heatmap `canvas`.
    pub(crate) fn new(state: LabState, canvas: NodeRef<Canvas>) -> Self {
        #[cfg(feature = "hydrate")]
        {
            let worker = StoredValue::new_local(None::<crate::lab::LabWorker>);
            on_cleanup(move || {
                worker.with_value(|worker| worker.iter().for_each(|w| w.terminate()))
            });
            Self {
                state,
                canvas,
                worker,
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Self { state, canvas }
        }
    }

    /// Starts a run of the configured experiment, and writes it into the URL.
    pub(crate) fn start(&self) {
        let config = self.state.config.get_untracked();
        if let Err(error) = config.validate() {
            self.state.run.set(RunState::Failed(error.to_string()));
            return;
        }

        self.state.clear_results();
        self.state.run.set(RunState::Loading);
        self.replace_url(&config.to_query());

        let DataSource::Dataset { id } = &config.data else {
            return self.send(&LabRequest::Start { config, data: None });
        };
        // A stored dataset's rows come from the server, prepared by its recipe.
        let path = format!("/api/v1/datasets/{id}/prepared");
        let actions = *self;
        leptos::task::spawn_local(async move {
            match http::get::<PreparedData>(&path).await {
                Ok(data) => actions.send(&LabRequest::Start {
                    config,
                    data: Some(Box::new(data)),
                }),
                Err(failure) => actions.state.run.set(RunState::Failed(failure.message)),
            }
        });
    }

    /// Stops and discards the worker and every result; the next Start loads a fresh one.
    pub(crate) fn reset(&self) {
        #[cfg(feature = "hydrate")]
        {
            self.worker.update_value(|worker| {
                if let Some(worker) = worker.take() {
                    worker.terminate();
                }
            });
        }
        self.state.clear_results();
        self.state.run.set(RunState::Idle);
        self.state.backend.set(None);
        self.state
            .canvas_generation
            .update(|generation| *generation += 1);
    }

    /// Posts `request`, starting the worker first when there is none.
    pub(crate) fn send(&self, request: &LabRequest) {
        #[cfg(feature = "hydrate")]
        {
            if self.worker.with_value(Option::is_none) && !self.spawn() {
                return;
            }
            let sent = self
                .worker
                .with_value(|worker| worker.as_ref().map(|worker| worker.send(request)));
            if let Some(Err(error)) = sent {
                self.state.run.set(RunState::Failed(error.to_string()));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (request, self.canvas);
        }
    }

    #[cfg(feature = "hydrate")]
    fn spawn(&self) -> bool {
        let state = self.state;
        match crate::lab::LabWorker::spawn(move |event| state.apply(event)) {
            Ok(worker) => {
                if let Some(canvas) = self.canvas.get_untracked()
                    && let Err(error) = worker.attach_canvas(&canvas)
                {
                    state.notice.set(Some(format!("No heatmap: {error}")));
                }
                self.worker.set_value(Some(worker));
                true
            }
            Err(error) => {
                state.run.set(RunState::Failed(error.to_string()));
                false
            }
        }
    }

    fn replace_url(&self, query: &str) {
        #[cfg(feature = "hydrate")]
        {
            let url = if query.is_empty() {
                "/lab".to_owned()
            } else {
                format!("/lab?{query}")
            };
            if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
                // Failing to rewrite the address bar costs only the shareable link.
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = query;
        }
    }

    /// Offers `text` (a model file) as a download named after the experiment.
    pub(crate) fn download(&self, text: &str) {
        #[cfg(feature = "hydrate")]
        {
            let seed = self.state.config.get_untracked().training.seed;
            if let Err(error) = save_file(text, &format!("lepton-model-seed-{seed}.json")) {
                self.state
                    .notice
                    .set(Some(format!("The download failed: {error:?}")));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = text;
        }
    }

    /// Uploads `text` (a model file) to the server under `name`.
    pub(crate) fn upload(&self, text: String, name: &str) {
        let path = format!("/api/v1/lab/models?name={}", http::encode_component(name));
        let state = self.state;
        state.upload_result.set(Some("Saving…".to_owned()));
        leptos::task::spawn_local(async move {
            let outcome = http::send_json_text::<StoredLabModel>("POST", &path, text).await;
            state.upload_result.set(Some(match outcome {
                Ok(stored) => format!(
                    "Saved to the server as “{}” ({} KiB, id {}).",
                    stored.name,
                    stored.size_bytes.div_ceil(1024),
                    stored.id
                ),
                Err(failure) => format!("Not saved: {}", failure.message),
            }));
        });
    }

    /// Fetches a registry version's model file and asks the worker to load it.
    pub(crate) fn import_registry(&self, name: &str, version: u32) {
        let actions = *self;
        let path = format!(
            "/api/v1/models/{}/versions/{version}/artifact",
            crate::http::encode_component(name)
        );
        let label = format!("{name} version {version}");
        leptos::task::spawn_local(async move {
            match crate::http::get::<serde_json::Value>(&path).await {
                Ok(file) => actions.send(&LabRequest::Import {
                    text: file.to_string(),
                }),
                Err(failure) => actions.state.notice.set(Some(format!(
                    "{label} could not be loaded from the registry: {}",
                    failure.message
                ))),
            }
        });
    }

    /// Reads the chosen file and asks the worker to load it.
    pub(crate) fn import(&self, event: &leptos::ev::Event) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;

            let Some(file) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            if file.size() > lepton_protocol::lab::MODEL_FILE_MAX_BYTES as f64 {
                self.state.notice.set(Some(
                    "That file is larger than 64 MB: it is not a Lab model. The current model \
                     is unchanged."
                        .to_owned(),
                ));
                return;
            }

            let actions = *self;
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(text) => actions.send(&LabRequest::Import {
                        text: text.as_string().unwrap_or_default(),
                    }),
                    Err(error) => actions
                        .state
                        .notice
                        .set(Some(format!("The file could not be read: {error:?}"))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = event;
        }
    }
}

/// Saves `text` through a temporary link with the `download` attribute.
#[cfg(feature = "hydrate")]
fn save_file(text: &str, name: &str) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;

    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;

    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let link = document
        .create_element("a")?
        .dyn_into::<web_sys::HtmlAnchorElement>()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();

    web_sys::Url::revoke_object_url(&url)
}
