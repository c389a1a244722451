//! The crawl loop for one firm: seeds → robots.txt and sitemaps → frontier →
//! fetch → extract → classify, and links back into the frontier.
//!
//! This is where concurrency lives (together with `fetch`): visits run as
//! tokio tasks, bounded by the fetcher's global semaphore and per-host rate
//! limiters. Everything a visit produces (page, findings, links, errors) is
//! returned as data; the loop alone mutates the frontier, so there is no
//! shared mutable crawl state. It never decides verdicts and never writes
//! files.

use crate::analyze::attribute::{BrandIndex, NamedFirm, SiteOwners};
use crate::analyze::charset;
use crate::analyze::classify::Classifier;
use crate::analyze::extract::{self, DocMeta};
use crate::config::{FeedKind, FirmConfig, ScanSettings};
use crate::evidence::conditional::{self, Baseline, FirmBaseline};
use crate::evidence::warc::{Exchange, RecordRef, WarcWriter};
use crate::model::domain::registrable_domain;
use crate::model::report::{ErrorEntry, OutgoingLink, SourceReport};
use crate::model::time::now_rfc3339;
use crate::model::Conditions;
use crate::model::{
    BlockKind, Category, Finding, LinkKind, Location, Page, Revalidation, SourceKind,
};
use crate::sources::feed::{self, FeedMeta};
use crate::sources::fetch::{self, FetchError, Fetched, Fetcher};
use crate::sources::frontier::{
    Admission, Frontier, FrontierSettings, QueuedUrl, ScopeRules, UrlNormalizer,
};
use crate::sources::redirect::Resolution;
use crate::sources::robots::{Robots, RobotsDecision};
use crate::sources::sitemap;
use crate::sources::social::{self, SocialFormat, SocialMeta};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Depth to which affiliate and partner sites are followed from their entry page.
pub const DEFAULT_AFFILIATE_DEPTH: u32 = 1;
/// Redirector links resolved at the same time (each hop still waits for its
/// host's rate limit and the global cap).
pub const MAX_PARALLEL_RESOLUTIONS: usize = 8;
/// Outgoing links kept per firm (the rest are counted, not listed).
pub const MAX_OUTGOING_LINKS: usize = 2_000;

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
    fn count_page(&self, url: &str) {
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

/// A page with what was found on it.
#[derive(Debug, Clone)]
pub struct CrawledPage {
    pub page: Page,
    pub findings: Vec<Finding>,
    /// Firms whose brands the page names (pages of other hosts than the
    /// firm's own websites only; see `attribute`).
    pub named: Vec<NamedFirm>,
    /// Shortener and redirector links on the page, to be resolved.
    pub redirect_links: Vec<RedirectLink>,
}

impl CrawledPage {
    fn new(page: Page, findings: Vec<Finding>) -> CrawledPage {
        CrawledPage {
            page,
            findings,
            named: Vec::new(),
            redirect_links: Vec::new(),
        }
    }
}

/// A shortener or tracking-redirector link as it stood on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectLink {
    pub url: Url,
    /// Where the link stood (its block, `[href]`).
    pub location: Location,
    /// Language of the link's block, if known.
    pub language: Option<String>,
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
    pub pages: Vec<CrawledPage>,
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

/// Shared services for crawling: one fetcher and one classifier for the whole scan.
pub struct Crawler {
    shared: Arc<Shared>,
    /// Pages of the previous report that may be revalidated (`scan --baseline`).
    baseline: Option<Arc<Baseline>>,
}

/// What every visit task needs; owned through an `Arc` so tasks are `'static`.
struct Shared {
    settings: ScanSettings,
    fetcher: Fetcher,
    classifier: Arc<Classifier>,
    robots: std::sync::Mutex<HashMap<String, Arc<OnceCell<Arc<Robots>>>>>,
    counters: Arc<CrawlCounters>,
    /// Where every exchange is archived (`scan --warc`); one writer for the scan.
    /// `None` inside once the archive is closed.
    warc: Option<std::sync::Mutex<Option<WarcWriter>>>,
    /// Every firm's brands, to tell which firms a foreign page names.
    brands: BrandIndex,
    /// Every firm's websites, to tell where a redirect chain lands.
    owners: SiteOwners,
}

/// One kind of entry point (websites, affiliates, feeds, social profiles) and
/// how to read what it returns.
struct SeedGroup {
    kind: SourceKind,
    max_depth: u32,
    seeds: Vec<Url>,
    /// Category imposed on findings unless a seed's reading says otherwise.
    category: Option<Category>,
    /// Per seed URL: how to read its responses.
    readings: HashMap<String, Reading>,
    /// Per seed URL: the partner's name from `affiliates_file`.
    names: std::collections::BTreeMap<String, String>,
}

/// How to read one seed's response.
#[derive(Clone, Copy, Default)]
struct Reading {
    category: Option<Category>,
    max_age: Option<std::time::Duration>,
    telegram_preview: bool,
}

/// What a visit task needs to know about its group.
struct GroupContext {
    kind: SourceKind,
    category: Option<Category>,
    readings: HashMap<String, Reading>,
    scope: ScopeRules,
    /// The firm's pages of the baseline report that may be revalidated.
    baseline: Option<Arc<FirmBaseline>>,
}

/// The outcome of visiting one URL.
enum Visit {
    /// A response and the documents read from it: one for a page, one per
    /// item for a feed or a social preview page.
    Page {
        pages: Vec<CrawledPage>,
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
        warc: Option<WarcWriter>,
    ) -> Result<Crawler, FetchError> {
        Ok(Crawler {
            shared: Arc::new(Shared {
                settings: settings.clone(),
                fetcher: Fetcher::new(settings)?,
                classifier,
                robots: std::sync::Mutex::new(HashMap::new()),
                counters,
                warc: warc.map(|writer| std::sync::Mutex::new(Some(writer))),
                brands: BrandIndex::default(),
                owners: SiteOwners::default(),
            }),
            baseline: None,
        })
    }

    /// Revalidates the pages of a previous report instead of downloading
    /// them again: requests carry their validators, and a page answered
    /// `304 Not Modified` is carried over with its findings.
    pub fn with_baseline(mut self, baseline: Arc<Baseline>) -> Crawler {
        self.baseline = Some(baseline);
        self
    }

    /// Lets pages count for other firms than the one crawled: by the brands
    /// they name, and by where their redirector links land. Without it a
    /// crawl attributes nothing beyond the firm's own configuration.
    #[must_use]
    pub fn with_attribution(mut self, firms: &[FirmConfig]) -> Crawler {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.brands = BrandIndex::new(firms);
            shared.owners = SiteOwners::new(firms);
        }
        self
    }

    /// Crawls sites that belong to no firm (`[watch] sites`) to depth 1 and
    /// resolves their redirector links; which firm a page counts for is
    /// decided afterwards from what it names and where its links land.
    pub async fn crawl_watched(&self, sites: &[Url], cancel: &CancellationToken) -> FirmCrawl {
        let mut out = FirmCrawl::default();
        let mut outgoing_seen = HashSet::new();
        let group = SeedGroup {
            kind: SourceKind::Watched,
            max_depth: DEFAULT_AFFILIATE_DEPTH.min(self.shared.settings.max_depth),
            seeds: sites.to_vec(),
            category: Some(Category::Affiliate),
            readings: HashMap::new(),
            names: Default::default(),
        };
        if !group.seeds.is_empty() {
            self.crawl_group(group, None, cancel, &mut out, &mut outgoing_seen)
                .await;
        }
        self.resolve_redirect_links(&mut out, cancel).await;
        out
    }

    /// Follows the redirector links of the crawled pages, at most
    /// `redirector_max_links` of them, each for at most
    /// `redirector_max_hops` requests. Each redirector host becomes a
    /// source of kind `redirector`; chains landing on a configured firm's
    /// website are kept for attribution.
    async fn resolve_redirect_links(&self, out: &mut FirmCrawl, cancel: &CancellationToken) {
        if cancel.is_cancelled() {
            return;
        }
        let settings = &self.shared.settings;
        let mut seen = HashSet::new();
        let mut pending: Vec<(Page, RedirectLink)> = Vec::new();
        let mut skipped = 0usize;
        for crawled in &out.pages {
            for link in &crawled.redirect_links {
                if !seen.insert(link.url.to_string()) {
                    continue;
                }
                if pending.len() < settings.redirector_max_links {
                    pending.push((crawled.page.clone(), link.clone()));
                } else {
                    skipped += 1;
                }
            }
        }
        if skipped > 0 {
            out.errors.push(ErrorEntry::new(
                String::new(),
                "redirector_limit",
                format!(
                    "{skipped} redirector links not resolved: redirector_max_links is {}",
                    settings.redirector_max_links
                ),
                now_rfc3339(),
            ));
        }
        let owners = &self.shared.owners;
        let lands = |url: &Url| owners.owner_of(url).is_some();
        let fetcher = &self.shared.fetcher;
        let max_hops = settings.redirector_max_hops;
        let resolving = futures_util::stream::iter(pending)
            .map(|(page, link)| async move {
                let resolution =
                    crate::sources::redirect::resolve(fetcher, &link.url, max_hops, &lands).await;
                (page, link, resolution)
            })
            .buffer_unordered(settings.concurrency.clamp(1, MAX_PARALLEL_RESOLUTIONS))
            .collect::<Vec<_>>();
        let resolved = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                out.partial_reasons.push("interrupted while resolving redirector links".to_string());
                return;
            }
            resolved = resolving => resolved,
        };
        let mut by_host: Vec<SourceReport> = Vec::new();
        for (page, link, mut resolution) in resolved {
            // Each hop is evidence of where the link led: archive it and cite it.
            let mut archive_errors = Vec::new();
            for (hop, response) in resolution.hops.iter_mut().zip(&resolution.responses) {
                let record =
                    self.shared
                        .archive_as(&hop.method, response, &[], None, &mut archive_errors);
                (hop.warc_file, hop.warc_record_id, hop.warc_offset) =
                    crate::evidence::warc::citation(record.as_ref());
            }
            out.errors.extend(archive_errors);
            let origin = format!(
                "{}://{}/",
                link.url.scheme(),
                link.url.host_str().unwrap_or_default()
            );
            let index = match by_host.iter().position(|s| s.url == origin) {
                Some(index) => index,
                None => {
                    by_host.push(SourceReport {
                        url: origin,
                        kind: SourceKind::Redirector,
                        pages_fetched: 0,
                        errors: 0,
                        name: None,
                        pages_revalidated: 0,
                    });
                    by_host.len() - 1
                }
            };
            by_host[index].pages_fetched += resolution.hops.len() as u64;
            if let Some(error) = &resolution.error {
                by_host[index].errors += 1;
                self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                out.errors.push(ErrorEntry {
                    rule: None,
                    ..ErrorEntry::new(
                        crate::model::text::redact(&link.url),
                        error.kind(),
                        format!("resolving a redirector link found on {}: {error}", page.url),
                        now_rfc3339(),
                    )
                });
            }
            let firm = resolution
                .landing
                .as_ref()
                .and_then(|landing| owners.owner_of(landing));
            if let Some(firm) = firm {
                out.resolutions.push(ResolvedLink {
                    page,
                    link,
                    resolution,
                    firm,
                });
            }
        }
        out.sources.extend(by_host);
    }

    /// The fetcher, for checks outside the crawl loop (app stores).
    pub fn fetcher(&self) -> &Fetcher {
        &self.shared.fetcher
    }

    /// Archives an exchange made outside the crawl loop (the geo probe) when
    /// the scan writes WARC; `accept_language` is the header the request sent.
    pub fn archive_exchange(
        &self,
        fetched: &Fetched,
        accept_language: Option<&str>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        let extra: Vec<(String, String)> = accept_language
            .map(|value| ("Accept-Language".to_string(), value.to_string()))
            .into_iter()
            .collect();
        self.shared.archive(fetched, &extra, None, errors)
    }

    /// Closes the WARC archive, returning the files written.
    ///
    /// # Errors
    /// When the last file cannot be flushed.
    pub fn finish_warc(&self) -> Result<Vec<std::path::PathBuf>, crate::evidence::warc::WarcError> {
        let writer = self.shared.warc.as_ref().and_then(|slot| {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        });
        match writer {
            Some(writer) => writer.finish(),
            None => Ok(Vec::new()),
        }
    }

    /// Crawls every website, affiliate, feed and social profile of `firm`
    /// until the frontiers are empty, a budget is spent, or `cancel` fires.
    pub async fn crawl_firm(&self, firm: &FirmConfig, cancel: &CancellationToken) -> FirmCrawl {
        let mut out = FirmCrawl::default();
        let mut outgoing_seen = HashSet::new();
        let baseline = self
            .baseline
            .as_ref()
            .and_then(|baseline| baseline.firm(&firm.name));
        for group in seed_groups(firm, self.shared.settings.max_depth) {
            if group.seeds.is_empty() {
                continue;
            }
            self.crawl_group(
                group,
                baseline.clone(),
                cancel,
                &mut out,
                &mut outgoing_seen,
            )
            .await;
            if cancel.is_cancelled() {
                break;
            }
        }
        if !cancel.is_cancelled() {
            self.read_files(firm, &mut out);
        }
        self.resolve_redirect_links(&mut out, cancel).await;
        if !cancel.is_cancelled() && (firm.apps.apple.is_some() || firm.apps.google.is_some()) {
            let settings = crate::sources::appstore::AppStoreSettings {
                apple_base: self.shared.settings.apple_lookup_base.clone(),
                google_base: self.shared.settings.google_play_base.clone(),
            };
            out.app_store = crate::sources::appstore::check_apps(
                &self.shared.fetcher,
                &settings,
                firm.apps.apple.as_deref(),
                firm.apps.google.as_deref(),
            )
            .await;
        }
        out
    }

    /// Classifies the local evidence files of a firm (e-mail campaigns, saved
    /// pages, WARC archives by other tools).
    fn read_files(&self, firm: &FirmConfig, out: &mut FirmCrawl) {
        for path in &firm.files {
            let documents = match crate::sources::offline::read_path(path) {
                Ok(documents) => documents,
                Err(e) => {
                    out.errors.push(ErrorEntry::new(
                        path.display().to_string(),
                        "file",
                        e.to_string(),
                        now_rfc3339(),
                    ));
                    continue;
                }
            };
            // Like the documents read from it, a report names a file by its
            // name only: where it sat on the operator's disk is no evidence.
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            out.sources.push(SourceReport {
                url: name,
                kind: documents
                    .first()
                    .map_or(SourceKind::File, |d| d.source_kind),
                pages_fetched: documents.len() as u64,
                errors: 0,
                pages_revalidated: 0,
                name: None,
            });
            for document in documents {
                let classification = self.shared.classifier.classify(&document);
                let page = Page {
                    url: document.url.clone(),
                    final_url: document.final_url.clone(),
                    status: 200,
                    fetched_at: document.fetched_at.clone(),
                    content_sha256: document.content_sha256.clone(),
                    content_type: None,
                    bytes: 0,
                    truncated: false,
                    charset: None,
                    depth: 0,
                    redirects: Vec::new(),
                    source_kind: document.source_kind,
                    language: Some(classification.language),
                    score: classification.score,
                    published_at: document.published_at.clone(),
                    warc_file: None,
                    warc_record_id: None,
                    warc_offset: None,
                    etag: None,
                    last_modified: None,
                    links: Vec::new(),
                    revalidated: None,
                    attribution: None,
                };
                let mut crawled = CrawledPage::new(page, classification.findings);
                self.shared.note_foreign(&document, &mut crawled);
                out.pages.push(crawled);
            }
        }
    }

    async fn crawl_group(
        &self,
        group: SeedGroup,
        baseline: Option<Arc<FirmBaseline>>,
        cancel: &CancellationToken,
        out: &mut FirmCrawl,
        outgoing_seen: &mut HashSet<String>,
    ) {
        let SeedGroup {
            kind,
            max_depth,
            seeds,
            category,
            readings,
            names,
        } = group;
        let owned_scope = || {
            let mut scope = ScopeRules::new();
            for seed in &seeds {
                scope.add_owned(seed);
            }
            scope
        };
        let scope = owned_scope();
        // Visit tasks check redirect hops against the same scope the frontier uses.
        let context = Arc::new(GroupContext {
            kind,
            category,
            readings,
            scope: owned_scope(),
            baseline,
        });
        let mut frontier_settings = FrontierSettings::from_settings(&self.shared.settings);
        frontier_settings.max_depth = max_depth;
        let mut frontier = Frontier::new(
            frontier_settings,
            UrlNormalizer::new(&self.shared.settings.strip_query_params),
            scope,
        );

        // Pages and errors belong to the seed they were fetched for, else to the
        // first seed of their site.
        let mut source_by_url: HashMap<String, usize> = HashMap::new();
        let mut source_by_site: HashMap<String, usize> = HashMap::new();
        for seed in &seeds {
            source_by_url.insert(seed.to_string(), out.sources.len());
            source_by_site
                .entry(site_of(seed))
                .or_insert(out.sources.len());
            out.sources.push(SourceReport {
                url: seed.to_string(),
                kind,
                pages_fetched: 0,
                errors: 0,
                pages_revalidated: 0,
                name: names.get(seed.as_str()).cloned(),
            });
        }
        let source_of = |url: &str| {
            source_by_url.get(url).copied().or_else(|| {
                let site = Url::parse(url).map(|u| site_of(&u)).unwrap_or_default();
                source_by_site.get(&site).copied()
            })
        };
        let attribute = |url: &str, out: &mut FirmCrawl, page: bool| {
            if let Some(i) = source_of(url) {
                if page {
                    out.sources[i].pages_fetched += 1;
                } else {
                    out.sources[i].errors += 1;
                }
            }
        };

        for seed in &seeds {
            self.offer(&mut frontier, seed, 0, None, out);
        }
        if self.shared.settings.sitemaps && kind == SourceKind::Website {
            for seed in &seeds {
                if cancel.is_cancelled() {
                    break;
                }
                let before = out.errors.len();
                self.read_sitemaps(seed, &context.scope, &mut frontier, out)
                    .await;
                for i in before..out.errors.len() {
                    let url = out.errors[i].url.clone();
                    attribute(&url, out, false);
                }
            }
        }

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
                let task = self.visit_task(item, Arc::clone(&context));
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
                    pages,
                    links,
                    errors,
                } => {
                    let Some(page) = pages.first().map(|p| p.page.clone()) else {
                        continue;
                    };
                    self.shared.counters.count_page(&page.url);
                    attribute(&page.url, out, true);
                    if page.revalidated.is_some() {
                        self.shared
                            .counters
                            .revalidated
                            .fetch_add(1, Ordering::Relaxed);
                        if let Some(i) = source_of(&page.url) {
                            out.sources[i].pages_revalidated += 1;
                        }
                    }
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
                        if !conditional::is_followed(link.kind) {
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
                    out.pages.extend(pages);
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
            Admission::Trap(reason) => out.errors.push(ErrorEntry::new(
                url.to_string(),
                "crawler_trap",
                format!("not followed: {}", reason.describe()),
                now_rfc3339(),
            )),
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
                out.errors.push(ErrorEntry::new(
                    url.to_string(),
                    "sitemap",
                    format!("sitemap answered HTTP {}", fetched.status),
                    now_rfc3339(),
                ));
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
                Err(e) => out.errors.push(ErrorEntry::new(
                    url.to_string(),
                    "sitemap",
                    e.to_string(),
                    now_rfc3339(),
                )),
            }
        }
    }

    fn visit_task(
        &self,
        item: QueuedUrl,
        context: Arc<GroupContext>,
    ) -> tokio::task::JoinHandle<Visit> {
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let robots = shared.robots_for(&item.url).await;
            shared.visit(item, robots, &context).await
        })
    }
}

