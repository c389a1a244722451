//! The versioned JSON report: its types (the single source of the report's
//! shape and of `reports/schema.json`), and writing it whole.
//!
//! A report on disk is always whole: it is written to a temporary file in
//! the target directory and renamed over the destination. This module
//! formats and writes; it never decides verdicts (that is `score`).

use crate::model::{Finding, Page, SourceKind, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the report format. Minor: keys added; major: keys changed or removed.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// A scan report: what was fetched, what was found, and the verdict per firm.
/// The verdict is evidence for a supervisor's assessment, never a legal conclusion.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Report {
    /// Version of this format (semver).
    pub schema_version: String,
    pub tool: Tool,
    pub scan: ScanInfo,
    pub firms: Vec<FirmReport>,
    /// Failures that belong to no single firm (watched sites' among them).
    pub errors: Vec<ErrorEntry>,
    /// Sites that belong to no firm (`[watch] sites`) and their redirector
    /// hosts, with what was fetched; their pages appear under the firms they name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watched: Vec<SourceReport>,
    /// What the verdicts mean and do not mean.
    pub notice: String,
    /// What changed since a baseline report (`scan --baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::diff::ReportDiff>,
}

/// The text every report carries about what its verdicts are.
pub const NOTICE: &str = "Findings are evidence of EU-directed marketing for a supervisor's or compliance officer's assessment under MiCAR Art. 61 and ESMA's reverse-solicitation guidelines; the verdict is not a legal conclusion. Disclaimers are recorded but never cure solicitation.";

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Whether the scan covered everything it was asked to.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    /// Every reachable page within the configured limits was fetched.
    Complete,
    /// Stopped early: a page budget or the time limit ran out, or the scan was interrupted.
    Partial,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ScanInfo {
    /// Unique id of this scan run.
    pub id: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    pub status: ScanStatus,
    /// Why the scan is partial, when it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_reasons: Vec<String>,
    /// SHA-256 of the configuration file's bytes.
    pub config_sha256: String,
    /// SHA-256 of the pattern bundle (file names and bytes).
    pub patterns_sha256: String,
    /// The `User-Agent` the scan sent.
    pub user_agent: String,
}

/// Everything found for one firm.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct FirmReport {
    pub name: String,
    /// File-name-safe form of the name.
    pub slug: String,
    pub home_country: Option<String>,
    pub verdict: Verdict,
    pub sources: Vec<SourceReport>,
    pub pages: Vec<Page>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ErrorEntry>,
    /// Links to hosts outside the firm's scope, recorded and not crawled.
    pub outgoing_links: Vec<OutgoingLink>,
    /// Availability of the firm's apps per EU storefront (`app_store` activity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_store: Vec<crate::appstore::StorefrontResult>,
    /// What each vantage point got from the firm's entry pages (`[[vantage]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geo: Vec<crate::geo::GeoResult>,
}

/// One configured entry point (a website, a feed, an affiliate) and what came of it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct SourceReport {
    pub url: String,
    pub kind: SourceKind,
    pub pages_fetched: u64,
    /// Number of error entries that belong to this source.
    pub errors: u64,
    /// The partner's name, for affiliates read from `affiliates_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Of `pages_fetched`, the pages a re-scan's conditional request found
    /// unchanged (`304 Not Modified`) and carried over from the baseline.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pages_revalidated: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// A failure or a skip, with a stable kind for filtering.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ErrorEntry {
    pub url: String,
    /// Stable snake_case id: `timeout`, `connect`, `dns`, `http_status`, `too_large`,
    /// `blocked_by_guard`, `robots_disallowed`, `redirect_out_of_scope`,
    /// `too_many_redirects`, `redirect_loop`, `crawler_trap`, `budget_exhausted`,
    /// `sitemap`, `body`, `interrupted`, ...
    pub kind: String,
    pub message: String,
    /// For skips: the rule that caused it (e.g. `Disallow: /private/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// RFC 3339 UTC.
    pub at: String,
}

impl ErrorEntry {
    /// A failure or skip with no rule attached; `at` is RFC 3339 UTC.
    pub fn new(
        url: impl Into<String>,
        kind: &str,
        message: impl Into<String>,
        at: impl Into<String>,
    ) -> Self {
        ErrorEntry {
            url: url.into(),
            kind: kind.to_string(),
            message: message.into(),
            rule: None,
            at: at.into(),
        }
    }
}

/// A link that leaves the firm's scope.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct OutgoingLink {
    pub url: String,
    /// The page it was found on.
    pub from: String,
    /// `rel` tokens (`sponsored`, `nofollow`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rel: Vec<String>,
}

/// Errors writing or reading a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a micar-scan report: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot serialise report: {0}")]
    Serialize(#[from] serde_json::Error),
}

impl Report {
    /// Pretty JSON with a trailing newline.
    ///
    /// # Errors
    /// Only if serialisation fails, which the types rule out in practice.
    pub fn to_json(&self) -> Result<String, ReportError> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Writes the report whole: temporary file in the same directory, then rename.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the path when the directory cannot be created or written.
    pub fn write_atomic(&self, path: &Path) -> Result<(), ReportError> {
        write_atomic(path, self.to_json()?.as_bytes())
    }

