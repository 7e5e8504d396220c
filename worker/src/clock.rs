//! Time and turns on the worker's event loop.
//!
//! Training runs in slices: after each one the loop hands the thread back to the browser so
//! that messages from the page (pause, stop, a prediction) are delivered. `setTimeout(0)` is
//! clamped to 4 ms once nested, so the worker script provides `leptonYield`, a turn through a
//! `MessageChannel`, which is not.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds from the worker's time origin; 0 outside a worker.
pub(crate) fn now_ms() -> f64 {
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Lets the browser deliver pending messages, then continues.
pub(crate) async fn yield_to_browser() {
    let turn = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("leptonYield"))
        .ok()
        .and_then(|function| function.dyn_into::<js_sys::Function>().ok())
        .and_then(|function| function.call0(&JsValue::NULL).ok())
        .and_then(|promise| promise.dyn_into::<js_sys::Promise>().ok());

    if let Some(promise) = turn {
        // A turn cannot fail; if it somehow does, the loop simply carries on.
        let _ = JsFuture::from(promise).await;
    }
}

/// A promise that the next message from the page resolves, and its resolver.
pub(crate) fn message_signal() -> (js_sys::Promise, js_sys::Function) {
    let mut resolver = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    let resolve = resolver.unwrap_or_else(|| {
        unreachable!("the Promise constructor calls its executor synchronously")
    });
    (promise, resolve)
}
