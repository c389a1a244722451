//! The report document: the types that are the single source of the JSON
//! report's shape and of `reports/schema.json`, and the report reading and
//! writing itself whole.
//!
//! A report on disk is always whole: it is written to a temporary file in
//! the target directory and renamed over the destination. Nothing here
//! decides a verdict (that is `analyze::score`) or formats for people (that
//! is `report`).

use crate::model::diff::ReportDiff;
use crate::model::{Finding, Page, SourceKind, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the report format. Minor: keys added; major: keys changed or removed.
pub const SCHEMA_VERSION: &str = "1.7.0";

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
    pub changes: Option<ReportDiff>,
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
    /// Whether and how pages were rendered in a headless browser (schema 1.6.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering: Option<RenderSummary>,
}

/// How the scan used a headless browser.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
pub struct RenderSummary {
    /// The mode in force: `off`, `auto` or `always` (`auto` falls back to
    /// `off` when no browser is found).
    pub mode: String,
    /// The browser's product and version, when one was started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// Times a browser was started (a crashed or hung one is restarted).
    pub browser_launches: u64,
    /// Pages rendered.
    pub pages_rendered: u64,
    /// Pages that needed rendering but were not rendered (the per-site
    /// budget was spent, or the browser failed on them).
    pub pages_not_rendered: u64,
    /// Why rendering was off or limited, for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
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
    pub app_store: Vec<crate::model::app_store::StorefrontResult>,
    /// What each vantage point got from the firm's entry pages (`[[vantage]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geo: Vec<crate::model::geo::GeoResult>,
    /// How much of the firm the scanner could read: a verdict only stands
    /// where content was read (`unassessed` where none was).
    #[serde(default)]
    pub coverage: Coverage,
    /// The firm in the register files given (`[register]`); absent when
    /// none were given (schema 1.4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<crate::model::register::RegisterEntry>,
}

/// How much of a firm's presence was read, overall and per source kind.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
pub struct Coverage {
    #[serde(flatten)]
    pub total: CoverageCounts,
    /// The same counts per source kind (`website`, `affiliate`, `feed` ...).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_source_kind: std::collections::BTreeMap<SourceKind, CoverageCounts>,
}

/// Pages read, failed, walled and disallowed.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CoverageCounts {
    /// Content pages read (a 2xx answer, or unchanged since the baseline)
    /// that are not a bot wall.
    pub pages_ok: u64,
    /// Requests that failed: network errors, and 4xx/5xx answers after retries.
    pub pages_failed: u64,
    /// Answers that were a bot wall or CAPTCHA challenge, not the firm's content.
    pub bot_walls: u64,
    /// URLs robots.txt kept the scanner from.
    pub robots_disallowed: u64,
    /// Answers that were not the firm's content: an error page served as a
    /// normal answer, a login wall, a parked or for-sale domain.
    #[serde(default)]
    pub not_content: u64,
}

