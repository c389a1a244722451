//! `micar-scan merge`: join the reports of a sharded run.

use super::{usage, write_report, Failure};
use anyhow::Result;
use micar_scan::model::report::Report;
use micar_scan::scan::{self};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn merge_command(paths: &[PathBuf], output: &Path) -> Result<ExitCode, Failure> {
    let reports = paths
        .iter()
        .map(|path| Report::read(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let merged = scan::merge(reports).map_err(usage)?;
    write_report(&merged, output)?;
    Ok(ExitCode::SUCCESS)
}
