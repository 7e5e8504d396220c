//! The Lepton dashboard: Leptos components rendered on the server and hydrated in the browser.
//!
//! With the `ssr` feature the server renders every page to HTML; with `hydrate` the same
//! components compile to the wasm bundle that takes the page over in the browser. The crate
//! knows nothing of storage or training: pages talk to the server through HTTP and to the
//! in-tab trainer through a Web Worker.

// `#[component]` declares each component's props struct `pub`, whatever the function's own
// visibility, so this lint would flag every private component.
#![allow(
    unreachable_pub,
    reason = "leptos's component macro makes props structs pub"
)]

pub mod assets;
mod format;
mod http;
mod lab;
mod nav;
mod pages;
mod routes;
pub mod shell;
#[cfg_attr(
    not(feature = "hydrate"),
    allow(dead_code, reason = "files are uploaded from the browser only")
)]
mod upload;
mod viewer;

pub use routes::App;
pub use shell::shell;
pub use viewer::Viewer;

/// Entry point of the browser bundle: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);

    // Tells tests (and curious people) that the page is now interactive.
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
