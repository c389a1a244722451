//! Rendering a page in headless Chromium over the DevTools protocol, for
//! pages whose fetched HTML is a script-rendered shell: the offer, the calls
//! to action and the country selector only exist once JavaScript has run.
//!
//! The browser never reaches the network itself. Every request a page makes
//! is paused (the protocol's `Fetch` domain) and handed to a
//! [`ResourceGate`], which answers it from the response the crawler already
//! holds, fetches it through the crawler's own fetcher (address guard, scope,
//! robots.txt, the host's rate limit) or refuses it. Chromium is started with
//! a host resolver that resolves nothing and a proxy that does not exist,
//! and pages lose the socket APIs the `Fetch` domain cannot pause
//! (`WebSocket`, `WebTransport`, WebRTC), so a request that slipped past the
//! interception fails instead of leaving.
//!
//! One browser serves the whole scan, started on the first page that needs
//! it (a scan with no shell never starts one) with a few tabs. A page that
//! takes longer than its timeout is abandoned and recorded as an error; a
//! browser that crashed or stopped answering is killed and started again on
//! the next page, never left to hang the scan.
//!
//! This module must never read what a page means: the rendered DOM goes
//! back to the caller, which extracts and classifies it like any page.

mod browser;
mod gate;

pub use browser::{find_browser, BrowserError, RenderOutput, RenderRequest, Renderer};
pub use gate::{GateAnswer, RequestKind, ResourceGate};

#[cfg(test)]
mod tests;