impl Shared {
    /// For a page that is not on the firm's own websites: the firms it names
    /// and the redirector links it carries.
    fn note_foreign(&self, document: &crate::model::Document, crawled: &mut CrawledPage) {
        crawled.named = self.brands.named_firms(document);
        let redirectors = self.classifier.rules().redirectors();
        let blocks: HashMap<usize, &crate::model::Block> =
            document.blocks.iter().map(|b| (b.index, b)).collect();
        for link in &document.links {
            if !matches!(
                link.kind,
                LinkKind::Anchor | LinkKind::Area | LinkKind::MetaRefresh
            ) {
                continue;
            }
            let Ok(url) = Url::parse(&link.url) else {
                continue;
            };
            // A link to a firm's own site needs no resolving: where it goes is plain.
            if !redirectors.recognises(&url) || self.owners.owner_of(&url).is_some() {
                continue;
            }
            let block = link.block_index.and_then(|i| blocks.get(&i));
            crawled.redirect_links.push(RedirectLink {
                url,
                location: Location {
                    block_kind: block.map_or(BlockKind::Link, |b| b.kind),
                    block_index: block.map_or(0, |b| b.index),
                    path: match block {
                        Some(b) if !b.path.is_empty() => format!("{}[href]", b.path),
                        _ => "a[href]".to_string(),
                    },
                    char_offset: 0,
                },
                language: block.and_then(|b| b.language.as_ref().map(|l| l.code.clone())),
            });
        }
    }

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

