//! Uploading a file from the browser with progress and cancel.
//!
//! `fetch` cannot report upload progress, so uploads go through `XMLHttpRequest`, whose
//! `upload.onprogress` tells how many bytes have left. The file is sent as the raw request
//! body: the browser streams it from disk, and the server streams it to storage. Only the
//! browser runs this; on the server every function is an inert stand-in.

use lepton_protocol::dataset::DatasetDetail;

use crate::http::ApiFailure;

/// How far an upload has come.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Progress {
    /// Bytes sent.
    pub(crate) sent: f64,
    /// Bytes in the file.
    pub(crate) total: f64,
    /// Seconds since the upload started.
    pub(crate) elapsed_s: f64,
}

impl Progress {
    /// Bytes per second so far.
    pub(crate) fn rate(self) -> f64 {
        if self.elapsed_s > 0.0 {
            self.sent / self.elapsed_s
        } else {
            0.0
        }
    }

    /// Seconds left at the rate so far; `None` before there is a rate.
    pub(crate) fn remaining_s(self) -> Option<f64> {
        let rate = self.rate();
        (rate > 0.0).then(|| (self.total - self.sent).max(0.0) / rate)
    }

    /// Sent share of the file, 0 to 1.
    pub(crate) fn fraction(self) -> f64 {
        if self.total > 0.0 {
            (self.sent / self.total).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// How an upload ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Stored; the new version.
    Stored(Box<DatasetDetail>),
    /// Refused or failed, with the server's message.
    Failed(ApiFailure),
    /// No answer came: the person cancelled, or the connection broke.
    Interrupted,
}

/// A file the person picked or dropped.
#[derive(Debug, Clone)]
pub(crate) struct PickedFile {
    /// Its name.
    pub(crate) name: String,
    /// Its size in bytes.
    pub(crate) size: f64,
    #[cfg(feature = "hydrate")]
    file: web_sys::File,
}

/// A running upload; dropping it does not stop it, [`Upload::cancel`] does.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    #[cfg(feature = "hydrate")]
    request: web_sys::XmlHttpRequest,
}

impl Upload {
    /// Stops the upload; the server removes what it received.
    pub(crate) fn cancel(&self) {
        #[cfg(feature = "hydrate")]
        let _ = self.request.abort();
    }
}

/// The first file of a drop, if any.
pub(crate) fn dropped_file(event: &leptos::ev::DragEvent) -> Option<PickedFile> {
    #[cfg(feature = "hydrate")]
    {
        let files = event.data_transfer()?.files()?;
        files.get(0).map(picked)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        None
    }
}

/// The file chosen in a file input, if any.
pub(crate) fn chosen_file(event: &leptos::ev::Event) -> Option<PickedFile> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let input: web_sys::HtmlInputElement = event.target()?.dyn_into().ok()?;
        input.files()?.get(0).map(picked)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        None
    }
}

#[cfg(feature = "hydrate")]
fn picked(file: web_sys::File) -> PickedFile {
    PickedFile {
        name: file.name(),
        size: file.size(),
        file,
    }
}

/// Starts uploading `file` to `url` (with its query string); `on_progress` hears about every
/// step and `on_done` once about the end.
///
/// # Errors
///
/// An [`ApiFailure`] when the browser refuses to start the request.
pub(crate) fn start(
    file: &PickedFile,
    url: &str,
    on_progress: impl Fn(Progress) + 'static,
    on_done: impl FnOnce(Outcome) + 'static,
) -> Result<Upload, ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        browser::start(file, url, on_progress, on_done)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (file, url, on_progress, on_done);
        Err(ApiFailure {
            status: 0,
            message: "uploads start in the browser".to_owned(),
        })
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use lepton_protocol::account::ErrorBody;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::{Outcome, PickedFile, Progress, Upload};
    use crate::http::ApiFailure;

    fn now_s() -> f64 {
        js_sys::Date::now() / 1000.0
    }

    pub(super) fn start(
        file: &PickedFile,
        url: &str,
        on_progress: impl Fn(Progress) + 'static,
        on_done: impl FnOnce(Outcome) + 'static,
    ) -> Result<Upload, ApiFailure> {
        let failed = |error: wasm_bindgen::JsValue| ApiFailure {
            status: 0,
            message: format!("the upload could not start ({error:?})"),
        };
        let request = XmlHttpRequest::new().map_err(failed)?;
        request.open("POST", url).map_err(failed)?;
        request
            .set_request_header("accept", "application/json")
            .map_err(failed)?;
        if let Some(viewer) = crate::viewer::current() {
            request
                .set_request_header("x-csrf-token", &viewer.csrf_token)
                .map_err(failed)?;
        }

        let started = now_s();
        let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            on_progress(Progress {
                sent: event.loaded(),
                total: event.total(),
                elapsed_s: now_s() - started,
            });
        });
        request
            .upload()
            .map_err(failed)?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));

        // `loadend` fires once after load, error or abort; the closures live until then.
        let on_done = Rc::new(RefCell::new(Some(on_done)));
        let finished = request.clone();
        let keep_progress = RefCell::new(Some(progress));
        let done = Closure::<dyn Fn()>::new(move || {
            keep_progress.borrow_mut().take();
            let Some(on_done) = on_done.borrow_mut().take() else {
                return;
            };
            on_done(outcome(&finished));
        });
        request.set_onloadend(Some(done.as_ref().unchecked_ref()));
        done.forget();

        request
            .send_with_opt_blob(Some(&file.file))
            .map_err(failed)?;
        Ok(Upload { request })
    }

    fn outcome(request: &XmlHttpRequest) -> Outcome {
        let status = request.status().unwrap_or(0);
        let text = request.response_text().ok().flatten().unwrap_or_default();
        if status == 0 {
            return Outcome::Interrupted;
        }

        if (200..300).contains(&status) {
            return match serde_json::from_str(&text) {
                Ok(detail) => Outcome::Stored(Box::new(detail)),
                Err(error) => Outcome::Failed(ApiFailure {
                    status,
                    message: format!("unexpected answer from the server: {error}"),
                }),
            };
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error.message)
            .unwrap_or_else(|_| format!("the server answered {status}"));
        Outcome::Failed(ApiFailure { status, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_gives_rate_and_time_left() {
        let progress = Progress {
            sent: 25.0,
            total: 100.0,
            elapsed_s: 5.0,
        };
        assert_eq!(progress.rate(), 5.0);
        assert_eq!(progress.remaining_s(), Some(15.0));
        assert_eq!(progress.fraction(), 0.25);
        let start = Progress {
            sent: 0.0,
            total: 100.0,
            elapsed_s: 0.0,
        };
        assert_eq!(start.remaining_s(), None);
    }
}
