//! `micar-scan demo`: scan the bundled synthetic firms on loopback.

use super::scan::run_scan;
use super::{cannot_run, write_report, Failure};
use anyhow::{Context, Result};
use clap::Args;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::model::report::write_atomic;
use micar_scan::report::html;
use micar_scan::{demo, evidence};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct DemoArgs {
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

pub(crate) async fn demo_command(args: DemoArgs) -> Result<ExitCode, Failure> {
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
