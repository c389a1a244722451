//! The fetcher: one logical HTTP GET with everything a polite, safe crawler
//! needs around it — per-host rate limits and a global concurrency cap,
//! redirects followed by hand (each hop re-checked against the crawler's scope
//! and the address guard), retries with back-off honouring `Retry-After`, and
//! a byte cap counted after decompression.
//!
//! It knows nothing about rules or pages: it returns bytes and facts about how
//! they were obtained. It must never connect to an address the guard refuses,
//! never exceed a host's rate, never buffer more than the byte cap, and never
//! put credentials from a URL into an error or a log line.

mod politeness;
mod resolver;

mod client;
mod error;
mod request;
mod response;

pub use crate::sources::frontier::host_key;
pub use client::Fetcher;
pub use error::FetchError;
pub use request::{RETRY_BASE_DELAY, RETRY_MAX_DELAY};
pub use reqwest::Method;
pub use response::{condition_headers, Fetched, Hop};

#[cfg(test)]
mod tests;
