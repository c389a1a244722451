//! `micar-scan report --html`: render a report as one HTML file.

use super::{cannot_run, usage, Failure};
use anyhow::Result;
use micar_scan::model::report::write_atomic;
use micar_scan::model::report::Report;
use micar_scan::report::{diff, html};
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn html_command(
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
