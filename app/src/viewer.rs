//! The signed-in person, as the pages see them.
//!
//! On the server the access guard puts a [`Viewer`] into the request; the shell writes it
//! into `<meta>` tags, and the browser reads it back from them before hydrating, so both
//! sides render the same navigation. Pages get it with [`use_viewer`].

use lepton_protocol::account::Role;
use leptos::prelude::*;

/// A signed-in user of a browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The sign-in name.
    pub username: String,
    /// What they may do.
    pub role: Role,
    /// Sent as `X-CSRF-Token` with the page's state-changing requests and in forms.
    pub csrf_token: String,
}

/// `<meta>` names carrying the viewer from the server to the browser.
pub(crate) const META_USERNAME: &str = "lepton-user";
pub(crate) const META_ROLE: &str = "lepton-role";
pub(crate) const META_CSRF: &str = "csrf-token";

/// The viewer of this request (server) or page (browser); `None` when signed out.
pub(crate) fn current() -> Option<Viewer> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Viewer>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        from_meta_tags()
    }
}

#[cfg(not(feature = "ssr"))]
fn from_meta_tags() -> Option<Viewer> {
    #[cfg(feature = "hydrate")]
    {
        let document = web_sys::window()?.document()?;
        let meta = |name: &str| {
            document
                .query_selector(&format!("meta[name=\"{name}\"]"))
                .ok()
                .flatten()
                .and_then(|element| element.get_attribute("content"))
                .filter(|value| !value.is_empty())
        };
        Some(Viewer {
            username: meta(META_USERNAME)?,
            role: Role::parse(&meta(META_ROLE)?)?,
            csrf_token: meta(META_CSRF)?,
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Puts the viewer into the component tree's context; called once by the app root.
pub(crate) fn provide() {
    provide_context(current());
}

/// The viewer provided by the app root.
pub(crate) fn use_viewer() -> Option<Viewer> {
    use_context::<Option<Viewer>>().flatten()
}
