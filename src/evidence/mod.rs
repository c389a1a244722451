//! The evidence bundle: a manifest that fixes the SHA-256 of a report and of
//! every WARC file captured with it, and an offline check that someone who
//! does not trust this tool can run (or reproduce with standard tools) to
//! confirm the bundle is whole and that every cited finding stands in the
//! archived bytes.
//!
//! Verification only reads; it must never repair, rewrite or re-fetch
//! anything, and it reports every problem it finds rather than stopping at
//! the first, because a supervisor needs the whole picture. It reads the
//! report as plain JSON so that it keeps working on reports from other
//! versions of the tool.
//!
//! Most findings quote page text, and their quote must stand in the payload
//! as it is. A few quote text the extractor derived from the page rather
//! than copied: flattened JSON-LD fields, the page's URL, a link's target
//! resolved to an absolute URL. Those are checked against what they were
//! derived from, never waved through: each JSON-LD value against the
//! payload, the URL against the record's target URI, the link target
//! against the `href`s and `src`s of the payload resolved as a browser
//! would.

pub mod conditional;
pub mod timestamp;
pub mod warc;

use crate::analyze::charset;
use crate::analyze::extract::{refresh_target, JSON_LD_FIELDS};
use crate::evidence::warc::{WarcReader, WarcRecord};
use crate::model::report::{self, ReportError, Tool};
use crate::model::sha256_hex;
use crate::model::time::now_rfc3339;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use unicode_normalization::UnicodeNormalization;
use url::Url;

/// Version of the manifest format (semver).
pub const MANIFEST_VERSION: &str = "1.0.0";

/// The digests that pin a report and its archives together.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Manifest {
    pub manifest_version: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub tool: Tool,
    pub report: FileDigest,
    pub warc_files: Vec<FileDigest>,
}

/// One file of the bundle.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct FileDigest {
    /// Path relative to the manifest's directory, `/`-separated.
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// What [`verify`] checked and what it found wrong.
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct Verification {
    /// WARC records whose digests were recomputed.
    pub records_checked: usize,
    /// Report findings whose cited record was checked.
    pub findings_checked: usize,
    /// Report pages whose cited record was checked.
    pub pages_checked: usize,
    /// Geo-probe pages (`firms[].geo[].pages[]`) whose cited record was checked.
    #[serde(default)]
    pub geo_pages_checked: usize,
    /// Redirect-chain hops (`attribution.redirect.hops[]`) whose cited response was checked.
    #[serde(default)]
    pub redirect_hops_checked: usize,
    /// The RFC 3161 time (`genTime`, RFC 3339 UTC) of the manifest's
    /// time-stamp (`.tsr` beside it) when its imprint and signed digest
    /// check out; see [`crate::evidence::timestamp`] for what is not checked.
    pub timestamped_at: Option<String>,
    /// Empty when the bundle verifies.
    pub problems: Vec<Problem>,
}

impl Verification {
    /// True when nothing was found wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing that does not verify, and where.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Problem {
    /// `file.warc.gz @ 12345 <urn:uuid:…>`, `report finding 3f2a…`, `manifest`, …
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Errors that prevent verification or manifest writing altogether.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a micar-scan manifest: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write manifest: {0}")]
    Write(#[from] ReportError),
    #[error("cannot serialise manifest: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// `<report stem>.manifest.json` beside the report (`scan.json` → `scan.manifest.json`).
pub fn manifest_path(report_path: &Path) -> PathBuf {
    let stem = match report_path.extension() {
        Some(extension) if extension.eq_ignore_ascii_case("json") => report_path.file_stem(),
        _ => report_path.file_name(),
    };
    let stem = stem
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    report_path.with_file_name(format!("{stem}.manifest.json"))
}

/// Writes the manifest of a report and its WARC files beside the report,
/// atomically. WARC files are named relative to the manifest's directory,
/// so the bundle can be moved as a folder.
///
/// # Errors
/// [`EvidenceError::Io`] naming a file that cannot be read;
/// [`EvidenceError::Write`] when the manifest cannot be written.
pub fn write_manifest(
    report_path: &Path,
    warc_files: &[PathBuf],
) -> Result<PathBuf, EvidenceError> {
    write_manifest_with(report_path, warc_files, &[])
}

/// An archive of an earlier scan that a report still cites: a page answered
/// `304 Not Modified` on a re-scan keeps the citation of its original
/// capture, so the new bundle needs that archive too.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierArchive {
    pub path: PathBuf,
    /// The digest the earlier manifest pinned, kept as it was so that
    /// `verify` notices an archive changed since it was captured.
    pub pinned: FileDigest,
}

/// The earlier archives a report cites, as found through its baseline's manifest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EarlierArchives {
    pub found: Vec<EarlierArchive>,
    /// Cited archive names that neither this scan wrote nor the baseline's
    /// manifest lists with a file that still exists.
    pub missing: Vec<String>,
}