impl CoverageCounts {
    /// One line for people: "12 read, 1 met a bot wall, 3 failed".
    pub fn summary(&self) -> String {
        std::iter::once(format!("{} read", self.pages_ok))
            .chain(self.not_read_parts())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What was not read, in words, one part per nonzero count: the same
    /// wording for verdict reasons, the HTML report and the terminal.
    pub fn not_read_parts(&self) -> Vec<String> {
        [
            (self.bot_walls, "met a bot wall"),
            (
                self.not_content,
                "not the firm's content (an error page, a login wall, a parked domain, or a page only a browser shows)",
            ),
            (self.pages_failed, "failed"),
            (self.robots_disallowed, "disallowed by robots.txt"),
        ]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect()
    }

    /// Requests that did not yield content.
    pub fn not_read(&self) -> u64 {
        self.pages_failed + self.bot_walls + self.robots_disallowed + self.not_content
    }
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

    /// The order a report lists errors in: by URL, kind, message and rule,
    /// not by when they happened, so that two scans of one site list the
    /// same errors alike however their requests interleaved.
    pub fn report_order(a: &ErrorEntry, b: &ErrorEntry) -> std::cmp::Ordering {
        (&a.url, &a.kind, &a.message, &a.rule).cmp(&(&b.url, &b.kind, &b.message, &b.rule))
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
        let mut bytes = Vec::new();
        self.write_json(&mut bytes).map_err(serde_json::Error::io)?;
        // serde_json writes UTF-8 only, so nothing is ever replaced here.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Writes the report as [`Report::to_json`] gives it, without holding the
    /// text in memory: a large scan's report is never held twice (once as
    /// values, once as text).
    ///
    /// # Errors
    /// Whatever `out` fails with, or a serialisation error as an I/O error.
    pub fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    }

    /// Writes the report whole: temporary file in the same directory, then rename.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the path when the directory cannot be created or written.
    pub fn write_atomic(&self, path: &Path) -> Result<(), ReportError> {
        write_atomic_with(path, |out| self.write_json(out))
    }

    /// Reads a report back.
    ///
    /// # Errors
    /// [`ReportError::Io`] or [`ReportError::Parse`] naming the path.
    pub fn read(path: &Path) -> Result<Report, ReportError> {
        let file = std::fs::File::open(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // Read as a stream: the text of a large report is never held beside
        // the report it describes (a nightly diff reads two).
        serde_json::from_reader(std::io::BufReader::with_capacity(1 << 16, file)).map_err(
            |source| {
                if source.is_io() {
                    ReportError::Io {
                        path: path.to_path_buf(),
                        source: source.into(),
                    }
                } else {
                    ReportError::Parse {
                        path: path.to_path_buf(),
                        source,
                    }
                }
            },
        )
    }
}

/// A report that can be written: whole in memory, or streamed page by page
/// from a scan's spill. Both give the same bytes.
pub trait WriteReport {
    /// The report; a streamed report's firms hold no pages or findings here
    /// (their verdicts, coverage, sources and errors are all there).
    fn head(&self) -> &Report;

    /// Writes the report as [`Report::write_json`] does.
    ///
    /// # Errors
    /// Whatever `out` fails with.
    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()>;

    /// Writes the report of firm `firm` (an index into `head().firms`) alone:
    /// the scan's header, errors and notice, that firm, and its changes.
    ///
    /// # Errors
    /// Whatever `out` fails with.
    fn write_firm_json(&self, firm: usize, out: &mut dyn Write) -> std::io::Result<()>;

    /// Writes the report whole: temporary file in the same directory, then rename.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the path.
    fn write_report_atomic(&self, path: &Path) -> Result<(), ReportError> {
        write_atomic_with(path, |out| self.write_json(out))
    }

    /// Writes the report whole, as [`WriteReport::write_report_atomic`]
    /// does, and returns the lower-case hex SHA-256 and the length of the
    /// bytes written: what a manifest says of the file, without reading a
    /// large report back to hash it.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the path.
    fn write_report_atomic_hashed(&self, path: &Path) -> Result<(String, u64), ReportError> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut bytes = 0u64;
        write_atomic_with(path, |out| {
            // The serialiser writes a token at a time: the hash takes them
            // in large chunks, which is many times faster.
            let mut hashing = std::io::BufWriter::with_capacity(
                1 << 16,
                HashingWriter {
                    inner: out,
                    hasher: &mut hasher,
                    bytes: &mut bytes,
                },
            );
            self.write_json(&mut hashing)?;
            hashing.flush()
        })?;
        Ok((hex::encode(hasher.finalize()), bytes))
    }
}

/// Passes bytes on and hashes them on the way.
struct HashingWriter<'a> {
    inner: &'a mut dyn Write,
    hasher: &'a mut sha2::Sha256,
    bytes: &'a mut u64,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let written = self.inner.write(buf)?;
        let taken = buf.get(..written).unwrap_or(buf);
        self.hasher.update(taken);
        *self.bytes += taken.len() as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl WriteReport for Report {
    fn head(&self) -> &Report {
        self
    }

    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        Report::write_json(self, out)
    }

    fn write_firm_json(&self, firm: usize, out: &mut dyn Write) -> std::io::Result<()> {
        let firms: Vec<FirmReport> = self.firms.get(firm).cloned().into_iter().collect();
        let single = Report {
            schema_version: self.schema_version.clone(),
            tool: self.tool.clone(),
            scan: self.scan.clone(),
            errors: self.errors.clone(),
            watched: self.watched.clone(),
            notice: self.notice.clone(),
            changes: self
                .changes
                .as_ref()
                .map(|changes| changes.only_firm(firms.first().map(|f| f.name.as_str()))),
            firms,
        };
        single.write_json(out)
    }
}

/// Writes `bytes` to `path` so that readers only ever see the old or the new whole file.
///
/// # Errors
/// [`ReportError::Io`] naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// Like [`write_atomic`], with the content written by `write` through a
/// buffer, so that large content need not exist in memory as one piece.
///
/// # Errors
/// [`ReportError::Io`] naming the path, also when `write` fails.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
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
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        write(&mut buffered).map_err(io_err)?;
        buffered.flush().map_err(io_err)?;
    }
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
