//! The crawl loop for one firm: seeds → robots.txt and sitemaps → frontier →
//! fetch → extract → classify, and links back into the frontier.
//!
//! This is where concurrency lives (together with `fetch`): visits run as
//! tokio tasks, bounded by the fetcher's global semaphore and per-host rate
//! limiters. Everything a visit produces (page, findings, links, errors) is
//! returned as data; the loop alone mutates the frontier, so there is no
//! shared mutable crawl state. It never decides verdicts and never writes
//! files.

use crate::charset;
use crate::classify::Classifier;
use crate::config::{FirmConfig, ScanSettings};
use crate::extract::{self, DocMeta};
use crate::fetch::{self, FetchError, Fetched, Fetcher};
use crate::frontier::{
    registrable_domain, Admission, Frontier, FrontierSettings, QueuedUrl, ScopeRules, UrlNormalizer,
};
use crate::model::{Category, Document, Finding, LinkKind, Page, SourceKind};
use crate::report::{now_rfc3339, ErrorEntry, OutgoingLink, SourceReport};
use crate::robots::{Robots, RobotsDecision};
use crate::sitemap;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Depth to which affiliate and partner sites are followed from their entry page.
pub const DEFAULT_AFFILIATE_DEPTH: u32 = 1;
/// Outgoing links kept per firm (the rest are counted, not listed).
pub const MAX_OUTGOING_LINKS: usize = 2_000;

/// Live counters for a progress display; shared by every firm of a scan.
#[derive(Debug, Default)]
pub struct CrawlCounters {
    pub fetched: AtomicU64,
    pub queued: AtomicU64,
    pub errors: AtomicU64,
}

/// A page with what was found on it.
#[derive(Debug, Clone)]
pub struct CrawledPage {
    pub page: Page,
    pub findings: Vec<Finding>,
}

/// Everything the crawl of one firm produced.
#[derive(Debug, Default)]
pub struct FirmCrawl {
    pub pages: Vec<CrawledPage>,
    pub errors: Vec<ErrorEntry>,
    pub sources: Vec<SourceReport>,
    pub outgoing_links: Vec<OutgoingLink>,
    /// Reasons the crawl stopped early (budget, time, interruption); empty when complete.
    pub partial_reasons: Vec<String>,
}

/// Shared services for crawling: one fetcher and one classifier for the whole scan.
pub struct Crawler {
    shared: Arc<Shared>,
}

/// What every visit task needs; owned through an `Arc` so tasks are `'static`.
struct Shared {
    settings: ScanSettings,
    fetcher: Fetcher,
    classifier: Arc<Classifier>,
    robots: std::sync::Mutex<HashMap<String, Arc<OnceCell<Arc<Robots>>>>>,
    counters: Arc<CrawlCounters>,
}

/// One entry point and how deep to go from it.
struct Seed {
    url: Url,
    kind: SourceKind,
}

/// The outcome of visiting one URL.
enum Visit {
    Page {
        page: Page,
        findings: Vec<Finding>,
        links: Vec<crate::model::Link>,
        errors: Vec<ErrorEntry>,
    },
    Skipped(ErrorEntry),
    Failed(ErrorEntry),
}

impl Crawler {
    /// # Errors
    /// When the HTTP client cannot be built (see [`Fetcher::new`]).
    pub fn new(
        settings: &ScanSettings,
        classifier: Arc<Classifier>,
        counters: Arc<CrawlCounters>,
    ) -> Result<Crawler, FetchError> {
        Ok(Crawler {
            shared: Arc::new(Shared {
                settings: settings.clone(),
                fetcher: Fetcher::new(settings)?,
                classifier,
                robots: std::sync::Mutex::new(HashMap::new()),
                counters,
            }),
        })
    }

