//! The versioned JSON report: its types (the single source of the report's
//! shape and of `reports/schema.json`), and writing it whole.
//!
//! A report on disk is always whole: it is written to a temporary file in
//! the target directory and renamed over the destination. This module
//! formats and writes; it never decides verdicts (that is `score`).

pub mod diff;
pub mod html;

use crate::model::report::{Report, ReportError, WriteReport};
use std::path::{Path, PathBuf};

/// Keeps `dir/latest.json` (the whole report) and `dir/<firm-slug>/latest.json`
/// current for every firm of `report` (each a one-firm report), and with `keep`, prunes the oldest
/// `dir/<firm-slug>-<timestamp>.json` reports (and their manifests) beyond
/// the newest `keep`. Returns the latest files written, so that each can be
/// given a manifest of its own.
///
/// # Errors
/// [`ReportError::Io`] naming the path that could not be written or removed.
pub fn update_latest(
    dir: &Path,
    report: &dyn WriteReport,
    keep: Option<usize>,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = vec![dir.join("latest.json")];
    report.write_report_atomic(&written[0])?;
    for (index, firm) in report.head().firms.iter().enumerate() {
        // Only this firm's part is written, not the whole report once per firm.
        let path = dir.join(&firm.slug).join("latest.json");
        crate::model::report::write_atomic_with(&path, |out| report.write_firm_json(index, out))?;
        written.push(path);
    }
    let Some(keep) = keep else {
        return Ok(written);
    };
    let slug = scan_slug(report.head().firms.iter().map(|f| f.slug.clone()));
    let prefix = format!("{slug}-");
    let entries = std::fs::read_dir(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // Timestamps sort as text, so the newest come last.
    let mut reports: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|name| {
                name.starts_with(&prefix)
                    && name.ends_with(".json")
                    && !name.ends_with(".manifest.json")
                    && name[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
        })
        .collect();
    reports.sort();
    let excess = reports.len().saturating_sub(keep);
    for old in reports.into_iter().take(excess) {
        let manifest = old.with_extension("manifest.json");
        for path in [old, manifest] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ReportError::Io { path, source }),
            }
        }
    }
    Ok(written)
}

/// The JSON Schema of [`Report`], as checked in at `reports/schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The name a scan's files carry: its only firm's slug, or `scan` when it
/// covers several firms (or none).
pub fn scan_slug(mut firm_slugs: impl Iterator<Item = String>) -> String {
    match (firm_slugs.next(), firm_slugs.next()) {
        (Some(only), None) => only,
        _ => "scan".to_string(),
    }
}

/// The default report path: `reports/<firm-slug>-<UTC timestamp>.json`
/// (`scan` when several firms share one report).
pub fn default_path(dir: &Path, slug: &str, started_at: time::OffsetDateTime) -> PathBuf {
    let stamp = started_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "unknown-time".to_string());
    dir.join(format!("{slug}-{stamp}.json"))
}

#[cfg(test)]
mod tests;
