//! `micar-scan diff`: what changed between two reports, as text or JSON.

use super::{cannot_run, print_stdout, usage, Failure};
use anyhow::Result;
use micar_scan::model::report::Report;
use micar_scan::report::diff;
use std::path::Path;
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    Text,
    Json,
}

pub(crate) fn diff_command(
    old: &Path,
    new: &Path,
    format: DiffFormat,
) -> Result<ExitCode, Failure> {
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