    /// Crawls every website and affiliate of `firm` until the frontier is
    /// empty, a budget is spent, or `cancel` fires.
    pub async fn crawl_firm(&self, firm: &FirmConfig, cancel: &CancellationToken) -> FirmCrawl {
        let mut out = FirmCrawl::default();
        let groups = [
            (
                SourceKind::Website,
                &firm.websites,
                self.shared.settings.max_depth,
            ),
            (
                SourceKind::Affiliate,
                &firm.affiliates,
                DEFAULT_AFFILIATE_DEPTH.min(self.shared.settings.max_depth),
            ),
        ];
        let mut outgoing_seen = HashSet::new();
        for (kind, urls, max_depth) in groups {
            if urls.is_empty() {
                continue;
            }
            let seeds: Vec<Seed> = urls
                .iter()
                .map(|url| Seed {
                    url: url.clone(),
                    kind,
                })
                .collect();
            self.crawl_group(&seeds, max_depth, cancel, &mut out, &mut outgoing_seen)
                .await;
            if cancel.is_cancelled() {
                break;
            }
        }
        out
    }

    async fn crawl_group(
        &self,
        seeds: &[Seed],
        max_depth: u32,
        cancel: &CancellationToken,
        out: &mut FirmCrawl,
        outgoing_seen: &mut HashSet<String>,
    ) {
        let Some(kind) = seeds.first().map(|s| s.kind) else {
            return;
        };
        let owned_scope = || {
            let mut scope = ScopeRules::new();
            for seed in seeds {
                scope.add_owned(&seed.url);
            }
            scope
        };
        let scope = owned_scope();
        // Visit tasks check redirect hops against the same scope the frontier uses.
        let scope_check = Arc::new(owned_scope());
        let mut frontier_settings = FrontierSettings::from_settings(&self.shared.settings);
        frontier_settings.max_depth = max_depth;
        let mut frontier = Frontier::new(
            frontier_settings,
            UrlNormalizer::new(&self.shared.settings.strip_query_params),
            scope,
        );

        // Source bookkeeping: pages and errors are attributed to the seed whose site they belong to.
        let mut source_index: HashMap<String, usize> = HashMap::new();
        for seed in seeds {
            let site = site_of(&seed.url);
            source_index.entry(site).or_insert(out.sources.len());
            out.sources.push(SourceReport {
                url: seed.url.to_string(),
                kind,
                pages_fetched: 0,
                errors: 0,
            });
        }
        let attribute = |url: &str, out: &mut FirmCrawl, page: bool| {
            let site = Url::parse(url).map(|u| site_of(&u)).unwrap_or_default();
            if let Some(&i) = source_index.get(&site) {
                if page {
                    out.sources[i].pages_fetched += 1;
                } else {
                    out.sources[i].errors += 1;
                }
            }
        };

        for seed in seeds {
            self.offer(&mut frontier, &seed.url, 0, None, out);
        }
        if self.shared.settings.sitemaps && kind == SourceKind::Website {
            for seed in seeds {
                if cancel.is_cancelled() {
                    break;
                }
                let before = out.errors.len();
                self.read_sitemaps(&seed.url, &scope_check, &mut frontier, out)
                    .await;
                for i in before..out.errors.len() {
                    let url = out.errors[i].url.clone();
                    attribute(&url, out, false);
                }
            }
        }

        let category_override = (kind == SourceKind::Affiliate).then_some(Category::Affiliate);
        let mut in_flight = FuturesUnordered::new();
        // Enough tasks to keep the global semaphore busy; the fetcher enforces the real cap.
        let max_tasks = self.shared.settings.concurrency.max(1) * 2;
        loop {
            while in_flight.len() < max_tasks && !cancel.is_cancelled() {
                let Some(item) = frontier.pop() else { break };
                self.shared
                    .counters
                    .queued
                    .store(frontier.pending() as u64, Ordering::Relaxed);
                let task = self.visit_task(item, kind, category_override, Arc::clone(&scope_check));
                in_flight.push(task);
            }
            if in_flight.is_empty() {
                break;
            }
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                next = in_flight.next() => next,
            };
            let Some(joined) = next else {
                break;
            };
            let visit = match joined {
                Ok(visit) => visit,
                Err(join_error) => {
                    tracing::error!("a visit task failed: {join_error}");
                    continue;
                }
            };
            match visit {
                Visit::Page {
                    page,
                    findings,
                    links,
                    errors,
                } => {
                    self.shared.counters.fetched.fetch_add(1, Ordering::Relaxed);
                    attribute(&page.url, out, true);
                    if let Ok(final_url) = Url::parse(&page.final_url) {
                        frontier.mark_seen(&final_url);
                    }
                    for error in errors {
                        self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                        attribute(&error.url, out, false);
                        out.errors.push(error);
                    }
                    let from = page.final_url.clone();
                    let base = Url::parse(&from).ok();
                    for link in links {
                        let Ok(target) = Url::parse(&link.url) else {
                            continue;
                        };
                        // Canonical and alternate links are followed like anchors;
                        // only hreflang alternates and feeds matter for locale and feeds.
                        if !matches!(
                            link.kind,
                            LinkKind::Anchor
                                | LinkKind::Area
                                | LinkKind::Iframe
                                | LinkKind::Alternate
                                | LinkKind::Canonical
                                | LinkKind::MetaRefresh
                        ) {
                            continue;
                        }
                        let admission =
                            self.offer(&mut frontier, &target, page.depth + 1, base.as_ref(), out);
                        if admission == Admission::OutOfScope
                            && matches!(target.scheme(), "http" | "https")
                            && out.outgoing_links.len() < MAX_OUTGOING_LINKS
                            && outgoing_seen.insert(target.to_string())
                        {
                            out.outgoing_links.push(OutgoingLink {
                                url: target.to_string(),
                                from: from.clone(),
                                rel: link.rel.clone(),
                            });
                        }
                    }
                    out.pages.push(CrawledPage { page, findings });
                }
                Visit::Skipped(entry) | Visit::Failed(entry) => {
                    self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                    attribute(&entry.url, out, false);
                    out.errors.push(entry);
                }
            }
        }
        if cancel.is_cancelled() {
            for task in in_flight.iter() {
                task.abort();
            }
            let pending = frontier.pending() + in_flight.len();
            out.partial_reasons
                .push(format!("interrupted with {pending} URLs not yet fetched"));
        }
        if frontier.budget_exhausted() {
            out.partial_reasons.push(format!(
                "page budget of {} per site reached",
                self.shared.settings.max_pages_per_site
            ));
        }
    }

    /// Offers a URL to the frontier and records refusals worth reporting.
    fn offer(
        &self,
        frontier: &mut Frontier,
        url: &Url,
        depth: u32,
        referrer: Option<&Url>,
        out: &mut FirmCrawl,
    ) -> Admission {
        let admission = frontier.offer(url, depth, referrer);
        match &admission {
            Admission::Trap(reason) => out.errors.push(ErrorEntry {
                url: url.to_string(),
                kind: "crawler_trap".into(),
                message: format!("not followed: {}", reason.describe()),
                rule: None,
                at: now_rfc3339(),
            }),
            Admission::OverBudget => {
                // Recorded once per scan as a partial reason, not per URL.
            }
            _ => {}
        }
        admission
    }

    async fn read_sitemaps(
        &self,
        seed: &Url,
        scope: &ScopeRules,
        frontier: &mut Frontier,
        out: &mut FirmCrawl,
    ) {
        let robots = self.shared.robots_for(seed).await;
        let mut pending: Vec<String> = robots.sitemaps();
        if let Ok(default) = seed.join("/sitemap.xml") {
            let default = default.to_string();
            if !pending.contains(&default) {
                pending.push(default);
            }
        }
        let mut files_read = 0usize;
        let mut urls_offered = 0usize;
        let mut seen = HashSet::new();
        while let Some(location) = pending.pop() {
            if files_read >= self.shared.settings.max_sitemap_files
                || urls_offered >= self.shared.settings.max_sitemap_urls
            {
                break;
            }
            if !seen.insert(location.clone()) {
                continue;
            }
            let Ok(url) = Url::parse(&location) else {
                continue;
            };
            // Sitemaps of other sites are not ours to read (RFC 9309 allows cross-host
            // sitemaps, but scope decides what we crawl).
            if !scope.is_owned(&url) {
                continue;
            }
            frontier.mark_seen(&url);
            files_read += 1;
            let fetched = match self.shared.fetcher.fetch(&url, &|_| Ok(())).await {
                Ok(fetched) => fetched,
                Err(e) => {
                    out.errors.push(fetch_error_entry(&e));
                    continue;
                }
            };
            if fetched.status == 404 {
                continue; // `/sitemap.xml` is a guess; its absence is no error
            }
            if !(200..300).contains(&fetched.status) {
                out.errors.push(ErrorEntry {
                    url: url.to_string(),
                    kind: "sitemap".into(),
                    message: format!("sitemap answered HTTP {}", fetched.status),
                    rule: None,
                    at: now_rfc3339(),
                });
                continue;
            }
            let remaining = self.shared.settings.max_sitemap_urls - urls_offered;
            match sitemap::parse_sitemap(
                &fetched.body,
                remaining,
                self.shared.settings.max_sitemap_bytes,
            ) {
                Ok(map) => {
                    pending.extend(map.sitemaps);
                    for entry in map.urls {
                        if let Ok(page_url) = Url::parse(&entry) {
                            urls_offered += 1;
                            // Sitemap URLs are one hop from the home page.
                            self.offer(frontier, &page_url, 1, Some(&url), out);
                        }
                    }
                }
                Err(e) => out.errors.push(ErrorEntry {
                    url: url.to_string(),
                    kind: "sitemap".into(),
                    message: e.to_string(),
                    rule: None,
                    at: now_rfc3339(),
                }),
            }
        }
    }

    fn visit_task(
        &self,
        item: QueuedUrl,
        kind: SourceKind,
        category_override: Option<Category>,
        scope: Arc<ScopeRules>,
    ) -> tokio::task::JoinHandle<Visit> {
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let robots = shared.robots_for(&item.url).await;
            shared
                .visit(item, robots, kind, category_override, &scope)
                .await
        })
    }
}

