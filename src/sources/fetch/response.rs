//! What a fetch returns: the response as received, one hop of it, and the
//! validators a conditional request sends.

use crate::model::Conditions;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use std::net::SocketAddr;
use url::Url;

/// A response as fetched, with how it was obtained.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL asked for.
    pub url: Url,
    /// The URL that gave the final (non-redirect) response.
    pub final_url: Url,
    /// Every URL that answered with a redirect, in order, starting with `url`;
    /// empty when there was no redirect.
    pub redirects: Vec<Url>,
    pub status: u16,
    pub headers: HeaderMap,
    pub content_type: Option<String>,
    pub content_language: Option<String>,
    /// The body after content decoding, at most `max_body_bytes` long.
    pub body: Vec<u8>,
    /// The body was cut at `max_body_bytes`.
    pub truncated: bool,
    /// Hex SHA-256 of `body`.
    pub sha256: String,
    /// RFC 3339 UTC time at which the final response arrived.
    pub fetched_at: String,
    pub remote_addr: Option<SocketAddr>,
    /// HTTP requests sent for this fetch: every hop and every retry.
    pub attempts: u32,
    /// The final request carried the [`Conditions`] asked for, so a `304`
    /// means the earlier response is still current.
    pub conditional: bool,
}

/// The request headers `conditions` become; a validator that is not a
/// valid header value is left out rather than sent mangled.
pub fn condition_headers(conditions: &Conditions) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();
    if let Some(value) = conditions
        .etag
        .as_deref()
        .and_then(|etag| HeaderValue::from_str(etag).ok())
    {
        headers.push((IF_NONE_MATCH, value));
    }
    if let Some(value) = conditions
        .last_modified
        .as_deref()
        .and_then(|date| HeaderValue::from_str(date).ok())
    {
        headers.push((IF_MODIFIED_SINCE, value));
    }
    headers
}

/// What a single request answered, redirects not followed.
#[derive(Debug, Clone)]
pub enum Hop {
    /// A 3xx with a usable `Location`, resolved against the request URL.
    Redirect {
        status: u16,
        location: Url,
        /// RFC 3339 UTC.
        at: String,
        /// The redirect response as received, with an empty body: what an
        /// archive keeps of the hop.
        response: Box<Fetched>,
    },
    /// Any other response, with its (capped) body; empty for `HEAD`.
    Final(Box<Fetched>),
}
