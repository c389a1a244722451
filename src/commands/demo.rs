//! `micar-scan demo`: scan the bundled synthetic firms on loopback.

use super::scan::run_scan;
use super::{cannot_run, write_report, Failure};
use anyhow::{Context, Result};
use clap::Args;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::ledger::{self, AssetCatalogue, LedgerData, LedgerInputs};
use micar_scan::model::report::{write_atomic, write_atomic_with};
use micar_scan::report::html;
use micar_scan::{demo, evidence};
use std::path::{Path, PathBuf};
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
    /// Render pages in a headless browser: off, auto (script-built shells
    /// only) or always; overrides `[scan] render`.
    #[arg(long, value_name = "MODE")]
    render: Option<micar_scan::config::RenderMode>,
}

pub(crate) async fn demo_command(args: DemoArgs) -> Result<ExitCode, Failure> {
    let server = demo::start_server()
        .await
        .context("cannot start the demo server")
        .map_err(cannot_run)?;
    let mut config = demo::config(&server).map_err(cannot_run)?;
    config.scan.warc = args.warc.clone();
    if let Some(mode) = args.render {
        config.scan.render = mode;
    }
    let rules = RuleSet::bundled().map_err(cannot_run)?;
    let outcome = run_scan(&config, rules, None).await?;
    let report = outcome.report;
    write_report(&report, &args.output)?;
    evidence::write_manifest(&args.output, &outcome.warc_files).map_err(cannot_run)?;
    if let Some(html_path) = &args.html {
        let screenshots = evidence::decisive_screenshots(&report, &outcome.warc_files);
        let page = html::render_with_screenshots(&report, None, &screenshots);
        write_atomic(html_path, page.as_bytes()).map_err(cannot_run)?;
    }
    print!("{}", demo::summary_table(&report));
    print!("{}", demo::geo_table(&report));
    println!("\nreport: {}", args.output.display());
    run_ledger_example(&server, &args.output)?;
    Ok(ExitCode::SUCCESS)
}

/// The ledger example: the demo exchange's client requests and later offers,
/// with one asset added by `--assets`, written beside the demo report.
fn run_ledger_example(server: &demo::SiteServer, report: &Path) -> Result<(), Failure> {
    let requests = server.ledger_file("requests.csv");
    let offers = server.ledger_file("offers.csv");
    let mut assets = AssetCatalogue::bundled().map_err(cannot_run)?;
    let extra = server.ledger_file("assets-extra.toml");
    let text = std::fs::read_to_string(&extra).map_err(cannot_run)?;
    assets
        .add_toml(&text, "assets-extra.toml")
        .map_err(cannot_run)?;
    let inputs = LedgerInputs {
        requests: &requests,
        offers: &offers,
        assets,
        data: LedgerData::bundled().map_err(cannot_run)?,
        report: None,
        generated_at: micar_scan::model::time::now_rfc3339(),
    };
    let output = report.with_file_name("demo-ledger.json");
    let mut totals = None;
    write_atomic_with(&output, |out| {
        let result = ledger::run(&inputs, out).map_err(std::io::Error::other)?;
        totals = Some(result);
        Ok(())
    })
    .map_err(cannot_run)?;
    if let Some(totals) = totals {
        println!(
            "\nledger example (Aurora Exchange, MiCAR Art. 61): {} offers, {} covered, {} violations, {} unassessed",
            totals.offers, totals.covered, totals.violations, totals.unassessed
        );
        for (reason, count) in &totals.by_reason {
            println!("  {reason:<18} {count}");
        }
    }
    println!("ledger: {}", output.display());
    Ok(())
}