/// Finds the WARC files `report` cites that are not among `current` (this
/// scan's archives) in the manifest of `baseline_report`, which lists the
/// baseline's own archives and, in turn, the earlier ones it carried over.
/// A baseline without a manifest of its own (`reports/latest.json`, a copy)
/// is matched to the manifest beside it that pins its exact bytes.
/// Never fails: what cannot be found is named in `missing`, and `verify`
/// will report those citations.
pub fn earlier_archives(
    report: &report::Report,
    baseline_report: &Path,
    current: &[PathBuf],
) -> EarlierArchives {
    let current: std::collections::HashSet<String> =
        current.iter().map(|path| file_name(path)).collect();
    let mut cited: Vec<String> = Vec::new();
    for firm in &report.firms {
        let pages = firm.pages.iter().map(|page| page.warc_file.as_ref());
        let findings = firm.findings.iter().map(|f| f.warc_file.as_ref());
        for name in pages.chain(findings).flatten() {
            if !current.contains(name) && !cited.contains(name) {
                cited.push(name.clone());
            }
        }
    }
    let mut result = EarlierArchives::default();
    if cited.is_empty() {
        return result;
    }
    let (baseline_dir, listed) = match baseline_manifest(baseline_report) {
        Some((path, manifest)) => (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            manifest.warc_files,
        ),
        None => (PathBuf::new(), Vec::new()),
    };
    for name in cited {
        let entry = listed
            .iter()
            .find(|entry| file_name(Path::new(&entry.name)) == name);
        match entry {
            Some(entry) if baseline_dir.join(&entry.name).is_file() => {
                result.found.push(EarlierArchive {
                    path: baseline_dir.join(&entry.name),
                    pinned: entry.clone(),
                })
            }
            _ => result.missing.push(name),
        }
    }
    result
}

/// The manifest of a baseline report: its own, or else one in the same
/// directory whose report digest is the baseline's (a copy such as
/// `latest.json` has the bytes of the report it copies).
fn baseline_manifest(baseline_report: &Path) -> Option<(PathBuf, Manifest)> {
    let read = |path: &Path| -> Option<Manifest> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let own = manifest_path(baseline_report);
    if let Some(manifest) = read(&own) {
        return Some((own, manifest));
    }
    let digest = digest_file(baseline_report).ok()?;
    let dir = match baseline_report.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| file_name(path).ends_with(".manifest.json"))
        .collect();
    // Newest names last; prefer the newest match for a deterministic pick.
    candidates.sort();
    candidates.into_iter().rev().find_map(|path| {
        let manifest = read(&path)?;
        manifest
            .report
            .sha256
            .eq_ignore_ascii_case(&digest.sha256)
            .then_some((path, manifest))
    })
}

/// [`write_manifest`], also listing `earlier` archives (see
/// [`earlier_archives`]) with the digests their own manifest pinned.
///
/// # Errors
/// As [`write_manifest`].
pub fn write_manifest_with(
    report_path: &Path,
    warc_files: &[PathBuf],
    earlier: &[EarlierArchive],
) -> Result<PathBuf, EvidenceError> {
    let manifest_path = manifest_path(report_path);
    let base = bundle_dir(&manifest_path)?;
    let report = FileDigest {
        name: file_name(report_path),
        ..digest_file(report_path)?
    };
    let mut warcs = Vec::with_capacity(warc_files.len());
    for path in warc_files {
        let absolute = std::fs::canonicalize(path).map_err(|source| io_error(path, source))?;
        warcs.push(FileDigest {
            name: relative_name(&base, &absolute),
            ..digest_file(path)?
        });
    }
    for archive in earlier {
        let absolute = std::fs::canonicalize(&archive.path)
            .map_err(|source| io_error(&archive.path, source))?;
        warcs.push(FileDigest {
            name: relative_name(&base, &absolute),
            ..archive.pinned.clone()
        });
    }
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION.to_string(),
        created_at: now_rfc3339(),
        tool: Tool::default(),
        report,
        warc_files: warcs,
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    report::write_atomic(&manifest_path, text.as_bytes())?;
    Ok(manifest_path)
}

