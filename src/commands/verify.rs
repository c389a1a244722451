//! `micar-scan verify`: check a report against its manifest and archive.

use super::{usage, Failure};
use anyhow::Result;
use micar_scan::evidence;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn verify_command(report_path: &Path) -> Result<ExitCode, Failure> {
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
        "{} records, {} pages, {} findings, {} redirect hops, {} geo-probe pages and {} rendered captures checked ({} pinned by the manifest): {}",
        verification.records_checked,
        verification.pages_checked,
        verification.findings_checked,
        verification.redirect_hops_checked,
        verification.geo_pages_checked,
        verification.renderings_checked,
        verification.captures_checked,
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
