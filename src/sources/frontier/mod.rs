//! The frontier: which URLs the crawler fetches next, and which never.
//!
//! Every link is normalised ([`UrlNormalizer`]), checked against the firm's
//! scope ([`ScopeRules`]), de-duplicated, held to the depth and per-site page
//! budgets and to crawler-trap guards (over-long URLs, repeating path
//! segments, endless query variants such as calendars), then queued per host.
//! Hosts are served round-robin so one slow host cannot starve the others.
//!
//! The frontier is pure bookkeeping: it never performs I/O and never sleeps.
//! Politeness (rates, robots.txt, crawl-delay) is applied by the crawler,
//! which asks [`Frontier::pop_ready`] only for hosts it may contact now.

mod normalize;
mod scope;

use crate::model::domain::registrable_domain;
pub use normalize::UrlNormalizer;
pub use scope::{Scope, ScopeRules};

use std::collections::{HashMap, HashSet, VecDeque};
use url::Url;

/// The limits the frontier enforces, taken from the scan settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontierSettings {
    /// Admitted URLs per registrable domain.
    pub max_pages_per_site: usize,
    /// Links followed from a seed (seeds are depth 0).
    pub max_depth: u32,
    /// Longest normalised URL accepted, in bytes.
    pub max_url_length: usize,
    /// A path segment occurring more often than this marks a trap.
    pub max_repeated_segments: usize,
    /// Distinct query strings accepted for one path.
    pub max_query_variants: usize,
}

impl FrontierSettings {
    pub fn from_settings(s: &crate::config::ScanSettings) -> Self {
        FrontierSettings {
            max_pages_per_site: s.max_pages_per_site,
            max_depth: s.max_depth,
            max_url_length: s.max_url_length,
            max_repeated_segments: s.max_repeated_segments,
            max_query_variants: s.max_query_variants,
        }
    }
}

impl Default for FrontierSettings {
    fn default() -> Self {
        FrontierSettings::from_settings(&crate::config::ScanSettings::default())
    }
}

/// What the frontier did with an offered URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// New, in scope and within limits: it will be popped later.
    Queued,
    /// Already admitted or marked seen (after normalisation).
    Duplicate,
    /// Not on one of the firm's registrable domains.
    OutOfScope,
    /// Deeper than `max_depth` links from a seed.
    TooDeep,
    /// Its site already admitted `max_pages_per_site` URLs.
    OverBudget,
    /// It looks like a crawler trap.
    Trap(TrapReason),
    /// Not a URL the crawler can fetch (not http/https, no host).
    Unsupported,
}

/// Why a URL was taken for a crawler trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrapReason {
    UrlTooLong { length: usize },
    RepeatedSegment { segment: String, count: usize },
    TooManyQueryVariants { path: String },
}

impl TrapReason {
    /// One line for logs and the report's error list.
    pub fn describe(&self) -> String {
        match self {
            TrapReason::UrlTooLong { length } => {
                format!("possible crawler trap: URL is {length} bytes long")
            }
            TrapReason::RepeatedSegment { segment, count } => {
                format!("possible crawler trap: path segment `{segment}` repeats {count} times")
            }
            TrapReason::TooManyQueryVariants { path } => {
                format!("possible crawler trap: too many query-string variants of {path}")
            }
        }
    }
}

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedUrl {
    /// Normalised.
    pub url: Url,
    pub depth: u32,
    /// Registrable domain: the key of the page budget.
    pub site: String,
    /// The page the link was found on; `None` for seeds.
    pub referrer: Option<Url>,
    /// Place in the order of admission (0 for the first URL queued): the
    /// crawler offers a round's links in the order of the pages they were
    /// found on, so that admission does not depend on which response came
    /// back first.
    pub order: u64,
}

/// What offering a link found now could come to once its round ends, as far
/// as the frontier can tell already; see [`Frontier::prospect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prospect {
    /// Offering it could only be refused without a trace: it cannot be
    /// fetched, is seen, or lies beyond the depth limit on an owned site.
    Settled,
    /// Not on an owned site: the crawler lists it, never fetches it.
    OutOfScope(u128),
    /// It may be queued; the fingerprint of its normalised form lets one
    /// link found on many pages be held once.
    Open(u128),
}