    async fn visit(&self, item: QueuedUrl, robots: Arc<Robots>, context: &GroupContext) -> Visit {
        if let RobotsDecision::Disallowed { rule } = robots.check(&item.url) {
            return Visit::Skipped(ErrorEntry {
                rule: Some(rule),
                ..ErrorEntry::new(
                    item.url.to_string(),
                    "robots_disallowed",
                    "not fetched: disallowed by robots.txt",
                    now_rfc3339(),
                )
            });
        }
        let redirect_filter = |target: &Url| -> Result<(), String> {
            if context.scope.is_owned(target) {
                Ok(())
            } else {
                Err(format!(
                    "redirect leaves the firm's scope (to {})",
                    target.host_str().unwrap_or("?")
                ))
            }
        };
        let previous = context
            .baseline
            .as_ref()
            .and_then(|baseline| baseline.get(context.kind, &item.url));
        let conditions = previous.and_then(conditional::Reusable::conditions);
        let fetched = match self
            .fetcher
            .fetch_conditional(&item.url, &redirect_filter, conditions.as_ref())
            .await
        {
            Ok(fetched) => fetched,
            Err(e) => return Visit::Failed(fetch_error_entry(&e)),
        };
        let mut errors = Vec::new();
        if let Some(previous) = previous.filter(|_| fetched.status == 304 && fetched.conditional) {
            // Unchanged since the baseline: its capture stays the evidence.
            let record = self.archive(&fetched, &[], conditions.as_ref(), &mut errors);
            let (warc_file, warc_record_id, warc_offset) =
                crate::evidence::warc::citation(record.as_ref());
            let (page, findings) = previous.carry_over(
                item.depth,
                fetched.redirects.iter().map(Url::to_string).collect(),
                Revalidation {
                    at: fetched.fetched_at.clone(),
                    warc_file,
                    warc_record_id,
                    warc_offset,
                },
            );
            return Visit::Page {
                pages: vec![CrawledPage::new(page, findings)],
                links: previous.links(),
                errors,
            };
        }
        if fetched.status >= 400 {
            errors.push(ErrorEntry::new(
                item.url.to_string(),
                "http_status",
                format!("HTTP {}", fetched.status),
                fetched.fetched_at.clone(),
            ));
        }
        if fetched.truncated {
            errors.push(ErrorEntry::new(
                item.url.to_string(),
                "too_large",
                format!(
                    "body cut at {} bytes (max_body_bytes); findings cover the kept part only",
                    self.settings.max_body_bytes
                ),
                fetched.fetched_at.clone(),
            ));
        }
        let record = self.archive(&fetched, &[], conditions.as_ref(), &mut errors);
        let reading = context
            .readings
            .get(item.url.as_str())
            .copied()
            .unwrap_or_default();
        let category = reading.category.or(context.category);
        let mut page = page_of(&item, &fetched, context.kind);
        let mut documents = Vec::new();
        if (200..300).contains(&fetched.status) {
            let decoded = charset::decode(&fetched.body, fetched.content_type.as_deref());
            page.charset = Some(decoded.encoding.to_string());
            let media = media_kind(&fetched);
            // A preview page served elsewhere than t.me (a mirror, the demo)
            // is recognised by its markup.
            let telegram_shaped = context.kind == SourceKind::Social
                && media == Media::Html
                && social::looks_like_telegram_preview(&decoded.text);
            if reading.telegram_preview || telegram_shaped {
                let meta = SocialMeta {
                    page_url: fetched.final_url.to_string(),
                    fetched_at: fetched.fetched_at.clone(),
                    content_sha256: fetched.sha256.clone(),
                };
                documents = social::telegram_posts(&decoded.text, &meta);
            } else if feed::looks_like_feed(fetched.content_type.as_deref(), &fetched.body) {
                let meta = FeedMeta {
                    feed_url: fetched.final_url.to_string(),
                    fetched_at: fetched.fetched_at.clone(),
                    content_sha256: fetched.sha256.clone(),
                    source_kind: if context.kind == SourceKind::Social {
                        SourceKind::Social
                    } else if context.kind == SourceKind::Affiliate {
                        SourceKind::Affiliate
                    } else {
                        SourceKind::Feed
                    },
                    category_override: category,
                    max_age: reading.max_age,
                    now: time::OffsetDateTime::now_utc(),
                };
                match feed::parse_feed(&fetched.body, &meta) {
                    Ok(parsed) => documents = parsed.documents,
                    Err(e) => errors.push(ErrorEntry::new(
                        item.url.to_string(),
                        "feed",
                        e.to_string(),
                        fetched.fetched_at.clone(),
                    )),
                }
            } else if media != Media::Other {
                let meta = DocMeta {
                    url: item.url.to_string(),
                    final_url: fetched.final_url.to_string(),
                    source_kind: context.kind,
                    fetched_at: fetched.fetched_at.clone(),
                    content_sha256: fetched.sha256.clone(),
                    content_language: fetched.content_language.clone(),
                };
                let document = match media {
                    Media::Html => extract::extract_html(&decoded.text, meta),
                    _ => extract::extract_text(&decoded.text, meta),
                };
                documents.push(document);
            }
        }

        // The response itself is the first page; feed items and posts follow as pages of their own.
        let mut links = Vec::new();
        let mut pages = Vec::with_capacity(documents.len() + 1);
        let single_document = documents.len() == 1 && documents[0].url == page.url;
        if !single_document {
            set_record(&mut page, record.as_ref());
            pages.push(CrawledPage::new(page.clone(), Vec::new()));
        }
        for mut document in documents {
            if document.category_override.is_none() {
                document.category_override = category;
            }
            let classification = self.classifier.classify(&document);
            let mut item_page = page.clone();
            if !single_document {
                item_page.url = document.url.clone();
                item_page.final_url = document.final_url.clone();
                item_page.redirects.clear();
                item_page.published_at = document.published_at.clone();
                item_page.source_kind = document.source_kind;
            }
            item_page.language = Some(classification.language);
            item_page.score = classification.score;
            set_record(&mut item_page, record.as_ref());
            let mut findings = classification.findings;
            for finding in &mut findings {
                (
                    finding.warc_file,
                    finding.warc_record_id,
                    finding.warc_offset,
                ) = crate::evidence::warc::citation(record.as_ref());
            }
            let mut crawled = CrawledPage::new(item_page, findings);
            if context.kind != SourceKind::Website {
                self.note_foreign(&document, &mut crawled);
            }
            links.extend(document.links);
            pages.push(crawled);
        }
        // Validators describe one response, so only a page that is the whole
        // of a complete, error-free response can be revalidated next time.
        if let [only] = pages.as_mut_slice() {
            if errors.is_empty() && (200..300).contains(&fetched.status) {
                only.page.etag = header_text(&fetched, reqwest::header::ETAG);
                only.page.last_modified = header_text(&fetched, reqwest::header::LAST_MODIFIED);
                if only.page.etag.is_some() || only.page.last_modified.is_some() {
                    only.page.links = conditional::page_links(&links);
                }
            }
        }
        Visit::Page {
            pages,
            links,
            errors,
        }
    }

