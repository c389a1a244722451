//! The `micar-scan` command line: parses arguments, calls the library, maps
//! outcomes to the documented exit codes (0 done, 1 a verdict reached
//! `--fail-on`, 2 usage or configuration error, 3 the scan could not run).

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use micar_scan::classify::Classifier;
use micar_scan::config::Config;
use micar_scan::crawl::CrawlCounters;
use micar_scan::extract::{self, DocMeta};
use micar_scan::model::{Level, SourceKind};
use micar_scan::report::{self, Report};
use micar_scan::scan::{self, ScanOptions};
use micar_scan::{demo, rules::RuleSet};
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
    /// Print the JSON Schema of the report format.
    Schema,
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
}

#[derive(Args)]
struct DemoArgs {
    /// Where to write the demo report.
    #[arg(long, short, default_value = "reports/demo.json")]
    output: PathBuf,
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
        Command::Schema => {
            print!("{}", report::schema_json());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn scan_command(args: ScanArgs) -> Result<ExitCode, Failure> {
    let config = Config::load(&args.config).map_err(usage)?;
    let rules = scan::load_rules(Some(&config), args.patterns.as_deref()).map_err(usage)?;
    let report = run_scan(&config, rules).await?;
    let output = args.output.unwrap_or_else(|| {
        let slug = match config.firms.as_slice() {
            [only] => only.slug(),
            _ => "scan".to_string(),
        };
        let started = time::OffsetDateTime::parse(
            &report.scan.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        report::default_path(Path::new("reports"), &slug, started)
    });
    write_report(&report, &output)?;
    Ok(verdict_exit_code(&report, args.fail_on))
}

async fn demo_command(args: DemoArgs) -> Result<ExitCode, Failure> {
    let server = demo::start_server()
        .await
        .context("cannot start the demo server")
        .map_err(cannot_run)?;
    let config = demo::config(&server).map_err(cannot_run)?;
    let rules = RuleSet::bundled().map_err(cannot_run)?;
    let report = run_scan(&config, rules).await?;
    write_report(&report, &args.output)?;
    print!("{}", demo::summary_table(&report));
    println!("\nreport: {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs a scan with Ctrl-C/SIGTERM handling and a progress line on a terminal.
async fn run_scan(config: &Config, rules: RuleSet) -> Result<Report, Failure> {
    let options = ScanOptions {
        cancel: CancellationToken::new(),
        counters: Arc::new(CrawlCounters::default()),
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
            updater.set_message(format!(
                "fetched {}  queued {}  errors {}",
                counters.fetched.load(Ordering::Relaxed),
                counters.queued.load(Ordering::Relaxed),
                counters.errors.load(Ordering::Relaxed)
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
        let fetcher = micar_scan::fetch::Fetcher::new(&Default::default()).map_err(cannot_run)?;
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
    let decoded = micar_scan::charset::decode(&body, None);
    let meta = DocMeta {
        url: document_url.clone(),
        final_url: document_url,
        source_kind: SourceKind::Website,
        fetched_at: report::now_rfc3339(),
        content_sha256: micar_scan::fetch::sha256_hex(&body),
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
