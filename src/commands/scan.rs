//! `micar-scan scan`: load the configuration, crawl, write the report and
//! its evidence, and exit by the verdicts (`--fail-on`, `--fail-on-new`).
//! Progress on a terminal, a clean stop on SIGINT/SIGTERM.

use super::{cannot_run, usage, verdict_exit_code, write_report, Failure};
use anyhow::Result;
use clap::Args;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::Config;
use micar_scan::evidence;
use micar_scan::model::report::write_atomic;
use micar_scan::model::report::{Report, WriteReport};
use micar_scan::model::Level;
use micar_scan::report;
use micar_scan::report::{diff, html};
use micar_scan::scan::{self, ScanOptions};
use micar_scan::sources::crawl::CrawlCounters;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Args)]
pub(crate) struct ScanArgs {
    /// The configuration file (TOML).
    config: PathBuf,
    /// Where to write the report; `-` for standard output.
    /// Default: reports/<firm-slug>-<UTC timestamp>.json.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with status 1 when any firm's verdict reaches this level (weak, moderate, strong).
    #[arg(long, value_name = "LEVEL")]
    fail_on: Option<Level>,
    /// A directory of pattern files to use instead of the bundled rules.
    #[arg(long, value_name = "DIR")]
    patterns: Option<PathBuf>,
    /// Archive every request and response as WARC/1.1 in this directory.
    #[arg(long, value_name = "DIR")]
    warc: Option<PathBuf>,
    /// Also write the report as self-contained HTML.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Render pages in a headless browser: off, auto (script-built shells
    /// only) or always; overrides `[scan] render`.
    #[arg(long, value_name = "MODE")]
    render: Option<micar_scan::config::RenderMode>,
    /// The previous report: the changes since it go into the new report's `changes`,
    /// and its pages are revalidated (If-None-Match / If-Modified-Since) rather than
    /// downloaded again; a page answered 304 keeps its earlier capture and findings.
    #[arg(long, value_name = "PREV.json")]
    baseline: Option<PathBuf>,
    /// With --baseline, download every page in full instead of revalidating it
    /// (e.g. a weekly fresh capture); the changes are still computed.
    #[arg(long, requires = "baseline")]
    no_conditional: bool,
    /// Exit with status 1 only when a firm with new findings is at or above LEVEL (needs --baseline).
    #[arg(long, value_name = "LEVEL", requires = "baseline")]
    fail_on_new: Option<Level>,
    /// Scan only the firms of shard I of N (e.g. 2/4), for sharded nightly runs.
    #[arg(long, value_name = "I/N")]
    shard: Option<scan::Shard>,
    /// Keep only the newest N reports per firm in the default report directory.
    #[arg(long, value_name = "N")]
    keep: Option<usize>,
}