/// Per-host queues with de-duplication, scope, budgets and trap guards.
#[derive(Debug)]
pub struct Frontier {
    settings: FrontierSettings,
    normalizer: UrlNormalizer,
    scope: ScopeRules,
    /// Fingerprints of the normalised URLs admitted or marked seen, ever:
    /// 16 bytes a URL instead of the URL itself, so that a crawl of
    /// 100,000 pages does not keep 100,000 strings only to say "seen".
    seen: HashSet<u128>,
    admitted_per_site: HashMap<String, usize>,
    /// Distinct query strings admitted per `origin + path`.
    query_variants: HashMap<String, usize>,
    queues: HashMap<String, VecDeque<QueuedUrl>>,
    /// Hosts with work, in the order they are served next.
    rotation: VecDeque<String>,
    pending: usize,
    /// URLs queued so far, ever: the next [`QueuedUrl::order`].
    admitted_total: u64,
    budget_exhausted: bool,
}

impl Frontier {
    pub fn new(settings: FrontierSettings, normalizer: UrlNormalizer, scope: ScopeRules) -> Self {
        Frontier {
            settings,
            normalizer,
            scope,
            seen: HashSet::new(),
            admitted_per_site: HashMap::new(),
            query_variants: HashMap::new(),
            queues: HashMap::new(),
            rotation: VecDeque::new(),
            pending: 0,
            admitted_total: 0,
            budget_exhausted: false,
        }
    }

    pub fn settings(&self) -> &FrontierSettings {
        &self.settings
    }

    pub fn normalizer(&self) -> &UrlNormalizer {
        &self.normalizer
    }

    pub fn scope(&self) -> &ScopeRules {
        &self.scope
    }

    /// Lets the crawler widen the scope during a scan (e.g. a firm's second website).
    pub fn scope_mut(&mut self) -> &mut ScopeRules {
        &mut self.scope
    }

    /// Owns the seed's registrable domain and offers the seed at depth 0.
    pub fn add_seed(&mut self, seed: &Url) -> Admission {
        self.scope.add_owned(seed);
        self.offer(seed, 0, None)
    }

    /// Offers a URL found at `depth` (seeds at 0). Checks, in order:
    /// normalisation, scope, de-duplication, depth, trap guards, the site's
    /// page budget. Only a `Queued` URL counts as seen; a URL refused for
    /// depth may still be admitted later when found nearer a seed.
    pub fn offer(&mut self, url: &Url, depth: u32, referrer: Option<&Url>) -> Admission {
        let Some(url) = self.normalizer.normalize(url) else {
            return Admission::Unsupported;
        };
        if !self.scope.is_owned(&url) {
            return Admission::OutOfScope;
        }
        let Some(site) = url.host_str().and_then(registrable_domain) else {
            return Admission::OutOfScope;
        };
        let fingerprint = url_fingerprint(url.as_str());
        if self.seen.contains(&fingerprint) {
            return Admission::Duplicate;
        }
        if depth > self.settings.max_depth {
            return Admission::TooDeep;
        }
        if let Some(reason) = self.trap_reason(&url) {
            return Admission::Trap(reason);
        }
        let admitted = self.admitted_per_site.get(&site).copied().unwrap_or(0);
        if admitted >= self.settings.max_pages_per_site {
            self.budget_exhausted = true;
            return Admission::OverBudget;
        }

        self.seen.insert(fingerprint);
        *self.admitted_per_site.entry(site.clone()).or_insert(0) += 1;
        if url.query().is_some() {
            *self.query_variants.entry(path_key(&url)).or_insert(0) += 1;
        }
        let host = host_key(&url);
        let queue = self.queues.entry(host.clone()).or_default();
        if queue.is_empty() {
            self.rotation.push_back(host);
        }
        queue.push_back(QueuedUrl {
            url,
            depth,
            site,
            referrer: referrer.cloned(),
            order: self.admitted_total,
        });
        self.admitted_total += 1;
        self.pending += 1;
        Admission::Queued
    }

    /// Marks a URL as seen without queueing it, so that later offers of it
    /// are `Duplicate`. Returns `false` if it was already seen (or cannot be
    /// normalised). Does not count against any budget.
    pub fn mark_seen(&mut self, url: &Url) -> bool {
        match self.normalizer.normalize(url) {
            Some(url) => self.seen.insert(url_fingerprint(url.as_str())),
            None => false,
        }
    }

