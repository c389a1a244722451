//! One scan from a validated configuration to a whole report: builds the
//! shared services, crawls every firm, scores each firm and assembles the
//! report.
//!
//! It holds no I/O of its own beyond what `crawl` does, and never writes the
//! report to disk (the caller decides where a report goes).

pub mod attribute;
mod streamed;

pub use streamed::StreamedReport;

use crate::analyze::classify::Classifier;
use crate::analyze::rules::{RuleSet, RulesError};
use crate::analyze::score::{self, PageEvidence};
use crate::config::Config;
use crate::config::RenderMode;
use crate::evidence::conditional::Baseline;
use crate::evidence::warc::{WarcInfo, WarcWriter};
use crate::model::geo::GeoResult;
use crate::model::report::{
    ErrorEntry, FirmReport, RenderSummary, Report, ScanInfo, ScanStatus, Tool, NOTICE,
    SCHEMA_VERSION,
};
use crate::model::time::now_rfc3339;
use crate::sources::crawl::{CrawlCounters, Crawler};
use crate::sources::fetch::FetchError;
use crate::sources::geo::GeoProber;
use crate::sources::render::{find_browser, BrowserError, Renderer};
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Why a scan could not run at all (as opposed to pages failing, which the report records).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[from] FetchError),
    #[error("cannot load the rules: {0}")]
    Rules(#[from] RulesError),
    #[error("cannot open the WARC archive: {0}")]
    Warc(#[from] crate::evidence::warc::WarcError),
    #[error("cannot read the register: {0}")]
    Register(#[from] crate::sources::register::RegisterError),
    #[error("render = \"always\" needs a browser: {0}")]
    Browser(#[from] crate::sources::render::BrowserError),
    #[error("{0}")]
    Store(#[from] crate::sources::crawl::StoreError),
}

/// Knobs a caller holds while the scan runs.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Cancelled on Ctrl-C / SIGTERM: fetching stops and the report is `partial`.
    pub cancel: CancellationToken,
    /// Live counters for a progress display.
    pub counters: Arc<CrawlCounters>,
    /// The previous report (`scan --baseline`): its pages are revalidated
    /// with conditional requests, and those answered `304 Not Modified` are
    /// carried over with their findings instead of fetched again.
    pub baseline: Option<Arc<Report>>,
}

/// The rule set a scan uses: `dir` if given, else the configuration's
/// `scan.patterns`, else the bundle compiled into the binary.
///
/// # Errors
/// [`RulesError`] naming the file, line and rule at fault.
pub fn load_rules(config: Option<&Config>, dir: Option<&Path>) -> Result<RuleSet, RulesError> {
    let configured = config.and_then(|c| c.scan.patterns.as_deref());
    match dir.or(configured) {
        Some(dir) => RuleSet::load_dir(dir),
        None => RuleSet::bundled(),
    }
}

/// The browser for `[scan] render`: none when rendering is off, or in `auto`
/// when no browser is found (with the notice the report carries).
///
/// # Errors
/// [`ScanError::Browser`] when `render = "always"` and no browser is found.
fn renderer_for(
    settings: &crate::config::ScanSettings,
) -> Result<(Option<Arc<Renderer>>, Option<String>), ScanError> {
    if settings.render == RenderMode::Off {
        return Ok((None, None));
    }
    match find_browser(settings.browser.as_deref()) {
        Some(executable) => Ok((
            Some(Arc::new(Renderer::new(
                executable,
                settings.render_tabs,
                settings.render_timeout,
            ))),
            None,
        )),
        None if settings.render == RenderMode::Always => {
            Err(ScanError::Browser(BrowserError::NotFound))
        }
        None => Ok((
            None,
            Some(
                "rendering is off: no browser was found (install chromium, or set [scan] browser); \
                 pages built by scripts are reported as not read (script_shell)"
                    .to_string(),
            ),
        )),
    }
}

/// What the report says about rendering; the browser is closed here.
async fn render_summary(
    settings: &crate::config::ScanSettings,
    renderer: Option<&Renderer>,
    notice: Option<String>,
) -> RenderSummary {
    let mode = match renderer {
        None => RenderMode::Off,
        Some(_) => settings.render,
    };
    let mut summary = RenderSummary {
        mode: mode.as_str().to_string(),
        notice,
        ..RenderSummary::default()
    };
    if let Some(renderer) = renderer {
        renderer.shutdown().await;
        summary.browser = renderer.browser_version();
        summary.browser_launches = renderer.launches();
        summary.pages_rendered = renderer.renders();
        summary.pages_not_rendered = renderer.not_rendered();
        if summary.pages_not_rendered > 0 {
            summary.notice = Some(format!(
                "{} pages that needed rendering were not rendered (render_max_pages per site, or the browser failed on them: see the firms' errors)",
                summary.pages_not_rendered
            ));
        }
    }
    summary
}

/// Runs the scan described by `config` with `rules`, and returns the report
/// whole in memory. A large scan is better written by [`run_streamed`].
///
/// # Errors
/// As [`run_streamed`].
pub async fn run(
    config: &Config,
    rules: Arc<RuleSet>,
    options: ScanOptions,
) -> Result<ScanOutcome, ScanError> {
    run_streamed(config, rules, options).await?.into_whole()
}

/// Runs the scan described by `config` with `rules`. The pages and findings
/// stay on disk, in the crawl's spill, until the report is written: memory
/// holds the frontier, per-host state and the figures of the verdicts, not
/// the evidence.
///
/// # Errors
/// [`ScanError::Client`] when the HTTP client cannot be built,
/// [`ScanError::Store`] when crawled pages cannot be read back from the
/// spill. Failures of single requests are recorded in the report, never
/// returned here.
pub async fn run_streamed(
    config: &Config,
    rules: Arc<RuleSet>,
    options: ScanOptions,
) -> Result<StreamedScan, ScanError> {
    let started = time::OffsetDateTime::now_utc();
    let started_at = crate::model::time::rfc3339(started);
    let classifier = Arc::new(Classifier::new(Arc::clone(&rules)));
    let scan_id = scan_id(&started, &config.sha256);
    // Read before anything is fetched: a missing register file is a
    // configuration mistake, not something to find out after a night's crawl.
    let register = crate::sources::register::Register::load(&config.register)?;
    let today = started_at.get(..10).unwrap_or_default().to_string();
    // Before the archive is opened: a scan that cannot run leaves no empty WARC behind.
    let (renderer, render_notice) = renderer_for(&config.scan)?;
    let warc = match &config.scan.warc {
        Some(dir) => Some(WarcWriter::create(
            dir,
            &crate::report::scan_slug(config.firms.iter().map(|f| f.slug())),
            config.scan.warc_max_file_bytes,
            WarcInfo {
                software: format!("{}/{}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
                config_sha256: config.sha256.clone(),
                patterns_sha256: rules.sha256().to_string(),
                user_agent: config.scan.user_agent.clone(),
                vantage: vantage_description(&config.vantages),
                scan_id: scan_id.clone(),
            },
        )?),
        None => None,
    };
    let prober = GeoProber::new(
        &config.scan,
        &config.vantages,
        &config.geo,
        Arc::clone(&classifier),
    )?;
    let mut crawler = Crawler::new(
        &config.scan,
        classifier,
        Arc::clone(&options.counters),
        warc,
    )?
    .with_attribution(&config.firms);
    if let Some(renderer) = &renderer {
        crawler = crawler.with_renderer(Arc::clone(renderer));
    }
    if let Some(previous) = &options.baseline {
        match Baseline::new(previous, rules.sha256()) {
            Ok(baseline) => {
                tracing::info!(
                    pages = baseline.reusable_pages(),
                    "revalidating the baseline's pages with conditional requests"
                );
                crawler = crawler.with_baseline(Arc::new(baseline));
            }
            Err(unusable) => tracing::warn!("{unusable}"),
        }
    }

    let cancel = options.cancel.child_token();
    let mut partial_reasons = Vec::new();
    let timer = config.scan.max_scan_time.map(|limit| {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            cancel.cancel();
        })
    });

    let (mut crawls, watched) = futures_util::future::join(
        futures_util::future::join_all(
            config
                .firms
                .iter()
                .map(|firm| crawler.crawl_firm(firm, &cancel)),
        ),
        async {
            if config.watch.sites.is_empty() {
                None
            } else {
                Some(crawler.crawl_watched(&config.watch.sites, &cancel).await)
            }
        },
    )
    .await;
    attribute::attribute_across_firms(&config.firms, &mut crawls, watched.as_ref(), &rules);
    // The probe runs after the crawl so that it can visit the sign-up and
    // product pages the crawl found.
    let probes = match &prober {
        Some(prober) => {
            futures_util::future::join_all(
                config
                    .firms
                    .iter()
                    .zip(&crawls)
                    .map(|(firm, crawl)| probe_firm(prober, &crawler, firm, crawl, &cancel)),
            )
            .await
        }
        None => config.firms.iter().map(|_| Default::default()).collect(),
    };
    if let Some(timer) = timer {
        if timer.is_finished() {
            partial_reasons.push("scan time limit (max_scan_time) reached".to_string());
        }
        timer.abort();
    }
    if options.cancel.is_cancelled() {
        partial_reasons.push("interrupted by a signal".to_string());
    }

    let mut firms = Vec::with_capacity(config.firms.len());
    let mut stores = Vec::with_capacity(config.firms.len());
    for ((firm, mut crawl), (geo, geo_errors)) in config.firms.iter().zip(crawls).zip(probes) {
        crawl.errors.extend(geo_errors);
        crawl.errors.sort_by(ErrorEntry::report_order);
        crawl.pages.sort();
        for reason in &crawl.partial_reasons {
            let reason = format!("{}: {reason}", firm.name);
            if !partial_reasons.contains(&reason) {
                partial_reasons.push(reason);
            }
        }
        // One pass over the pages, read back one at a time, judges the firm:
        // its coverage and its verdict are tallied as the pages go by.
        let mut coverage = crate::model::report::Coverage::default();
        let mut tally = score::FirmTally::new(rules.scoring(), crawl.pages.any_crypto());
        crawl.pages.for_each_record(|(page, findings)| {
            score::count_page(&mut coverage, &page, &findings);
            tally.add(&PageEvidence {
                url: &page.url,
                findings: &findings,
                language: page.language.as_ref(),
            });
            Ok::<_, crate::sources::crawl::StoreError>(())
        })?;
        score::count_errors(&mut coverage, &crawl.errors, &crawl.sources);
        // A verdict only where the scanner saw the firm: nothing read is
        // `unassessed`, never `none`.
        let mut verdict = match score::unassessed(&coverage, &crawl.errors) {
            Some(unassessed) => unassessed,
            None => {
                let mut verdict = tally.finish(&geo);
                if let Some(warning) = score::coverage_warning(&coverage) {
                    verdict.reasons.push(warning);
                }
                verdict
            }
        };
        let register = (!config.register.is_empty()).then(|| {
            let entry = register.lookup(firm, &today);
            verdict.reasons.push(entry.reason());
            entry
        });
        firms.push(FirmReport {
            register,
            name: firm.name.clone(),
            slug: firm.slug(),
            home_country: firm.home_country.clone(),
            verdict,
            sources: crawl.sources,
            // The pages and findings stay in the store until the report is
            // written (`StreamedReport`).
            pages: Vec::new(),
            findings: Vec::new(),
            errors: crawl.errors,
            outgoing_links: crawl.outgoing_links,
            app_store: crawl.app_store,
            geo,
            coverage,
        });
        stores.push(crawl.pages);
    }
    let mut errors = Vec::new();
    let mut watched_sources = Vec::new();
    if let Some(watched) = watched {
        for reason in watched.partial_reasons {
            partial_reasons.push(format!("watched sites: {reason}"));
        }
        errors.extend(watched.errors);
        errors.sort_by(ErrorEntry::report_order);
        watched_sources = watched.sources;
    }
    let rendering = Some(render_summary(&config.scan, renderer.as_deref(), render_notice).await);
    let warc_files = match crawler.finish_warc() {
        Ok(files) => files,
        Err(e) => {
            partial_reasons.push("the WARC archive could not be closed".to_string());
            errors.push(crate::model::report::ErrorEntry::new(
                String::new(),
                "warc",
                e.to_string(),
                now_rfc3339(),
            ));
            Vec::new()
        }
    };

    let status = if partial_reasons.is_empty() {
        ScanStatus::Complete
    } else {
        ScanStatus::Partial
    };
    let head = Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool::default(),
        scan: ScanInfo {
            id: scan_id,
            started_at,
            finished_at: now_rfc3339(),
            status,
            partial_reasons,
            config_sha256: config.sha256.clone(),
            patterns_sha256: rules.sha256().to_string(),
            user_agent: config.scan.user_agent.clone(),
            rendering,
        },
        firms,
        errors,
        watched: watched_sources,
        notice: NOTICE.to_string(),
        changes: None,
    };
    Ok(StreamedScan {
        report: StreamedReport::new(head, stores),
        warc_files,
    })
}

/// Probes one firm from every vantage, archiving each exchange with the crawl's.
async fn probe_firm(
    prober: &GeoProber,
    crawler: &Crawler,
    firm: &crate::config::FirmConfig,
    crawl: &crate::sources::crawl::FirmCrawl,
    cancel: &CancellationToken,
) -> (Vec<GeoResult>, Vec<crate::model::report::ErrorEntry>) {
    // Shallowest first, then by URL: the probe takes the first sign-up and
    // product pages it is given, and pages finish in whatever order the
    // network allows, so that order must not decide what is probed.
    let mut found: Vec<(u32, String)> = Vec::with_capacity(crawl.pages.len());
    for page in crawl.pages.pages() {
        match page {
            Ok(page) => found.push((page.depth, page.final_url)),
            Err(e) => {
                tracing::warn!("the geo probe goes without the crawl's pages: {e}");
                found.clear();
                break;
            }
        }
    }
    found.sort();
    let crawled: Vec<&str> = found.iter().map(|(_, url)| url.as_str()).collect();
    let mut disallowed: Vec<String> = crawl
        .errors
        .iter()
        .filter(|e| e.kind == "robots_disallowed")
        .map(|e| e.url.clone())
        .collect();
    // The probe's own entry pages may be pages the crawl never reached (a
    // configured geo page, a second website): robots.txt decides for them too,
    // so a host whose robots.txt refused everything gets no probe request.
    for url in firm.geo_pages.iter().chain(&firm.websites) {
        if let crate::sources::robots::RobotsDecision::Disallowed { .. } =
            crawler.robots_decision(url).await
        {
            disallowed.push(url.to_string());
        }
    }
    let disallowed: Vec<&str> = disallowed.iter().map(String::as_str).collect();
    let archive_errors = std::sync::Mutex::new(Vec::new());
    let archive = |fetched: &crate::sources::fetch::Fetched, accept_language: Option<&str>| {
        let mut errors = archive_errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        crawler.archive_exchange(fetched, accept_language, &mut errors)
    };
    let (results, mut errors) = prober
        .probe_firm(firm, &crawled, &disallowed, &archive, cancel)
        .await;
    errors.extend(
        archive_errors
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    (results, errors)
}

/// The vantages as the archive's `warcinfo` names them: names and countries,
/// never proxies.
fn vantage_description(vantages: &[crate::config::Vantage]) -> String {
    if vantages.is_empty() {
        return "direct".to_string();
    }
    let probes: Vec<String> = vantages
        .iter()
        .map(|v| {
            format!(
                "{} ({}{})",
                v.name,
                v.country,
                if v.control { ", control" } else { "" }
            )
        })
        .collect();
    format!("direct crawl; geo probe from {}", probes.join(", "))
}

/// A finished scan: the report and the WARC files it cites.
#[derive(Debug)]
pub struct ScanOutcome {
    pub report: Report,
    pub warc_files: Vec<std::path::PathBuf>,
}

/// A finished scan whose pages and findings wait on disk: the report is
/// written from it by streaming ([`StreamedReport::write_atomic`]).
#[derive(Debug)]
pub struct StreamedScan {
    pub report: StreamedReport,
    pub warc_files: Vec<std::path::PathBuf>,
}

impl StreamedScan {
    /// The scan with its report whole in memory.
    ///
    /// # Errors
    /// [`ScanError::Store`] when a page cannot be read back from the spill.
    pub fn into_whole(self) -> Result<ScanOutcome, ScanError> {
        Ok(ScanOutcome {
            report: self.report.into_whole()?,
            warc_files: self.warc_files,
        })
    }
}

/// A readable, unique-enough id: start time plus a slice of the config hash and the process id.
fn scan_id(started: &time::OffsetDateTime, config_sha256: &str) -> String {
    let stamp = started.unix_timestamp_nanos();
    let short = config_sha256.get(..8).unwrap_or(config_sha256);
    format!("{stamp:x}-{short}-{:x}", std::process::id())
}

/// A slice of the firms for one worker of a sharded nightly run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this worker.
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not I/N (e.g. 1/4)"))?;
        let index: u32 = index
            .trim()
            .parse()
            .map_err(|_| format!("`{index}` is not a number"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("`{count}` is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: need 1 <= I <= N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether a firm belongs to this shard. Decided by a hash of the firm's
    /// slug, so it does not change when firms are added or reordered.
    pub fn contains(&self, slug: &str) -> bool {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(slug.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Keeps only this shard's firms.
    pub fn select(&self, config: &mut Config) {
        config.firms.retain(|firm| self.contains(&firm.slug()));
    }
}

/// Why shard reports cannot be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("report {index} was made with other {what} than the first one; shards of one run share them")]
    Mismatch { index: usize, what: &'static str },
    #[error("firm `{0}` appears in more than one report")]
    DuplicateFirm(String),
}

/// Joins the reports of one sharded run into one report.
///
/// # Errors
/// [`MergeError`] when the reports come from different configurations or
/// rule sets, or a firm appears twice.
pub fn merge(reports: Vec<Report>) -> Result<Report, MergeError> {
    let mut reports = reports.into_iter();
    let mut merged = reports.next().ok_or(MergeError::Empty)?;
    let mut names: std::collections::HashSet<String> =
        merged.firms.iter().map(|f| f.name.clone()).collect();
    for (offset, report) in reports.enumerate() {
        let index = offset + 2;
        if report.scan.config_sha256 != merged.scan.config_sha256 {
            return Err(MergeError::Mismatch {
                index,
                what: "configuration",
            });
        }
        if report.scan.patterns_sha256 != merged.scan.patterns_sha256 {
            return Err(MergeError::Mismatch {
                index,
                what: "rules",
            });
        }
        merged.scan.started_at = merged.scan.started_at.min(report.scan.started_at);
        merged.scan.finished_at = merged.scan.finished_at.max(report.scan.finished_at);
        if report.scan.status == ScanStatus::Partial {
            merged.scan.status = ScanStatus::Partial;
        }
        merged
            .scan
            .partial_reasons
            .extend(report.scan.partial_reasons);
        merged.scan.id = format!("{}+{}", merged.scan.id, report.scan.id);
        for firm in report.firms {
            if !names.insert(firm.name.clone()) {
                return Err(MergeError::DuplicateFirm(firm.name));
            }
            merged.firms.push(firm);
        }
        merged.errors.extend(report.errors);
    }
    merged.firms.sort_by(|a, b| a.name.cmp(&b.name));
    merged.changes = None;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_firm_exactly_once() {
        let slugs: Vec<String> = (0..200).map(|i| format!("firm-{i}")).collect();
        for count in 1..=5u32 {
            for slug in &slugs {
                let owners = (1..=count)
                    .filter(|&index| Shard { index, count }.contains(slug))
                    .count();
                assert_eq!(owners, 1, "{slug} in {owners} of {count} shards");
            }
        }
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
