//! Why a fetch produced no response, with the URL asked for and never a
//! credential.

use super::resolver::{NameLookupFailed, NameRefused};
use crate::model::text::redact;
use url::Url;

/// Why a fetch produced no response. Every variant carries the URL asked for
/// (credentials removed); `Display` is a one-line message for reports.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("{url}: blocked by the address guard: {reason}")]
    Blocked { url: String, reason: String },
    #[error("{url}: redirect to {target} refused: {reason}")]
    RedirectRefused {
        url: String,
        target: String,
        reason: String,
    },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: u32 },
    #[error("{url}: redirect loop")]
    RedirectLoop { url: String },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: cannot connect: {message}")]
    Connect { url: String, message: String },
    #[error("{url}: cannot resolve the host name: {message}")]
    Dns { url: String, message: String },
    #[error("{url}: cannot read the body: {message}")]
    Body { url: String, message: String },
    #[error("{url}: cannot fetch this URL: {reason}")]
    Unsupported { url: String, reason: String },
    #[error("{url}: request failed: {message}")]
    Request { url: String, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// A stable snake_case identifier for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Blocked { .. } => "blocked_by_guard",
            FetchError::RedirectRefused { .. } => "redirect_out_of_scope",
            FetchError::TooManyRedirects { .. } => "too_many_redirects",
            FetchError::RedirectLoop { .. } => "redirect_loop",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Dns { .. } => "dns",
            FetchError::Body { .. } => "body",
            FetchError::Unsupported { .. } => "unsupported_url",
            FetchError::Request { .. } => "request",
            FetchError::Client(_) => "client",
        }
    }

    /// The URL asked for, without credentials; empty for [`FetchError::Client`].
    pub fn url(&self) -> &str {
        match self {
            FetchError::Blocked { url, .. }
            | FetchError::RedirectRefused { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::RedirectLoop { url }
            | FetchError::Timeout { url }
            | FetchError::Connect { url, .. }
            | FetchError::Dns { url, .. }
            | FetchError::Body { url, .. }
            | FetchError::Unsupported { url, .. }
            | FetchError::Request { url, .. } => url,
            FetchError::Client(_) => "",
        }
    }

    /// The same error with every occurrence of `secret` in its texts replaced.
    pub(crate) fn scrubbed(mut self, secret: &str) -> FetchError {
        for text in self.texts_mut() {
            if text.contains(secret) {
                *text = text.replace(secret, "***");
            }
        }
        self
    }

    /// Every text the error carries (URLs, reasons, messages).
    pub(crate) fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            FetchError::Blocked { url, reason } | FetchError::Unsupported { url, reason } => {
                vec![url, reason]
            }
            FetchError::RedirectRefused {
                url,
                target,
                reason,
            } => vec![url, target, reason],
            FetchError::TooManyRedirects { url, .. }
            | FetchError::RedirectLoop { url }
            | FetchError::Timeout { url } => vec![url],
            FetchError::Connect { url, message }
            | FetchError::Dns { url, message }
            | FetchError::Body { url, message }
            | FetchError::Request { url, message } => vec![url, message],
            FetchError::Client(message) => vec![message],
        }
    }

    /// Worth another attempt: the failure may be passing.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. }
        )
    }
}

/// Turns a client error into a [`FetchError`] for `origin`, the URL asked
/// for; `hop` is the URL of the request that failed.
pub(crate) fn map_error(error: reqwest::Error, origin: &str, hop: &Url) -> FetchError {
    let url = origin.to_string();
    let error = error.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<NameRefused>() {
            let reason = if origin == redact(hop) {
                refused.to_string()
            } else {
                format!("redirect to {}: {refused}", redact(hop))
            };
            return FetchError::Blocked { url, reason };
        }
        if let Some(failed) = cause.downcast_ref::<NameLookupFailed>() {
            return FetchError::Dns {
                url,
                message: failed.to_string(),
            };
        }
        source = cause.source();
    }
    let message = describe(&error);
    if error.is_timeout() {
        FetchError::Timeout { url }
    } else if error.is_connect() {
        FetchError::Connect { url, message }
    } else if error.is_body() || error.is_decode() {
        FetchError::Body { url, message }
    } else {
        FetchError::Request { url, message }
    }
}

/// An error and its causes on one line, without repeats.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