/// Re-reads the manifest, the report and every WARC file the manifest lists,
/// and checks: the report's and every WARC file's SHA-256 and size against
/// the manifest; every record's `WARC-Block-Digest` and
/// `WARC-Payload-Digest`; and for each page and finding of the report that
/// cites a record (`warc_file`, `warc_record_id`, `warc_offset`) that the
/// record is at that offset with that id, that its payload's SHA-256 equals
/// the cited `content_sha256`, and that a finding's `matched` text and the
/// pieces of its `snippet` occur in the payload read as text (whitespace,
/// markup and character references aside). Quotes of derived text are
/// checked against their source: JSON-LD values (`block_kind` `json_ld`)
/// one by one against the payload, the page URL (`block_kind` `url`, URL
/// locale markup) against the record's `WARC-Target-URI` or the finding's
/// `url`, the content language also against the `Content-Language` response
/// header, and a link target (a `…[href]` path, or a `link`/`button` finding
/// quoting an absolute URL) against the payload's `href`s and `src`s
/// resolved against the target URI.
///
/// # Errors
/// [`EvidenceError::Io`] or [`EvidenceError::Parse`] when the manifest cannot
/// be read at all; everything else is a [`Problem`] in the result.
pub fn verify(report_path: &Path) -> Result<Verification, EvidenceError> {
    let manifest_path = manifest_path(report_path);
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .map_err(|source| io_error(&manifest_path, source))?;
    let manifest: Manifest =
        serde_json::from_str(&manifest_text).map_err(|source| EvidenceError::Parse {
            path: manifest_path.clone(),
            source,
        })?;
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut verification = Verification::default();
    let mut problems = Problems::default();

    if manifest.report.name != file_name(report_path) {
        problems.add(
            "manifest",
            format!(
                "lists report {:?}, not {:?}",
                manifest.report.name,
                file_name(report_path)
            ),
        );
    }
    check_file_digest(report_path, &manifest.report, &mut problems);
    verification.timestamped_at =
        check_timestamp(&manifest_path, manifest_text.as_bytes(), &mut problems);

    // Cited records are looked up by the archive's file name, as reports carry it.
    let mut archives: HashMap<String, PathBuf> = HashMap::new();
    for entry in &manifest.warc_files {
        let path = base.join(&entry.name);
        if check_file_digest(&path, entry, &mut problems) {
            verification.records_checked += check_records(&path, &mut problems);
        }
        archives.insert(file_name(&path), path);
    }

    // An unreadable report has already been named by the digest check above.
    if let Ok(bytes) = std::fs::read(report_path) {
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(report) => {
                let mut citations = Citations {
                    archives: &archives,
                    cache: HashMap::new(),
                };
                check_citations(&report, &mut citations, &mut verification, &mut problems);
            }
            Err(error) => problems.add(file_name(report_path), format!("not JSON: {error}")),
        }
    }
    verification.problems = problems.0;
    Ok(verification)
}

/// Checks the time-stamp response beside the manifest, if there is one:
/// granted, over the SHA-256 of the manifest's bytes, its signed digest
/// consistent. Returns the stamped time when it checks out.
fn check_timestamp(
    manifest_path: &Path,
    manifest: &[u8],
    problems: &mut Problems,
) -> Option<String> {
    let tsr_path = crate::evidence::timestamp::tsr_path(manifest_path);
    let location = file_name(&tsr_path);
    let bytes = match std::fs::read(&tsr_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            problems.add(location, format!("cannot be read: {e}"));
            return None;
        }
    };
    let token = match crate::evidence::timestamp::parse_response(&bytes, &location) {
        Ok(token) => token,
        Err(e) => {
            problems.add(location, e.to_string());
            return None;
        }
    };
    let digest = Sha256::digest(manifest);
    let mut ok = true;
    if !token.stamps_sha256(&digest) {
        ok = false;
        problems.add(
            location.clone(),
            format!(
                "the time-stamp covers {}, but the manifest's SHA-256 is {}: the manifest changed after it was stamped",
                hex::encode(&token.message_imprint),
                hex::encode(digest)
            ),
        );
    }
    if token.signed_digest_matches == Some(false) {
        ok = false;
        problems.add(
            location,
            "the signed messageDigest does not match the time-stamp info",
        );
    }
    ok.then_some(token.gen_time)
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            location: location.into(),
            message: message.into(),
        });
    }
}

/// Compares a file with its manifest entry; false when the file cannot be read.
fn check_file_digest(path: &Path, expected: &FileDigest, problems: &mut Problems) -> bool {
    match digest_file(path) {
        Ok(actual) => {
            if !actual.sha256.eq_ignore_ascii_case(&expected.sha256) {
                problems.add(
                    expected.name.clone(),
                    format!(
                        "SHA-256 is {}, the manifest says {}",
                        actual.sha256, expected.sha256
                    ),
                );
            }
            if actual.bytes != expected.bytes {
                problems.add(
                    expected.name.clone(),
                    format!(
                        "{} bytes, the manifest says {}",
                        actual.bytes, expected.bytes
                    ),
                );
            }
            true
        }
        Err(error) => {
            problems.add(expected.name.clone(), format!("cannot be read: {error}"));
            false
        }
    }
}

