//! The HTML document around every page, rendered only on the server.
//!
//! It links the hashed stylesheet and bundle from the [`AssetManifest`], tells the Lab where
//! its worker script lives, and tells the browser code who is signed in (with the session's
//! CSRF token), all through `<meta>` tags.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::App;
use crate::assets::AssetManifest;
use crate::viewer::{self, META_CSRF, META_ROLE, META_USERNAME};

/// Renders the document shell for `leptos_axum`.
pub fn shell(assets: AssetManifest) -> impl IntoView {
    let js = format!("/pkg/{}", assets.app_js);
    let wasm = format!("/pkg/{}", assets.app_wasm);
    let css = format!("/pkg/{}", assets.css);
    let worker = assets.worker.map(|worker| format!("/pkg/{worker}"));
    let signed_in = viewer::current();
    let username = signed_in.as_ref().map(|viewer| viewer.username.clone());
    let role = signed_in.as_ref().map(|viewer| viewer.role.as_str());
    let csrf = signed_in.map(|viewer| viewer.csrf_token);

    // Loads the bundle with an explicit wasm path, so hashed names need no renaming.
    let hydrate = format!(
        "import init, {{ hydrate }} from '{js}';\
         init({{ module_or_path: '{wasm}' }}).then(function () {{ hydrate(); }});"
    );

    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="lepton-worker" content=worker.unwrap_or_default() />
                <meta name=META_USERNAME content=username.unwrap_or_default() />
                <meta name=META_ROLE content=role.unwrap_or_default() />
                <meta name=META_CSRF content=csrf.unwrap_or_default() />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=css />
                <link rel="modulepreload" href=js />
                <link
                    rel="preload"
                    href=wasm
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin=""
                />
                <script type="module" inner_html=hydrate></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}
