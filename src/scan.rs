//! One scan from a validated configuration to a whole report: builds the
//! shared services, crawls every firm, scores each firm and assembles the
//! report.
//!
//! It holds no I/O of its own beyond what `crawl` does, and never writes the
//! report to disk (the caller decides where a report goes).

use crate::classify::Classifier;
use crate::config::Config;
use crate::crawl::{CrawlCounters, Crawler};
use crate::fetch::FetchError;
use crate::model::Finding;
use crate::report::{
    now_rfc3339, FirmReport, Report, ScanInfo, ScanStatus, Tool, NOTICE, SCHEMA_VERSION,
};
use crate::rules::{RuleSet, RulesError};
use crate::score::{self, PageEvidence};
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
}

/// Knobs a caller holds while the scan runs.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Cancelled on Ctrl-C / SIGTERM: fetching stops and the report is `partial`.
    pub cancel: CancellationToken,
    /// Live counters for a progress display.
    pub counters: Arc<CrawlCounters>,
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

/// Runs the scan described by `config` with `rules`.
///
/// # Errors
/// [`ScanError::Client`] when the HTTP client cannot be built. Failures of
/// single requests are recorded in the report, never returned here.
pub async fn run(
    config: &Config,
    rules: Arc<RuleSet>,
    options: ScanOptions,
) -> Result<Report, ScanError> {
    let started = time::OffsetDateTime::now_utc();
    let started_at = crate::report::rfc3339(started);
    let classifier = Arc::new(Classifier::new(Arc::clone(&rules)));
    let crawler = Crawler::new(&config.scan, classifier, Arc::clone(&options.counters))?;

    let cancel = options.cancel.child_token();
    let mut partial_reasons = Vec::new();
    let timer = config.scan.max_scan_time.map(|limit| {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            cancel.cancel();
        })
    });

    let crawls = futures_util::future::join_all(
        config
            .firms
            .iter()
            .map(|firm| crawler.crawl_firm(firm, &cancel)),
    )
    .await;
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
    for (firm, crawl) in config.firms.iter().zip(crawls) {
        for reason in &crawl.partial_reasons {
            let reason = format!("{}: {reason}", firm.name);
            if !partial_reasons.contains(&reason) {
                partial_reasons.push(reason);
            }
        }
        let evidence: Vec<PageEvidence> = crawl
            .pages
            .iter()
            .map(|crawled| PageEvidence {
                url: &crawled.page.url,
                findings: &crawled.findings,
                language: crawled.page.language.as_ref(),
            })
            .collect();
        let verdict = score::firm_verdict(&evidence, rules.scoring());
        let findings: Vec<Finding> = crawl
            .pages
            .iter()
            .flat_map(|crawled| crawled.findings.iter().cloned())
            .collect();
        firms.push(FirmReport {
            name: firm.name.clone(),
            slug: firm.slug(),
            home_country: firm.home_country.clone(),
            verdict,
            sources: crawl.sources,
            pages: crawl
                .pages
                .into_iter()
                .map(|crawled| crawled.page)
                .collect(),
            findings,
            errors: crawl.errors,
            outgoing_links: crawl.outgoing_links,
        });
    }

    let status = if partial_reasons.is_empty() {
        ScanStatus::Complete
    } else {
        ScanStatus::Partial
    };
    Ok(Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool::default(),
        scan: ScanInfo {
            id: scan_id(&started, &config.sha256),
            started_at,
            finished_at: now_rfc3339(),
            status,
            partial_reasons,
            config_sha256: config.sha256.clone(),
            patterns_sha256: rules.sha256().to_string(),
            user_agent: config.scan.user_agent.clone(),
        },
        firms,
        errors: Vec::new(),
        notice: NOTICE.to_string(),
    })
}

/// A readable, unique-enough id: start time plus a slice of the config hash and the process id.
fn scan_id(started: &time::OffsetDateTime, config_sha256: &str) -> String {
    let stamp = started.unix_timestamp_nanos();
    let short = config_sha256.get(..8).unwrap_or(config_sha256);
    format!("{stamp:x}-{short}-{:x}", std::process::id())
}
