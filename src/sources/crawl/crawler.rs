//! The crawler: one fetcher, classifier and archive shared by every visit,
//! and the crawl of one firm (or of the watched sites) from its seeds.

use super::output::*;
use super::seeds::*;
use super::store::PageStore;
use crate::analyze::attribute::{BrandIndex, SiteOwners};
use crate::analyze::classify::Classifier;
use crate::config::{FirmConfig, ScanSettings};
use crate::evidence::conditional::Baseline;
use crate::evidence::warc::{RecordRef, WarcWriter};
use crate::model::report::ErrorEntry;
use crate::model::{Category, SourceKind};
use crate::sources::fetch::{FetchError, Fetched, Fetcher};
use crate::sources::render::Renderer;
use crate::sources::robots::Robots;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Redirector links resolved at the same time (each hop still waits for its
/// host's rate limit and the global cap).
pub const MAX_PARALLEL_RESOLUTIONS: usize = 8;
/// Outgoing links kept per firm (the rest are counted, not listed).
pub const MAX_OUTGOING_LINKS: usize = 2_000;

/// Shared services for crawling: one fetcher and one classifier for the whole scan.
pub struct Crawler {
    pub(crate) shared: Arc<Shared>,
    /// Pages of the previous report that may be revalidated (`scan --baseline`).
    pub(crate) baseline: Option<Arc<Baseline>>,
}

/// What every visit task needs; owned through an `Arc` so tasks are `'static`.
pub(crate) struct Shared {
    pub(crate) settings: ScanSettings,
    pub(crate) fetcher: Fetcher,
    pub(crate) classifier: Arc<Classifier>,
    pub(crate) robots: std::sync::Mutex<HashMap<String, Arc<OnceCell<HostRobots>>>>,
    pub(crate) counters: Arc<CrawlCounters>,
    /// Where every exchange is archived (`scan --warc`); one writer for the scan.
    /// `None` inside once the archive is closed.
    pub(crate) warc: Option<std::sync::Mutex<Option<WarcWriter>>>,
    /// Every firm's brands, to tell which firms a foreign page names.
    pub(crate) brands: BrandIndex,
    /// Every firm's websites, to tell where a redirect chain lands.
    pub(crate) owners: SiteOwners,
    /// The headless browser for script-rendered pages (`[scan] render`).
    pub(crate) renderer: Option<Arc<Renderer>>,
    /// Pages rendered so far per site, against `render_max_pages`.
    pub(crate) render_budget: std::sync::Mutex<HashMap<String, usize>>,
}

/// A host's robots.txt as last read, and when, so that an unavailable one
/// can be asked for again.
pub(crate) struct HostRobots {
    pub(crate) robots: Arc<Robots>,
    pub(crate) read_at: std::time::Instant,
}

impl Crawler {
    /// What robots.txt says about `url`, reading the host's file first when
    /// this scan has not (or when an unavailable one is due for a re-check).
    /// Anything that fetches for the scan outside the crawl (the geo probe)
    /// asks here first, so one host's robots.txt governs every request to it.
    pub async fn robots_decision(&self, url: &Url) -> crate::sources::robots::RobotsDecision {
        self.shared.robots_for(url).await.check(url)
    }

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
                renderer: None,
                render_budget: std::sync::Mutex::new(HashMap::new()),
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

    /// Renders script-built pages with `renderer` as `[scan] render` says.
    /// Without it every page is read as fetched.
    #[must_use]
    pub fn with_renderer(mut self, renderer: Arc<Renderer>) -> Crawler {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.renderer = Some(renderer);
        }
        self
    }

    /// Crawls sites that belong to no firm (`[watch] sites`) to depth 1 and
    /// resolves their redirector links; which firm a page counts for is
    /// decided afterwards from what it names and where its links land.
    pub async fn crawl_watched(&self, sites: &[Url], cancel: &CancellationToken) -> FirmCrawl {
        let mut out = FirmCrawl {
            pages: PageStore::spilling(),
            ..FirmCrawl::default()
        };
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
        let mut out = FirmCrawl {
            pages: PageStore::spilling(),
            ..FirmCrawl::default()
        };
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
}
