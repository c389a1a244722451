//! The `micar-scan` command line: parses arguments, calls the library, maps
//! outcomes to the documented exit codes (0 done, 1 a verdict reached
//! `--fail-on`, 2 usage or configuration error, 3 the scan could not run).

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{self, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::Config;
use micar_scan::model::report::write_atomic;
use micar_scan::model::report::Report;
use micar_scan::model::time::now_rfc3339;
use micar_scan::model::{Level, SourceKind};
use micar_scan::report;
use micar_scan::report::{diff, html};
use micar_scan::scan::{self, ScanOptions};
use micar_scan::sources::crawl::CrawlCounters;
use micar_scan::{demo, evidence};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "micar-scan", version, about = "Finds evidence that a crypto firm solicits clients in the EU (MiCAR Art. 61)", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl the firms of a configuration file and write a JSON report.
    Scan(ScanArgs),
    /// Scan the bundled synthetic demo firms (no network needed).
    Demo(DemoArgs),
    /// Inspect and try the rule set.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Compare two reports: new, resolved and changed findings and verdicts per firm.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// Check a report against its manifest and WARC archive, offline.
    Verify { report: PathBuf },
    /// Render a report as one self-contained HTML file.
    Report {
        report: PathBuf,
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
        /// A previous report to show the changes against.
        #[arg(long, value_name = "PREV.json")]
        baseline: Option<PathBuf>,
    },
    /// Join the reports of a sharded run (`scan --shard I/N`) into one.
    Merge {
        reports: Vec<PathBuf>,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Print the JSON Schema of the report format.
    Schema,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
struct ScanArgs {
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

#[derive(Args)]
struct DemoArgs {
    /// Where to write the demo report.
    #[arg(long, short, default_value = "reports/demo.json")]
    output: PathBuf,
    /// Archive every request and response as WARC/1.1 in this directory.
    #[arg(long, value_name = "DIR")]
    warc: Option<PathBuf>,
    /// Also write the report as self-contained HTML.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List every rule: id, category, signal, languages, weight.
    List {
        #[arg(long, value_name = "DIR")]
        patterns: Option<PathBuf>,
    },
    /// Run the rules on one page (a file, an http(s) URL, or - for standard input) and print each finding.
    Test {
        input: String,
        /// The URL to classify a file or standard input as (rules look at hosts and paths).
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_name = "DIR")]
        patterns: Option<PathBuf>,
    },
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

fn cannot_run(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 3,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(Failure { code, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(code)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Runtime::new().map_err(cannot_run)?;
    match cli.command {
        Command::Scan(args) => runtime.block_on(scan_command(args)),
        Command::Demo(args) => runtime.block_on(demo_command(args)),
        Command::Rules {
            command: RulesCommand::List { patterns },
        } => rules_list(patterns.as_deref()),
        Command::Rules {
            command:
                RulesCommand::Test {
                    input,
                    url,
                    patterns,
                },
        } => runtime.block_on(rules_test(&input, url.as_deref(), patterns.as_deref())),
        Command::Diff { old, new, format } => diff_command(&old, &new, format),
        Command::Verify { report } => verify_command(&report),
        Command::Report {
            report,
            html,
            baseline,
        } => html_command(&report, &html, baseline.as_deref()),
        Command::Merge { reports, output } => merge_command(&reports, &output),
        Command::Schema => {
            print!("{}", report::schema_json());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn scan_command(args: ScanArgs) -> Result<ExitCode, Failure> {
    let mut config = Config::load(&args.config).map_err(usage)?;
    if let Some(dir) = &args.warc {
        config.scan.warc = Some(dir.clone());
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
    let outcome = run_scan(&config, rules, revalidate_from).await?;
    let mut report = outcome.report;
    if let Some(baseline) = &baseline {
        report.changes = Some(diff::diff(baseline, &report));
    }
    let default_output = args.output.is_none();
    let output = args.output.unwrap_or_else(|| {
        let slug = report::scan_slug(config.firms.iter().map(|f| f.slug()));
        let started = time::OffsetDateTime::parse(
            &report.scan.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        report::default_path(Path::new("reports"), &slug, started)
    });
    write_report(&report, &output)?;
    // Pages carried over on `304` cite the baseline's archives.
    let earlier = match (&args.baseline, output != Path::new("-")) {
        (Some(path), true) => evidence::earlier_archives(&report, path, &outcome.warc_files),
        _ => evidence::EarlierArchives::default(),
    };
    if output != Path::new("-") {
        for name in &earlier.missing {
            eprintln!("warning: {name} is cited by pages carried over from the baseline but was not found through its manifest; verify will report it");
        }
        let manifest = evidence::write_manifest_with(&output, &outcome.warc_files, &earlier.found)
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
        let latest =
            report::update_latest(Path::new("reports"), &report, args.keep).map_err(cannot_run)?;
        // Each latest file gets a manifest of its own, so that any of them
        // (the whole scan's or one firm's) verifies and can be the next
        // night's baseline together with the archives it cites.
        for path in &latest {
            evidence::write_manifest_with(path, &outcome.warc_files, &earlier.found)
                .map_err(cannot_run)?;
        }
    }
    if let Some(html_path) = &args.html {
        let html = html::render(&report, report.changes.as_ref());
        write_atomic(html_path, html.as_bytes()).map_err(cannot_run)?;
    }
    if let (Some(level), Some(changes)) = (args.fail_on_new, &report.changes) {
        return Ok(if changes.new_at_or_above(level) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    Ok(verdict_exit_code(&report, args.fail_on))
}

fn diff_command(old: &Path, new: &Path, format: DiffFormat) -> Result<ExitCode, Failure> {
    let old = Report::read(old).map_err(usage)?;
    let new = Report::read(new).map_err(usage)?;
    let changes = diff::diff(&old, &new);
    let text = match format {
        DiffFormat::Text => changes.render_text(),
        DiffFormat::Json => serde_json::to_string_pretty(&changes).map_err(cannot_run)? + "\n",
    };
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn verify_command(report_path: &Path) -> Result<ExitCode, Failure> {
    let verification = evidence::verify(report_path).map_err(usage)?;
    for problem in &verification.problems {
        println!("FAIL {problem}");
    }
    if let Some(at) = &verification.timestamped_at {
        println!(
            "manifest time-stamped at {at} (imprint and signed digest checked; check the TSA's signature with `openssl ts -verify`)"
        );
    }
    println!(
        "{} records, {} pages, {} findings, {} redirect hops and {} geo-probe pages checked: {}",
        verification.records_checked,
        verification.pages_checked,
        verification.findings_checked,
        verification.redirect_hops_checked,
        verification.geo_pages_checked,
        if verification.is_ok() {
            "all verified".to_string()
        } else {
            format!("{} problems", verification.problems.len())
        }
    );
    Ok(if verification.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn html_command(
    report_path: &Path,
    html_path: &Path,
    baseline: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let report = Report::read(report_path).map_err(usage)?;
    let changes = match baseline {
        Some(path) => Some(diff::diff(&Report::read(path).map_err(usage)?, &report)),
        None => report.changes.clone(),
    };
    let html = html::render(&report, changes.as_ref());
    write_atomic(html_path, html.as_bytes()).map_err(cannot_run)?;
    eprintln!("HTML report written to {}", html_path.display());
    Ok(ExitCode::SUCCESS)
}

fn merge_command(paths: &[PathBuf], output: &Path) -> Result<ExitCode, Failure> {
    let reports = paths
        .iter()
        .map(|path| Report::read(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let merged = scan::merge(reports).map_err(usage)?;
    write_report(&merged, output)?;
    Ok(ExitCode::SUCCESS)
}

fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(cannot_run(e)),
    }
}

async fn demo_command(args: DemoArgs) -> Result<ExitCode, Failure> {
    let server = demo::start_server()
        .await
        .context("cannot start the demo server")
        .map_err(cannot_run)?;
    let mut config = demo::config(&server).map_err(cannot_run)?;
    config.scan.warc = args.warc.clone();
    let rules = RuleSet::bundled().map_err(cannot_run)?;
    let outcome = run_scan(&config, rules, None).await?;
    let report = outcome.report;
    write_report(&report, &args.output)?;
    evidence::write_manifest(&args.output, &outcome.warc_files).map_err(cannot_run)?;
    if let Some(html_path) = &args.html {
        write_atomic(html_path, html::render(&report, None).as_bytes()).map_err(cannot_run)?;
    }
    print!("{}", demo::summary_table(&report));
    print!("{}", demo::geo_table(&report));
    println!("\nreport: {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs a scan with Ctrl-C/SIGTERM handling and a progress line on a terminal.
async fn run_scan(
    config: &Config,
    rules: RuleSet,
    baseline: Option<Arc<Report>>,
) -> Result<scan::ScanOutcome, Failure> {
    let options = ScanOptions {
        cancel: CancellationToken::new(),
        counters: Arc::new(CrawlCounters::default()),
        baseline,
    };
    spawn_signal_handler(options.cancel.clone());
    let progress = start_progress(Arc::clone(&options.counters));
    let result = scan::run(config, Arc::new(rules), options).await;
    if let Some((bar, task)) = progress {
        task.abort();
        bar.finish_and_clear();
    }
    result.map_err(cannot_run)
}

fn spawn_signal_handler(cancel: CancellationToken) {
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

fn start_progress(
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

fn write_report(report: &Report, output: &Path) -> Result<(), Failure> {
    if output == Path::new("-") {
        let json = report.to_json().map_err(cannot_run)?;
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(json.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => Ok(()),
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(cannot_run(e)),
        }
    } else {
        report.write_atomic(output).map_err(cannot_run)?;
        eprintln!("report written to {}", output.display());
        Ok(())
    }
}

fn verdict_exit_code(report: &Report, fail_on: Option<Level>) -> ExitCode {
    let Some(threshold) = fail_on else {
        return ExitCode::SUCCESS;
    };
    let reached = report
        .firms
        .iter()
        .any(|firm| firm.verdict.level >= threshold && firm.verdict.level > Level::None);
    if reached {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn rules_list(patterns: Option<&Path>) -> Result<ExitCode, Failure> {
    let rules = scan::load_rules(None, patterns).map_err(usage)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<44} {:<14} {:<12} {:<12} {:>6}",
        "id", "category", "signal", "languages", "weight"
    );
    for rule in rules.rules() {
        let languages = if rule.languages.is_empty() {
            "*".to_string()
        } else {
            rule.languages.join(",")
        };
        let line = writeln!(
            out,
            "{:<44} {:<14} {:<12} {:<12} {:>6.2}",
            rule.id,
            rule.category.as_str(),
            rule.signal.as_str(),
            languages,
            rule.weight
        );
        if line.is_err() {
            break; // closed pipe
        }
    }
    let _ = writeln!(
        out,
        "{} rules, bundle sha256 {}",
        rules.rules().len(),
        rules.sha256()
    );
    Ok(ExitCode::SUCCESS)
}

async fn rules_test(
    input: &str,
    url: Option<&str>,
    patterns: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let rules = Arc::new(scan::load_rules(None, patterns).map_err(usage)?);
    let (body, source_url) = if input.starts_with("http://") || input.starts_with("https://") {
        let target = url::Url::parse(input).map_err(usage)?;
        let fetcher =
            micar_scan::sources::fetch::Fetcher::new(&Default::default()).map_err(cannot_run)?;
        let fetched = fetcher
            .fetch(&target, &|_| Ok(()))
            .await
            .map_err(cannot_run)?;
        (fetched.body, fetched.final_url.to_string())
    } else if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(cannot_run)?;
        (bytes, "stdin:".to_string())
    } else {
        let bytes = std::fs::read(input)
            .with_context(|| format!("cannot read {input}"))
            .map_err(usage)?;
        let absolute = std::fs::canonicalize(input).unwrap_or_else(|_| PathBuf::from(input));
        let file_url = url::Url::from_file_path(&absolute)
            .map(|u| u.to_string())
            .unwrap_or_else(|()| input.to_string());
        (bytes, file_url)
    };
    let document_url = url.map(str::to_string).unwrap_or(source_url);
    let decoded = micar_scan::analyze::charset::decode(&body, None);
    let meta = DocMeta {
        url: document_url.clone(),
        final_url: document_url,
        source_kind: SourceKind::Website,
        fetched_at: now_rfc3339(),
        content_sha256: micar_scan::model::sha256_hex(&body),
        content_language: None,
    };
    let document = extract::extract_html(&decoded.text, meta);
    let classification = Classifier::new(rules).classify(&document);
    let mut out = std::io::stdout().lock();
    for finding in &classification.findings {
        let _ = writeln!(
            out,
            "{:<40} {:<12} {:<10} w={:<5.2} [{} #{}] {}",
            finding.rule_id,
            finding.category.as_str(),
            finding.signal.as_str(),
            finding.weight,
            finding.location.block_kind.as_str(),
            finding.location.block_index,
            finding.snippet
        );
    }
    let _ = writeln!(
        out,
        "{} findings; page score {:.1}, level {}; language {}",
        classification.findings.len(),
        classification.score,
        classification.level,
        classification
            .language
            .primary
            .as_deref()
            .unwrap_or("unknown")
    );
    Ok(ExitCode::SUCCESS)
}