    /// Archives the exchange when the scan writes WARC; a failure to archive
    /// is recorded, never fatal to the crawl.
    fn archive(
        &self,
        fetched: &Fetched,
        extra_request_headers: &[(String, String)],
        conditions: Option<&Conditions>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        self.archive_as("GET", fetched, extra_request_headers, conditions, errors)
    }

    /// [`Shared::archive`] for a request made with `method` (`HEAD` for the
    /// hops of a redirector chain).
    fn archive_as(
        &self,
        method: &str,
        fetched: &Fetched,
        extra_request_headers: &[(String, String)],
        conditions: Option<&Conditions>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        let writer = self.warc.as_ref()?;
        let mut request_headers = vec![
            (
                "Host".to_string(),
                fetched
                    .final_url
                    .host_str()
                    .map(|h| match fetched.final_url.port() {
                        Some(port) => format!("{h}:{port}"),
                        None => h.to_string(),
                    })
                    .unwrap_or_default(),
            ),
            ("User-Agent".to_string(), self.settings.user_agent.clone()),
            ("Accept".to_string(), "*/*".to_string()),
            (
                "Accept-Encoding".to_string(),
                "gzip, br, deflate".to_string(),
            ),
        ];
        request_headers.extend_from_slice(extra_request_headers);
        if fetched.conditional {
            for (name, value) in conditions.map(fetch::condition_headers).unwrap_or_default() {
                if let Ok(value) = value.to_str() {
                    request_headers.push((name.as_str().to_string(), value.to_string()));
                }
            }
        }
        let response_headers: Vec<(String, String)> = fetched
            .headers
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_string(), v.to_string()))
            })
            .collect();
        let fetched_at = time::OffsetDateTime::parse(
            &fetched.fetched_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let reason = reqwest::StatusCode::from_u16(fetched.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let target = fetched.final_url.to_string();
        let exchange = Exchange {
            url: &target,
            method,
            request_headers: &request_headers,
            http_version: "HTTP/1.1",
            status: fetched.status,
            reason,
            response_headers: &response_headers,
            payload: &fetched.body,
            content_decoded: true,
            truncated: fetched.truncated,
            ip: fetched.remote_addr.map(|a| a.ip()),
            fetched_at,
        };
        let mut slot = writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A closed archive only happens after the crawl; nothing is left to record then.
        let result = slot.as_mut()?.write_exchange(&exchange);
        match result {
            Ok(record) => Some(record),
            Err(e) => {
                errors.push(ErrorEntry::new(
                    target,
                    "warc",
                    format!("not archived: {e}"),
                    now_rfc3339(),
                ));
                None
            }
        }
    }
}