pub(crate) async fn scan_command(args: ScanArgs) -> Result<ExitCode, Failure> {
    let mut config = Config::load(&args.config).map_err(usage)?;
    if let Some(dir) = &args.warc {
        config.scan.warc = Some(dir.clone());
    }
    if let Some(mode) = args.render {
        config.scan.render = mode;
    }
    if let Some(shard) = args.shard {
        shard.select(&mut config);
    }
    let baseline = match &args.baseline {
        // The first night of a nightly loop has no previous report yet.
        Some(path) if !path.exists() => {
            eprintln!(
                "no baseline at {} yet: this report starts the series",
                path.display()
            );
            None
        }
        Some(path) => Some(Arc::new(Report::read(path).map_err(usage)?)),
        None => None,
    };
    let rules = scan::load_rules(Some(&config), args.patterns.as_deref()).map_err(usage)?;
    let revalidate_from = baseline.clone().filter(|_| !args.no_conditional);
    let outcome = run_scan_streamed(&config, rules, revalidate_from).await?;
    let warc_files = outcome.warc_files;
    // The report stays on disk, in the crawl's spill, and is written from
    // there page by page. Only the steps that read every finding at once
    // (the diff against a baseline, the HTML report) take it whole.
    let report = if baseline.is_some() || args.html.is_some() {
        let mut report = outcome.report.into_whole().map_err(cannot_run)?;
        if let Some(baseline) = &baseline {
            report.changes = Some(diff::diff(baseline, &report));
        }
        ScanReport::Whole(report)
    } else {
        ScanReport::Streamed(outcome.report)
    };
    let head = report.head();
    let default_output = args.output.is_none();
    let output = args.output.unwrap_or_else(|| {
        let slug = report::scan_slug(config.firms.iter().map(|f| f.slug()));
        let started = time::OffsetDateTime::parse(
            &head.scan.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        report::default_path(Path::new("reports"), &slug, started)
    });
    // A file is hashed as it is written, and the captures its pages cite
    // are taken from the pages: the manifest then need not read a report
    // of hundreds of megabytes back.
    let sealed = if output == Path::new("-") {
        write_report(report.as_write(), &output)?;
        None
    } else {
        let (sha256, bytes) = report
            .as_write()
            .write_report_atomic_hashed(&output)
            .map_err(cannot_run)?;
        eprintln!("report written to {}", output.display());
        Some(evidence::SealedReport {
            sha256,
            bytes,
            captures: report.page_captures()?,
        })
    };
    // One line per firm for the nightly job's log: what it earned and how
    // much of it was read.
    for firm in &head.firms {
        eprintln!(
            "{}: {} (coverage: {})",
            firm.name,
            firm.verdict.level.as_str(),
            firm.coverage.total.summary()
        );
    }
    // Pages carried over on `304` cite the baseline's archives.
    let earlier = match (&args.baseline, output != Path::new("-"), &report) {
        (Some(path), true, ScanReport::Whole(report)) => {
            evidence::earlier_archives(report, path, &warc_files)
        }
        _ => evidence::EarlierArchives::default(),
    };
    if output != Path::new("-") {
        for name in &earlier.missing {
            eprintln!("warning: {name} is cited by pages carried over from the baseline but was not found through its manifest; verify will report it");
        }
        let manifest =
            evidence::write_manifest_sealing(&output, sealed, &warc_files, &earlier.found)
                .map_err(cannot_run)?;
        eprintln!("manifest written to {}", manifest.display());
        if let Some(tsa) = &config.evidence.tsa {
            let (tsr, token) = micar_scan::evidence::timestamp::stamp_manifest(
                &manifest,
                tsa,
                config.scan.timeout,
            )
            .await
            .map_err(cannot_run)?;
            eprintln!(
                "manifest time-stamped at {} ({})",
                token.gen_time,
                tsr.display()
            );
        }
    }
    if default_output {
        let latest = report::update_latest(Path::new("reports"), report.as_write(), args.keep)
            .map_err(cannot_run)?;
        // Each latest file gets a manifest of its own, so that any of them
        // (the whole scan's or one firm's) verifies and can be the next
        // night's baseline together with the archives it cites.
        for path in &latest {
            evidence::write_manifest_with(path, &warc_files, &earlier.found).map_err(cannot_run)?;
        }
    }
    if let (Some(html_path), ScanReport::Whole(report)) = (&args.html, &report) {
        let screenshots = evidence::decisive_screenshots(report, &warc_files);
        let html = html::render_with_screenshots(report, report.changes.as_ref(), &screenshots);
        write_atomic(html_path, html.as_bytes()).map_err(cannot_run)?;
    }
    if let (Some(level), Some(changes)) = (args.fail_on_new, &head.changes) {
        return Ok(if changes.new_at_or_above(level) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    Ok(verdict_exit_code(head, args.fail_on))
}

/// The scan's report as the command holds it: whole where a step needs
/// every finding at once, else streamed from the crawl's spill.
enum ScanReport {
    Whole(Report),
    Streamed(scan::StreamedReport),
}

impl ScanReport {
    fn as_write(&self) -> &dyn WriteReport {
        match self {
            ScanReport::Whole(report) => report,
            ScanReport::Streamed(report) => report,
        }
    }

    fn head(&self) -> &Report {
        self.as_write().head()
    }

    fn page_captures(&self) -> Result<Vec<evidence::CaptureDigest>, Failure> {
        match self {
            ScanReport::Whole(report) => Ok(report
                .firms
                .iter()
                .flat_map(|firm| &firm.pages)
                .flat_map(evidence::page_captures)
                .collect()),
            ScanReport::Streamed(report) => report.page_captures().map_err(cannot_run),
        }
    }
}

/// Runs a scan with Ctrl-C/SIGTERM handling and a progress line on a
/// terminal, and takes its report whole.
pub(crate) async fn run_scan(
    config: &Config,
    rules: RuleSet,
    baseline: Option<Arc<Report>>,
) -> Result<scan::ScanOutcome, Failure> {
    run_scan_streamed(config, rules, baseline)
        .await?
        .into_whole()
        .map_err(cannot_run)
}

/// Runs a scan with Ctrl-C/SIGTERM handling and a progress line on a terminal.
pub(crate) async fn run_scan_streamed(
    config: &Config,
    rules: RuleSet,
    baseline: Option<Arc<Report>>,
) -> Result<scan::StreamedScan, Failure> {
    let options = ScanOptions {
        cancel: CancellationToken::new(),
        counters: Arc::new(CrawlCounters::default()),
        baseline,
    };
    spawn_signal_handler(options.cancel.clone());
    let progress = start_progress(Arc::clone(&options.counters));
    let result = scan::run_streamed(config, Arc::new(rules), options).await;
    if let Some((bar, task)) = progress {
        task.abort();
        bar.finish_and_clear();
    }
    match result {
        // A register file that is missing or malformed is the user's input,
        // like the configuration that names it: exit 2.
        Err(error @ scan::ScanError::Register(_)) => Err(super::usage(error)),
        other => other.map_err(cannot_run),
    }
}

pub(crate) fn spawn_signal_handler(cancel: CancellationToken) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(e) => {
                        tracing::warn!("cannot listen for SIGTERM: {e}");
                        let _ = tokio::signal::ctrl_c().await;
                        cancel.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::warn!("stopping: finishing the report with what was fetched");
        cancel.cancel();
    });
}

pub(crate) fn start_progress(
    counters: Arc<CrawlCounters>,
) -> Option<(indicatif::ProgressBar, tokio::task::JoinHandle<()>)> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let updater = bar.clone();
    let task = tokio::spawn(async move {
        loop {
            let hosts: Vec<String> = counters
                .busiest_hosts(3)
                .into_iter()
                .map(|(host, pages)| format!("{host} {pages}"))
                .collect();
            updater.set_message(format!(
                "fetched {} ({} unchanged)  queued {}  errors {}  |  {}",
                counters.fetched.load(Ordering::Relaxed),
                counters.revalidated.load(Ordering::Relaxed),
                counters.queued.load(Ordering::Relaxed),
                counters.errors.load(Ordering::Relaxed),
                hosts.join(" · ")
            ));
            updater.tick();
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    });
    Some((bar, task))
}
