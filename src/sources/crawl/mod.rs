//! The crawl loop for one firm: seeds → robots.txt and sitemaps → frontier →
//! fetch → extract → classify, and links back into the frontier.
//!
//! This is where concurrency lives (together with `fetch`): visits run as
//! tokio tasks, bounded by the fetcher's global semaphore and per-host rate
//! limiters. Everything a visit produces (page, findings, links, errors) is
//! returned as data; the loop alone mutates the frontier, so there is no
//! shared mutable crawl state. It never decides verdicts, and writes no
//! files but the WARC archive it is given and its own spill of finished
//! pages (`store`).

mod channels;
mod crawler;
mod group;
mod output;
mod rendered;
mod round;
mod seeds;
mod store;
mod visit;

pub use crawler::*;
pub use output::*;
pub use seeds::DEFAULT_AFFILIATE_DEPTH;
pub use store::{CrawledPage, PageRecord, PageStore, RedirectLink, StoreError};
pub use visit::fetch_error_entry;

#[cfg(test)]
mod tests;