/// Recomputes every record's digests; returns how many records were read.
fn check_records(path: &Path, problems: &mut Problems) -> usize {
    let reader = match WarcReader::open(path) {
        Ok(reader) => reader,
        Err(error) => {
            problems.add(file_name(path), error.to_string());
            return 0;
        }
    };
    let mut count = 0;
    for record in reader {
        match record {
            Ok(record) => {
                count += 1;
                for message in record.digest_problems() {
                    problems.add(record_location(&record), message);
                }
            }
            Err(error) => problems.add(file_name(path), format!("unreadable: {error}")),
        }
    }
    count
}

fn record_location(record: &WarcRecord) -> String {
    format!(
        "{} @ {} {}",
        record.file,
        record.offset,
        record.header("WARC-Record-ID").unwrap_or("(no record id)")
    )
}

/// What a cited record turned out to hold.
struct CitedRecord {
    location: String,
    record_id: Option<String>,
    warc_type: Option<String>,
    payload_sha256: Option<String>,
    /// The payload as text in several readings, whitespace removed.
    text_views: Vec<String>,
    /// `WARC-Target-URI`: the URL the payload was fetched from.
    target_uri: Option<String>,
    /// Every `href`, `src` and refresh target of the payload, resolved
    /// against the target URI (and `<base href>`), http(s) only.
    link_targets: Vec<String>,
    /// The `Content-Language` response header, which locale findings quote.
    content_language: Option<String>,
    /// The HTTP status of an `application/http` response record.
    http_status: Option<u16>,
    /// The response's `Location` header, resolved against the target URI.
    redirect_target: Option<String>,
}

struct Citations<'a> {
    archives: &'a HashMap<String, PathBuf>,
    cache: HashMap<(String, u64), Result<CitedRecord, String>>,
}

impl Citations<'_> {
    fn record(&mut self, warc_file: &str, offset: u64) -> &Result<CitedRecord, String> {
        let archives = self.archives;
        self.cache
            .entry((warc_file.to_string(), offset))
            .or_insert_with(|| {
                let path = archives.get(warc_file).ok_or_else(|| {
                    format!("cites {warc_file}, which the manifest does not list")
                })?;
                let record = WarcReader::read_at(path, offset)
                    .map_err(|error| format!("cited record cannot be read: {error}"))?;
                Ok(CitedRecord::from_record(&record))
            })
    }
}

impl CitedRecord {
    fn from_record(record: &WarcRecord) -> CitedRecord {
        let payload = record.http_payload();
        let target_uri = record.header("WARC-Target-URI").map(str::to_string);
        let http_headers = record.http_headers();
        let http_header = |wanted: &str| {
            http_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.clone())
        };
        let reading = payload
            .map(|payload| {
                let content_type = http_header("content-type");
                read_payload(payload, content_type.as_deref(), target_uri.as_deref())
            })
            .unwrap_or_default();
        CitedRecord {
            location: record_location(record),
            record_id: record.header("WARC-Record-ID").map(str::to_string),
            warc_type: record.header("WARC-Type").map(str::to_string),
            payload_sha256: payload.map(sha256_hex),
            text_views: reading.views,
            target_uri,
            link_targets: reading.link_targets,
            content_language: http_header("content-language"),
            http_status: payload.and_then(|_| http_status(&record.block)),
            redirect_target: http_header("location").and_then(|location| {
                let base = Url::parse(record.header("WARC-Target-URI")?).ok()?;
                base.join(location.trim()).ok().map(|url| url.to_string())
            }),
        }
    }

    fn contains(&self, text: &str) -> bool {
        let needle = squash(text);
        needle.is_empty() || self.text_views.iter().any(|view| view.contains(&needle))
    }

    /// As [`CitedRecord::contains`], ignoring ASCII case: language tags
    /// (BCP 47) are case-insensitive, and feed readers lower-case them.
    fn contains_ignoring_case(&self, text: &str) -> bool {
        let needle = squash(text).to_ascii_lowercase();
        needle.is_empty()
            || self
                .text_views
                .iter()
                .any(|view| view.to_ascii_lowercase().contains(&needle))
    }
}

