//! `micar-scan ledger`: judges a firm's offers against its clients'
//! own-initiative requests and writes the ledger report, whole or not at all.

use super::{cannot_run, usage, Failure};
use anyhow::Context;
use clap::Args;
use micar_scan::ledger::{self, AssetCatalogue, LedgerData, LedgerError, LedgerInputs, Totals};
use micar_scan::model::report::Report;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct LedgerArgs {
    /// Client-initiated requests: client_id, requested_at, country, service,
    /// asset [, initiated_by, channel, reference].
    #[arg(long, value_name = "REQUESTS.csv")]
    requests: PathBuf,
    /// Offers the firm sent: offer_id, client_id, sent_at, channel, service,
    /// asset [, country].
    #[arg(long, value_name = "OFFERS.csv")]
    offers: PathBuf,
    /// More crypto-assets, or other attributes for known ones, in the shape
    /// of patterns/assets.toml. May be given more than once.
    #[arg(long, value_name = "ASSETS.toml")]
    assets: Vec<PathBuf>,
    /// A scan report: requests from a member state where it found
    /// solicitation fetched before the request are flagged.
    #[arg(long, value_name = "SCAN.json")]
    report: Option<PathBuf>,
    /// The firm of the scan report, when it holds several (name or slug).
    #[arg(long, requires = "report")]
    firm: Option<String>,
    /// Where to write the ledger report (`-` for standard output).
    #[arg(long, short, default_value = "-")]
    output: PathBuf,
    /// Exit 1 when any offer is a violation.
    #[arg(long)]
    fail_on_violation: bool,
}

pub(crate) fn ledger_command(args: LedgerArgs) -> Result<ExitCode, Failure> {
    let data = LedgerData::bundled().map_err(cannot_run)?;
    let mut assets = AssetCatalogue::bundled().map_err(cannot_run)?;
    for file in &args.assets {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{}: cannot read", file.display()))
            .map_err(usage)?;
        assets
            .add_toml(&text, &file.display().to_string())
            .map_err(usage)?;
    }
    let report = match &args.report {
        Some(path) => Some(
            Report::read(path)
                .with_context(|| format!("reading the scan report {}", path.display()))
                .map_err(usage)?,
        ),
        None => None,
    };
    let inputs = LedgerInputs {
        requests: &args.requests,
        offers: &args.offers,
        assets,
        data,
        report: args
            .report
            .as_deref()
            .zip(report.as_ref())
            .map(|(path, report)| (path, report, args.firm.as_deref())),
        generated_at: micar_scan::model::time::now_rfc3339(),
    };
    let totals = write_whole(&inputs, &args.output)?;
    eprintln!(
        "{} offers: {} covered, {} violations, {} unassessed, {} to clients outside the EEA; {} requests flagged",
        totals.offers,
        totals.covered,
        totals.violations,
        totals.unassessed,
        totals.skipped_outside_eea,
        totals.flagged_requests
    );
    if args.fail_on_violation && totals.violations > 0 {
        Ok(ExitCode::from(super::EXIT_FAIL_ON))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// Runs the ledger into a temporary file and only then moves it to `output`
/// (or copies it to standard output), so a malformed row met halfway leaves
/// nothing half-written.
fn write_whole(inputs: &LedgerInputs<'_>, output: &Path) -> Result<Totals, Failure> {
    let mut outcome: Option<Result<Totals, LedgerError>> = None;
    let mut run = |out: &mut dyn Write| -> std::io::Result<()> {
        let result = ledger::run(inputs, out);
        let failed = result.is_err();
        outcome = Some(result);
        if failed {
            Err(std::io::Error::other("the ledger stopped"))
        } else {
            Ok(())
        }
    };
    if output == Path::new("-") {
        let mut temp = tempfile::tempfile().map_err(cannot_run)?;
        let written = {
            let mut buffered = std::io::BufWriter::new(&mut temp);
            run(&mut buffered).and_then(|()| buffered.flush())
        };
        let totals = settle(outcome, written)?;
        use std::io::Seek;
        temp.rewind().map_err(cannot_run)?;
        let mut stdout = std::io::stdout().lock();
        match std::io::copy(&mut temp, &mut stdout).and_then(|_| stdout.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(cannot_run(e)),
        }
        Ok(totals)
    } else {
        let written = micar_scan::model::report::write_atomic_with(output, run);
        let totals = settle(outcome, written.map_err(std::io::Error::other))?;
        eprintln!("ledger written to {}", output.display());
        Ok(totals)
    }
}

fn settle(
    outcome: Option<Result<Totals, LedgerError>>,
    written: std::io::Result<()>,
) -> Result<Totals, Failure> {
    match outcome {
        Some(Err(error @ (LedgerError::Input { .. } | LedgerError::Report(_)))) => {
            Err(usage(error))
        }
        Some(Err(error @ LedgerError::Io { .. })) => Err(usage(error)),
        Some(Err(error)) => Err(cannot_run(error)),
        Some(Ok(totals)) => written.map(|()| totals).map_err(cannot_run),
        None => {
            Err(cannot_run(written.err().unwrap_or_else(|| {
                std::io::Error::other("the ledger did not run")
            })))
        }
    }
}