fn set_record(page: &mut Page, record: Option<&RecordRef>) {
    (page.warc_file, page.warc_record_id, page.warc_offset) =
        crate::evidence::warc::citation(record);
}

/// The entry points of a firm, grouped by kind, each with its depth and reading.
fn seed_groups(firm: &FirmConfig, max_depth: u32) -> Vec<SeedGroup> {
    let mut feeds = SeedGroup {
        kind: SourceKind::Feed,
        max_depth: 0,
        seeds: Vec::new(),
        category: None,
        readings: HashMap::new(),
        names: Default::default(),
    };
    for feed in &firm.feeds {
        feeds.seeds.push(feed.url.clone());
        feeds.readings.insert(
            feed.url.to_string(),
            Reading {
                category: match feed.kind {
                    FeedKind::Blog => None,
                    FeedKind::Press => Some(Category::Press),
                    FeedKind::Social => Some(Category::SocialMedia),
                },
                max_age: feed.max_age,
                telegram_preview: false,
            },
        );
    }
    let mut social = SeedGroup {
        kind: SourceKind::Social,
        max_depth: 0,
        seeds: Vec::new(),
        category: Some(Category::SocialMedia),
        readings: HashMap::new(),
        names: Default::default(),
    };
    for profile in &firm.social {
        let (endpoint, format) = social::endpoint(profile);
        social.readings.insert(
            endpoint.to_string(),
            Reading {
                telegram_preview: format == SocialFormat::TelegramPreview,
                ..Reading::default()
            },
        );
        social.seeds.push(endpoint);
    }
    vec![
        SeedGroup {
            kind: SourceKind::Website,
            max_depth,
            seeds: firm.websites.clone(),
            category: None,
            readings: HashMap::new(),
            names: Default::default(),
        },
        SeedGroup {
            kind: SourceKind::Affiliate,
            max_depth: DEFAULT_AFFILIATE_DEPTH.min(max_depth),
            seeds: firm.affiliates.clone(),
            category: Some(Category::Affiliate),
            readings: HashMap::new(),
            names: firm.affiliate_names.clone(),
        },
        feeds,
        social,
    ]
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
        published_at: None,
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        etag: None,
        last_modified: None,
        links: Vec::new(),
        revalidated: None,
        attribution: None,
    }
}

fn header_text(fetched: &Fetched, name: reqwest::header::HeaderName) -> Option<String> {
    fetched
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

/// A fetch failure as a report entry.
pub fn fetch_error_entry(error: &FetchError) -> ErrorEntry {
    ErrorEntry::new(
        error.url().to_string(),
        error.kind(),
        error.to_string(),
        now_rfc3339(),
    )
}

/// The budget and attribution unit: the registrable domain, or the host.
fn site_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    registrable_domain(host).unwrap_or_else(|| host.to_string())
}

#[cfg(test)]
mod tests;