    /// What [`Frontier::offer`] of `url` at `depth` could come to later, as
    /// far as is known now. A link judged [`Prospect::Settled`] stays so,
    /// for the seen set only grows and the depth limit does not change; an
    /// out-of-scope one is worth offering still, for the scope may grow.
    pub fn prospect(&self, url: &Url, depth: u32) -> Prospect {
        let Some(url) = self.normalizer.normalize(url) else {
            return Prospect::Settled;
        };
        let fingerprint = url_fingerprint(url.as_str());
        if !self.scope.is_owned(&url) {
            return Prospect::OutOfScope(fingerprint);
        }
        if depth > self.settings.max_depth || self.seen.contains(&fingerprint) {
            return Prospect::Settled;
        }
        Prospect::Open(fingerprint)
    }

    /// Whether the URL, once normalised, was admitted or marked seen.
    pub fn is_seen(&self, url: &Url) -> bool {
        self.normalizer
            .normalize(url)
            .is_some_and(|url| self.seen.contains(&url_fingerprint(url.as_str())))
    }

    /// The next URL, taking hosts in turn.
    pub fn pop(&mut self) -> Option<QueuedUrl> {
        self.pop_ready(|_| true)
    }

    /// The next URL of the first host in the rotation for which
    /// `ready(host_key)` is true (`host_key` is `host:port`). Hosts skipped
    /// keep their place, so they are served first once ready; the host
    /// served goes to the back. `None` if no ready host has work.
    pub fn pop_ready(&mut self, mut ready: impl FnMut(&str) -> bool) -> Option<QueuedUrl> {
        let position = self.rotation.iter().position(|host| ready(host))?;
        let host = self.rotation.remove(position)?;
        let queue = self.queues.get_mut(&host)?;
        let next = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&host);
        } else {
            self.rotation.push_back(host);
        }
        if next.is_some() {
            self.pending -= 1;
        }
        next
    }

    /// URLs queued and not yet popped.
    pub fn pending(&self) -> usize {
        self.pending
    }

    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// URLs admitted so far for a registrable domain.
    pub fn admitted(&self, site: &str) -> usize {
        self.admitted_per_site.get(site).copied().unwrap_or(0)
    }

    /// True once a URL was refused because its site's budget was spent:
    /// the scan did not see everything it found, so it is "partial".
    pub fn budget_exhausted(&self) -> bool {
        self.budget_exhausted
    }

    fn trap_reason(&self, url: &Url) -> Option<TrapReason> {
        let length = url.as_str().len();
        if length > self.settings.max_url_length {
            return Some(TrapReason::UrlTooLong { length });
        }
        if let Some((segment, count)) = most_repeated_segment(url.path()) {
            if count > self.settings.max_repeated_segments {
                return Some(TrapReason::RepeatedSegment { segment, count });
            }
        }
        if url.query().is_some() {
            let key = path_key(url);
            let variants = self.query_variants.get(&key).copied().unwrap_or(0);
            if variants >= self.settings.max_query_variants {
                return Some(TrapReason::TooManyQueryVariants { path: key });
            }
        }
        None
    }
}

/// The segment occurring most often in `path`, and how often. Ties go to the
/// segment seen first, so that the reason given is stable.
fn most_repeated_segment(path: &str) -> Option<(String, usize)> {
    let segments = || path.split('/').filter(|segment| !segment.is_empty());
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for segment in segments() {
        *counts.entry(segment).or_insert(0) += 1;
    }
    let mut best: Option<(&str, usize)> = None;
    for segment in segments() {
        let count = counts.get(segment).copied().unwrap_or(0);
        if best.is_none_or(|(_, best_count)| count > best_count) {
            best = Some((segment, count));
        }
    }
    best.map(|(segment, count)| (segment.to_string(), count))
}

/// `scheme://host:port/path` without the query: the unit query variants are counted on.
fn path_key(url: &Url) -> String {
    format!("{}://{}{}", url.scheme(), host_key(url), url.path())
}

/// `host:port` with the scheme's default port filled in: the unit of
/// round-robin here and of politeness in `fetch`.
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// The first 128 bits of the URL's SHA-256: two different URLs share one
/// with a chance far below one in 10^25 at a million URLs, and unlike a
/// process-seeded hash it is the same in every run.
fn url_fingerprint(url: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

#[cfg(test)]
mod tests;