/// Checks every page and finding of every firm that cites a record.
fn check_citations(
    report: &serde_json::Value,
    citations: &mut Citations,
    verification: &mut Verification,
    problems: &mut Problems,
) {
    let firms = report
        .get("firms")
        .and_then(|firms| firms.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for firm in firms {
        for page in items(firm, "pages") {
            let url = page.get("url").and_then(|url| url.as_str()).unwrap_or("?");
            let location = format!("report page {url}");
            if check_citation(page, &location, citations, problems, false) {
                verification.pages_checked += 1;
            }
            if let Some(revalidated) = page.get("revalidated") {
                let location = format!("report page {url} (revalidation)");
                check_revalidation(revalidated, &location, citations, problems);
            }
        }
        for finding in items(firm, "findings") {
            let id = finding.get("id").and_then(|id| id.as_str()).unwrap_or("?");
            let location = format!("report finding {id}");
            if check_citation(finding, &location, citations, problems, true) {
                verification.findings_checked += 1;
            }
            let hops = finding
                .pointer("/attribution/redirect/hops")
                .and_then(|hops| hops.as_array())
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (n, hop) in hops.iter().enumerate() {
                let location = format!("report finding {id}, redirect hop {}", n + 1);
                if check_hop_citation(hop, &location, citations, problems) {
                    verification.redirect_hops_checked += 1;
                }
            }
        }
        for vantage in items(firm, "geo") {
            let name = vantage
                .get("vantage")
                .and_then(|name| name.as_str())
                .unwrap_or("?");
            for page in items(vantage, "pages") {
                let url = page.get("url").and_then(|url| url.as_str()).unwrap_or("?");
                let location = format!("report geo probe from {name}: {url}");
                if check_citation(page, &location, citations, problems, false) {
                    verification.geo_pages_checked += 1;
                }
            }
        }
    }
}

/// A page carried over on `304 Not Modified` may cite the `304` exchange of
/// this scan: it must be a response record with that id and status 304.
fn check_revalidation(
    revalidated: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
) {
    let text = |key: &str| revalidated.get(key).and_then(|value| value.as_str());
    let offset = revalidated
        .get("warc_offset")
        .and_then(|value| value.as_u64());
    let (warc_file, record_id, offset) = match (text("warc_file"), text("warc_record_id"), offset) {
        (None, None, None) => return,
        (Some(file), Some(id), Some(offset)) => (file, id, offset),
        _ => {
            problems.add(
                location,
                "cites a record only in part (warc_file, warc_record_id and warc_offset go together)",
            );
            return;
        }
    };
    let cited = match citations.record(warc_file, offset) {
        Ok(cited) => cited,
        Err(message) => {
            problems.add(location, format!("{message} ({warc_file} @ {offset})"));
            return;
        }
    };
    if cited.record_id.as_deref() != Some(record_id) {
        problems.add(
            location,
            format!(
                "cites {record_id} at {warc_file} @ {offset}, but the record there is {}",
                cited.record_id.as_deref().unwrap_or("(no id)")
            ),
        );
    } else if cited.warc_type.as_deref() != Some("response") || cited.http_status != Some(304) {
        problems.add(
            location,
            format!(
                "cited record {} is not a 304 Not Modified response",
                cited.location
            ),
        );
    }
}

/// The status code of the HTTP status line that opens an `application/http` block.
fn http_status(block: &[u8]) -> Option<u16> {
    let line_end = block.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&block[..line_end]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn items<'a>(firm: &'a serde_json::Value, key: &str) -> &'a [serde_json::Value] {
    firm.get(key)
        .and_then(|items| items.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Checks one page or finding; false when it cites no record.
fn check_citation(
    item: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
    is_finding: bool,
) -> bool {
    let text = |key: &str| item.get(key).and_then(|value| value.as_str());
    let cited = match cited_record(item, location, citations, problems) {
        Cited::Nothing => return false,
        Cited::Broken => return true,
        Cited::Record(cited) => cited,
    };
    if !matches!(cited.warc_type.as_deref(), Some("response" | "resource")) {
        problems.add(
            location,
            format!(
                "cited record {} is a {} record, not a response",
                cited.location,
                cited.warc_type.as_deref().unwrap_or("(untyped)")
            ),
        );
    }
    match (text("content_sha256"), &cited.payload_sha256) {
        (Some(claimed), Some(actual)) if claimed.eq_ignore_ascii_case(actual) => {}
        (Some(claimed), Some(actual)) => problems.add(
            location,
            format!(
                "content_sha256 is {claimed}, but the payload of {} hashes to {actual}",
                cited.location
            ),
        ),
        (None, _) => problems.add(location, "cites a record but has no content_sha256"),
        (_, None) => problems.add(
            location,
            format!("cited record {} has no HTTP payload", cited.location),
        ),
    }
    if is_finding {
        for message in quote_problems(item, cited) {
            problems.add(location, message);
        }
    }
    true
}

/// What an item's WARC citation leads to.
enum Cited<'c> {
    /// The item cites no record.
    Nothing,
    /// The citation is incomplete, or its record is missing or another one;
    /// the problem is recorded.
    Broken,
    Record(&'c CitedRecord),
}

/// Finds the record `item` cites (`warc_file`, `warc_record_id`,
/// `warc_offset`) and checks that the record there has the cited id.
fn cited_record<'c>(
    item: &serde_json::Value,
    location: &str,
    citations: &'c mut Citations,
    problems: &mut Problems,
) -> Cited<'c> {
    let text = |key: &str| item.get(key).and_then(|value| value.as_str());
    let offset = item.get("warc_offset").and_then(|value| value.as_u64());
    let (warc_file, record_id, offset) = match (text("warc_file"), text("warc_record_id"), offset) {
        (None, None, None) => return Cited::Nothing,
        (Some(file), Some(id), Some(offset)) => (file, id, offset),
        _ => {
            problems.add(
                location,
                "cites a record only in part (warc_file, warc_record_id and warc_offset go together)",
            );
            return Cited::Broken;
        }
    };
    let cited = match citations.record(warc_file, offset) {
        Ok(cited) => cited,
        Err(message) => {
            problems.add(location, format!("{message} ({warc_file} @ {offset})"));
            return Cited::Broken;
        }
    };
    if cited.record_id.as_deref() != Some(record_id) {
        problems.add(
            location,
            format!(
                "cites {record_id} at {warc_file} @ {offset}, but the record there is {}",
                cited.record_id.as_deref().unwrap_or("(no id)")
            ),
        );
        return Cited::Broken;
    }
    Cited::Record(cited)
}

