//! What a rendering page may load: the contract between the browser driver
//! and whoever fetches for it.

use futures_util::future::BoxFuture;
use url::Url;

/// What kind of request a page made, as far as deciding on it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A navigation of a frame (the page itself, a script's redirect, an iframe).
    Document,
    /// Scripts, style sheets, `fetch()` and XHR: what a page needs to write its text.
    Needed,
    /// Images and fonts: only what a screenshot shows.
    Decorative,
    /// Media, beacons, prefetches, manifests and the rest: never fetched.
    Other,
}

impl RequestKind {
    /// Reads the protocol's resource type.
    pub(crate) fn from_resource_type(
        resource_type: &chromiumoxide::cdp::browser_protocol::network::ResourceType,
    ) -> RequestKind {
        use chromiumoxide::cdp::browser_protocol::network::ResourceType as T;
        match resource_type {
            T::Document => RequestKind::Document,
            T::Script | T::Stylesheet | T::Xhr | T::Fetch => RequestKind::Needed,
            T::Image | T::Font => RequestKind::Decorative,
            _ => RequestKind::Other,
        }
    }
}

/// The answer to one request of a rendering page.
#[derive(Debug, Clone)]
pub enum GateAnswer {
    /// Served: the status, the response headers worth passing on, the body.
    Served {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Refused, with the reason recorded for the page.
    Refused(String),
}

/// Fetches on behalf of a rendering page. The crawler implements it with its
/// fetcher, so that every request a browser makes is one the crawler itself
/// would have made.
pub trait ResourceGate: Send + Sync {
    /// Answers the request for `url`, of `kind`.
    fn answer(&self, url: Url, kind: RequestKind) -> BoxFuture<'_, GateAnswer>;
}
