//! The `micar-scan` command line: parses arguments, calls the library, maps
//! outcomes to the documented exit codes (0 done, 1 a verdict reached
//! `--fail-on` or `ledger --fail-on-violation` found a violation, 2 usage,
//! configuration or input error, 3 the scan could not run, 4 a firm could
//! not be assessed; 1 takes precedence over 4).

mod commands;

use clap::{Parser, Subcommand};
use commands::demo::{demo_command, DemoArgs};
use commands::diff::{diff_command, DiffFormat};
use commands::ledger::{ledger_command, LedgerArgs};
use commands::merge::merge_command;
use commands::report::html_command;
use commands::rules::{rules_list, rules_test, RulesCommand};
use commands::scan::{scan_command, ScanArgs};
use commands::verify::verify_command;
use commands::{cannot_run, Failure};
use micar_scan::report;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Judge a firm's offers against its clients' own-initiative requests
    /// (MiCAR Art. 61: same service, same type of crypto-asset, one month).
    Ledger(LedgerArgs),
    /// Print the JSON Schema of the report format (of the ledger report with --ledger).
    Schema {
        #[arg(long)]
        ledger: bool,
    },
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
        Command::Ledger(args) => ledger_command(args),
        Command::Schema { ledger } => {
            if ledger {
                print!("{}", micar_scan::ledger::ledger_schema_json());
            } else {
                print!("{}", report::schema_json());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