/// Checks that a redirect hop's cited record is the response it describes:
/// same status and the same `Location`. False when it cites no record.
fn check_hop_citation(
    hop: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
) -> bool {
    let text = |key: &str| hop.get(key).and_then(|value| value.as_str());
    let cited = match cited_record(hop, location, citations, problems) {
        Cited::Nothing => return false,
        Cited::Broken => return true,
        Cited::Record(cited) => cited,
    };
    let status = hop.get("status").and_then(|value| value.as_u64());
    if status.is_none() || cited.http_status.map(u64::from) != status {
        problems.add(
            location,
            format!(
                "says HTTP {}, but {} answered {}",
                status.map_or("?".to_string(), |s| s.to_string()),
                cited.location,
                cited
                    .http_status
                    .map_or("no HTTP status".to_string(), |s| s.to_string())
            ),
        );
    }
    if let Some(claimed) = text("location") {
        // A 3xx points on with `Location`; a page with a meta refresh
        // points on from its body.
        let points_there = cited.redirect_target.as_deref() == Some(claimed)
            || (cited.redirect_target.is_none()
                && cited.link_targets.iter().any(|target| target == claimed));
        if !points_there {
            problems.add(
                location,
                format!(
                    "says it pointed to {claimed}, but {} points to {}",
                    cited.location,
                    cited.redirect_target.as_deref().unwrap_or("nowhere")
                ),
            );
        }
    }
    true
}

/// Where a finding's quoted text came from, which decides what it is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuoteSource {
    /// Text of the page, as it stands.
    Verbatim,
    /// JSON-LD fields flattened to `field: value, value; field: value`.
    JsonLd,
    /// The page's own URL (or locale markup read from it).
    PageUrl,
    /// A link's target, resolved to an absolute URL.
    LinkTarget,
    /// The content language, from the response header or a `<meta>` tag.
    ContentLanguage,
    /// A language tag of the markup (`<html lang>`, a feed's `<language>`),
    /// which readers may have re-cased.
    LanguageTag,
}

impl QuoteSource {
    fn of(finding: &serde_json::Value) -> QuoteSource {
        let location = finding.get("location");
        let field = |key: &str| {
            location
                .and_then(|location| location.get(key))
                .and_then(|value| value.as_str())
                .unwrap_or_default()
        };
        let snippet = finding
            .get("snippet")
            .and_then(|snippet| snippet.as_str())
            .unwrap_or_default();
        match (field("block_kind"), field("path")) {
            ("json_ld", _) => QuoteSource::JsonLd,
            ("url", _) | ("other", "url-path-locale" | "url-subdomain-locale") => {
                QuoteSource::PageUrl
            }
            ("other", "content-language") => QuoteSource::ContentLanguage,
            ("other", "html[lang]") => QuoteSource::LanguageTag,
            (_, path) if path.ends_with("[href]") => QuoteSource::LinkTarget,
            ("link" | "button", _) if absolute_http_url(snippet).is_some() => {
                QuoteSource::LinkTarget
            }
            _ => QuoteSource::Verbatim,
        }
    }
}

