//! The subcommands, one module each, and what they share: how a failure
//! maps to an exit code (2 usage or configuration, 3 the scan could not run)
//! and how reports are written and printed. Only the binary uses these; the
//! work itself is the library's.

pub mod demo;
pub mod diff;
pub mod ledger;
pub mod merge;
pub mod report;
pub mod rules;
pub mod scan;
pub mod verify;

use micar_scan::model::report::{Report, WriteReport};
use micar_scan::model::Level;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// An error with the exit code it maps to.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

pub(crate) fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

pub(crate) fn cannot_run(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 3,
        error: error.into(),
    }
}

pub(crate) fn print_stdout(text: &str) -> Result<(), Failure> {
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

pub(crate) fn write_report(report: &dyn WriteReport, output: &Path) -> Result<(), Failure> {
    if output == Path::new("-") {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        match report.write_json(&mut stdout).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(cannot_run(e)),
        }
    } else {
        report.write_report_atomic(output).map_err(cannot_run)?;
        eprintln!("report written to {}", output.display());
        Ok(())
    }
}

pub(crate) fn verdict_exit_code(report: &Report, fail_on: Option<Level>) -> ExitCode {
    let reached = fail_on.is_some_and(|threshold| {
        report
            .firms
            .iter()
            .any(|firm| firm.verdict.level >= threshold && firm.verdict.level > Level::None)
    });
    // A verdict that reached `--fail-on` is the alert that matters most; a
    // firm that could not be assessed is the next, so that a nightly job
    // never reads "nothing seen" as "clean".
    if reached {
        ExitCode::from(EXIT_FAIL_ON)
    } else if report
        .firms
        .iter()
        .any(|firm| firm.verdict.level == Level::Unassessed)
    {
        ExitCode::from(EXIT_UNASSESSED)
    } else {
        ExitCode::SUCCESS
    }
}

/// A firm's verdict reached `--fail-on`.
pub(crate) const EXIT_FAIL_ON: u8 = 1;
/// At least one firm could not be assessed (nothing of it was read).
pub(crate) const EXIT_UNASSESSED: u8 = 4;
