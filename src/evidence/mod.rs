//! The evidence bundle: a manifest that fixes the SHA-256 of a report and of
//! every WARC file captured with it, and an offline check that someone who
//! does not trust this tool can run (or reproduce with standard tools) to
//! confirm the bundle is whole and that every cited finding stands in the
//! archived bytes.
//!
//! Verification only reads; it must never repair, rewrite or re-fetch
//! anything, and it reports every problem it finds rather than stopping at
//! the first, because a supervisor needs the whole picture. It reads the
//! report as plain JSON so that it keeps working on reports from other
//! versions of the tool.
//!
//! Most findings quote page text, and their quote must stand in the payload
//! as it is. A few quote text the extractor derived from the page rather
//! than copied: flattened JSON-LD fields, the page's URL, a link's target
//! resolved to an absolute URL. Those are checked against what they were
//! derived from, never waved through: each JSON-LD value against the
//! payload, the URL against the record's target URI, the link target
//! against the `href`s and `src`s of the payload resolved as a browser
//! would.

pub mod conditional;
pub mod timestamp;
pub mod warc;

mod citations;
mod cited;
mod manifest;
mod payload;
mod problems;
mod quotes;
mod screenshots;
mod verify;

pub use manifest::*;
pub use problems::{Problem, Verification};
pub use screenshots::{decisive_screenshots, Screenshots};
pub use verify::verify;

#[cfg(test)]
mod tests;