fn absolute_http_url(text: &str) -> Option<Url> {
    Url::parse(text.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// Snippets mark cuts with `…`; the pieces between cuts are what was quoted.
fn snippet_pieces(snippet: &str) -> impl Iterator<Item = &str> {
    snippet
        .split('…')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
}

/// Checks a finding's `matched` and `snippet` against the cited record, each
/// by where the text came from; one message per quote that does not stand.
fn quote_problems(finding: &serde_json::Value, cited: &CitedRecord) -> Vec<String> {
    let text = |key: &str| finding.get(key).and_then(|value| value.as_str());
    let matched = text("matched");
    let snippet = text("snippet");
    let mut problems = Vec::new();
    match QuoteSource::of(finding) {
        QuoteSource::Verbatim => {
            if let Some(matched) = matched.filter(|matched| !cited.contains(matched)) {
                problems.push(format!(
                    "matched text {matched:?} does not occur in the payload of {}",
                    cited.location
                ));
            }
            if let Some(snippet) = snippet {
                if let Some(piece) = snippet.split('…').find(|piece| !cited.contains(piece)) {
                    problems.push(format!(
                        "snippet text {piece:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::JsonLd => {
            let values = matched
                .into_iter()
                .flat_map(|matched| json_ld_values(matched, false))
                .chain(snippet.into_iter().flat_map(|snippet| {
                    snippet_pieces(snippet)
                        .enumerate()
                        .flat_map(|(index, piece)| {
                            json_ld_values(piece, index > 0 || snippet.starts_with('…'))
                        })
                }));
            for value in values {
                if !cited.contains(value) {
                    problems.push(format!(
                        "JSON-LD value {value:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::PageUrl => {
            let urls: Vec<&str> = cited
                .target_uri
                .as_deref()
                .into_iter()
                .chain(text("url"))
                .collect();
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !urls.iter().any(|url| url.contains(quote)) {
                    problems.push(format!(
                        "{quote:?} does not occur in the page's URL ({})",
                        urls.join(" or ")
                    ));
                }
            }
        }
        QuoteSource::LanguageTag => {
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !cited.contains_ignoring_case(quote) {
                    problems.push(format!(
                        "language tag {quote:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::ContentLanguage => {
            let header = cited.content_language.as_deref().unwrap_or_default();
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !header.contains(quote) && !cited.contains(quote) {
                    problems.push(format!(
                        "content language {quote:?} is neither the Content-Language header ({header:?}) nor in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::LinkTarget => {
            let snippet = snippet.unwrap_or_default();
            if !link_target_stands(snippet, matched, cited) {
                problems.push(format!(
                    "link target {snippet:?} (matched {:?}) is not where any href or src of the payload of {} leads",
                    matched.unwrap_or_default(),
                    cited.location
                ));
            }
        }
    }
    problems
}

/// A link-target quote stands when one resolved `href`/`src` of the payload
/// is the quoted URL (holds every piece of a cut one) and holds `matched`;
/// or when the page carries the quote as it is (an absolute URL in a feed).
fn link_target_stands(snippet: &str, matched: Option<&str>, cited: &CitedRecord) -> bool {
    let matched = matched.unwrap_or_default();
    let whole = (!snippet.contains('…'))
        .then(|| absolute_http_url(snippet))
        .flatten();
    let resolved = cited.link_targets.iter().any(|target| {
        let is_quoted = match &whole {
            Some(url) => target == url.as_str() || target == snippet.trim(),
            None => {
                let mut pieces = snippet_pieces(snippet).peekable();
                pieces.peek().is_some() && pieces.all(|piece| target.contains(piece))
            }
        };
        is_quoted && target.contains(matched)
    });
    resolved || (cited.contains(matched) && snippet.split('…').all(|piece| cited.contains(piece)))
}

/// The values a flattened JSON-LD text quotes: `field: a, b; field: c`
/// gives `a`, `b`, `c`. Labels are the extractor's, not the page's; a piece
/// that follows a cut may start inside a label (`ress: Main Street`).
/// Splitting at `, ` also splits values that hold a comma themselves, whose
/// parts then stand in the payload each.
fn json_ld_values(text: &str, after_cut: bool) -> Vec<&str> {
    let mut values = Vec::new();
    for (index, field) in text.split("; ").enumerate() {
        let value = match field.split_once(": ") {
            Some((label, value))
                if JSON_LD_FIELDS.iter().any(|known| {
                    *known == label
                        || (index == 0 && after_cut && !label.is_empty() && known.ends_with(label))
                }) =>
            {
                value
            }
            _ => field,
        };
        values.extend(
            value
                .split(", ")
                .map(|part| part.trim().trim_matches(',').trim())
                .filter(|part| !part.is_empty()),
        );
    }
    values
}

/// What a payload says, read the ways findings quote it.
#[derive(Default)]
struct PayloadReading {
    /// As decoded, as HTML text and attribute values (character references
    /// resolved, markup gone), as the strings of its JSON-LD, and as JSON
    /// strings. Each view has whitespace removed so that reflowed text
    /// still matches.
    views: Vec<String>,
    /// See [`CitedRecord::link_targets`].
    link_targets: Vec<String>,
}

fn read_payload(
    payload: &[u8],
    content_type: Option<&str>,
    target_uri: Option<&str>,
) -> PayloadReading {
    let decoded = charset::decode(payload, content_type).text;
    let mut views = vec![squash(&decoded)];
    let html = read_html(&decoded, target_uri);
    views.push(squash(&html.text));
    views.push(squash(&html.attributes));
    if !html.json_ld.is_empty() {
        views.push(squash(&html.json_ld));
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&decoded) {
        let mut strings = String::new();
        json_strings(&json, &mut strings);
        views.push(squash(&strings));
    }
    PayloadReading {
        views,
        link_targets: html.link_targets,
    }
}

struct HtmlReading {
    /// Text nodes joined as they stand (inline markup splits words).
    text: String,
    /// Attribute values, kept apart by a separator no match can contain;
    /// apart from the text too, so that the attributes of an inline
    /// element (a link's `href`) do not cut the sentence around it.
    attributes: String,
    /// The strings of every JSON-LD script, unescaped.
    json_ld: String,
    link_targets: Vec<String>,
}

fn read_html(source: &str, target_uri: Option<&str>) -> HtmlReading {
    let document = scraper::Html::parse_document(source);
    let mut text = String::with_capacity(source.len() / 2);
    let mut attributes = String::new();
    let mut json_ld = String::new();
    let mut raw_targets: Vec<&str> = Vec::new();
    let mut base_href = None;
    for node in document.tree.root().descendants() {
        match node.value() {
            scraper::Node::Text(content) => text.push_str(content),
            scraper::Node::Element(element) => {
                for (name, value) in element.attrs() {
                    attributes.push('\u{1}');
                    attributes.push_str(value);
                    attributes.push('\u{1}');
                    if matches!(name, "href" | "src") {
                        raw_targets.push(value);
                    }
                }
                match element.name() {
                    "base" if base_href.is_none() => base_href = element.attr("href"),
                    "meta" => {
                        let refresh = element
                            .attr("http-equiv")
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"));
                        if let Some(target) = element
                            .attr("content")
                            .filter(|_| refresh)
                            .and_then(refresh_target)
                        {
                            raw_targets.push(target);
                        }
                    }
                    "script"
                        if element.attr("type").is_some_and(|t| {
                            t.trim().eq_ignore_ascii_case("application/ld+json")
                        }) =>
                    {
                        let source: String = node
                            .children()
                            .filter_map(|child| child.value().as_text().map(|t| t.to_string()))
                            .collect();
                        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&source) {
                            json_strings(&json, &mut json_ld);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // Resolved as the extractor resolves links: against `<base href>`,
    // itself resolved against the URL the page came from.
    let page = target_uri.and_then(|uri| Url::parse(uri.trim()).ok());
    let base = match (base_href, &page) {
        (Some(href), Some(page)) => page.join(href.trim()).ok().or(Some(page.clone())),
        (Some(href), None) => Url::parse(href.trim()).ok(),
        (None, page) => page.clone(),
    };
    let link_targets = raw_targets
        .into_iter()
        .filter_map(|raw| match &base {
            Some(base) => base.join(raw.trim()).ok(),
            None => Url::parse(raw.trim()).ok(),
        })
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(String::from)
        .collect();
    HtmlReading {
        text,
        attributes,
        json_ld,
        link_targets,
    }
}

fn json_strings(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::String(text) => {
            out.push('\u{1}');
            out.push_str(text);
        }
        serde_json::Value::Array(values) => values.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// NFC with whitespace and invisible formatting characters removed.
fn squash(text: &str) -> String {
    text.nfc()
        .filter(|ch| {
            !ch.is_whitespace()
                && !matches!(
                    ch,
                    '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
                )
        })
        .collect()
}

/// SHA-256 and size of a file, read in chunks (archives can be large).
fn digest_file(path: &Path) -> Result<FileDigest, EvidenceError> {
    let mut file = std::fs::File::open(path).map_err(|source| io_error(path, source))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|source| io_error(path, source))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(FileDigest {
        name: file_name(path),
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

/// The manifest's directory, absolute, so archive names can be made relative to it.
fn bundle_dir(manifest_path: &Path) -> Result<PathBuf, EvidenceError> {
    let dir = match manifest_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&dir).map_err(|source| io_error(&dir, source))
}

/// `to` relative to the directory `from` (both absolute), `/`-separated.
fn relative_name(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn io_error(path: &Path, source: std::io::Error) -> EvidenceError {
    EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests;