    /// Reads a report back.
    ///
    /// # Errors
    /// [`ReportError::Io`] or [`ReportError::Parse`] naming the path.
    pub fn read(path: &Path) -> Result<Report, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ReportError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Writes `bytes` to `path` so that readers only ever see the old or the new whole file.
///
/// # Errors
/// [`ReportError::Io`] naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io_err = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io_err)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".micar-scan-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io_err)?;
    temp.write_all(bytes).map_err(io_err)?;
    // Temporary files are private (0600); a report is meant to be read by others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io_err)?;
    }
    temp.as_file().sync_all().map_err(io_err)?;
    temp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

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
    report: &Report,
    keep: Option<usize>,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = vec![dir.join("latest.json")];
    report.write_atomic(&written[0])?;
    for firm in &report.firms {
        // Only this firm's part is copied, not the whole report once per firm.
        let single = Report {
            schema_version: report.schema_version.clone(),
            tool: report.tool.clone(),
            scan: report.scan.clone(),
            firms: vec![firm.clone()],
            errors: report.errors.clone(),
            watched: report.watched.clone(),
            notice: report.notice.clone(),
            changes: report
                .changes
                .as_ref()
                .map(|changes| crate::diff::ReportDiff {
                    old_scan_id: changes.old_scan_id.clone(),
                    new_scan_id: changes.new_scan_id.clone(),
                    old_started_at: changes.old_started_at.clone(),
                    new_started_at: changes.new_started_at.clone(),
                    firms: changes
                        .firms
                        .iter()
                        .filter(|f| f.name == firm.name)
                        .cloned()
                        .collect(),
                }),
        };
        let path = dir.join(&firm.slug).join("latest.json");
        single.write_atomic(&path)?;
        written.push(path);
    }
    let Some(keep) = keep else {
        return Ok(written);
    };
    let slug = scan_slug(report.firms.iter().map(|f| f.slug.clone()));
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

/// Current time as RFC 3339 UTC with second precision.
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// Formats a time as RFC 3339 UTC with second precision (`2026-11-28T16:05:00Z`).
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            schema_version: SCHEMA_VERSION.into(),
            tool: Tool::default(),
            scan: ScanInfo {
                id: "scan-1".into(),
                started_at: "2026-11-28T16:00:00Z".into(),
                finished_at: "2026-11-28T16:01:00Z".into(),
                status: ScanStatus::Complete,
                partial_reasons: vec![],
                config_sha256: "00".into(),
                patterns_sha256: "11".into(),
                user_agent: "ua".into(),
            },
            firms: vec![],
            errors: vec![],
            watched: Vec::new(),
            notice: NOTICE.into(),
            changes: None,
        }
    }

    fn firm(name: &str, slug: &str) -> FirmReport {
        FirmReport {
            name: name.into(),
            slug: slug.into(),
            home_country: None,
            verdict: Verdict::default(),
            sources: vec![],
            pages: vec![],
            findings: vec![],
            errors: vec![],
            outgoing_links: vec![],
            app_store: vec![],
            geo: vec![],
        }
    }

    #[test]
    fn latest_reports_are_kept_per_scan_and_per_firm_and_old_ones_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = sample();
        report.firms = vec![firm("Alpha Ltd", "alpha-ltd"), firm("Beta", "beta")];
        for stamp in ["20261101T020000Z", "20261102T020000Z", "20261103T020000Z"] {
            std::fs::write(dir.path().join(format!("scan-{stamp}.json")), "{}").unwrap();
            std::fs::write(dir.path().join(format!("scan-{stamp}.manifest.json")), "{}").unwrap();
        }
        std::fs::write(dir.path().join("scanner-notes.json"), "{}").unwrap();
        update_latest(dir.path(), &report, Some(2)).unwrap();

        assert_eq!(
            Report::read(&dir.path().join("latest.json")).unwrap(),
            report
        );
        let alpha = Report::read(&dir.path().join("alpha-ltd/latest.json")).unwrap();
        assert_eq!(alpha.firms.len(), 1);
        assert_eq!(alpha.firms[0].name, "Alpha Ltd");
        assert_eq!(alpha.scan, report.scan);
        assert!(dir.path().join("beta/latest.json").exists());

        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                "latest.json",
                "scan-20261102T020000Z.json",
                "scan-20261102T020000Z.manifest.json",
                "scan-20261103T020000Z.json",
                "scan-20261103T020000Z.manifest.json",
                "scanner-notes.json",
            ]
        );
    }

    #[test]
    fn scan_files_are_named_after_their_only_firm() {
        assert_eq!(scan_slug(["alpha".to_string()].into_iter()), "alpha");
        assert_eq!(
            scan_slug(["a".to_string(), "b".to_string()].into_iter()),
            "scan"
        );
        assert_eq!(scan_slug(std::iter::empty()), "scan");
    }

    #[test]
    fn report_round_trips_through_json() {
        let report = sample();
        let text = report.to_json().unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        assert!(text.contains("\"status\": \"complete\""));
    }

    #[test]
    fn atomic_write_leaves_only_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/report.json");
        sample().write_atomic(&path).unwrap();
        let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("report.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        assert_eq!(Report::read(&path).unwrap(), sample());
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let at = time::macros::datetime!(2026-11-28 17:05:09.123 +01:00);
        assert_eq!(rfc3339(at), "2026-11-28T16:05:09Z");
        let path = default_path(Path::new("reports"), "ex", at);
        assert_eq!(path, PathBuf::from("reports/ex-20261128T160509Z.json"));
    }
}