impl Shared {
    /// robots.txt of a URL's host, fetched once per host and cached.
    async fn robots_for(&self, url: &Url) -> Arc<Robots> {
        if !self.settings.respect_robots {
            return Arc::new(Robots::allow_all());
        }
        let key = fetch::host_key(url);
        let cell = {
            let mut cache = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(cache.entry(key.clone()).or_default())
        };
        let robots = cell
            .get_or_init(|| async {
                let robots = match url.join("/robots.txt") {
                    Ok(robots_url) => match self.fetcher.fetch(&robots_url, &|_| Ok(())).await {
                        Ok(fetched) => Robots::from_response(
                            self.fetcher.user_agent(),
                            fetched.status,
                            &fetched.body,
                        ),
                        Err(e) => {
                            tracing::warn!("robots.txt for {key} unreachable: {e}");
                            Robots::unreachable()
                        }
                    },
                    Err(_) => Robots::allow_all(),
                };
                if let Some(delay) = robots.crawl_delay() {
                    let delay = delay.min(self.settings.max_crawl_delay);
                    self.fetcher.set_crawl_delay(&key, delay);
                }
                Arc::new(robots)
            })
            .await;
        Arc::clone(robots)
    }

    async fn visit(
        &self,
        item: QueuedUrl,
        robots: Arc<Robots>,
        kind: SourceKind,
        category_override: Option<Category>,
        scope: &ScopeRules,
    ) -> Visit {
        if let RobotsDecision::Disallowed { rule } = robots.check(&item.url) {
            return Visit::Skipped(ErrorEntry {
                url: item.url.to_string(),
                kind: "robots_disallowed".into(),
                message: "not fetched: disallowed by robots.txt".into(),
                rule: Some(rule),
                at: now_rfc3339(),
            });
        }
        let redirect_filter = |target: &Url| -> Result<(), String> {
            if scope.is_owned(target) {
                Ok(())
            } else {
                Err(format!(
                    "redirect leaves the firm's scope (to {})",
                    target.host_str().unwrap_or("?")
                ))
            }
        };
        let fetched = match self.fetcher.fetch(&item.url, &redirect_filter).await {
            Ok(fetched) => fetched,
            Err(e) => return Visit::Failed(fetch_error_entry(&e)),
        };
        let mut errors = Vec::new();
        if fetched.status >= 400 {
            errors.push(ErrorEntry {
                url: item.url.to_string(),
                kind: "http_status".into(),
                message: format!("HTTP {}", fetched.status),
                rule: None,
                at: fetched.fetched_at.clone(),
            });
        }
        if fetched.truncated {
            errors.push(ErrorEntry {
                url: item.url.to_string(),
                kind: "too_large".into(),
                message: format!(
                    "body cut at {} bytes (max_body_bytes); findings cover the kept part only",
                    self.settings.max_body_bytes
                ),
                rule: None,
                at: fetched.fetched_at.clone(),
            });
        }
        let mut page = page_of(&item, &fetched, kind);
        let media = media_kind(&fetched);
        let (findings, links) = if (200..300).contains(&fetched.status) && media != Media::Other {
            let decoded = charset::decode(&fetched.body, fetched.content_type.as_deref());
            page.charset = Some(decoded.encoding.to_string());
            let meta = DocMeta {
                url: item.url.to_string(),
                final_url: fetched.final_url.to_string(),
                source_kind: kind,
                fetched_at: fetched.fetched_at.clone(),
                content_sha256: fetched.sha256.clone(),
                content_language: fetched.content_language.clone(),
            };
            let mut document: Document = match media {
                Media::Html => extract::extract_html(&decoded.text, meta),
                _ => extract::extract_text(&decoded.text, meta),
            };
            document.category_override = category_override;
            let classification = self.classifier.classify(&document);
            page.language = Some(classification.language);
            page.score = classification.score;
            (classification.findings, document.links)
        } else {
            (Vec::new(), Vec::new())
        };
        Visit::Page {
            page,
            findings,
            links,
            errors,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    Html,
    Text,
    Other,
}

/// Decides how to read a body: by its declared type, sniffing only when none was declared.
fn media_kind(fetched: &Fetched) -> Media {
    let declared = fetched
        .content_type
        .as_deref()
        .and_then(|ct| ct.parse::<mime::Mime>().ok());
    match declared {
        Some(m) if m.subtype() == mime::HTML || m.subtype() == "xhtml" => Media::Html,
        Some(m) if m.type_() == mime::TEXT && m.subtype() == mime::PLAIN => Media::Text,
        Some(_) => Media::Other,
        None => {
            let head = &fetched.body[..fetched.body.len().min(512)];
            let head = String::from_utf8_lossy(head).to_ascii_lowercase();
            if head.contains("<html") || head.contains("<!doctype html") {
                Media::Html
            } else {
                Media::Other
            }
        }
    }
}

fn page_of(item: &QueuedUrl, fetched: &Fetched, kind: SourceKind) -> Page {
    Page {
        url: item.url.to_string(),
        final_url: fetched.final_url.to_string(),
        status: fetched.status,
        fetched_at: fetched.fetched_at.clone(),
        content_sha256: fetched.sha256.clone(),
        content_type: fetched.content_type.clone(),
        bytes: fetched.body.len() as u64,
        truncated: fetched.truncated,
        charset: None,
        depth: item.depth,
        redirects: fetched.redirects.iter().map(Url::to_string).collect(),
        source_kind: kind,
        language: None,
        score: 0.0,
    }
}

/// A fetch failure as a report entry.
pub fn fetch_error_entry(error: &FetchError) -> ErrorEntry {
    ErrorEntry {
        url: error.url().to_string(),
        kind: error.kind().to_string(),
        message: error.to_string(),
        rule: None,
        at: now_rfc3339(),
    }
}

/// The budget and attribution unit: the registrable domain, or the host.
fn site_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    registrable_domain(host).unwrap_or_else(|| host.to_string())
}
