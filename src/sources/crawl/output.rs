//! What the crawl of one firm produces: pages with their findings, errors,
//! sources, outgoing links, resolved redirector links, and live counters.

use super::store::{PageStore, RedirectLink};
use crate::model::report::{ErrorEntry, OutgoingLink, SourceReport};
use crate::model::Page;
use crate::sources::redirect::Resolution;
use std::sync::atomic::{AtomicU64, Ordering};
use url::Url;

/// Live counters for a progress display; shared by every firm of a scan.
#[derive(Debug, Default)]
pub struct CrawlCounters {
    pub fetched: AtomicU64,
    pub queued: AtomicU64,
    pub errors: AtomicU64,
    /// Of `fetched`, pages a conditional request found unchanged (`304`).
    pub revalidated: AtomicU64,
    /// Pages fetched per host, for the progress display.
    pub per_host: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl CrawlCounters {
    pub(crate) fn count_page(&self, url: &str) {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        let host = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let mut per_host = self
            .per_host
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *per_host.entry(host).or_default() += 1;
    }

    /// The `n` hosts with the most pages fetched, busiest first.
    pub fn busiest_hosts(&self, n: usize) -> Vec<(String, u64)> {
        let per_host = self
            .per_host
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut hosts: Vec<(String, u64)> = per_host.iter().map(|(h, c)| (h.clone(), *c)).collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hosts.truncate(n);
        hosts
    }
}

/// A redirector link whose chain landed on a configured firm's website.
#[derive(Debug, Clone)]
pub struct ResolvedLink {
    /// The page the link was found on.
    pub page: Page,
    pub link: RedirectLink,
    pub resolution: Resolution,
    /// Index of the firm (in the configuration) whose website it lands on.
    pub firm: usize,
}

/// Everything the crawl of one firm produced.
#[derive(Debug, Default)]
pub struct FirmCrawl {
    /// The pages, spilled to disk as they come (see [`PageStore`]).
    pub pages: PageStore,
    pub errors: Vec<ErrorEntry>,
    pub sources: Vec<SourceReport>,
    pub outgoing_links: Vec<OutgoingLink>,
    /// Reasons the crawl stopped early (budget, time, interruption); empty when complete.
    pub partial_reasons: Vec<String>,
    /// Availability of the firm's apps in each EU storefront.
    pub app_store: Vec<crate::model::app_store::StorefrontResult>,
    /// Redirector links on the crawled pages that landed on a firm's site.
    pub resolutions: Vec<ResolvedLink>,
}
