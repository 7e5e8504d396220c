//! The in-tab trainer: a wasm module loaded into the Lab page's Web Worker.
//!
//! It owns burn, so the dashboard's own bundle never carries it, and it trains off the main
//! thread, so the page stays responsive. The page posts [`LabRequest`]s; each lands in an
//! inbox, and one loop ([`run_loop`]) owns the [`lab::Lab`] state, takes requests from the
//! inbox between slices of training, and answers with [`LabEvent`]s through the callback the
//! worker script passes in.

mod backend;
mod clock;
mod heatmap;
mod lab;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use lepton_protocol::lab::{LabEvent, LabRequest};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::OffscreenCanvas;

/// Something for the loop to do.
enum Inbound {
    Request(LabRequest),
    Unreadable(String),
    Canvas(OffscreenCanvas),
    LoseDevice,
}

thread_local! {
    static INBOX: RefCell<VecDeque<Inbound>> = const { RefCell::new(VecDeque::new()) };
    /// Resolves the promise the idle loop waits on.
    static WAKE: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The worker script's `postMessage` callback.
    static EMIT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static LOOP_STARTED: Cell<bool> = const { Cell::new(false) };
}

/// Installs the panic hook so a Rust panic reaches the browser console with its message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Takes one request from the page; events about it arrive through `emit`.
///
/// `emit` receives each event as a plain JavaScript object; the same callback serves every
/// request, so the worker script passes `postMessage` once and for all.
#[wasm_bindgen]
pub fn handle(request: JsValue, emit: js_sys::Function) {
    EMIT.with(|slot| *slot.borrow_mut() = Some(emit));

    let inbound = match serde_wasm_bindgen::from_value::<LabRequest>(request) {
        Ok(request) => Inbound::Request(request),
        Err(error) => Inbound::Unreadable(error.to_string()),
    };
    deliver(inbound);
}

/// Hands the heatmap's canvas (transferred from the page) to the trainer.
#[wasm_bindgen]
pub fn attach_canvas(canvas: OffscreenCanvas) {
    deliver(Inbound::Canvas(canvas));
}

/// Destroys the WebGPU device as a driver reset would, so the fallback to the CPU can be
/// tested end to end; the worker script exposes it to tests as `leptonLoseDevice`.
#[wasm_bindgen]
pub fn lose_device() {
    deliver(Inbound::LoseDevice);
}

fn deliver(inbound: Inbound) {
    INBOX.with(|inbox| inbox.borrow_mut().push_back(inbound));
    if let Some(wake) = WAKE.with(|wake| wake.borrow_mut().take()) {
        // Resolving a promise cannot fail.
        let _ = wake.call0(&JsValue::NULL);
    }
    if !LOOP_STARTED.with(|started| started.replace(true)) {
        wasm_bindgen_futures::spawn_local(run_loop());
    }
}

fn emit(event: LabEvent) {
    let Ok(value) = serde_wasm_bindgen::to_value(&event) else {
        return;
    };
    EMIT.with(|slot| {
        if let Some(emit) = slot.borrow().as_ref() {
            // Only fails while the worker is being torn down; nobody is left to tell.
            let _ = emit.call1(&JsValue::NULL, &value);
        }
    });
}

/// The worker's one loop: requests first, then a slice of training, then a turn for the
/// browser; idle, it sleeps until the next message.
async fn run_loop() {
    let mut lab = lab::Lab::default();

    loop {
        while let Some(inbound) = INBOX.with(|inbox| inbox.borrow_mut().pop_front()) {
            match inbound {
                Inbound::Request(request) => lab.handle(request, &emit).await,
                Inbound::Unreadable(error) => emit(LabEvent::Failed {
                    message: format!("the worker did not understand the request: {error}"),
                }),
                Inbound::Canvas(canvas) => lab.attach_canvas(canvas),
                Inbound::LoseDevice => lab.lose_device(),
            }
        }

        if lab.is_training() {
            lab.train_slice(&emit).await;
            clock::yield_to_browser().await;
        } else if INBOX.with(|inbox| inbox.borrow().is_empty()) {
            let (promise, resolve) = clock::message_signal();
            WAKE.with(|wake| *wake.borrow_mut() = Some(resolve));
            // Resolved by `deliver`; it never rejects.
            let _ = JsFuture::from(promise).await;
        }
    }
}
